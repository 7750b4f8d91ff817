use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rhai::Scope;
use tokio_util::sync::CancellationToken;

use super::context::{self, Ctx};
use super::events::{Event, EventSink};
use super::interruption::Interruption;
use super::outcome::{PartitionSummary, RunSummary, Status, TaskResult, SCHEMA};
use super::panics;
use super::partition::{self, Declared};
use super::run::Run;
use super::script::Script;
use super::selection::{Names, Selection};
use super::task::{NotStarted, Task};
use crate::cli::ApproveMode;
use crate::engine::{Client, Engines};
use crate::error::Exit;

/// What a run was asked to do, beyond its scripts.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub jobs: usize,
    pub fail_fast: bool,
    pub approve: ApproveMode,
    /// The approvals ledger checkpoints append to and read from.
    pub approvals: std::path::PathBuf,
    /// `--filter`, `--skip`, `--partition`.
    pub selection: Selection,
    pub vars: Vec<(String, String)>,
    /// Directories scripts may read besides the one shakedown runs in.
    pub allow_paths: Vec<std::path::PathBuf>,
    /// Network modes containers may use that reach past shakedown's own
    /// (`--allow-network`: `host`, `container:NAME`, `container`).
    pub allow_networks: Vec<String>,
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
    /// `default` and the engines `--engine` named.
    pub engines: Arc<Engines>,
    pub rt: tokio::runtime::Handle,
    pub sink: EventSink,
    pub cancel: CancellationToken,
    /// Set by the signal handler (with `cancel`): Ctrl-C, SIGTERM, SIGHUP.
    pub interruption: Arc<Interruption>,
}

/// How long the end of a run waits for the sweep of dead runs' containers
/// it started at its beginning while the engine has not answered yet (a
/// run that never needed the engine does not wait long for a dead one);
/// once the engine has answered, the sweep gets its removals' deadline.
const SWEEP_WAIT: Duration = Duration::from_secs(2);

/// Waits for the sweep: until it is done, or `SWEEP_WAIT` while the engine
/// has not answered, or the cleanup deadline.
async fn await_sweep(sweep: tokio::task::JoinHandle<()>, engines: &Engines) {
    let started = tokio::time::Instant::now();
    let mut sweep = std::pin::pin!(sweep);
    loop {
        tokio::select! {
            _ = &mut sweep => return,
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
        }
        let waited = started.elapsed();
        if waited > crate::engine::deadline::CLEANUP
            || (!engines.all_reached() && waited > SWEEP_WAIT)
        {
            return;
        }
    }
}

/// Removes the run's containers when a panic unwinds through `execute`
/// (the main thread's own code failed), before the process dies of it.
struct RemoveOnUnwind<'a>(&'a Run);

impl Drop for RemoveOnUnwind<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.cancel.cancel();
            let left = self.0.rt.block_on(self.0.engines.finish_run());
            for container in left {
                eprintln!(
                    "shakedown: could not remove container {} ({}) on engine {}: {}",
                    container.container, container.what, container.engine, container.reason
                );
            }
        }
    }
}

/// Runs the scripts one after another and returns the summary (also sent
/// as the last event). Call it from a plain thread, never a tokio worker:
/// primitives block on the runtime.
pub fn execute(
    scripts: &[Arc<Script>],
    options: RunOptions,
    env: Environment,
) -> (Arc<Run>, RunSummary) {
    panics::install_hook();
    let started = Instant::now();
    let started_at = super::outcome::unix_now();
    crate::host::forget_origins();
    crate::error::caught::clear();
    let run = Arc::new(Run::new(options, env));
    let guard = RemoveOnUnwind(&run);
    // Every run that can reach an engine removes what killed runs left,
    // even one that only reads files; in the background, it is cheap.
    let sweep = {
        let engines = Arc::clone(&run.engines);
        run.rt.spawn(async move { engines.sweep_dead_runs().await })
    };
    run.emit(&Event::RunStarted {
        run_id: run.id.clone(),
        scripts: scripts.iter().map(|s| s.file.name.clone()).collect(),
        trigger: run.options.trigger.clone(),
        engines: run.engines.names(),
    });
    check_engine(&run, scripts);
    for script in scripts {
        if run.cancel.is_cancelled() {
            break;
        }
        run_script(&run, script);
    }
    run.join_threads();
    let left_behind = run.rt.block_on(async {
        await_sweep(sweep, &run.engines).await;
        run.engines.finish_run().await
    });
    drop(guard);
    let mut summary = summarize(&run, scripts, started, started_at);
    summary.left_behind = left_behind;
    run.emit(&Event::RunFinished(summary.clone()));
    (run, summary)
}

/// Before the first task: the engine answers (a ping, its version), or the
/// run stops here with one diagnostic (exit 3) instead of a failure per
/// task. Scripts that never reach the engine (they only read files) run
/// without one.
fn check_engine(run: &Arc<Run>, scripts: &[Arc<Script>]) {
    if !scripts.iter().any(|s| crate::host::may_use_engine(&s.ast)) {
        return;
    }
    let checked = run.rt.block_on(async {
        tokio::select! {
            ready = run.engine.ready() => Some(ready.map(|_| ())),
            () = run.cancel.cancelled() => None,
        }
    });
    if let Some(Err(err)) = checked {
        run.set_fatal(Arc::new(super::Failure::engine(&err)));
    }
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
        (None, None),
        Vec::new(),
        Arc::clone(&run.engine),
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
    let result = panics::catch(|| {
        context::enter(ctx, || run.rhai.run_ast_with_scope(&mut scope, &script.ast))
    });
    match result {
        Ok(Ok(())) => {}
        Ok(Err(err)) => task.body_failed(run, &err),
        Err(panic) => task.panicked(run, &panic),
    }
    if run.options.selection.partition.is_some() {
        start_partition(run, script);
    }
    crate::fault::point(crate::fault::Point::BeforeCleanup);
    task.finish(run, started, None);
    run.join_threads();
}

