//! Rhai definition files (`*.d.rhai`) for the whole script API, generated
//! from the same registered metadata as the reference, so that the Rhai
//! language server and the editors built on it complete and document it.

use std::sync::LazyLock;

use regex::Regex;
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
        .map(|(name, text)| (name, without_keywords(&for_the_language_server(&text))))
        .collect()
}

/// Rhai 1.27 writes a few things the language server's grammar refuses or
/// the API does not call so: an empty return type for a few of its own
/// conversions (`to_float(_: ?) -> ;`), written `-> ?` (any value); its
/// name for an inclusive range, `range=`, written `RangeInclusive`; and the
/// `Result` a function that can fail returns (`RhaiResult` alone: any
/// value), which it knows only under Rhai's own alias (`RhaiResult<Response >`, or `String >` once it has cut
/// a path), written as the value it holds.
fn for_the_language_server(text: &str) -> String {
    static RESULT: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"RhaiResult<\s*([^<>]*?)\s*>").ok());
    static CUT: LazyLock<Option<Regex>> =
        LazyLock::new(|| Regex::new(r"-> ([A-Za-z_][A-Za-z0-9_]*) >;").ok());
    let mut text = text
        .replace(" -> ;", " -> ?;")
        .replace("-> RhaiResult;", "-> ?;")
        .replace(": range=", ": RangeInclusive")
        .replace("-> range=", "-> RangeInclusive");
    if let Some(result) = RESULT.as_ref() {
        text = result.replace_all(&text, "$1").into_owned();
    }
    if let Some(cut) = CUT.as_ref() {
        text = cut.replace_all(&text, "-> $1;").into_owned();
    }
    text
}

/// The language server's keywords (rhai-rowan's lexer): a function named
/// like one (Rhai's own `exit`) cannot be declared in its grammar, and
/// makes the rest of the file unreadable to it.
const KEYWORDS: &[&str] = &[
    "let",
    "const",
    "for",
    "do",
    "until",
    "while",
    "in",
    "loop",
    "break",
    "continue",
    "if",
    "else",
    "switch",
    "fn",
    "private",
    "return",
    "throw",
    "try",
    "catch",
    "import",
    "export",
    "as",
    "var",
    "static",
    "goto",
    "exit",
    "match",
    "case",
    "public",
    "protected",
    "new",
    "use",
    "with",
    "module",
    "package",
    "super",
    "spawn",
    "thread",
    "go",
    "sync",
    "async",
    "await",
    "yield",
    "default",
    "void",
    "null",
    "nil",
];

/// `text` without the declarations (and their documentation) of
/// functions named like a keyword of the language server: it knows those.
fn without_keywords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut docs = String::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("///") {
            docs.push_str(line);
            continue;
        }
        let keyword = line
            .strip_prefix("fn ")
            .and_then(|rest| rest.split('(').next())
            .is_some_and(|name| KEYWORDS.contains(&name.trim()));
        if keyword {
            docs.clear();
            continue;
        }
        out.push_str(&docs);
        docs.clear();
        out.push_str(line);
    }
    out.push_str(&docs);
    out
}
