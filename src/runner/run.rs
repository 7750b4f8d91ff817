use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use tokio_util::sync::CancellationToken;

use super::events::{Event, EventSink};
use super::execute::{Environment, RunOptions};
use super::failure::Failure;
use super::interruption::{Interruption, StopSignal};
use super::outcome::Record;
use super::slots::Slots;
use super::task::{CheckSlot, Task};
use crate::engine::Client;

/// The state of one run, shared by every thread of it.
pub struct Run {
    pub id: String,
    pub options: RunOptions,
    pub rhai: Arc<rhai::Engine>,
    pub engine: Arc<Client>,
    pub rt: tokio::runtime::Handle,
    /// Fires on Ctrl-C, `--fail-fast` after a failure, or a fatal error.
    pub cancel: CancellationToken,
    pub slots: Slots,
    sink: EventSink,
    interruption: Arc<Interruption>,
    next_task: AtomicUsize,
    filtered: AtomicUsize,
    tasks: Mutex<Vec<Arc<Task>>>,
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
            id: env.engine.run_id().to_owned(),
            slots: Slots::new(options.jobs),
            options,
            rhai: env.rhai,
            engine: env.engine,
            rt: env.rt,
            cancel: env.cancel,
            sink: env.sink,
            interruption: env.interruption,
            next_task: AtomicUsize::new(0),
            filtered: AtomicUsize::new(0),
            tasks: Mutex::new(Vec::new()),
            checks: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
            fatal: Mutex::new(None),
            prompt: Mutex::new(()),
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

    pub fn count_filtered(&self) {
        self.filtered.fetch_add(1, Ordering::SeqCst);
    }

    pub fn filtered(&self) -> usize {
        self.filtered.load(Ordering::SeqCst)
    }

    /// Whether a task or check name passes `--filter`.
    pub fn matches_filter(&self, name: &str) -> bool {
        self.options
            .filter
            .as_deref()
            .is_none_or(|filter| name.contains(filter))
    }

    /// The signal that stopped the run (Ctrl-C, SIGTERM, SIGHUP), if one
    /// did.
    pub fn stopped_by(&self) -> Option<StopSignal> {
        self.interruption.signal()
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

    /// Why a cancelled task or check did not finish.
    pub fn stop_reason(&self) -> &'static str {
        if let Some(signal) = self.stopped_by() {
            signal.reason()
        } else if self.fatal().is_some() {
            "the run stopped: the engine could not be used"
        } else {
            "the run stopped after a failure (--fail-fast)"
        }
    }
}
