//! Whether scripts can reach the Docker Engine at all: a run whose scripts
//! never call a function that gives them something of the engine (an image)
//! only reads files, and needs no engine. Read from the code, before the
//! run: every other run checks the engine before its first task.

use rhai::{ASTNode, Expr, Stmt, AST};

/// The functions that give a script something of the engine; every other
/// engine primitive is a method of what they return (`Image`, and the
/// containers an image starts).
const INTO_THE_ENGINE: &[&str] = &["build", "image", "pull"];

/// Calls that reach functions by a name computed at run time (`call` and
/// `curry` act on pointers these make, or on closures, whose code is read).
const DYNAMIC: &[&str] = &["Fn", "eval"];

/// Whether `ast` may use the engine: it calls one of the ways into it, calls
/// functions by name, or imports a module (whose code is read at run time).
pub fn may_use_engine(ast: &AST) -> bool {
    let mut uses = false;
    ast.walk(&mut |path: &[ASTNode]| {
        let called = |name: &str| INTO_THE_ENGINE.contains(&name) || DYNAMIC.contains(&name);
        match path.last() {
            Some(
                ASTNode::Expr(Expr::FnCall(call, _) | Expr::MethodCall(call, _))
                | ASTNode::Stmt(Stmt::FnCall(call, _)),
            ) => uses |= called(call.name.as_str()),
            // `Fn("image")`, folded into a function pointer.
            Some(ASTNode::Expr(Expr::DynamicConstant(value, _))) => {
                if let Some(ptr) = value.read_lock::<rhai::FnPtr>() {
                    uses |= INTO_THE_ENGINE.contains(&ptr.fn_name());
                }
            }
            Some(ASTNode::Stmt(Stmt::Import(..))) => uses = true,
            _ => {}
        }
        !uses
    });
    uses
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(script: &str) -> bool {
        let engine = rhai::Engine::new();
        may_use_engine(&engine.compile(script).unwrap())
    }

    #[test]
    fn reading_files_needs_no_engine() {
        assert!(!uses(
            r#"let df = dockerfile("Dockerfile"); check("user", || df.final.user != "root");"#
        ));
    }

    #[test]
    fn building_or_naming_an_image_needs_it_wherever_it_is_written() {
        assert!(uses(r#"let img = build("Dockerfile");"#));
        assert!(uses(
            r#"task("t", || { check("c", || image("x").id != ""); });"#
        ));
        assert!(uses(r#"fn get() { image("x") } get();"#));
    }

    #[test]
    fn calls_by_name_and_imports_may_need_it() {
        assert!(uses(r#"let f = Fn("im" + "age"); f.call("x");"#));
        assert!(uses(r#"import "helpers" as h;"#));
    }
}
