//! The module files a script imports, so that `check` reads them too: each
//! `import "path"` with a literal path, resolved and confined as a run
//! resolves it. A path that does not resolve to a file (a built-in
//! module, a computed path, a refused one) is left to the run.

use std::path::PathBuf;

use rhai::{ASTNode, Expr, Stmt, AST};

use crate::host::import_resolver::ImportResolver;

/// The module files `ast` (whose file is named `importer`) imports.
pub fn imported(ast: &AST, importer: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    ast.walk(&mut |nodes: &[ASTNode]| {
        if let Some(ASTNode::Stmt(Stmt::Import(import, _))) = nodes.last() {
            if let Expr::StringConstant(path, _) = &import.0 {
                if let Ok(file) = ImportResolver::locate(Some(importer), path) {
                    if file.is_file() && !files.contains(&file) {
                        files.push(file);
                    }
                }
            }
        }
        true
    });
    files
}
