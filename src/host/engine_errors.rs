//! The engine adapter's errors as what primitives throw.

use miette::Diagnostic;

use crate::engine::OpError;
use crate::error::{EngineError, Thrown, ThrownKind};

pub fn thrown(err: OpError) -> Thrown {
    match err {
        OpError::Engine(err) => engine(&err),
        OpError::NoImage(reference) => {
            let help = format!(
                "build it first with build(…), or let shakedown pull it: \
                 image({reference:?}, #{{ pull: \"missing\" }}) or pull({reference:?})"
            );
            Thrown::new(
                ThrownKind::Failure,
                "shakedown::image::missing",
                format!("the engine has no image {reference:?}"),
            )
            .help(help)
        }
        OpError::Refused(message) => Thrown::new(
            ThrownKind::Failure,
            "shakedown::engine::refused",
            format!("the engine refused: {message}"),
        )
        .help("the engine's message says what it could not do"),
        OpError::Cancelled => Thrown::new(
            ThrownKind::Cancelled,
            "shakedown::run::cancelled",
            "stopped before it finished",
        ),
    }
}

/// An engine that cannot be used, as a script sees it: the diagnostic's own
/// code, message and help.
fn engine(err: &EngineError) -> Thrown {
    let thrown = Thrown::new(ThrownKind::Engine, err.code_str(), err.to_string());
    match err.help() {
        Some(help) => thrown.help(help.to_string()),
        None => thrown,
    }
}
