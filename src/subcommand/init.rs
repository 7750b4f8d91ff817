use std::path::{Path, PathBuf};

use miette::Diagnostic;

use crate::error::{render_error, Exit, ScaffoldError};
use crate::init::{checklist, dockerfiles, Facts};
use crate::static_read::dockerfile::Dockerfile;

/// `shakedown init`: writes a checklist for the Dockerfiles (every
/// `Dockerfile*` two levels down when none is named) to `output`, which it
/// replaces only when `force`.
pub fn execute(given: &[PathBuf], output: &Path, force: bool) -> Exit {
    match write(given, output, force) {
        Ok(read) => {
            println!(
                "✓ wrote {} for {}: `shakedown check {0}` reads it, `shakedown run {0}` runs it",
                output.display(),
                read.iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            Exit::Success
        }
        Err(err) => {
            render_error(err.as_ref(), None);
            Exit::Usage
        }
    }
}

fn write(
    given: &[PathBuf],
    output: &Path,
    force: bool,
) -> Result<Vec<PathBuf>, Box<dyn Diagnostic>> {
    if output.exists() && !force {
        return Err(Box::new(ScaffoldError::Exists {
            path: output.display().to_string(),
        }));
    }
    let paths = if given.is_empty() {
        dockerfiles(Path::new("."))
    } else {
        given.to_vec()
    };
    if paths.is_empty() {
        return Err(Box::new(ScaffoldError::NoDockerfile {
            dir: std::env::current_dir()
                .map_or_else(|_| ".".to_owned(), |d| d.display().to_string()),
        }));
    }
    let mut images = Vec::new();
    for path in &paths {
        let file = Dockerfile::read(path).map_err(|err| Box::new(err) as Box<dyn Diagnostic>)?;
        let facts = Facts::of(&file).ok_or_else(|| {
            Box::new(ScaffoldError::NoStage {
                path: path.display().to_string(),
                src: miette::NamedSource::new(path.display().to_string(), file.source.clone()),
                at: (0, 0).into(),
            }) as Box<dyn Diagnostic>
        })?;
        images.push(facts);
    }
    let text = checklist(&images);
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| {
            Box::new(ScaffoldError::Unwritable {
                path: dir.display().to_string(),
                source,
            }) as Box<dyn Diagnostic>
        })?;
    }
    std::fs::write(output, text).map_err(|source| {
        Box::new(ScaffoldError::Unwritable {
            path: output.display().to_string(),
            source,
        }) as Box<dyn Diagnostic>
    })?;
    Ok(paths)
}
