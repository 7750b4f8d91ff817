use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::compile_all;
use super::signals::stop_run_on_signals;
use crate::cli::{CiConfig, CommonConfig};
use crate::error::{render_error, Exit};
use crate::host::new_engine;
use crate::report;
use crate::report::Reporter;
use crate::runner::{self, Environment, EventSink, Interruption};

/// `shakedown run`: compile, run against the engine, report.
pub fn execute(scripts: &[PathBuf], common: &CommonConfig, ci: &CiConfig) -> Exit {
    let rhai = Arc::new(new_engine());
    let Some(compiled) = compile_all(&rhai, scripts) else {
        return Exit::Usage;
    };
    let engines = match super::engines::connect(common) {
        Ok(engines) => Arc::new(engines),
        Err(exit) => return exit,
    };
    let Some(rt) = super::runtime() else {
        return Exit::Engine;
    };
    if let Err(exit) = super::engines::check(&rt, &engines) {
        return exit;
    }
    let cancel = CancellationToken::new();
    let interruption = Arc::new(Interruption::default());
    let stopping = stop_run_on_signals(
        &rt,
        cancel.clone(),
        Arc::clone(&interruption),
        Arc::clone(&engines),
    );
    if let Err(err) = stopping {
        eprintln!("shakedown: cannot listen for Ctrl-C, SIGTERM and SIGHUP: {err}");
    }
    let (mut reporter, write_errors) = match report::for_run(common.format, ci) {
        Ok(reporters) => reporters,
        Err(err) => {
            render_error(&err, None);
            return Exit::Usage;
        }
    };
    let sink = EventSink::new(move |event| reporter.report(event));
    let options = common.run_options();
    let env = Environment {
        rhai,
        engines: Arc::clone(&engines),
        rt: rt.handle().clone(),
        sink,
        cancel,
        interruption,
    };
    // The runner contains panics of checks and tasks; one that escapes it
    // (its own code on the main thread) has had the run's containers
    // removed on the way out, and ends here as an internal error.
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        runner::execute(&compiled, options, env)
    }));
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    let exit = match outcome {
        Ok((_, summary)) => summary.exit,
        Err(payload) => {
            super::report_escaped_panic(payload.as_ref());
            Exit::Internal
        }
    };
    let unwritten = write_errors.take();
    for err in &unwritten {
        render_error(err, None);
    }
    if unwritten.is_empty() {
        exit
    } else {
        exit.max(Exit::Usage)
    }
}
