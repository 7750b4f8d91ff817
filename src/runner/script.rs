use std::path::PathBuf;

use crate::error::SourceFile;

/// A compiled script: its text (for diagnostics) and its AST.
#[derive(Debug)]
pub struct Script {
    pub path: PathBuf,
    pub file: SourceFile,
    pub ast: rhai::AST,
}

impl Script {
    /// The name of the script's implicit top-level task: its file name.
    pub fn implicit_task_name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.file.name.clone(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}
