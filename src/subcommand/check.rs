use std::path::PathBuf;

use super::compile_all;
use crate::error::Exit;
use crate::host::new_engine;

/// `shakedown check`: compile the scripts, report errors; no engine.
pub fn execute(scripts: &[PathBuf]) -> Exit {
    let engine = new_engine();
    match compile_all(&engine, scripts) {
        Some(compiled) => {
            for script in compiled {
                println!("✓ {} compiles", script.file.name);
            }
            Exit::Success
        }
        None => Exit::Usage,
    }
}
