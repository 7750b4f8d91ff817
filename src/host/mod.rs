//! The Rhai host: the engine with shakedown's script API registered, one
//! small module per concern, and the compiler that turns a script file into
//! a [`Script`].

mod assert_mod;
mod compose_mod;
mod container;
mod container_mod;
mod convert;
mod doc;
mod dockerfile_value;
mod engine_errors;
mod evidence;
mod files_mod;
mod http_mod;
mod image;
mod image_mod;
mod image_origin;
mod max_output;
mod paths;
mod provenance;
mod record_mod;
mod response;
mod run_mod;
mod run_result;
mod seconds;
mod static_mod;
mod structure_mod;
mod text_file;
mod values_mod;
mod wait_mod;

pub use container::Container;
pub use doc::api_reference;
pub use image::Image;
pub use provenance::clear as forget_origins;
pub use response::Response;
pub use run_result::RunResult;

use std::path::Path;

use rhai::Engine;

use crate::error::{ConfigError, ScriptError, SourceFile};
use crate::runner::{context, Script};

/// One concern of the script API: its section of the reference, and the
/// function that registers it.
pub struct ApiModule {
    pub title: &'static str,
    pub intro: &'static str,
    pub register: fn(&mut Engine),
}

/// The script API, in the order the reference documents it.
pub const MODULES: &[ApiModule] = &[
    structure_mod::MODULE,
    record_mod::MODULE,
    assert_mod::MODULE,
    image_mod::MODULE,
    run_mod::MODULE,
    static_mod::MODULE,
    compose_mod::MODULE,
    files_mod::MODULE,
    container_mod::MODULE,
    wait_mod::MODULE,
    http_mod::MODULE,
];

/// A Rhai engine with the whole script API.
pub fn new_engine() -> Engine {
    let mut engine = Engine::new();
    engine.set_max_expr_depths(256, 256);
    engine.on_progress(|_| context::is_cancelled().then(|| "stopped".into()));
    engine.on_print(values_mod::print);
    engine.on_debug(|text, _, _| values_mod::print(text));
    #[allow(deprecated)] // volatile, not deprecated: the way to resolve names everywhere
    engine.on_var(values_mod::resolve);
    for module in MODULES {
        (module.register)(&mut engine);
    }
    if crate::fault::armed(crate::fault::Point::Script) {
        engine.register_fn("test_panic", |message: &str| -> () {
            panic!("test_panic: {message}");
        });
    }
    engine
}

/// Reads and compiles a script; the file name is the AST's source.
pub fn compile(engine: &Engine, path: &Path) -> Result<Script, CompileError> {
    let text = std::fs::read_to_string(path).map_err(|source| {
        CompileError::Config(ConfigError::ScriptUnreadable {
            path: path.display().to_string(),
            source,
        })
    })?;
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
