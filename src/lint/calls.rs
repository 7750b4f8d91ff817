//! Calls and properties no function resolves: a walk over the compiled
//! script that follows the API types values have (`let img = build(…)`
//! makes `img` an `Image`) and asks the registered functions' metadata.

use std::collections::{HashMap, HashSet};

use rhai::{ASTNode, Expr, FnCallExpr, FnPtr, Position, Stmt, AST};

use super::span::{ident_span, Spans};
use crate::api::option_keys;
use crate::error::Finding;
use crate::host::{Vocabulary, UNKNOWN};

/// Rhai's keywords that look like calls (`Fn("f")`, `f.call(x)`, …): the
/// language resolves them itself, so no metadata names them.
const KEYWORDS: &[&str] = &[
    "Fn",
    "call",
    "curry",
    "is_def_fn",
    "is_def_var",
    "is_shared",
    "eval",
    "type_of",
    "print",
    "debug",
];

/// The variables whose API type is known where the walk is: `img` → `Image`.
type Types = HashMap<String, String>;

/// Every unknown function, method, property and option key in `ast`.
pub fn findings(ast: &AST, spans: &Spans, vocabulary: &Vocabulary) -> Vec<Finding> {
    let functions: HashMap<String, Vec<String>> = ast
        .shared_lib()
        .iter_script_fn_info()
        .map(|(_, _, name, _, def)| {
            let params = def.params.iter().map(ToString::to_string).collect();
            (name.to_owned(), params)
        })
        .collect();
    let mut walker = Walker {
        ast,
        vocabulary,
        spans,
        script_fns: functions
            .iter()
            .map(|(name, params)| (name.clone(), params.len()))
            .collect(),
        names: names(ast),
        functions,
        walked: HashSet::new(),
        chained: HashSet::new(),
        quiet: false,
        imports: imports(ast),
        findings: Vec::new(),
    };
    let mut types = Types::new();
    walker.block(ast.statements(), &mut types);
    // Named functions, and closures no walk reached: their parameters'
    // types are not known.
    let mut rest: Vec<String> = walker.functions.keys().cloned().collect();
    rest.sort();
    for name in rest {
        walker.function(&name, &[]);
    }
    walker.findings
}

/// Whether the script imports a module anywhere.
fn imports(ast: &AST) -> bool {
    let mut found = false;
    ast.walk(&mut |nodes: &[ASTNode]| {
        found |= matches!(nodes.last(), Some(ASTNode::Stmt(Stmt::Import(..))));
        !found
    });
    found
}

/// Every name a variable, a parameter or a map key has in the script: a
/// call `f(x)` of a variable holding a closure, or a method `m.f()` of a
/// map holding one, resolves at run time.
fn names(ast: &AST) -> HashSet<String> {
    let mut names = HashSet::new();
    ast.walk(&mut |nodes: &[ASTNode]| {
        match nodes.last() {
            Some(ASTNode::Expr(Expr::Variable(var, ..))) => {
                names.insert(var.1.to_string());
            }
            Some(ASTNode::Expr(Expr::Map(map, _))) => {
                names.extend(map.0.iter().map(|(key, _)| key.name.to_string()));
            }
            Some(ASTNode::Stmt(Stmt::Var(var, ..))) => {
                names.insert(var.0.name.to_string());
            }
            _ => {}
        }
        true
    });
    for (.., def) in ast.shared_lib().iter_script_fn_info() {
        names.extend(def.params.iter().map(ToString::to_string));
    }
    names
}

struct Walker<'a> {
    ast: &'a AST,
    vocabulary: &'a Vocabulary,
    spans: &'a Spans,
    /// The script's functions (closures too) and their parameters.
    functions: HashMap<String, Vec<String>>,
    /// (name, parameters) of the script's own functions.
    script_fns: HashSet<(String, usize)>,
    names: HashSet<String>,
    walked: HashSet<String>,
    /// `.` expressions inside a chain already followed from its start.
    chained: HashSet<*const Expr>,
    /// The script imports modules.
    imports: bool,
    /// Set while a type is read for a binding: the walk reports what that
    /// expression gets wrong when it reaches it.
    quiet: bool,
    findings: Vec<Finding>,
}

