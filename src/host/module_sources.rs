//! The text of every module loaded in this process, by the name its
//! diagnostics use, so that a failure inside a module function can be
//! labelled in the module's file.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::error::SourceFile;

fn sources() -> &'static Mutex<HashMap<String, SourceFile>> {
    static SOURCES: OnceLock<Mutex<HashMap<String, SourceFile>>> = OnceLock::new();
    SOURCES.get_or_init(Mutex::default)
}

/// Keeps a module's text (the latest, when a module is read again).
pub fn remember(source: &SourceFile) {
    sources()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(source.name.clone(), source.clone());
}

/// The text of the module named `name`, if one was loaded.
pub fn find(name: &str) -> Option<SourceFile> {
    sources()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(name)
        .cloned()
}
