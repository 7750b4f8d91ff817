//! Watch mode: run, then rerun what a change affects, until Ctrl-C. It
//! re-invokes the runner; everything it knows of a run comes from events.

mod graph;
mod imports;
mod watcher;

pub use graph::{Affected, BuildInput, Graph};
pub use imports::imported_modules;
pub use watcher::{is_scratch, Batch, Relevance, Watcher, MAX_BATCH};

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::cli::CommonConfig;
use crate::error::{render_error, Exit};
use crate::host::{compile, new_engine};
use crate::report;
use crate::runner::{
    self, Environment, Event, EventSink, RunOptions, RunSummary, Script, Status, StopSignal,
    TaskKey, TaskResult,
};
use crate::subcommand::signals::Signals;

/// Watch mode's own options.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub debounce: Duration,
    pub clear: bool,
}

enum Msg {
    Changed(Batch),
    RunDone(Box<RunSummary>),
    /// Ctrl-C, SIGTERM or SIGHUP.
    Interrupt(StopSignal),
}

/// What the next run reruns.
enum Plan {
    Everything(String),
    Some { affected: Affected, trigger: String },
}

struct Session<'a> {
    scripts: Vec<(PathBuf, String)>,
    compiled: HashMap<String, Arc<Script>>,
    rhai: Arc<rhai::Engine>,
    common: &'a CommonConfig,
    options: &'a WatchOptions,
    graph: Arc<Mutex<Graph>>,
    last: HashMap<TaskKey, TaskResult>,
    rt: tokio::runtime::Runtime,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    current: Arc<Mutex<CancellationToken>>,
}

/// `shakedown watch`: runs the scripts, then reruns on every change that
/// matters, until Ctrl-C.
pub fn execute(scripts: &[PathBuf], common: &CommonConfig, options: &WatchOptions) -> Exit {
    let Some(rt) = crate::subcommand::runtime() else {
        return Exit::Engine;
    };
    let (tx, rx) = mpsc::channel();
    let current = Arc::new(Mutex::new(CancellationToken::new()));
    let signals = {
        let _inside = rt.enter();
        Signals::listen()
    };
    match signals {
        Ok(mut signals) => {
            let (tx, current) = (tx.clone(), Arc::clone(&current));
            rt.spawn(async move {
                loop {
                    let signal = signals.next().await;
                    current
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .cancel();
                    let _ = tx.send(Msg::Interrupt(signal));
                }
            });
        }
        Err(err) => eprintln!("shakedown: cannot listen for Ctrl-C, SIGTERM and SIGHUP: {err}"),
    }
    let scripts: Vec<(PathBuf, String)> = scripts
        .iter()
        .map(|p| {
            (
                std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()),
                p.display().to_string(),
            )
        })
        .collect();
    let graph: Arc<Mutex<Graph>> = Arc::default();
    let relevant: Relevance = {
        let (graph, scripts) = (Arc::clone(&graph), scripts.clone());
        Box::new(move |path| lock(&graph).affects(path, &scripts))
    };
    let watcher = match Watcher::new(
        watcher::to_channel(tx.clone(), Msg::Changed),
        options.debounce,
        relevant,
    ) {
        Ok(watcher) => Arc::new(Mutex::new(watcher)),
        Err(err) => {
            eprintln!("shakedown: cannot watch files: {err}");
            return Exit::Engine;
        }
    };
    let mut session = Session {
        scripts,
        compiled: HashMap::new(),
        rhai: Arc::new(new_engine()),
        common,
        options,
        graph,
        last: HashMap::new(),
        rt,
        tx,
        rx,
        current,
    };
    session.watch(&watcher)
}

