//! `shakedown defs`: the definition files editors read. Their grammar is
//! the Rhai language server's (`fn name(param: type) -> type;`, `op`,
//! `const`, `module`, `///` docs); every line is parsed here, and every
//! function of the script API must be declared, with its documentation.

mod common;

use std::collections::BTreeSet;

use common::shakedown;

/// One declaration of a definition file.
#[derive(Debug)]
struct Declaration {
    name: String,
    params: Vec<(String, String)>,
    documented: bool,
}

fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// A type as the language server's grammar reads it (rhai-rowan's
/// `parse_type`): `?`, `()`, a name, or a name with type arguments in angle
/// brackets.
fn is_type(text: &str) -> bool {
    let text = text.trim();
    if text == "?" || text == "()" {
        return true;
    }
    let (head, rest) = text.split_once('<').unwrap_or((text, ""));
    is_identifier(head)
        && (rest.is_empty()
            || rest
                .strip_suffix('>')
                .is_some_and(|args| args.split(',').all(is_type)))
}

/// Splits at top-level commas.
fn split_params(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !text[start..].trim().is_empty() {
        parts.push(&text[start..]);
    }
    parts
}

/// Where the parameter list that `text` continues closes.
fn closing_paren(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Parses a definition file, panicking at the first line that is not a
/// declaration the language server reads.
fn parse(file: &str, text: &str) -> Vec<Declaration> {
    let mut declarations = Vec::new();
    let mut documented = false;
    for (index, line) in text.lines().enumerate() {
        let at = format!("{file}:{}: {line:?}", index + 1);
        let line = line.trim();
        if line.starts_with("///") {
            documented = true;
            continue;
        }
        if line.is_empty() || line.starts_with("//") {
            documented = documented && line.starts_with("//");
            continue;
        }
        let body = line
            .strip_suffix(';')
            .unwrap_or_else(|| panic!("no `;` at {at}"));
        if let Some(name) = body.strip_prefix("module ") {
            assert!(is_identifier(name), "bad module at {at}");
        } else if let Some(constant) = body.strip_prefix("const ").or(body.strip_prefix("let ")) {
            let (name, kind) = constant.split_once(": ").unwrap_or_else(|| panic!("{at}"));
            assert!(is_identifier(name) && is_type(kind), "bad constant at {at}");
        } else if let Some(rest) = body.strip_prefix("fn ").or(body.strip_prefix("op ")) {
            let (head, tail) = rest
                .split_once('(')
                .unwrap_or_else(|| panic!("no `(` at {at}"));
            let close = closing_paren(tail).unwrap_or_else(|| panic!("no `)` at {at}"));
            let (params, returns) = (&tail[..close], &tail[close + 1..]);
            if let Some(kind) = returns.trim().strip_prefix("->") {
                assert!(is_type(kind), "bad return type at {at}");
            } else {
                assert!(returns.trim().is_empty(), "bad tail at {at}");
            }
            let name = head
                .strip_prefix("get ")
                .map(|p| format!("get${p}"))
                .or_else(|| head.strip_prefix("set ").map(|p| format!("set${p}")))
                .unwrap_or_else(|| head.to_owned());
            let params = split_params(params)
                .into_iter()
                .map(|param| {
                    let param = param.trim();
                    match param.split_once(':') {
                        Some((name, kind)) => {
                            let name = name.trim().trim_start_matches("...");
                            assert!(is_identifier(name) && is_type(kind), "bad param at {at}");
                            (name.to_owned(), kind.trim().to_owned())
                        }
                        None => {
                            assert!(is_type(param), "bad param at {at}");
                            (String::new(), param.to_owned())
                        }
                    }
                })
                .collect();
            declarations.push(Declaration {
                name,
                params,
                documented,
            });
        } else {
            panic!("not a declaration at {at}");
        }
        documented = false;
    }
    declarations
}

#[test]
fn defs_writes_definitions_every_line_of_which_parses() {
    let dir = std::env::temp_dir().join(format!("shakedown-defs-{}", std::process::id()));
    let ran = shakedown(&["defs", &dir.display().to_string()]);
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let mut declared = Vec::new();
    for (name, text) in shakedown::host::definitions() {
        let written = std::fs::read_to_string(dir.join(&name)).unwrap_or_default();
        assert_eq!(written, text, "{name} differs from the generated one");
        declared.extend(parse(&name, &text));
    }
    let _ = std::fs::remove_dir_all(&dir);

    // Nothing is named like a keyword of the language server's lexer
    // (rhai-rowan): such a declaration makes the rest of the file unreadable.
    for keyword in [
        "exit", "sync", "default", "match", "use", "new", "with", "yield",
    ] {
        assert!(
            declared.iter().all(|d| d.name != keyword),
            "`fn {keyword}` is declared"
        );
    }
    // Every function and property of the API's reference is declared,
    // with its documentation.
    // The standard library is Rhai source an editor reads as any module;
    // the definitions declare what the host registers.
    let reference = shakedown::host::api_reference();
    let registered = reference
        .split("\n## Standard library")
        .next()
        .unwrap_or_default();
    let headings: BTreeSet<String> = registered
        .lines()
        .filter_map(|l| l.strip_prefix("### `"))
        .filter_map(|l| l.split(['(', '`']).next())
        .map(|h| match h.split_once('.') {
            Some((_, property_or_method)) => property_or_method.to_owned(),
            None => h.to_owned(),
        })
        .collect();
    assert!(headings.len() > 40, "{headings:?}");
    for heading in &headings {
        let found: Vec<&Declaration> = declared
            .iter()
            .filter(|d| d.name == *heading || d.name == format!("get${heading}"))
            .collect();
        assert!(!found.is_empty(), "`{heading}` is not declared");
        assert!(
            found.iter().all(|d| d.documented),
            "`{heading}` is declared without its documentation"
        );
    }
    // Methods take their receiver first, named and typed.
    let inspect = declared.iter().find(|d| d.name == "inspect");
    assert_eq!(
        inspect.map(|d| d.params.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>()),
        Some(vec!["Image"])
    );
}