impl Walker<'_> {
    fn block(&mut self, statements: &[Stmt], types: &mut Types) {
        for statement in statements {
            let mut path = Vec::new();
            statement.walk(&mut path, &mut |nodes: &[ASTNode]| {
                self.node(nodes, types);
                true
            });
        }
    }

    /// A script function's body, its first parameters typed as `captured`
    /// (a closure's captured variables come first).
    fn function(&mut self, name: &str, captured: &[Option<String>]) {
        if !self.walked.insert(name.to_owned()) {
            return;
        }
        let Some(params) = self.functions.get(name).cloned() else {
            return;
        };
        let mut types = Types::new();
        for (param, kind) in params.iter().zip(captured) {
            if let Some(kind) = kind {
                types.insert(param.clone(), kind.clone());
            }
        }
        // (`clone_functions_only_filtered` keeps every function when it
        // copies into an empty module, as of Rhai 1.27: filter afterwards.)
        let mut only = self.ast.clone_functions_only();
        only.retain_functions(|_, _, fn_name, _| fn_name == name);
        let outer = std::mem::take(&mut self.chained);
        only.walk(&mut |nodes: &[ASTNode]| {
            self.node(nodes, &mut types);
            true
        });
        self.chained = outer;
    }

    fn node(&mut self, nodes: &[ASTNode], types: &mut Types) {
        let Some(node) = nodes.last() else {
            return;
        };
        match node {
            ASTNode::Stmt(Stmt::Var(var, ..)) => {
                let kind = self.quietly(&var.1, types);
                bind(types, &var.0.name, kind);
            }
            ASTNode::Stmt(Stmt::Assignment(assignment)) => {
                if let Expr::Variable(var, ..) = &assignment.1.lhs {
                    let kind = if assignment.0.is_op_assignment() {
                        None
                    } else {
                        self.quietly(&assignment.1.rhs, types)
                    };
                    bind(types, &var.1, kind);
                }
            }
            ASTNode::Stmt(Stmt::For(each, ..)) => {
                types.remove(each.0.name.as_str());
                if let Some(counter) = &each.1 {
                    types.remove(counter.name.as_str());
                }
            }
            ASTNode::Stmt(Stmt::FnCall(call, pos)) | ASTNode::Expr(Expr::FnCall(call, pos)) => {
                self.call(call, *pos, types);
            }
            ASTNode::Expr(expr @ Expr::Dot(..))
                if !self.chained.contains(&std::ptr::from_ref(*expr)) =>
            {
                self.type_of(expr, types);
            }
            ASTNode::Expr(Expr::DynamicConstant(value, _)) => {
                let Some(name) = value.read_lock::<FnPtr>().map(|f| f.fn_name().to_owned()) else {
                    return;
                };
                let captured = match nodes.iter().rev().nth(1) {
                    Some(ASTNode::Expr(Expr::FnCall(curry, _))) if curry.name == "curry" => curry
                        .args
                        .iter()
                        .skip(1)
                        .map(|arg| self.quietly(arg, types))
                        .collect(),
                    _ => Vec::new(),
                };
                self.function(&name, &captured);
            }
            _ => {}
        }
    }

    /// The type of `expr`, reporting nothing: the walk reaches it later.
    fn quietly(&mut self, expr: &Expr, types: &Types) -> Option<String> {
        let quiet = std::mem::replace(&mut self.quiet, true);
        let kind = self.type_of(expr, types);
        self.quiet = quiet;
        kind
    }

    fn report(&mut self, finding: Finding) {
        if !self.quiet {
            self.findings.push(finding);
        }
    }

    /// A function call `name(args…)`.
    fn call(&mut self, call: &FnCallExpr, pos: Position, types: &Types) {
        let name = call.name.as_str();
        if call.is_qualified() || call.op_token.is_some() || !is_identifier(name) {
            return;
        }
        let arity = call.args.len();
        self.options(name, arity, 0, &call.args);
        if KEYWORDS.contains(&name)
            || self.vocabulary.knows(name, arity, None)
            || self.script_fns.contains(&(name.to_owned(), arity))
            || self.names.contains(name)
        {
            return;
        }
        let args: Vec<String> = call
            .args
            .iter()
            .map(|arg| self.type_of(arg, types).unwrap_or_else(|| UNKNOWN.into()))
            .collect();
        self.unknown_function(name, None, &args, pos);
    }

    /// A method call `receiver.name(args…)`, the receiver of type `owner`
    /// when known; what it returns.
    fn method(
        &mut self,
        call: &FnCallExpr,
        pos: Position,
        owner: Option<&str>,
        types: &Types,
    ) -> Option<String> {
        let name = call.name.as_str();
        let arity = call.args.len() + 1;
        self.options(name, arity, 1, &call.args);
        let script_fn = self
            .script_fns
            .contains(&(name.to_owned(), call.args.len()));
        // A value a module made may be a map holding closures the module
        // names: only a receiver of a known type is checked then.
        let from_module = owner.is_none() && self.imports;
        if !(KEYWORDS.contains(&name)
            || from_module
            || self.vocabulary.knows(name, arity, owner)
            || script_fn
            || self.names.contains(name))
        {
            let mut args = vec![owner.unwrap_or(UNKNOWN).to_owned()];
            args.extend(
                call.args
                    .iter()
                    .map(|arg| self.type_of(arg, types).unwrap_or_else(|| UNKNOWN.into())),
            );
            self.unknown_function(name, Some(owner.unwrap_or(UNKNOWN)), &args, pos);
            return None;
        }
        api_type(self.vocabulary.returns(name, arity, owner))
    }

    fn unknown_function(
        &mut self,
        name: &str,
        owner: Option<&str>,
        args: &[String],
        pos: Position,
    ) {
        let taken = if owner.is_some() {
            args.len() - 1
        } else {
            args.len()
        };
        let message = match owner {
            _ if self.vocabulary.has_name(name) => {
                format!("`{name}` does not take {}", count(taken))
            }
            Some(owner) if owner != UNKNOWN => format!("{owner} has no method `{name}`"),
            Some(_) => format!("unknown method `{name}`"),
            None => format!("unknown function `{name}`"),
        };
        let help = self.vocabulary.call_help(name, args).map_or_else(
            || "check the spelling: docs/script-api.md lists the API, and Rhai's own functions are at https://rhai.rs/book".to_owned(),
            |help| format!("{help} (docs/script-api.md lists the API)"),
        );
        self.report(Finding::UnknownFunction {
            message,
            help,
            src: self.spans.named(),
            at: ident_span(self.spans, pos, name),
        });
    }

    /// The option keys of a literal map passed as `options` that the
    /// function does not take; `skipped` arguments (a method's receiver)
    /// are not in `args`.
    fn options(&mut self, name: &str, arity: usize, skipped: usize, args: &[Expr]) {
        let Some(keys) = option_keys::of(name) else {
            return;
        };
        let Some(at) = self.vocabulary.options_at(name, arity) else {
            return;
        };
        let Some(Expr::Map(map, _)) = at.checked_sub(skipped).and_then(|i| args.get(i)) else {
            return;
        };
        let unknown: Vec<&rhai::Ident> = map
            .0
            .iter()
            .map(|(key, _)| key)
            .filter(|key| !keys.contains(key.name.as_str()))
            .collect();
        if unknown.is_empty() {
            return;
        }
        let listed: Vec<String> = unknown.iter().map(|k| format!("`{}`", k.name)).collect();
        let noun = if unknown.len() == 1 {
            "option"
        } else {
            "options"
        };
        let suggestions: Vec<String> = unknown
            .iter()
            .filter_map(|key| {
                crate::host::nearest(&key.name, keys.keys())
                    .map(|near| format!("`{near}` for `{}`", key.name))
            })
            .collect();
        let known = keys.keys().collect::<Vec<_>>().join(", ");
        let help = if suggestions.is_empty() {
            format!("{name}() takes: {known}")
        } else {
            format!(
                "did you mean {}? {name}() takes: {known}",
                suggestions.join(", ")
            )
        };
        self.report(Finding::UnknownOption {
            message: format!("{name}() has no {noun} {}", listed.join(", ")),
            help,
            src: self.spans.named(),
            keys: unknown
                .iter()
                .map(|key| {
                    miette::LabeledSpan::new_with_span(
                        Some("unknown option".to_owned()),
                        ident_span(self.spans, key.pos, &key.name),
                    )
                })
                .collect(),
        });
    }

    /// The API type of an expression's value, where the code says it;
    /// reports what a chain of properties and methods gets wrong on the way.
    fn type_of(&mut self, expr: &Expr, types: &Types) -> Option<String> {
        match expr {
            Expr::Variable(var, ..) if var.2.is_empty() => types.get(var.1.as_str()).cloned(),
            Expr::FnCall(call, _) if !call.is_qualified() && call.op_token.is_none() => {
                api_type(self.vocabulary.returns(&call.name, call.args.len(), None))
            }
            Expr::Dot(dot, ..) => {
                let owner = self.type_of(&dot.lhs, types);
                self.segment(&dot.rhs, owner, types)
            }
            _ => None,
        }
    }

    /// The rest of a chain after a value of type `owner`.
    fn segment(&mut self, expr: &Expr, owner: Option<String>, types: &Types) -> Option<String> {
        match expr {
            Expr::Property(property, pos) => {
                let name = property.2.as_str();
                let owner = owner?;
                if !self.vocabulary.closed_properties(&owner) {
                    return None;
                }
                let found = self.vocabulary.property(&owner, name);
                if found.is_none() {
                    self.unknown_property(name, &owner, *pos);
                }
                api_type(found)
            }
            Expr::MethodCall(call, pos) => self.method(call, *pos, owner.as_deref(), types),
            Expr::Dot(dot, ..) => {
                self.chained.insert(std::ptr::from_ref(expr));
                let owner = self.segment(&dot.lhs, owner, types);
                self.segment(&dot.rhs, owner, types)
            }
            Expr::Index(index, ..) => {
                self.segment(&index.lhs, owner, types);
                None
            }
            _ => None,
        }
    }

    fn unknown_property(&mut self, name: &str, owner: &str, pos: Position) {
        let help = self.vocabulary.property_help(name, owner).map_or_else(
            || format!("docs/script-api.md lists the properties of {owner}"),
            |help| format!("{help} (docs/script-api.md lists the API)"),
        );
        self.report(Finding::UnknownProperty {
            message: format!("{owner} has no property `{name}`"),
            help,
            src: self.spans.named(),
            at: ident_span(self.spans, pos, name),
            owner: owner.to_owned(),
        });
    }
}

fn bind(types: &mut Types, name: &str, kind: Option<String>) {
    match kind {
        Some(kind) => types.insert(name.to_owned(), kind),
        None => types.remove(name),
    };
}

/// A type of the script API (`Image`, `RunResult`), not one of Rhai's
/// own values, whose methods and properties `check` can know.
fn api_type(kind: Option<String>) -> Option<String> {
    kind.filter(|k| {
        k.chars().next().is_some_and(char::is_uppercase)
            && k.chars().all(|c| c.is_alphanumeric() || c == '_')
            && !matches!(k.as_str(), "Dynamic" | "Fn" | "FnPtr" | "INT" | "FLOAT")
    })
}

fn count(n: usize) -> String {
    match n {
        0 => "no arguments".to_owned(),
        1 => "1 argument".to_owned(),
        n => format!("{n} arguments"),
    }
}

fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}
