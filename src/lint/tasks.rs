//! Tasks a script declares twice, and `needs` that name no task: read from
//! the literal names of `task(…)` calls.

use rhai::{ASTNode, Expr, FnCallExpr, Position, Stmt, AST};

use super::span::{literal_span, Spans};
use crate::error::Finding;

/// What a task's name is known to be before the script runs.
enum Name {
    /// A string literal.
    Literal(String, Position),
    /// An interpolated string: its literal parts, in order, with anything
    /// between them.
    Pattern(Vec<String>),
    /// Computed: any name.
    Unknown,
}

impl Name {
    fn matches(&self, name: &str) -> bool {
        match self {
            Self::Literal(literal, _) => literal == name,
            Self::Pattern(parts) => matches_parts(parts, name),
            Self::Unknown => true,
        }
    }
}

/// Whether `name` is the `parts` in order with anything (or nothing)
/// between them; the first part starts it and the last ends it.
fn matches_parts(parts: &[String], name: &str) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return true;
    };
    let Some(mut tail) = name.strip_prefix(first.as_str()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return true;
    };
    for part in middle {
        match tail.find(part.as_str()) {
            Some(at) => tail = &tail[at + part.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last.as_str())
}

struct Declared {
    name: Name,
    needs: Vec<(String, Position)>,
}

/// Duplicate task names and unknown needs in `ast`. A script that imports
/// modules may declare tasks in them, so its needs are not checked.
pub fn findings(ast: &AST, spans: &Spans) -> Vec<Finding> {
    let mut declared = Vec::new();
    let mut imports = false;
    ast.walk(&mut |nodes: &[ASTNode]| {
        match nodes.last() {
            Some(ASTNode::Stmt(Stmt::FnCall(call, _)) | ASTNode::Expr(Expr::FnCall(call, _))) => {
                if let Some(task) = task(call) {
                    declared.push(task);
                }
            }
            Some(ASTNode::Stmt(Stmt::Import(..))) => imports = true,
            _ => {}
        }
        true
    });
    let mut findings = Vec::new();
    for (i, task) in declared.iter().enumerate() {
        let Name::Literal(name, pos) = &task.name else {
            continue;
        };
        let first = declared[..i]
            .iter()
            .find_map(|earlier| match &earlier.name {
                Name::Literal(earlier, at) if earlier == name => Some(*at),
                _ => None,
            });
        if let Some(first) = first {
            findings.push(Finding::DuplicateTask {
                name: name.clone(),
                src: spans.named(),
                at: literal_span(spans, *pos),
                first: literal_span(spans, first),
            });
        }
    }
    if imports {
        return findings;
    }
    for task in &declared {
        for (need, pos) in &task.needs {
            if declared.iter().any(|t| t.name.matches(need)) {
                continue;
            }
            let names: Vec<&str> = declared
                .iter()
                .filter_map(|t| match &t.name {
                    Name::Literal(name, _) => Some(name.as_str()),
                    _ => None,
                })
                .collect();
            let help = match crate::host::nearest(need, names.iter().copied()) {
                Some(near) => format!("did you mean \"{near}\"? `needs` names tasks of this script"),
                None => "`needs` names tasks declared in this script; check the spelling or declare the task".to_owned(),
            };
            let task = match &task.name {
                Name::Literal(name, _) => name.clone(),
                _ => "…".to_owned(),
            };
            findings.push(Finding::UnknownNeed {
                task,
                need: need.clone(),
                help,
                src: spans.named(),
                at: literal_span(spans, *pos),
            });
        }
    }
    findings
}

/// A `task(name, …)` call: its name and literal needs.
fn task(call: &FnCallExpr) -> Option<Declared> {
    if call.name != "task" || call.is_qualified() || !(2..=3).contains(&call.args.len()) {
        return None;
    }
    let name = match &call.args[0] {
        Expr::StringConstant(name, pos) => Name::Literal(name.to_string(), *pos),
        Expr::InterpolatedString(parts, _) => Name::Pattern(
            parts
                .iter()
                .map(|part| match part {
                    Expr::StringConstant(text, _) => text.to_string(),
                    _ => String::new(),
                })
                .collect::<Vec<_>>()
                .split(String::is_empty)
                .map(concat)
                .collect(),
        ),
        _ => Name::Unknown,
    };
    let mut needs = Vec::new();
    if let (3, Some(Expr::Map(options, _))) = (call.args.len(), call.args.get(1)) {
        for (key, value) in &options.0 {
            if key.name != "needs" {
                continue;
            }
            if let Expr::Array(items, _) = value {
                needs.extend(items.iter().filter_map(|item| match item {
                    Expr::StringConstant(need, pos) => Some((need.to_string(), *pos)),
                    _ => None,
                }));
            }
        }
    }
    Some(Declared { name, needs })
}

fn concat(parts: &[String]) -> String {
    parts.concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn interpolated_names_match_what_they_can_become() {
        assert!(matches_parts(&parts(&["build ", ""]), "build cpu"));
        assert!(matches_parts(
            &parts(&["build ", " image"]),
            "build gpu image"
        ));
        assert!(!matches_parts(
            &parts(&["build ", " image"]),
            "run gpu image"
        ));
        assert!(!matches_parts(&parts(&["ab", "ba"]), "aba"));
    }
}
