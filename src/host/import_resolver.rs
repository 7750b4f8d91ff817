//! `import "path" as name;`: where a script's modules come from.
//!
//! A module is a `.rhai` file (the extension is added when the import does
//! not end with it), found relative to the directory of the script (or
//! module) that imports it, or at an absolute path. Like every path a
//! script names it is confined to the directory shakedown runs in unless
//! `--allow-path` opens another, and only a regular file of at most
//! [`limits::MAX_SCRIPT_BYTES`] is read. `shakedown/…` names the standard
//! library built into the binary ([`stdlib`]).
//!
//! A module is read and evaluated once per run (the run's
//! [`ModuleCache`]), wherever it is imported: at the top level, in a task
//! or in a check. Its functions run in the module's own environment
//! ([`module_functions`]).

use std::cell::RefCell;
use std::path::{Component, Path, PathBuf};

use rhai::{
    Engine, EvalAltResult, GlobalRuntimeState, Module, ModuleResolver, Position, Scope, Shared,
};

use super::paths::Confinement;
use super::{limits, module_functions, module_sources, stdlib};
use crate::error::{FileSpan, SourceFile, Thrown};
use crate::runner::context;
use crate::static_read::input_file::{self, InputError};

/// The extension of a module file.
const EXTENSION: &str = "rhai";

/// Resolves `import` paths to confined module files.
#[derive(Debug, Default)]
pub struct ImportResolver;

thread_local! {
    /// The modules this thread is evaluating, to refuse an import cycle.
    static LOADING: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

impl ImportResolver {
    /// The module file `path` names, imported from a script whose source
    /// (as the AST names it) is `importer`, and how to name it.
    pub fn locate(importer: Option<&str>, path: &str) -> Result<PathBuf, Thrown> {
        let file = module_file(importer.map(Path::new), path);
        Confinement::of_run().check_path(&file, path, "the module")?;
        Ok(file)
    }

    /// The module `path` names, from the run's cache or loaded now.
    fn module(
        engine: &Engine,
        importer: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let source = match stdlib::source(path) {
            Some(builtin) => Source::Builtin(builtin),
            None if path.starts_with(stdlib::PREFIX) => {
                return Err(Thrown::usage(
                    format!("the standard library has no module {path:?}"),
                    format!("its modules are: {}", stdlib::names().join(", ")),
                )
                .with_code("shakedown::import::missing")
                .at(pos))
            }
            None => Source::File(Self::locate(importer, path).map_err(|t| t.at(pos))?),
        };
        let name = source.name();
        // The cycle is seen before the cache, which would wait for itself.
        guarded(&name, path, pos, || {
            let load = || Self::load(engine, &source, path, pos);
            match context::current() {
                Some(ctx) => ctx.run.modules.get_or_load(&name, load),
                None => load(),
            }
        })
    }

    fn load(
        engine: &Engine,
        source: &Source,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let name = source.name();
        let text = match source {
            Source::Builtin(builtin) => builtin.text.to_owned(),
            Source::File(file) => input_file::read_text(file, limits::MAX_SCRIPT_BYTES)
                .map_err(|err| unreadable(path, file, &err).at(pos))?,
        };
        let source = SourceFile::new(name.clone(), text);
        let mut ast = engine
            .compile(&*source.text)
            .map_err(|err| syntax(path, &source, &err).at(pos))?;
        ast.set_source(name.clone());
        module_sources::remember(&source);
        let evaluated = Module::eval_ast_as_new(Scope::new(), &ast, engine)
            .map_err(|err| EvalAltResult::ErrorInModule(path.to_owned(), err, pos))?;
        Ok(module_functions::exported(&name, &ast, &evaluated).into())
    }
}

/// Where a module's text comes from.
enum Source {
    Builtin(&'static stdlib::Builtin),
    File(PathBuf),
}

impl Source {
    /// The name diagnostics and the cache know it by.
    fn name(&self) -> String {
        match self {
            Self::Builtin(builtin) => builtin.file_name(),
            Self::File(file) => lexically_clean(file).display().to_string(),
        }
    }
}

/// Runs `load` for module `name` unless this thread is already loading it
/// (an import cycle, which would never end).
fn guarded(
    name: &str,
    path: &str,
    pos: Position,
    load: impl FnOnce() -> Result<Shared<Module>, Box<EvalAltResult>>,
) -> Result<Shared<Module>, Box<EvalAltResult>> {
    let cycle = LOADING.with(|l| l.borrow().iter().any(|n| n == name));
    if cycle {
        return Err(Thrown::usage(
            format!("module {path:?} imports itself, directly or through other modules"),
            "move what both modules need into a third module that imports neither",
        )
        .with_code("shakedown::import::cycle")
        .at(pos));
    }
    LOADING.with(|l| l.borrow_mut().push(name.to_owned()));
    let loaded = load();
    LOADING.with(|l| l.borrow_mut().pop());
    loaded
}

/// `file` without `.` and with `dir/..` folded, for people to read
/// (`scripts/../lib/checks.rhai` is `lib/checks.rhai`).
fn lexically_clean(file: &Path) -> PathBuf {
    let mut clean = PathBuf::new();
    for part in file.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(clean.components().next_back(), Some(Component::Normal(_))) =>
            {
                clean.pop();
            }
            other => clean.push(other),
        }
    }
    clean
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
        Self::module(engine, source, path, pos)
    }

    /// The importer is the file whose code runs now: a module function
    /// runs with its module as the source, a task or check body with the
    /// file that declared it.
    fn resolve_raw(
        &self,
        engine: &Engine,
        global: &mut GlobalRuntimeState,
        _scope: &mut Scope,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        Self::module(engine, global.source(), path, pos)
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
            "an import path is relative to the importing script, without `.{EXTENSION}`; a module is a regular file of at most {} MB; `shakedown/…` names the standard library ({})",
            limits::MAX_SCRIPT_BYTES / 1_000_000,
            stdlib::names().join(", ")
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
