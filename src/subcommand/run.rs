use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::compile_all;
use crate::cli::{CiConfig, CommonConfig};
use crate::engine::Client;
use crate::error::{render_error, Exit};
use crate::host::new_engine;
use crate::report;
use crate::report::Reporter;
use crate::runner::{self, Environment, EventSink};

/// `shakedown run`: compile, run against the engine, report.
pub fn execute(scripts: &[PathBuf], common: &CommonConfig, ci: &CiConfig) -> Exit {
    let rhai = Arc::new(new_engine());
    let Some(compiled) = compile_all(&rhai, scripts) else {
        return Exit::Usage;
    };
    let engine = match Client::connect(common.host.as_deref()) {
        Ok(engine) => Arc::new(engine),
        Err(err) => {
            render_error(&err, None);
            return Exit::Engine;
        }
    };
    let Some(rt) = super::runtime() else {
        return Exit::Engine;
    };
    let cancel = CancellationToken::new();
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let (cancel, interrupted) = (cancel.clone(), Arc::clone(&interrupted));
        rt.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
                cancel.cancel();
                eprintln!("\ninterrupted: stopping and removing containers (Ctrl-C again to quit at once)");
            }
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(Exit::Interrupted as i32);
            }
        });
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
        engine,
        rt: rt.handle().clone(),
        sink,
        cancel,
        interrupted,
    };
    let (_, summary) = runner::execute(&compiled, options, env);
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    let unwritten = write_errors.take();
    for err in &unwritten {
        render_error(err, None);
    }
    if unwritten.is_empty() {
        summary.exit
    } else {
        summary.exit.max(Exit::Usage)
    }
}
