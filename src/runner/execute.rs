use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use rhai::Scope;
use tokio_util::sync::CancellationToken;

use super::context::{self, Ctx};
use super::events::{Event, EventSink};
use super::outcome::{RunSummary, Status, TaskResult};
use super::run::Run;
use super::script::Script;
use super::task::Task;
use crate::cli::ApproveMode;
use crate::engine::Client;
use crate::error::Exit;

/// What a run was asked to do, beyond its scripts.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub jobs: usize,
    pub fail_fast: bool,
    pub approve: ApproveMode,
    pub filter: Option<String>,
    pub vars: Vec<(String, String)>,
    /// Directories scripts may read besides the one shakedown runs in.
    pub allow_paths: Vec<std::path::PathBuf>,
    /// Watch mode: tasks not to rerun, with the results they keep.
    pub keep: Arc<HashMap<TaskKey, TaskResult>>,
    /// Why this run started, for its header.
    pub trigger: Option<String>,
    /// When the change that triggered it settled (seconds since the epoch).
    pub settled_at: Option<f64>,
}

/// A task across runs: its script and its name.
pub type TaskKey = (String, String);

/// What a run runs with: the script engine, the Docker Engine, the async
/// runtime primitives block on, where events go, and how it is stopped.
pub struct Environment {
    pub rhai: Arc<rhai::Engine>,
    pub engine: Arc<Client>,
    pub rt: tokio::runtime::Handle,
    pub sink: EventSink,
    pub cancel: CancellationToken,
    /// Set by the Ctrl-C handler (with `cancel`).
    pub interrupted: Arc<AtomicBool>,
}

/// Runs the scripts one after another and returns the summary (also sent
/// as the last event). Call it from a plain thread, never a tokio worker:
/// primitives block on the runtime.
pub fn execute(
    scripts: &[Arc<Script>],
    options: RunOptions,
    env: Environment,
) -> (Arc<Run>, RunSummary) {
    let started = Instant::now();
    let started_at = super::outcome::unix_now();
    crate::host::forget_origins();
    let run = Arc::new(Run::new(options, env));
    run.emit(&Event::RunStarted {
        run_id: run.id.clone(),
        scripts: scripts.iter().map(|s| s.file.name.clone()).collect(),
        trigger: run.options.trigger.clone(),
    });
    for script in scripts {
        if run.cancel.is_cancelled() {
            break;
        }
        run_script(&run, script);
    }
    run.join_threads();
    run.rt.block_on(run.engine.remove_run_containers());
    let summary = summarize(&run, scripts, started, started_at);
    run.emit(&Event::RunFinished(summary.clone()));
    (run, summary)
}

/// Evaluates a script's top level as its implicit task, then waits for
/// every task it declared.
fn run_script(run: &Arc<Run>, script: &Arc<Script>) {
    let started = Instant::now();
    let task = Task::new(
        run,
        script.implicit_task_name(),
        Arc::clone(script),
        true,
        None,
        Vec::new(),
    );
    run.emit(&Event::TaskStarted { task: task.id });
    let mut scope = Scope::new();
    let ctx = Ctx {
        run: Arc::clone(run),
        script: Arc::clone(script),
        task: Arc::clone(&task),
        check: None,
        cancel: task.cancel.clone(),
    };
    let result = context::enter(ctx, || run.rhai.run_ast_with_scope(&mut scope, &script.ast));
    if let Err(err) = result {
        task.body_failed(run, &err);
    }
    task.finish(run, started, None);
    run.join_threads();
}

fn summarize(run: &Run, scripts: &[Arc<Script>], started: Instant, started_at: f64) -> RunSummary {
    let tasks: Vec<TaskResult> = run.tasks().iter().filter_map(|t| t.result.get()).collect();
    let count = |status: Status| {
        tasks
            .iter()
            .flat_map(|t| &t.checks)
            .filter(|c| c.status == status)
            .count()
    };
    let task_errors = tasks.iter().filter(|t| t.error.is_some()).count();
    let skipped_tasks = tasks.iter().filter(|t| t.status == Status::Skipped).count();
    let fatal = run.fatal();
    let worst_failure = tasks
        .iter()
        .flat_map(|t| {
            t.checks
                .iter()
                .filter(|c| c.status == Status::Failed)
                .filter_map(|c| c.failure.as_ref())
                .chain(t.error.as_ref())
        })
        .map(|f| f.kind.exit())
        .max();
    let any_failed = tasks.iter().any(|t| t.status == Status::Failed);
    let exit = if fatal.is_some() {
        Exit::Engine
    } else if run.interrupted() {
        Exit::Interrupted
    } else {
        match worst_failure {
            Some(exit) => exit,
            None if any_failed => Exit::Failed,
            None => Exit::Success,
        }
    };
    RunSummary {
        run_id: run.id.clone(),
        scripts: scripts.iter().map(|s| s.file.name.clone()).collect(),
        passed: count(Status::Passed),
        failed: count(Status::Failed) + task_errors,
        warned: count(Status::Warned),
        skipped: count(Status::Skipped) + skipped_tasks,
        filtered: run.filtered(),
        duration: started.elapsed(),
        started_at,
        trigger: run.options.trigger.clone(),
        settled_at: run.options.settled_at,
        interrupted: run.interrupted(),
        exit,
        tasks,
        fatal,
    }
}
