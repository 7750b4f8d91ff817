use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::compile_all;
use crate::cli::CommonConfig;
use crate::engine::Client;
use crate::error::{render_error, Exit};
use crate::host::new_engine;
use crate::report;
use crate::runner::{self, Environment, EventSink, RunOptions};

/// `shakedown run`: compile, run against the engine, report.
pub fn execute(scripts: &[PathBuf], common: &CommonConfig) -> Exit {
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
    let mut reporter = report::for_format(common.format);
    let sink = EventSink::new(move |event| reporter.report(event));
    let options = RunOptions {
        jobs: common.jobs,
        fail_fast: common.fail_fast,
        approve: common.approve,
        filter: common.filter.clone(),
        vars: common.vars.clone(),
        allow_paths: common.allow_paths.clone(),
        keep: Arc::default(),
        trigger: None,
        settled_at: None,
    };
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
    summary.exit
}
