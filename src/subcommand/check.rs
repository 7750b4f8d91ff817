use std::path::PathBuf;

use super::compile_all;
use crate::error::{render_error, Exit};
use crate::host::{new_engine, Vocabulary};

/// `shakedown check`: compile the scripts and report every mistake found
/// in them (unknown functions, methods, properties and options, duplicate
/// tasks, unknown needs); no engine.
pub fn execute(scripts: &[PathBuf]) -> Exit {
    let mut engine = new_engine();
    // The walk reads the script as written: nothing folded away.
    engine.set_optimization_level(rhai::OptimizationLevel::None);
    let Some(compiled) = compile_all(&engine, scripts) else {
        return Exit::Usage;
    };
    let vocabulary = Vocabulary::shared();
    let mut mistakes = 0;
    for script in compiled {
        let findings = crate::lint::findings(&script, vocabulary);
        if findings.is_empty() {
            println!("✓ {} compiles, no mistakes found", script.file.name);
        }
        for finding in &findings {
            render_error(finding, None);
        }
        mistakes += findings.len();
    }
    if mistakes == 0 {
        Exit::Success
    } else {
        eprintln!(
            "{mistakes} {} found: each must be fixed before the script can run",
            if mistakes == 1 { "mistake" } else { "mistakes" }
        );
        Exit::Usage
    }
}
