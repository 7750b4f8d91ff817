//! Errors as types, one enum per area, each a miette [`Diagnostic`] with a
//! `shakedown::area::kind` code; the mapping to exit codes lives here.

pub mod caught;
mod config;
mod engine;
mod finding;
mod internal;
mod report;
mod scaffold;
mod script;
mod thrown;

pub use config::ConfigError;
pub use engine::EngineError;
pub use finding::Finding;
pub use internal::InternalError;
pub use report::{FileSpan, Place, Report};
pub use scaffold::ScaffoldError;
pub use script::{ScriptError, SourceFile};
pub use thrown::{Thrown, ThrownKind};

use std::process::ExitCode;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};

/// The process exit codes of DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Every gate passed.
    Success = 0,
    /// A gate failed or a checkpoint was rejected.
    Failed = 1,
    /// A script or argument error.
    Usage = 2,
    /// The engine could not be used.
    Engine = 3,
    /// Interrupted by Ctrl-C (the shell convention, 128 + SIGINT).
    Interrupted = 130,
    /// Stopped by SIGHUP (128 + 1): the terminal went away.
    HungUp = 129,
    /// Stopped by SIGTERM (128 + 15): CI cancelled the job.
    Terminated = 143,
    /// shakedown itself failed (a bug): the code Rust gives a panic. The
    /// run's containers are removed first.
    Internal = 101,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// Whether stderr gets colour: `--color`, the environment's conventions,
/// a terminal (see [`crate::report::colour`]).
pub fn stderr_colour() -> bool {
    crate::report::colour::stderr()
}

/// Lines of context shown around each labelled place.
pub const CONTEXT_LINES: usize = 1;

/// Renders a diagnostic to a string: colour as asked, at `width` columns
/// (default: the terminal's, else 100, so snapshots are stable).
pub fn render_diagnostic(diag: &dyn Diagnostic, colour: bool, width: Option<usize>) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let width = width
        .or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()))
        .unwrap_or(100);
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_context_lines(CONTEXT_LINES);
    let mut out = String::new();
    if handler.render_report(&mut out, diag).is_err() {
        out = format!("{diag}\n");
    }
    out
}

/// Prints a diagnostic to stderr.
pub fn render_error(diag: &dyn Diagnostic, width: Option<usize>) {
    eprint!("{}", render_diagnostic(diag, stderr_colour(), width));
}
