use std::path::Path;

use crate::error::{render_error, Exit, ScaffoldError};

/// `shakedown defs`: writes the Rhai definition files of the whole script
/// API into `dir`, for the Rhai language server and editors.
pub fn execute(dir: &Path) -> Exit {
    match write(dir) {
        Ok(written) => {
            println!(
                "✓ wrote {written} definition files to {} (the Rhai language server reads *.d.rhai files in the workspace)",
                dir.display()
            );
            Exit::Success
        }
        Err(err) => {
            render_error(&err, None);
            Exit::Usage
        }
    }
}

fn write(dir: &Path) -> Result<usize, ScaffoldError> {
    let unwritable = |path: &Path| {
        let path = path.display().to_string();
        move |source| ScaffoldError::Unwritable { path, source }
    };
    std::fs::create_dir_all(dir).map_err(unwritable(dir))?;
    let files = crate::host::definitions();
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(unwritable(&path))?;
    }
    Ok(files.len())
}
