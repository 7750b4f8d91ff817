use miette::Diagnostic;
use thiserror::Error;

/// shakedown itself failed in a way the runner could not contain (a panic
/// on the main thread, outside any check or task): exit code 101, after
/// the run's containers were removed.
#[derive(Debug, Clone, Error, Diagnostic)]
#[error("shakedown hit an internal error and stopped: {message}")]
#[diagnostic(code(shakedown::internal::panic))]
pub struct InternalError {
    pub message: String,
    #[help]
    pub help: String,
}
