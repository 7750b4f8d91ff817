//! What a check's code reads: the property names (`x.size`) and constant
//! index keys (`x["size"]`) written in its closure, in the closures it
//! makes, and in the script functions it calls. A failing check uses them
//! to know what to explain (the layers of an image whose `size` it read),
//! from the code rather than from the check's name.

use std::collections::BTreeSet;

use rhai::{ASTNode, Expr, FnPtr, AST};

/// Every property and constant key the closure `body` (a function of
/// `ast`), the closures made in it and the script functions it calls read.
pub fn names_read(ast: &AST, body: &FnPtr) -> BTreeSet<String> {
    let mut visited = BTreeSet::new();
    let mut pending = vec![body.fn_name().to_owned()];
    let mut names = BTreeSet::new();
    while let Some(function) = pending.pop() {
        if !visited.insert(function.clone()) {
            continue;
        }
        // (`clone_functions_only_filtered` keeps every function when it
        // copies into an empty module, as of Rhai 1.27: filter afterwards.)
        let mut only = ast.clone_functions_only();
        only.retain_functions(|_, _, name, _| name == function);
        only.walk(&mut |nodes: &[ASTNode]| {
            if let Some(ASTNode::Expr(expr)) = nodes.last() {
                visit(expr, &mut names, &mut pending);
            }
            true
        });
    }
    names
}

fn visit(expr: &Expr, names: &mut BTreeSet<String>, calls: &mut Vec<String>) {
    match expr {
        Expr::Property(property, _) => {
            names.insert(property.2.to_string());
        }
        Expr::Index(index, ..) => {
            if let Expr::StringConstant(key, _) = &index.rhs {
                names.insert(key.to_string());
            }
        }
        Expr::FnCall(call, _) | Expr::MethodCall(call, _) => calls.push(call.name.to_string()),
        // A closure made inside: its function pointer, as a constant.
        Expr::DynamicConstant(value, _) => {
            if let Some(ptr) = value.read_lock::<FnPtr>() {
                calls.push(ptr.fn_name().to_owned());
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first closure declared by `check(…)` in `script`, and the AST.
    fn reads(script: &str) -> BTreeSet<String> {
        let mut engine = rhai::Engine::new();
        let found = std::sync::Arc::new(std::sync::Mutex::new(None));
        let slot = std::sync::Arc::clone(&found);
        engine.register_fn("check", move |_: &str, body: FnPtr| {
            slot.lock().unwrap().get_or_insert(body);
        });
        let ast = engine.compile(script).unwrap();
        engine.run_ast(&ast).unwrap();
        let body = found.lock().unwrap().clone().unwrap();
        names_read(&ast, &body)
    }

    #[test]
    fn properties_and_keys_read_in_the_closure_are_found() {
        let names = reads(
            "let info = #{ size: 1 }; check(\"a\", || info.size < 2 && info[\"user\"] != ());",
        );
        assert_eq!(
            names,
            BTreeSet::from(["size".to_owned(), "user".to_owned()])
        );
    }

    #[test]
    fn functions_and_inner_closures_it_calls_count() {
        let names = reads(
            "fn of(x) { x.size }\n\
             let xs = [#{ size: 1, line: 2 }];\n\
             check(\"a\", || of(xs[0]) < 2 && xs.filter(|l| l.line > 0).len() > 0);",
        );
        assert!(names.contains("size"), "{names:?}");
        assert!(names.contains("line"), "{names:?}");
    }

    #[test]
    fn a_map_literal_is_not_a_read() {
        let names = reads("check(\"a\", || #{ size: 1 }.len() == 1);");
        assert!(!names.contains("size"), "{names:?}");
    }

    #[test]
    fn other_closures_of_the_script_do_not_count() {
        let names = reads(
            "let x = #{ labels: 1, size: 2 };\n\
             check(\"a\", || x.labels > 0);\n\
             check(\"b\", || x.size > 0);",
        );
        assert_eq!(names, BTreeSet::from(["labels".to_owned()]));
    }
}