/// `--partition`: assigns the tasks the top level declared to partitions
/// and starts this partition's; the others are only counted.
fn start_partition(run: &Arc<Run>, script: &Arc<Script>) {
    let Some(mine) = run.options.selection.partition else {
        return;
    };
    let deferred = run.take_deferred();
    let assigned = {
        let mut partitions = run
            .partitions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (earlier, load) = &mut *partitions;
        let declared: Vec<Declared<'_>> = deferred
            .iter()
            .map(|d| Declared {
                name: &d.name,
                needs: &d.needs,
            })
            .collect();
        let assigned = partition::assign(&declared, earlier, load);
        for (task, partition) in deferred.iter().zip(&assigned) {
            earlier.insert(task.name.clone(), *partition);
        }
        assigned
    };
    for (declared, partition) in deferred.into_iter().zip(assigned) {
        if partition + 1 != mine.index {
            run.count_elsewhere();
            continue;
        }
        let missing = declared
            .needs
            .iter()
            .find(|need| run.task_named(need).is_none())
            .cloned();
        let needs = declared
            .needs
            .iter()
            .filter_map(|need| run.task_named(need))
            .collect();
        let task = Task::new(
            run,
            declared.name,
            Arc::clone(script),
            false,
            (Some(declared.call), declared.origin),
            declared.needs,
            declared.engine,
        );
        match missing {
            Some(need) => task.finish(
                run,
                Instant::now(),
                Some(NotStarted::Skipped(format!(
                    "needs \"{need}\", which another partition runs"
                ))),
            ),
            None => task.launch(run, needs, declared.body),
        }
    }
}

fn summarize(run: &Run, scripts: &[Arc<Script>], started: Instant, started_at: f64) -> RunSummary {
    let tasks: Vec<TaskResult> = run
        .tasks()
        .iter()
        .map(|t| t.result.get().unwrap_or_else(|| t.lost()))
        .collect();
    let count = |status: Status| {
        tasks
            .iter()
            .flat_map(|t| &t.checks)
            .filter(|c| c.status == status)
            .count()
            + tasks
                .iter()
                .filter(|t| {
                    t.status == status && matches!(status, Status::Skipped | Status::NotRun)
                })
                .count()
    };
    let task_errors = tasks.iter().filter(|t| t.error.is_some()).count();
    let fatal = run.fatal().or_else(|| nothing_selected(run, &tasks));
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
    let exit = if let Some(fatal) = &fatal {
        fatal.kind.exit()
    } else if let Some(signal) = run.signal() {
        signal.exit()
    } else {
        match worst_failure {
            Some(exit) => exit,
            None if any_failed => Exit::Failed,
            None => Exit::Success,
        }
    };
    RunSummary {
        schema: SCHEMA,
        run_id: run.id.clone(),
        scripts: scripts.iter().map(|s| s.file.name.clone()).collect(),
        passed: count(Status::Passed),
        failed: count(Status::Failed) + task_errors,
        warned: count(Status::Warned),
        skipped: count(Status::Skipped),
        not_run: count(Status::NotRun),
        filtered: run.filtered().len(),
        duration: started.elapsed(),
        started_at,
        trigger: run.options.trigger.clone(),
        settled_at: run.options.settled_at,
        interrupted: run.interrupted(),
        signal: run.signal(),
        stopped_by: run.stopped_by(),
        partition: run.options.selection.partition.map(|p| PartitionSummary {
            index: p.index,
            count: p.count,
            elsewhere: run.elsewhere(),
        }),
        exit,
        tasks,
        fatal,
        left_behind: Vec::new(),
        engine: Arc::new(engine_summary(&run.engine)),
    }
}

fn engine_summary(engine: &Client) -> super::outcome::EngineSummary {
    let endpoint = engine.endpoint();
    super::outcome::EngineSummary {
        url: endpoint.url.clone(),
        origin: endpoint.origin.to_string(),
        tls: endpoint.tls.is_some(),
        chosen: endpoint.origin != crate::engine::endpoint::Origin::LocalSocket,
        version: engine.version().cloned(),
    }
}

/// `--filter`/`--skip` that left out every check and checkpoint there is
/// make an argument error, so a mistyped filter cannot pass a run. A run
/// that stopped, or whose task bodies failed (they may not have declared
/// all their checks), is judged by that instead.
fn nothing_selected(run: &Run, tasks: &[TaskResult]) -> Option<Arc<super::Failure>> {
    let selection = &run.options.selection;
    let selected = tasks.iter().map(|t| t.checks.len()).sum::<usize>();
    let stopped = run.interrupted() || run.stopped_by().is_some();
    if !selection.narrows() || selected > 0 || stopped || tasks.iter().any(|t| t.error.is_some()) {
        return None;
    }
    let filtered = run.filtered();
    let names: Vec<Names> = tasks
        .iter()
        .map(|t| {
            let checks: Vec<String> = filtered
                .iter()
                .filter(|(task, _)| *task == t.id)
                .map(|(_, name)| name.clone())
                .collect();
            (t, checks)
        })
        // A script's top level is a task only when it has checks.
        .filter(|(t, checks)| !t.implicit || !checks.is_empty())
        .map(|(t, checks)| Names {
            task: t.name.clone(),
            checks,
        })
        .collect();
    Some(Arc::new(selection.nothing_selected(&names)))
}
