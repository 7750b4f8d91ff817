//! A report written to a file when the run ends.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::ConfigError;

/// Reports that could not be written, for the exit code: a run whose
/// report is missing must not look like one that passed.
#[derive(Debug, Clone, Default)]
pub struct WriteErrors(Arc<Mutex<Vec<ConfigError>>>);

impl WriteErrors {
    pub fn push(&self, error: ConfigError) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(error);
    }

    pub fn take(&self) -> Vec<ConfigError> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// A file a report goes to.
#[derive(Debug)]
pub struct ReportFile {
    path: PathBuf,
    errors: WriteErrors,
}

impl ReportFile {
    /// Creates the file now (and its missing directories), empty, so that
    /// a bad path is known before the run and no stale report survives.
    pub fn create(path: &Path, errors: WriteErrors) -> Result<Self, ConfigError> {
        let unwritable = |source| ConfigError::ReportUnwritable {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(unwritable)?;
        }
        std::fs::File::create(path).map_err(unwritable)?;
        Ok(Self {
            path: path.to_owned(),
            errors,
        })
    }

    /// Replaces the file's content.
    pub fn write(&self, text: &str) {
        if let Err(source) = std::fs::write(&self.path, text) {
            self.errors.push(ConfigError::ReportUnwritable {
                path: self.path.display().to_string(),
                source,
            });
        }
    }
}
