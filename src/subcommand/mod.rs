//! Each subcommand has one `execute`, returning the exit code.

mod approvals;
mod check;
mod defs;
pub mod engines;
mod init;
mod run;
pub mod signals;

use crate::cli::{CommonConfig, Subcommand};
use crate::error::Exit;

impl Subcommand {
    pub fn execute(&self, common: &CommonConfig) -> Exit {
        match self {
            Subcommand::Run { scripts, ci } => run::execute(scripts, common, ci),
            Subcommand::Check { scripts } => check::execute(scripts),
            Subcommand::Defs { dir } => defs::execute(dir),
            Subcommand::Init {
                dockerfiles,
                output,
                force,
            } => init::execute(dockerfiles, output, *force),
            Subcommand::ApprovalsVerify { ledger } => approvals::verify(ledger),
            Subcommand::ApprovalsList { ledger } => approvals::list(ledger),
            Subcommand::Watch { scripts, options } => {
                crate::watch::execute(scripts, common, options)
            }
        }
    }
}

/// Reports a panic that escaped the runner (its containers were removed on
/// the way out): the internal-error diagnostic, saying where to report it.
pub fn report_escaped_panic(payload: &(dyn std::any::Any + Send)) {
    let panic = crate::runner::panics::last(payload);
    crate::error::render_error(
        &crate::error::InternalError {
            message: panic.describe(),
            help: crate::runner::panics::report_help(),
        },
        None,
    );
}

/// The small async runtime primitives block on (two workers: they only
/// wait on the engine). `None`, with a message, if it cannot start.
pub fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(err) => {
            eprintln!("shakedown: cannot start the async runtime: {err}");
            None
        }
    }
}

/// Compiles every script, rendering each error; `None` if any failed.
fn compile_all(
    engine: &rhai::Engine,
    scripts: &[std::path::PathBuf],
) -> Option<Vec<std::sync::Arc<crate::runner::Script>>> {
    let mut compiled = Vec::new();
    let mut failed = false;
    for path in scripts {
        match crate::host::compile(engine, path) {
            Ok(script) => compiled.push(std::sync::Arc::new(script)),
            Err(err) => {
                crate::error::render_error(&err, None);
                failed = true;
            }
        }
    }
    (!failed).then_some(compiled)
}
