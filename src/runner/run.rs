use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::events::{Event, EventSink};
use super::execute::{Environment, RunOptions};
use super::failure::Failure;
use super::interruption::{Interruption, StopSignal};
use super::outcome::Record;
use super::slots::Slots;
use super::task::{CheckSlot, Deferred, Task};
use crate::engine::{Client, Engines};

/// The failure that stopped a run under `--fail-fast`: the first to finish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoppedBy {
    pub script: String,
    pub task: String,
    /// The check or checkpoint; absent when the task's body failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

/// The state of one run, shared by every thread of it.
pub struct Run {
    pub id: String,
    pub options: RunOptions,
    pub rhai: Arc<rhai::Engine>,
    /// The `default` engine.
    pub engine: Arc<Client>,
    /// Every engine of the run, `default` first.
    pub engines: Arc<Engines>,
    pub rt: tokio::runtime::Handle,
    /// Fires on Ctrl-C, `--fail-fast` after a failure, or a fatal error.
    pub cancel: CancellationToken,
    pub slots: Slots,
    /// The modules this run imported, each evaluated once.
    pub modules: crate::host::ModuleCache,
    sink: EventSink,
    interruption: Arc<Interruption>,
    next_task: AtomicUsize,
    /// Checks and checkpoints the selection left out: (task id, name).
    filtered: Mutex<Vec<(usize, String)>>,
    stopped_by: Mutex<Option<StoppedBy>>,
    /// `--partition`: tasks declared by the script's top level, started
    /// when it ends (a chain's partition is known only then).
    deferred: Mutex<Vec<Deferred>>,
    /// `--partition`: the partition of every task declared so far, and the
    /// tasks each partition has.
    pub(super) partitions: Mutex<(HashMap<String, usize>, Vec<usize>)>,
    elsewhere: AtomicUsize,
    tasks: Mutex<Vec<Arc<Task>>>,
    /// (script, task name) of every task declared, so that no script
    /// declares a name twice.
    names: Mutex<HashSet<(PathBuf, String)>>,
    checks: Mutex<Vec<Arc<CheckSlot>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    fatal: Mutex<Option<Arc<Failure>>>,
    pub(super) prompt: Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Run {
    pub fn new(options: RunOptions, env: Environment) -> Self {
        Self {
            id: env.engines.default_engine().run_id().to_owned(),
            slots: Slots::new(options.jobs),
            modules: crate::host::ModuleCache::default(),
            rhai: env.rhai,
            engine: Arc::clone(env.engines.default_engine()),
            engines: env.engines,
            rt: env.rt,
            cancel: env.cancel,
            sink: env.sink,
            interruption: env.interruption,
            next_task: AtomicUsize::new(0),
            filtered: Mutex::new(Vec::new()),
            stopped_by: Mutex::new(None),
            deferred: Mutex::new(Vec::new()),
            partitions: Mutex::new((
                HashMap::new(),
                vec![0; options.selection.partition.map_or(1, |p| p.count)],
            )),
            elsewhere: AtomicUsize::new(0),
            tasks: Mutex::new(Vec::new()),
            names: Mutex::new(HashSet::new()),
            checks: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
            fatal: Mutex::new(None),
            prompt: Mutex::new(()),
            options,
        }
    }

    pub fn emit(&self, event: &Event) {
        self.sink.emit(event);
    }

    pub fn next_task_id(&self) -> usize {
        self.next_task.fetch_add(1, Ordering::SeqCst)
    }

    pub fn add_task(&self, task: Arc<Task>) {
        lock(&self.tasks).push(task);
    }

    pub fn tasks(&self) -> Vec<Arc<Task>> {
        lock(&self.tasks).clone()
    }

    /// A declared task by name (the latest one, if names repeat).
    pub fn task_named(&self, name: &str) -> Option<Arc<Task>> {
        lock(&self.tasks)
            .iter()
            .rev()
            .find(|t| t.name == name && !t.implicit)
            .cloned()
    }

    /// Records that `script` declares task `name`; `false` if it already
    /// did.
    pub fn declare(&self, script: &Path, name: &str) -> bool {
        lock(&self.names).insert((script.to_owned(), name.to_owned()))
    }

    /// Whether a task of that name was declared, here or (`--partition`)
    /// in another partition, or is waiting for its partition.
    pub fn is_declared(&self, name: &str) -> bool {
        self.task_named(name).is_some()
            || lock(&self.partitions).0.contains_key(name)
            || lock(&self.deferred).iter().any(|d| d.name == name)
    }

    /// `--partition`: keeps a task the top level declared until it ends.
    pub fn defer(&self, task: Deferred) {
        lock(&self.deferred).push(task);
    }

    /// `--partition`: the tasks the top level declared, in order.
    pub fn take_deferred(&self) -> Vec<Deferred> {
        lock(&self.deferred).drain(..).collect()
    }

    /// `--partition`: a task another partition runs.
    pub fn count_elsewhere(&self) {
        self.elsewhere.fetch_add(1, Ordering::SeqCst);
    }

    pub fn elsewhere(&self) -> usize {
        self.elsewhere.load(Ordering::SeqCst)
    }

    pub fn add_check(&self, slot: Arc<CheckSlot>) {
        lock(&self.checks).push(slot);
    }

    /// Every check scheduled so far, in scheduling order.
    pub fn checks(&self) -> Vec<Arc<CheckSlot>> {
        lock(&self.checks).clone()
    }

    pub fn add_thread(&self, handle: JoinHandle<()>) {
        lock(&self.threads).push(handle);
    }

    /// Joins every task and check thread started so far, including those
    /// started while joining.
    pub fn join_threads(&self) {
        loop {
            let handles: Vec<_> = lock(&self.threads).drain(..).collect();
            if handles.is_empty() {
                return;
            }
            for handle in handles {
                let _ = handle.join();
            }
        }
    }

    /// A check or checkpoint the selection left out.
    pub fn add_filtered(&self, task: usize, name: &str) {
        lock(&self.filtered).push((task, name.to_owned()));
    }

    pub fn filtered(&self) -> Vec<(usize, String)> {
        lock(&self.filtered).clone()
    }

    /// Whether `--filter`/`--skip` select a check or checkpoint of a task.
    pub fn selects(&self, task: &Task, check: &str) -> bool {
        self.options.selection.selects(&task.name, check)
    }

    /// `--fail-fast`: a gate failed; the first to call this is the cause.
    pub fn fail_fast(&self, cause: StoppedBy) {
        {
            let mut stopped = lock(&self.stopped_by);
            if stopped.is_none() {
                *stopped = Some(cause);
            }
        }
        self.cancel.cancel();
    }

    pub fn stopped_by(&self) -> Option<StoppedBy> {
        lock(&self.stopped_by).clone()
    }

    /// Whether `--fail-fast` alone stopped the run (not Ctrl-C, not the
    /// engine): the script's top level then goes on declaring tasks, so
    /// that every report lists them as not run.
    pub fn stopped_by_fail_fast_only(&self) -> bool {
        self.stopped_by().is_some() && !self.interrupted() && self.fatal().is_none()
    }

    /// The signal that stopped the run (Ctrl-C, SIGTERM, SIGHUP), if one
    /// did.
    pub fn signal(&self) -> Option<StopSignal> {
        self.interruption.signal()
    }

    /// Whether a signal stopped the run.
    pub fn interrupted(&self) -> bool {
        self.signal().is_some()
    }

    /// An error that makes the rest of the run pointless (the engine cannot
    /// be reached): keep the first, stop the run.
    pub fn set_fatal(&self, failure: Arc<Failure>) {
        let mut fatal = lock(&self.fatal);
        if fatal.is_none() {
            *fatal = Some(failure);
        }
        self.cancel.cancel();
    }

    pub fn fatal(&self) -> Option<Arc<Failure>> {
        lock(&self.fatal).clone()
    }

    /// The records of every task so far, for a checkpoint's review.
    pub fn records(&self) -> Vec<Record> {
        self.tasks().iter().flat_map(|t| t.records()).collect()
    }

    /// Why a task or check did not run, or did not finish: the run
    /// stopped.
    pub fn stop_reason(&self) -> &'static str {
        if let Some(signal) = self.signal() {
            match signal {
                StopSignal::Interrupt => "not run (interrupted)",
                StopSignal::Terminate => "not run (terminated by SIGTERM)",
                StopSignal::HangUp => "not run (hung up: SIGHUP)",
            }
        } else if self.fatal().is_some() {
            "not run (the engine could not be used)"
        } else if self.stopped_by().is_some() {
            "not run (--fail-fast)"
        } else {
            "not run (the run was cancelled)"
        }
    }
}
