//! Paths scripts read are relative to the directory shakedown runs in and
//! confined to it: `..`, absolute paths and symlinks that lead outside are
//! refused unless the user allowed a directory with `--allow-path`.

use std::path::{Component, Path, PathBuf};

use crate::error::Thrown;

/// Resolves `given` against `base`; `Err` when it leads outside `base` and
/// every allowed directory.
pub fn confine(base: &Path, given: &str, allowed: &[PathBuf]) -> Result<PathBuf, Thrown> {
    let joined = base.join(given);
    let resolved = real_path(&joined);
    let base_real = real_path(base);
    let inside = resolved.starts_with(&base_real)
        || allowed
            .iter()
            .any(|dir| resolved.starts_with(real_path(&base.join(dir))));
    if inside {
        Ok(joined)
    } else {
        Err(Thrown::usage(
            format!(
                "{given:?} is outside the directory shakedown runs in ({}): it resolves to {}",
                base_real.display(),
                resolved.display()
            ),
            format!(
                "read files below {} only, or allow a directory with --allow-path DIR",
                base_real.display()
            ),
        )
        .with_code("shakedown::path::outside"))
    }
}

/// The path with symlinks resolved as far as it exists, the rest cleaned
/// lexically (a file that does not exist yet can still be judged).
fn real_path(path: &Path) -> PathBuf {
    if let Ok(real) = std::fs::canonicalize(path) {
        return real;
    }
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return clean(path);
    };
    if parent.as_os_str().is_empty() {
        return clean(path);
    }
    clean(&real_path(parent).join(name))
}

fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("work/docker")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("work/docker/Dockerfile"), "FROM x").unwrap();
        std::fs::write(dir.path().join("outside/secret"), "s").unwrap();
        dir
    }

    #[test]
    fn a_path_inside_is_resolved() {
        let dir = setup();
        let base = dir.path().join("work");
        assert!(confine(&base, "docker/Dockerfile", &[]).is_ok());
        assert!(confine(&base, "./docker/../docker/Dockerfile", &[]).is_ok());
        assert!(confine(&base, "not/yet/there.txt", &[]).is_ok());
    }

    #[test]
    fn dot_dot_out_is_refused() {
        let dir = setup();
        let err = confine(&dir.path().join("work"), "../outside/secret", &[]).unwrap_err();
        assert_eq!(err.code, "shakedown::path::outside");
        assert!(err.help.unwrap_or_default().contains("--allow-path"));
    }

    #[test]
    fn an_absolute_path_out_is_refused() {
        let dir = setup();
        let secret = dir.path().join("outside/secret");
        assert!(confine(&dir.path().join("work"), &secret.display().to_string(), &[]).is_err());
    }

    #[test]
    fn a_symlink_pointing_out_is_refused() {
        let dir = setup();
        std::os::unix::fs::symlink(dir.path().join("outside"), dir.path().join("work/link"))
            .unwrap();
        assert!(confine(&dir.path().join("work"), "link/secret", &[]).is_err());
    }

    #[test]
    fn allow_path_lets_a_directory_in() {
        let dir = setup();
        let base = dir.path().join("work");
        let allowed = [PathBuf::from("../outside")];
        assert!(confine(&base, "../outside/secret", &allowed).is_ok());
        assert!(confine(&base, "../elsewhere", &allowed).is_err());
    }
}
