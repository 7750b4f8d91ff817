//! The modules a script imports, found in its code: `import "lib/checks"
//! as c;` names `lib/checks.rhai` beside the script, as the import
//! resolver (`host::module_file`) finds it. Modules' own imports count too. An import whose path
//! is computed at run time cannot be known before it runs, and is not
//! watched.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rhai::{ASTNode, Expr, Stmt, AST};

/// Every module file `ast` (the script at `script`) imports, directly or
/// through other modules, as absolute paths; whether they exist or not (a
/// module created later is a change too).
pub fn imported_modules(engine: &rhai::Engine, script: &Path, ast: &AST) -> BTreeSet<PathBuf> {
    let mut found = BTreeSet::new();
    let mut pending: Vec<PathBuf> = literal_imports(ast)
        .iter()
        .map(|name| resolve(script, name))
        .collect();
    while let Some(module) = pending.pop() {
        if !found.insert(module.clone()) {
            continue;
        }
        let Ok(text) = crate::host::read_script(&module) else {
            continue;
        };
        if let Ok(ast) = engine.compile(&text) {
            pending.extend(
                literal_imports(&ast)
                    .iter()
                    .map(|name| resolve(&module, name)),
            );
        }
    }
    found
}

/// The module paths written as string literals in `import` statements.
fn literal_imports(ast: &AST) -> Vec<String> {
    let mut names = Vec::new();
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Import(import, _))) = path.last() {
            // The standard library is inside the binary: nothing to watch.
            if let Expr::StringConstant(name, _) = &import.0 {
                if !name.starts_with(crate::host::STDLIB_PREFIX) {
                    names.push(name.to_string());
                }
            }
        }
        true
    });
    names
}

/// Where the import resolver looks for `name` imported by `importer`
/// (beside it, `.rhai` added), as an absolute path.
fn resolve(importer: &Path, name: &str) -> PathBuf {
    let path = crate::host::module_file(Some(importer), name);
    std::path::absolute(&path).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_of_scripts_and_their_modules_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("lib")).unwrap();
        std::fs::write(
            root.join("lib/checks.rhai"),
            "import \"common\" as c;\nfn f() { 1 }",
        )
        .unwrap();
        std::fs::write(root.join("lib/common.rhai"), "fn g() { 2 }").unwrap();
        let script = root.join("main.rhai");
        let engine = rhai::Engine::new();
        let ast = engine
            .compile("import \"lib/checks\" as k;\nfn h() { import \"later\" as l; }\nlet x = \"dyn\"; import x as d;\ntask(\"t\", || { import \"shakedown/hardening\" as h; check(\"c\", || { import \"in-check\" as i; }); });")
            .unwrap();
        let found = imported_modules(&engine, &script, &ast);
        assert_eq!(
            found,
            BTreeSet::from([
                root.join("lib/checks.rhai"),
                root.join("lib/common.rhai"),
                root.join("later.rhai"),
                root.join("in-check.rhai"),
            ])
        );
    }
}
