//! Rhai definition files (`*.d.rhai`) for the whole script API, generated
//! from the same registered metadata as the reference, so that the Rhai
//! language server and the editors built on it complete and document it.

use rhai::{Map, Scope};

use super::values::SIZES;

/// The definition files, as (file name, text): Rhai's own functions and
/// operators, the script API, and the values every script sees (`vars`,
/// `KB`, `MB`, `GB`).
pub fn definitions() -> Vec<(String, String)> {
    let engine = super::new_engine();
    let mut scope = Scope::new();
    scope.push_constant("vars", Map::new());
    for (name, value) in SIZES {
        scope.push_constant(*name, *value);
    }
    engine
        .definitions_with_scope(&scope)
        .include_standard_packages(true)
        .iter_files()
        .map(|(name, text)| (name, for_the_language_server(&text)))
        .collect()
}

/// Rhai 1.27 writes two things the language server's grammar refuses: an
/// empty return type for a few of its own conversions (`to_float(_: ?) ->
/// ;`), written `-> ?` (any value) here, and its name for an inclusive
/// range, `range=`, written `RangeInclusive`.
fn for_the_language_server(text: &str) -> String {
    text.replace(" -> ;", " -> ?;")
        .replace(": range=", ": RangeInclusive")
        .replace("-> range=", "-> RangeInclusive")
}
