//! The Rhai host: the engine with shakedown's script API registered, one
//! small module per concern, and the compiler that turns a script file into
//! a [`Script`].

pub(crate) mod base_pull;
pub(crate) mod build_options;
pub(crate) mod closure_reads;
pub(crate) mod container;
pub(crate) mod convert;
pub(crate) mod declaration;
pub(crate) mod definitions;
pub(crate) mod doc;
pub(crate) mod dockerfile_value;
pub(crate) mod engine_errors;
mod engine_use;
pub(crate) mod evidence;
pub(crate) mod image;
pub(crate) mod image_copy;
pub(crate) mod image_origin;
pub(crate) mod import_resolver;
pub mod limits;
pub(crate) mod max_output;
pub(crate) mod module_cache;
pub(crate) mod module_calls;
pub(crate) mod module_functions;
pub(crate) mod module_sources;
pub mod network_mode;
pub(crate) mod owner;
pub(crate) mod paths;
pub(crate) mod provenance;
pub(crate) mod registry_failure;
pub(crate) mod response;
pub(crate) mod run_result;
pub(crate) mod seconds;
pub(crate) mod size_evidence;
pub(crate) mod stdlib;
pub(crate) mod text_file;
pub(crate) mod transfer;
pub(crate) mod values;
pub(crate) mod vocabulary;

pub use container::Container;
pub use definitions::definitions;
pub use doc::api_reference;
pub use engine_use::may_use_engine;
pub use image::Image;
pub use import_resolver::module_file;
pub use module_cache::ModuleCache;
pub use module_sources::find as module_source;
pub use response::Response;
pub use run_result::RunResult;
pub use stdlib::PREFIX as STDLIB_PREFIX;
pub use vocabulary::{nearest, suggest, Vocabulary, UNKNOWN};

use std::path::Path;

use rhai::Engine;

use crate::error::{ConfigError, ScriptError, SourceFile};
use crate::runner::{context, Script};
use crate::static_read::input_file::{self, InputError};

/// Forgets what the last run's values remembered: where strings came
/// from, which images were inspected.
pub fn forget_origins() {
    provenance::clear();
    size_evidence::clear();
}

/// A Rhai engine with the whole script API.
pub fn new_engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_max_expr_depths(256, 256);
    // Rhai hands `let x = "short string"` an interned copy of an equal
    // string seen before; values that remember their origin are known by
    // their allocation (see provenance.rs), so nothing is interned.
    engine.set_max_strings_interned(0);
    limits::apply(&mut engine);
    engine.set_module_resolver(import_resolver::ImportResolver);
    engine.on_progress(|_| context::is_cancelled().then(|| "stopped".into()));
    engine.on_print(values::print);
    engine.on_debug(|text, _, _| values::print(text));
    #[allow(deprecated)] // volatile, not deprecated: the way to resolve names everywhere
    engine.on_var(values::resolve);
    crate::api::register_all(&mut engine);
    if crate::fault::armed(crate::fault::Point::Script) {
        engine.register_fn("test_panic", |message: &str| -> () {
            panic!("test_panic: {message}");
        });
    }
    engine
}

/// Reads and compiles a script; the file name is the AST's source. Only a
/// regular file of at most [`limits::MAX_SCRIPT_BYTES`] is read.
pub fn compile(engine: &Engine, path: &Path) -> Result<Script, CompileError> {
    let text = read_script(path).map_err(CompileError::Config)?;
    compile_source(engine, path, text)
}

/// Reads a script (or a module) as text: a regular file, not too large.
pub fn read_script(path: &Path) -> Result<String, ConfigError> {
    let shown = path.display().to_string();
    input_file::read_text(path, limits::MAX_SCRIPT_BYTES).map_err(|err| match err {
        InputError::NotAFile { kind } => ConfigError::ScriptNotAFile { path: shown, kind },
        InputError::TooLarge { limit } => ConfigError::ScriptTooLarge { path: shown, limit },
        InputError::Missing(source) | InputError::Io(source) => ConfigError::ScriptUnreadable {
            path: shown,
            source,
        },
    })
}

/// Compiles a script's text; `path` names it in diagnostics and is the
/// AST's source.
pub fn compile_source(engine: &Engine, path: &Path, text: String) -> Result<Script, CompileError> {
    let file = SourceFile::new(path.display().to_string(), text);
    match engine.compile(&*file.text) {
        Ok(mut ast) => {
            ast.set_source(file.name.clone());
            Ok(Script {
                path: path.to_owned(),
                file,
                ast,
            })
        }
        Err(err) => Err(CompileError::Script(syntax_error(&file, &err))),
    }
}

/// Why a script could not be compiled.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum CompileError {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(ConfigError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Script(ScriptError),
}

fn syntax_error(file: &SourceFile, err: &rhai::ParseError) -> ScriptError {
    let position = err.position();
    let (line, column) = (
        position.line().unwrap_or(1),
        position.position().unwrap_or(1),
    );
    let offset = file.offset(line, column);
    let len = file.text[offset..].chars().next().map_or(0, char::len_utf8);
    let help = match err.err_type() {
        rhai::ParseErrorType::MissingToken(token, _) => format!("add the missing `{token}`"),
        rhai::ParseErrorType::UnknownOperator(op) => format!("`{op}` is not an operator in Rhai"),
        _ => "fix the syntax at the place shown; Rhai's syntax is close to Rust's and JavaScript's"
            .to_owned(),
    };
    ScriptError::Syntax {
        message: err.err_type().to_string(),
        help,
        src: file.named(),
        at: (offset, len).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FileSpan;

    /// Equal strings read from different lines keep their own lines after
    /// `let`, however often the same text was bound before.
    #[test]
    fn let_keeps_each_strings_own_origin() {
        let mut engine = new_engine();
        engine.register_fn("from_line", |line: i64| {
            let text = "/ready\n".repeat(4);
            let offset = usize::try_from(line - 1).unwrap_or(0) * 7;
            provenance::string(
                "/ready",
                Some(FileSpan {
                    name: "Dockerfile".into(),
                    text: text.into(),
                    offset,
                    len: 6,
                    label: String::new(),
                }),
            )
        });
        engine.register_fn("line_of", |value: rhai::Dynamic| {
            provenance::origin_of(&value).map_or(0, |o| i64::try_from(o.line()).unwrap_or(0))
        });
        let lines: rhai::Array = engine
            .eval("let a = from_line(1); let b = from_line(2); let c = from_line(3); let d = from_line(4); [line_of(a), line_of(b), line_of(c), line_of(d)]")
            .unwrap();
        let lines: Vec<i64> = lines.into_iter().map(|l| l.as_int().unwrap()).collect();
        assert_eq!(lines, [1, 2, 3, 4]);
    }
}