impl Session<'_> {
    fn watch(&mut self, watcher: &Arc<Mutex<Watcher>>) -> Exit {
        let mut plan = Plan::Everything("first run".to_owned());
        loop {
            let changed_scripts = match &plan {
                Plan::Everything(_) => self.scripts.iter().map(|(_, n)| n.clone()).collect(),
                Plan::Some { affected, .. } => affected.scripts.clone(),
            };
            if matches!(&plan, Plan::Some { affected, .. } if !affected.modules.is_empty()) {
                // The engine keeps the modules it loaded: a fresh one loads
                // the changed ones anew.
                self.rhai = Arc::new(new_engine());
            }
            let compiled = self.compile(&changed_scripts);
            let dirs = self.graph().watch_dirs(&self.scripts);
            lock(watcher).set_dirs(&dirs);
            let next = if compiled {
                self.run_once(plan, watcher)
            } else {
                eprintln!("watching for a fix…");
                None
            };
            let dirs = self.graph().watch_dirs(&self.scripts);
            lock(watcher).set_dirs(&dirs);
            plan = match next {
                Some(plan) => plan,
                None => match self.wait_for_change() {
                    Ok(plan) => plan,
                    Err(signal) => return signal.exit(),
                },
            };
        }
    }

    fn graph(&self) -> MutexGuard<'_, Graph> {
        lock(&self.graph)
    }

    /// Compiles the named scripts anew (all on the first run); renders
    /// errors. The engine is kept across runs.
    fn compile(&mut self, names: &BTreeSet<String>) -> bool {
        let mut ok = true;
        for (_, name) in &self.scripts {
            if self.compiled.contains_key(name) && !names.contains(name) {
                continue;
            }
            match compile(&self.rhai, std::path::Path::new(name)) {
                Ok(script) => {
                    let modules = imported_modules(&self.rhai, &script.path, &script.ast);
                    self.graph().set_imports(name, &modules);
                    self.compiled.insert(name.clone(), Arc::new(script));
                }
                Err(err) => {
                    render_error(&err, None);
                    self.compiled.remove(name);
                    ok = false;
                }
            }
        }
        ok
    }

    /// Runs once; returns the plan for a rerun when a change came during the
    /// run (it was cancelled), or `None` when it ended on its own. Exits the
    /// process on Ctrl-C, after the run has cleaned up.
    fn run_once(&mut self, plan: Plan, watcher: &Arc<Mutex<Watcher>>) -> Option<Plan> {
        let settled_at = match &plan {
            Plan::Everything(_) => None,
            Plan::Some { affected, .. } => affected.settled_at,
        };
        let (keep, trigger) = match &plan {
            Plan::Everything(trigger) => (HashMap::new(), trigger.clone()),
            Plan::Some { affected, trigger } => {
                let rerun = self.graph().rerun(affected);
                let keep = self
                    .last
                    .iter()
                    .filter(|(key, _)| !rerun.contains(*key))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                (keep, trigger.clone())
            }
        };
        let cancel = CancellationToken::new();
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = cancel.clone();
        let scripts: Vec<Arc<Script>> = self
            .scripts
            .iter()
            .filter_map(|(_, name)| self.compiled.get(name).cloned())
            .collect();
        let engines = match crate::subcommand::engines::connect(self.common) {
            Ok(engines) => Arc::new(engines),
            Err(_) => return None,
        };
        let mut reporter = report::for_watch(self.common.format, self.options.clear);
        let graph = Arc::clone(&self.graph);
        let watcher = Arc::clone(watcher);
        let sink = EventSink::new(move |event| {
            // Watch a build's files before it reads them, so no change made
            // from then on is missed.
            let mut known = lock(&graph);
            known.observe(event);
            if let Event::BuildRead { task, .. } = event {
                lock(&watcher).add_dirs(&known.dirs_read_by(*task));
            }
            drop(known);
            reporter.report(event);
        });
        let options = RunOptions {
            keep: Arc::new(keep),
            trigger: Some(trigger),
            settled_at,
            ..self.common.run_options()
        };
        let env = Environment {
            rhai: Arc::clone(&self.rhai),
            engines,
            rt: self.rt.handle().clone(),
            sink,
            cancel: cancel.clone(),
            interruption: Arc::default(),
        };
        let tx = self.tx.clone();
        let run = std::thread::spawn(move || {
            let run = std::panic::AssertUnwindSafe(|| runner::execute(&scripts, options, env));
            match std::panic::catch_unwind(run) {
                Ok((_, summary)) => {
                    let _ = tx.send(Msg::RunDone(Box::new(summary)));
                }
                Err(payload) => {
                    // The run's containers were removed on the way out.
                    crate::subcommand::report_escaped_panic(payload.as_ref());
                    std::process::exit(i32::from(Exit::Internal as u8));
                }
            }
        });
        let mut pending: Option<Affected> = None;
        let mut quitting = None;
        let summary = loop {
            match self.rx.recv() {
                Ok(Msg::RunDone(summary)) => break *summary,
                Ok(Msg::Changed(batch)) => {
                    let affected = self.affected(&batch);
                    if !affected.is_empty() {
                        cancel.cancel();
                        pending
                            .get_or_insert_with(Affected::default)
                            .merge(affected);
                    }
                }
                Ok(Msg::Interrupt(signal)) => {
                    cancel.cancel();
                    quitting = Some(signal);
                }
                Err(_) => {
                    cancel.cancel();
                    quitting = Some(StopSignal::Interrupt);
                }
            }
        };
        let _ = run.join();
        self.remember(&summary, pending.is_some() || quitting.is_some());
        if let Some(signal) = quitting {
            std::process::exit(i32::from(signal.exit() as u8));
        }
        pending.map(|affected| {
            let trigger = describe(&affected);
            Plan::Some { affected, trigger }
        })
    }

    /// Keeps each task's latest real result for the next run to reuse.
    fn remember(&mut self, summary: &RunSummary, cancelled: bool) {
        for task in &summary.tasks {
            if task.implicit {
                continue;
            }
            let key = (task.script.clone(), task.name.clone());
            if cancelled && matches!(task.status, Status::Skipped | Status::NotRun) {
                self.last.remove(&key); // stopped midway: must rerun
            } else {
                self.last.insert(key, task.clone());
            }
        }
    }

    fn affected(&self, batch: &Batch) -> Affected {
        let mut affected = self.graph().affected(&batch.paths, &self.scripts);
        affected.settled_at = Some(batch.settled_at);
        affected
    }

    /// Waits for a change that affects something; the signal that stopped
    /// watching instead (Ctrl-C, SIGTERM, SIGHUP).
    fn wait_for_change(&mut self) -> Result<Plan, StopSignal> {
        loop {
            match self.rx.recv() {
                Ok(Msg::Changed(batch)) => {
                    let affected = self.affected(&batch);
                    if affected.is_empty() {
                        continue;
                    }
                    let trigger = describe(&affected);
                    return Ok(Plan::Some { affected, trigger });
                }
                Ok(Msg::RunDone(_)) => {}
                Ok(Msg::Interrupt(signal)) => return Err(signal),
                Err(_) => return Err(StopSignal::Interrupt),
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// "docker/Dockerfile.gpu changed", relative to the current directory.
fn describe(affected: &Affected) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let names: Vec<String> = affected
        .files
        .iter()
        .map(|p| p.strip_prefix(&cwd).unwrap_or(p).display().to_string())
        .collect();
    match names.as_slice() {
        [] => "changed".to_owned(),
        [one] => format!("{one} changed"),
        [one, two] => format!("{one} and {two} changed"),
        [one, rest @ ..] => format!("{one} and {} more changed", rest.len()),
    }
}
