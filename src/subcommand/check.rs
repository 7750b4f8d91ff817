use std::path::PathBuf;

use super::compile_all;
use crate::error::{render_error, Exit};
use crate::host::{new_engine, Vocabulary};

/// `shakedown check`: compile the scripts and report every mistake found
/// in them (unknown functions, methods, properties and options, duplicate
/// tasks, unknown needs), and in the modules they import; no engine.
pub fn execute(scripts: &[PathBuf]) -> Exit {
    let mut engine = new_engine();
    // The walk reads the script as written: nothing folded away.
    engine.set_optimization_level(rhai::OptimizationLevel::None);
    let Some(compiled) = compile_all(&engine, scripts) else {
        return Exit::Usage;
    };
    let vocabulary = Vocabulary::shared();
    let mut mistakes = 0;
    let mut modules: Vec<PathBuf> = Vec::new();
    let mut pending: Vec<PathBuf> = Vec::new();
    for script in compiled {
        mistakes += report(
            &script.file.name,
            &crate::lint::findings(&script, vocabulary),
        );
        pending.extend(crate::lint::imported(&script.ast, &script.file.name));
    }
    // The modules the scripts import, and the ones they import, each once.
    while let Some(path) = pending.pop() {
        if modules.contains(&path) {
            continue;
        }
        modules.push(path.clone());
        match crate::host::compile(&engine, &path) {
            Ok(module) => {
                mistakes += report(
                    &module.file.name,
                    &crate::lint::module_findings(&module, vocabulary),
                );
                pending.extend(crate::lint::imported(&module.ast, &module.file.name));
            }
            Err(err) => {
                render_error(&err, None);
                mistakes += 1;
            }
        }
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

/// Renders what was found in one file; how many.
fn report(name: &str, findings: &[crate::error::Finding]) -> usize {
    if findings.is_empty() {
        println!("✓ {name} compiles, no mistakes found");
    }
    for finding in findings {
        render_error(finding, None);
    }
    findings.len()
}
