//! The Dockerfiles `shakedown init` reads when none is named: every
//! `Dockerfile*` in the directory it runs in and two levels of
//! subdirectories, hidden directories and build outputs left out.

use std::path::{Path, PathBuf};

/// How many levels of subdirectories are searched.
const DEPTH: usize = 2;

/// Directories never searched: tools' caches and build outputs.
const SKIPPED: &[&str] = &["target", "node_modules"];

/// The Dockerfiles under `dir`, relative to it, sorted.
pub fn dockerfiles(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    search(dir, Path::new(""), 0, &mut found);
    found.sort();
    found
}

fn search(root: &Path, relative: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(relative)) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = relative.join(&name);
        if kind.is_dir() {
            if depth < DEPTH && !name.starts_with('.') && !SKIPPED.contains(&name.as_str()) {
                search(root, &path, depth + 1, found);
            }
        } else if kind.is_file() && is_dockerfile(&name) {
            found.push(path);
        }
    }
}

/// `Dockerfile`, `Dockerfile.gpu`, `Dockerfile-dev`; not a Dockerfile's
/// own ignore file (`Dockerfile.dockerignore`).
fn is_dockerfile(name: &str) -> bool {
    name.starts_with("Dockerfile") && !name.ends_with(".dockerignore")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_levels_down_and_no_hidden_directories() {
        let dir = std::env::temp_dir().join(format!("shakedown-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for path in [
            "Dockerfile",
            "a/Dockerfile.gpu",
            "a/b/Dockerfile-dev",
            "a/b/c/Dockerfile",
            ".git/Dockerfile",
            "target/Dockerfile",
            "a/Dockerfile.dockerignore",
            "a/notes.txt",
        ] {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "FROM x\n").unwrap();
        }
        let found = dockerfiles(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            found,
            [
                PathBuf::from("Dockerfile"),
                PathBuf::from("a/Dockerfile.gpu"),
                PathBuf::from("a/b/Dockerfile-dev")
            ]
        );
    }
}
