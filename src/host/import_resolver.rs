//! `import "path" as name;`: where a script's modules come from.
//!
//! A module is a `.rhai` file (the extension is added when the import does
//! not end with it), found relative to the directory of the script (or
//! module) that imports it, or at an absolute path. Like every path a
//! script names it is confined to the directory shakedown runs in unless
//! `--allow-path` opens another, and only a regular file of at most
//! [`limits::MAX_SCRIPT_BYTES`] is read. Modules are read and evaluated at
//! each `import`, never cached, so watch mode sees an edited module.
//!
//! One resolver serves the whole engine; a namespace of built-in modules
//! would be looked up in [`ImportResolver::resolve`] before the files.

use std::path::{Path, PathBuf};

use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Scope, Shared};

use super::limits;
use super::paths::Confinement;
use crate::error::{FileSpan, SourceFile, Thrown};
use crate::static_read::input_file::{self, InputError};

/// The extension of a module file.
const EXTENSION: &str = "rhai";

/// Resolves `import` paths to confined module files.
#[derive(Debug, Default)]
pub struct ImportResolver;

impl ImportResolver {
    /// The module file `path` names, imported from a script whose source
    /// (as the AST names it) is `importer`, and how to name it.
    pub fn locate(importer: Option<&str>, path: &str) -> Result<PathBuf, Thrown> {
        let file = module_file(importer.map(Path::new), path);
        Confinement::of_run().check_path(&file, path, "the module")?;
        Ok(file)
    }

    fn load(
        engine: &Engine,
        file: &Path,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let name = file.display().to_string();
        let text = input_file::read_text(file, limits::MAX_SCRIPT_BYTES)
            .map_err(|err| unreadable(path, file, &err).at(pos))?;
        let source = SourceFile::new(name.clone(), text);
        let mut ast = engine
            .compile(&*source.text)
            .map_err(|err| syntax(path, &source, &err).at(pos))?;
        ast.set_source(name);
        let module = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|err| EvalAltResult::ErrorInModule(path.to_owned(), err, pos))?;
        Ok(module.into())
    }
}

/// The file `import path` names in the script (or module) at `importer`:
/// beside it unless absolute, with `.rhai` added unless it ends so. Not
/// confined: watch mode asks it which files to watch.
pub fn module_file(importer: Option<&Path>, path: &str) -> PathBuf {
    let file = match importer.and_then(Path::parent) {
        Some(dir) if Path::new(path).is_relative() => dir.join(path),
        _ => PathBuf::from(path),
    };
    if file.extension().and_then(|e| e.to_str()) == Some(EXTENSION) {
        return file;
    }
    let mut name = file.into_os_string();
    name.push(".");
    name.push(EXTENSION);
    name.into()
}

impl ModuleResolver for ImportResolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let file = Self::locate(source, path).map_err(|t| t.at(pos))?;
        Self::load(engine, &file, path, pos)
    }
}

fn unreadable(path: &str, file: &Path, err: &InputError) -> Thrown {
    let code = match err {
        InputError::Missing(_) => "shakedown::import::missing",
        _ => "shakedown::import::unreadable",
    };
    Thrown::usage(
        format!("module {path:?} cannot be imported: {} {err}", file.display()),
        format!(
            "an import path is relative to the importing script, without `.{EXTENSION}`; a module is a regular file of at most {} MB",
            limits::MAX_SCRIPT_BYTES / 1_000_000
        ),
    )
    .with_code(code)
}

fn syntax(path: &str, source: &SourceFile, err: &rhai::ParseError) -> Thrown {
    let position = err.position();
    let offset = source.offset(
        position.line().unwrap_or(1),
        position.position().unwrap_or(1),
    );
    let len = source.text[offset..]
        .chars()
        .next()
        .map_or(0, char::len_utf8);
    Thrown::usage(
        format!("module {path:?} does not compile: {}", err.err_type()),
        "fix the module at the place shown",
    )
    .with_code("shakedown::import::syntax")
    .label("this module does not compile")
    .span(FileSpan {
        name: source.name.clone(),
        text: source.text.clone(),
        offset,
        len,
        label: err.err_type().to_string(),
    })
}
