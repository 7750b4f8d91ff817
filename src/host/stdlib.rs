//! The standard library: modules built into the binary, imported by
//! `shakedown/…` names (`import "shakedown/hardening" as h;`). They are
//! written in Rhai like any module; their doc comments are their
//! reference (`docs/script-api.md`).

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
