//! The standard library: modules built into the binary, imported by
//! `shakedown/…` names (`import "shakedown/hardening" as h;`). They are
//! written in Rhai like any module; their doc comments are their
//! reference (`docs/script-api.md`).

use std::fmt::Write;

/// A module of the standard library.
pub struct Builtin {
    /// What `import` names it: `shakedown/hardening`.
    pub name: &'static str,
    pub text: &'static str,
}

impl Builtin {
    /// The name its diagnostics show: `shakedown/hardening.rhai`.
    pub fn file_name(&self) -> String {
        format!("{}.rhai", self.name)
    }
}

/// The prefix of the standard library's names.
pub const PREFIX: &str = "shakedown/";

/// Every module of the standard library.
pub const MODULES: &[Builtin] = &[Builtin {
    name: "shakedown/hardening",
    text: include_str!("stdlib/hardening.rhai"),
}];

/// The built-in module `path` names (`shakedown/hardening`, with or
/// without `.rhai`).
pub fn source(path: &str) -> Option<&'static Builtin> {
    let name = path.strip_suffix(".rhai").unwrap_or(path);
    MODULES.iter().find(|m| m.name == name)
}

/// The names of the standard library's modules.
pub fn names() -> Vec<&'static str> {
    MODULES.iter().map(|m| m.name).collect()
}

/// The standard library's section of the reference, from the modules'
/// own doc comments (`//!` for a module, `///` for a function).
pub fn reference() -> String {
    let mut out = String::from(
        "\n## Standard library\n\n\
         Modules built into shakedown, written in Rhai like any module, imported by their \
         `shakedown/…` name: `import \"shakedown/hardening\" as h;`. A check one of their \
         functions declares points at its line in the module and at the line of the script \
         that called it.\n",
    );
    let engine = super::new_engine();
    for module in MODULES {
        let _ = write!(out, "\n### `{}`\n", module.name);
        let Ok(ast) = engine.compile(module.text) else {
            continue;
        };
        let doc = doc_lines(&[ast.doc()], "//!");
        if !doc.is_empty() {
            let _ = write!(out, "\n{doc}\n");
        }
        let alias = module.name.rsplit('/').next().unwrap_or(module.name);
        let mut functions: Vec<_> = ast
            .iter_functions()
            .filter(|f| f.access != rhai::FnAccess::Private && !f.name.starts_with("anon$"))
            .collect();
        functions.sort_by_key(|f| (f.name, f.params.len()));
        for f in functions {
            let _ = write!(
                out,
                "\n#### `{alias}::{}({})`\n\n{}\n",
                f.name,
                f.params.join(", "),
                doc_lines(&f.comments, "///")
            );
        }
    }
    out
}

/// Doc comments as Markdown lines: the last line a usage example in code.
fn doc_lines(comments: &[&str], leader: &str) -> String {
    let lines: Vec<&str> = comments
        .iter()
        .flat_map(|c| c.lines())
        .map(|l| l.trim_start().strip_prefix(leader).unwrap_or(l).trim())
        .collect();
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_compiles_and_documents_its_functions() {
        let engine = crate::host::new_engine();
        for module in MODULES {
            if let Err(err) = engine.compile(module.text) {
                panic!("{} does not compile: {err}", module.name);
            }
        }
        let reference = reference();
        for f in [
            "non_root(img)",
            "oci_labels(img, keys)",
            "no_secrets_in_history(img, patterns)",
        ] {
            assert!(
                reference.contains(&format!("`hardening::{f}`")),
                "{f} in:\n{reference}"
            );
        }
    }
}
