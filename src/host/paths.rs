//! Paths scripts name are relative to the directory shakedown runs in and
//! confined to it: `..`, absolute paths and symlinks that lead outside are
//! refused unless the user allowed a directory with `--allow-path`. Files a
//! script reads, build contexts, Dockerfiles and imported modules all pass
//! through here.

use std::path::{Component, Path, PathBuf};

use rhai::NativeCallContext;

use super::convert::RhaiResult;
use super::limits;
use crate::error::Thrown;
use crate::runner::context;
use crate::static_read::input_file::{self, InputError};

/// Where the paths a script names may lead.
#[derive(Debug, Clone)]
pub struct Confinement {
    /// The directory shakedown runs in; relative paths start here.
    pub base: PathBuf,
    /// `--allow-path` directories (relative to `base`, or absolute).
    pub allowed: Vec<PathBuf>,
}

impl Confinement {
    /// The confinement of the run on this thread: the current directory
    /// and the run's `--allow-path` directories (none outside a run).
    pub fn of_run() -> Self {
        Self {
            base: std::env::current_dir().unwrap_or_default(),
            allowed: context::current()
                .map(|ctx| ctx.run.options.allow_paths.clone())
                .unwrap_or_default(),
        }
    }

    /// Resolves `given` against the base; `Err` when it leads outside the
    /// base and every allowed directory. `what` names it in the message
    /// ("the build context", "module").
    pub fn check(&self, given: &str, what: &str) -> Result<PathBuf, Thrown> {
        self.check_path(Path::new(given), given, what)
    }

    /// [`check`](Self::check) for a path already joined to another
    /// (an import relative to its script); `shown` is how the script wrote it.
    pub fn check_path(&self, path: &Path, shown: &str, what: &str) -> Result<PathBuf, Thrown> {
        let joined = self.base.join(path);
        let resolved = real_path(&joined);
        let base_real = real_path(&self.base);
        let inside = resolved.starts_with(&base_real)
            || self
                .allowed
                .iter()
                .any(|dir| resolved.starts_with(real_path(&self.base.join(dir))));
        if inside {
            return Ok(joined);
        }
        Err(Thrown::usage(
            format!(
                "{what} {shown:?} is outside the directory shakedown runs in ({}): it resolves to {}",
                base_real.display(),
                resolved.display()
            ),
            format!(
                "use paths below {} only, or allow a directory with --allow-path DIR",
                base_real.display()
            ),
        )
        .with_code("shakedown::path::outside"))
    }
}

/// A path a script's reader names, confined to the run directory (or an
/// allowed one).
pub fn resolve(call: &NativeCallContext, path: &str) -> RhaiResult<PathBuf> {
    super::convert::ctx(call)?;
    Confinement::of_run()
        .check(path, "path")
        .map_err(|t| t.at(call.call_position()))
}

/// Reads the text of a file a script names: confined, a regular file, at
/// most [`limits::MAX_READ_BYTES`]. A path that leads nowhere usable is a
/// script error (exit 2): the script names it wrongly.
pub fn read_named(call: &NativeCallContext, path: &str) -> RhaiResult<(PathBuf, String)> {
    let real = resolve(call, path)?;
    let text = input_file::read_text(&real, limits::MAX_READ_BYTES)
        .map_err(|err| unreadable(path, &err).at(call.call_position()))?;
    Ok((real, text))
}

/// Why a file a script names could not be read, as a script error.
pub fn unreadable(path: &str, err: &InputError) -> Thrown {
    let code = match err {
        InputError::Missing(_) => "shakedown::path::missing",
        InputError::NotAFile { .. } => "shakedown::path::not_a_file",
        InputError::TooLarge { .. } => "shakedown::path::too_large",
        InputError::Io(_) => "shakedown::path::unreadable",
    };
    let help = match err {
        InputError::TooLarge { .. } => format!(
            "files a script reads are limited to {} MB",
            limits::MAX_READ_BYTES / 1_000_000
        ),
        _ => "check the path; it is relative to the directory shakedown runs in".to_owned(),
    };
    Thrown::usage(format!("{path} cannot be read: {err}"), help).with_code(code)
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

    fn confine(base: &Path, given: &str, allowed: &[PathBuf]) -> Result<PathBuf, Thrown> {
        Confinement {
            base: base.to_owned(),
            allowed: allowed.to_vec(),
        }
        .check(given, "path")
    }

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
