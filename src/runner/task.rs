use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::engine::Client;

use super::body::Body;
use super::context::{self, Ctx};
use super::events::Event;
use super::failure::{Failure, FailureKind, Origin, Subject};
use super::latch::Latch;
use super::outcome::{BuildNote, CheckKind, CheckResult, Record, Status, TaskResult};
use super::panics::{self, Panic};
use super::run::{Run, StoppedBy};
use super::script::Script;
use super::task_value::TaskValue;
use crate::approvals::Approval;
use crate::error::Report;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Something to undo when a task ends (a container it started).
pub type Cleanup = Box<dyn FnOnce() + Send>;

/// A declared task.
pub struct Task {
    pub id: usize,
    pub name: String,
    pub script: Arc<Script>,
    pub implicit: bool,
    pub cancel: CancellationToken,
    /// Where `task(…)` was called (line, column).
    pub call: Option<(usize, usize)>,
    /// The engine everything it does runs on (`engine:`, else `default`).
    pub engine: Arc<Client>,
    /// The module that declared it, when a module function did.
    pub origin: Option<Origin>,
    checks: Mutex<Vec<Arc<CheckSlot>>>,
    records: Mutex<Vec<Record>>,
    error: Mutex<Option<Arc<Failure>>>,
    cleanups: Mutex<Vec<Cleanup>>,
    /// The tasks it waits for.
    needs: Mutex<Vec<Arc<Task>>>,
    /// Images it built or looked up: (name, id).
    images: Mutex<Vec<(String, String)>>,
    /// What its builds said besides their steps.
    build_notes: Mutex<Vec<BuildNote>>,
    /// The run stopped it in the middle of its body.
    cut_short: AtomicBool,
    /// What its body returned, for the tasks that need it.
    value: Mutex<Option<TaskValue>>,
    pub done: Latch<Status>,
    pub result: Latch<TaskResult>,
}

/// `--partition`: a task the top level declared, started when the top
/// level ends and its chain's partition is known.
pub struct Deferred {
    pub name: String,
    pub needs: Vec<String>,
    pub call: (usize, usize),
    pub origin: Option<Origin>,
    pub body: Body,
    pub engine: Arc<Client>,
}

/// Why a task did not run its body.
pub enum NotStarted {
    /// For a reason of its own (a needed task failed).
    Skipped(String),
    /// The run stopped.
    Stopped,
}

/// A scheduled check or checkpoint; its result is set exactly once.
pub struct CheckSlot {
    pub task: usize,
    pub index: usize,
    pub name: String,
    pub kind: CheckKind,
    pub gate: bool,
    pub call: (usize, usize),
    /// The module that declared it, when a module function did.
    pub origin: Option<Origin>,
    pub result: Latch<CheckResult>,
    /// What the check looked at that would explain its failure (a query
    /// that found nothing, the layers of an image whose size it read).
    evidence: Mutex<Vec<Report>>,
    /// The property names and constant keys its code reads.
    reads: BTreeSet<String>,
}

impl CheckSlot {
    /// Keeps a report to show if the check fails.
    pub fn add_evidence(&self, report: Report) {
        lock(&self.evidence).push(report);
    }

    /// Whether the check's code reads a property or key of this name.
    pub fn reads(&self, name: &str) -> bool {
        self.reads.contains(name)
    }

    fn evidence(&self) -> Vec<Report> {
        lock(&self.evidence).clone()
    }
}

/// What a check was declared with.
pub struct CheckSpec {
    pub name: String,
    pub gate: bool,
    pub timeout: Option<Duration>,
    pub call: (usize, usize),
    pub origin: Option<Origin>,
    pub body: Body,
    /// The property names and constant keys its code reads.
    pub reads: BTreeSet<String>,
    /// What explains a failure, known when it is declared (the layers of
    /// an image whose size it captured).
    pub evidence: Vec<Report>,
}

impl Task {
    pub fn new(
        run: &Run,
        name: String,
        script: Arc<Script>,
        implicit: bool,
        (call, origin): (Option<(usize, usize)>, Option<Origin>),
        needs: Vec<String>,
        engine: Arc<Client>,
    ) -> Arc<Self> {
        let task = Arc::new(Self {
            id: run.next_task_id(),
            name,
            script,
            implicit,
            cancel: run.cancel.child_token(),
            call,
            engine,
            origin,
            checks: Mutex::new(Vec::new()),
            records: Mutex::new(Vec::new()),
            error: Mutex::new(None),
            cleanups: Mutex::new(Vec::new()),
            needs: Mutex::new(Vec::new()),
            images: Mutex::new(Vec::new()),
            build_notes: Mutex::new(Vec::new()),
            cut_short: AtomicBool::new(false),
            value: Mutex::new(None),
            done: Latch::new(),
            result: Latch::new(),
        });
        run.add_task(Arc::clone(&task));
        run.emit(&Event::TaskDeclared {
            task: task.id,
            name: task.name.clone(),
            script: task.script.file.name.clone(),
            implicit,
            needs,
            engine: task.engine.name().to_owned(),
        });
        task
    }

    pub fn records(&self) -> Vec<Record> {
        lock(&self.records).clone()
    }

    pub fn record(&self, run: &Run, record: Record) {
        lock(&self.records).push(record.clone());
        run.emit(&Event::Recorded {
            task: self.id,
            record,
        });
    }

    pub fn check_count(&self) -> usize {
        lock(&self.checks).len()
    }

    /// Remembers an image the task built or looked up, for the approvals
    /// ledger.
    pub fn used_image(&self, name: &str, id: &str) {
        let mut images = lock(&self.images);
        let entry = (name.to_owned(), id.to_owned());
        if !images.contains(&entry) {
            images.push(entry);
        }
    }

    /// A note about one of its builds, for the report.
    pub fn build_note(&self, note: BuildNote) {
        let mut notes = lock(&self.build_notes);
        if !notes.contains(&note) {
            notes.push(note);
        }
    }

    pub fn images(&self) -> Vec<(String, String)> {
        lock(&self.images).clone()
    }

    /// The tasks it needs, directly.
    pub fn needs(&self) -> Vec<Arc<Task>> {
        lock(&self.needs).clone()
    }

    /// Starts the task: reports its earlier result in watch mode, runs it
    /// here with `--jobs 1` (or when no thread can be started), else on a
    /// thread of its own.
    pub fn launch(self: &Arc<Self>, run: &Arc<Run>, needs: Vec<Arc<Task>>, body: Body) {
        lock(&self.needs).clone_from(&needs);
        if let Some(earlier) = run.options.keep.get(&self.key()) {
            return self.keep(run, earlier);
        }
        if run.options.jobs > 1 {
            let (run2, task) = (Arc::clone(run), Arc::clone(self));
            let (needs2, body2) = (needs.clone(), body.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("task {}", self.name))
                .spawn(move || task.execute(&run2, &needs2, &body2));
            if let Ok(handle) = spawned {
                return run.add_thread(handle);
            }
        }
        self.execute(run, &needs, &body);
    }

    /// Registers something to undo when the task ends, whatever the outcome.
    pub fn on_end(&self, cleanup: Cleanup) {
        lock(&self.cleanups).push(cleanup);
    }

    pub fn set_error(&self, run: &Run, failure: Failure) {
        let failure = Arc::new(failure);
        if failure.kind == FailureKind::Engine {
            run.set_fatal(Arc::clone(&failure));
        }
        *lock(&self.error) = Some(failure);
    }

    fn ctx(self: &Arc<Self>, run: &Arc<Run>) -> Ctx {
        Ctx {
            run: Arc::clone(run),
            script: Arc::clone(&self.script),
            task: Arc::clone(self),
            check: None,
            cancel: self.cancel.clone(),
        }
    }

    /// Runs the task: waits for `needs`, evaluates the body, waits for its
    /// checks, undoes what it started, reports. A panic anywhere in it
    /// fails the task with an internal error; it always reports a result.
    pub fn execute(self: &Arc<Self>, run: &Arc<Run>, needs: &[Arc<Task>], body: &Body) {
        let started = Instant::now();
        if let Err(panic) = panics::catch(|| self.execute_body(run, needs, body, started)) {
            self.panicked(run, &panic);
            if self.result.get().is_none() {
                let _ = panics::catch(|| self.finish(run, started, None));
            }
            self.done.set(Status::Failed);
        }
    }

    fn execute_body(
        self: &Arc<Self>,
        run: &Arc<Run>,
        needs: &[Arc<Task>],
        body: &Body,
        started: Instant,
    ) {
        let (mut failed, mut skipped) = (Vec::new(), Vec::new());
        for need in needs {
            match need.done.wait(&run.cancel) {
                Some(Status::Passed | Status::Warned) => {}
                // The run stopped: whatever did not start is not run, the
                // same however the stop and this wait interleave.
                _ if run.cancel.is_cancelled() => {
                    return self.finish(run, started, Some(NotStarted::Stopped));
                }
                Some(Status::Failed) => failed.push(need.name.as_str()),
                Some(Status::Skipped) => skipped.push(need.name.as_str()),
                Some(Status::NotRun) | None => {
                    return self.finish(run, started, Some(NotStarted::Stopped));
                }
            }
        }
        if let Some(reason) = unmet_needs(&failed, &skipped) {
            let reason = NotStarted::Skipped(reason);
            return self.finish(run, started, Some(reason));
        }
        if run.cancel.is_cancelled() {
            return self.finish(run, started, Some(NotStarted::Stopped));
        }
        run.emit(&Event::TaskStarted { task: self.id });
        let result = panics::catch(|| context::enter(self.ctx(run), || body.call(&run.rhai)));
        match result {
            Ok(Ok(value)) => *lock(&self.value) = Some(TaskValue::new(&value)),
            Ok(Err(err)) => self.body_failed(run, &err),
            Err(panic) => self.panicked(run, &panic),
        }
        self.finish(run, started, None);
    }

    /// How failures of the task body name it and point at it.
    fn subject(&self) -> Subject<'_> {
        let what = if self.implicit {
            format!("script {}", self.script.file.name)
        } else {
            format!("task {:?}", self.name)
        };
        Subject {
            what,
            call: self.call,
            call_label: "this task",
            origin: self.origin.as_ref(),
        }
    }

    /// shakedown panicked in the task body (or the script's top level): the
    /// task fails with an internal error; the rest of the run goes on.
    pub fn panicked(&self, run: &Run, panic: &Panic) {
        let failure = Failure::internal(panic, &self.script.file, &self.subject());
        self.set_error(run, failure);
    }

    /// The result of a task that ended without reporting one (shakedown
    /// failed to run it): failed, never left out of the report.
    pub fn lost(&self) -> TaskResult {
        let error = lock(&self.error).clone().unwrap_or_else(|| {
            let panic = Panic {
                message: "the task ended without a result".to_owned(),
                location: None,
            };
            Arc::new(Failure::internal(
                &panic,
                &self.script.file,
                &self.subject(),
            ))
        });
        TaskResult {
            id: self.id,
            name: self.name.clone(),
            script: self.script.file.name.clone(),
            engine: self.engine.name().to_owned(),
            implicit: self.implicit,
            kept: false,
            status: Status::Failed,
            duration: Duration::ZERO,
            note: None,
            error: Some(error),
            checks: lock(&self.checks)
                .iter()
                .filter_map(|slot| slot.result.get())
                .collect(),
            records: self.records(),
            build_notes: lock(&self.build_notes).clone(),
            value: None,
        }
    }

    /// Watch mode: reports the task's earlier result instead of running it.
    pub fn keep(&self, run: &Run, earlier: &TaskResult) {
        let mut result = earlier.clone();
        result.id = self.id;
        result.kept = true;
        for check in &mut result.checks {
            check.task = self.id;
        }
        run.emit(&Event::TaskFinished(result.clone()));
        self.done.set(result.status);
        self.result.set(result);
    }

    /// This task's identity across runs.
    pub fn key(&self) -> super::TaskKey {
        (self.script.file.name.clone(), self.name.clone())
    }

    /// Records an error that ended the task body (or the script's top level).
    pub fn body_failed(&self, run: &Run, err: &rhai::EvalAltResult) {
        if super::checkpoint::is_rejection(err) {
            return; // already reported as the checkpoint's result
        }
        if self.cancel.is_cancelled()
            && matches!(err.unwrap_inner(), rhai::EvalAltResult::ErrorTerminated(..))
        {
            // Stopped, not failed: the task is reported as not run.
            self.cut_short.store(true, Ordering::SeqCst);
            return;
        }
        let failure = Failure::from_eval(err, &self.script.file, &self.subject());
        if failure.kind == FailureKind::Cancelled && self.cancel.is_cancelled() {
            self.cut_short.store(true, Ordering::SeqCst);
            return;
        }
        self.set_error(run, failure);
    }

    /// Waits for the task's checks, runs its cleanups, reports its result.
    pub fn finish(self: &Arc<Self>, run: &Run, started: Instant, not_started: Option<NotStarted>) {
        let never = CancellationToken::new();
        let slots = lock(&self.checks).clone();
        let checks: Vec<CheckResult> = slots.iter().filter_map(|s| s.result.wait(&never)).collect();
        let cleanups: Vec<Cleanup> = lock(&self.cleanups).drain(..).collect();
        for cleanup in cleanups.into_iter().rev() {
            cleanup();
        }
        let error = lock(&self.error).clone();
        let failed = error.is_some() || checks.iter().any(|c| c.status == Status::Failed);
        let (status, note) = match not_started {
            Some(NotStarted::Skipped(reason)) => (Status::Skipped, Some(reason)),
            Some(NotStarted::Stopped) => (Status::NotRun, Some(run.stop_reason().to_owned())),
            None if failed => (Status::Failed, None),
            None if self.cut_short.load(Ordering::SeqCst)
                || checks.iter().any(|c| c.status == Status::NotRun) =>
            {
                (Status::NotRun, Some(run.stop_reason().to_owned()))
            }
            None => (Status::Passed, None),
        };
        let result = TaskResult {
            id: self.id,
            name: self.name.clone(),
            script: self.script.file.name.clone(),
            engine: self.engine.name().to_owned(),
            implicit: self.implicit,
            kept: false,
            status,
            duration: started.elapsed(),
            note,
            error,
            checks,
            records: self.records(),
            build_notes: lock(&self.build_notes).clone(),
            value: lock(&self.value).clone(),
        };
        // Stop the run before anyone waiting on this task sees it failed.
        if status == Status::Failed && run.options.fail_fast {
            run.fail_fast(StoppedBy {
                script: self.script.file.name.clone(),
                task: self.name.clone(),
                check: None,
            });
        }
        run.emit(&Event::TaskFinished(result.clone()));
        self.result.set(result);
        self.done.set(status);
    }

    /// Declares a check: runs it now with `--jobs 1`, else on its own thread
    /// once a slot is free.
    pub fn schedule_check(self: &Arc<Self>, run: &Arc<Run>, spec: CheckSpec) {
        if !self.in_partition(run) {
            return;
        }
        if !run.selects(self, &spec.name) {
            run.add_filtered(self.id, &spec.name);
            return;
        }
        let slot = self.add_slot_reading(
            run,
            &spec.name,
            CheckKind::Check,
            spec.gate,
            (spec.call, spec.origin.clone()),
            spec.reads.clone(),
        );
        for report in &spec.evidence {
            slot.add_evidence(report.clone());
        }
        if run.options.jobs == 1 {
            return self.run_check(run, &slot, &spec);
        }
        let (task, run2, slot2) = (Arc::clone(self), Arc::clone(run), Arc::clone(&slot));
        let spawned = std::thread::Builder::new()
            .name(format!("check {}", spec.name))
            .spawn(move || {
                let Some(_slot_guard) = run2.slots.acquire(&task.cancel) else {
                    return task.stop_check(&run2, &slot2);
                };
                task.run_check(&run2, &slot2, &spec);
            });
        match spawned {
            Ok(handle) => run.add_thread(handle),
            Err(err) => self.skip_check(
                run,
                &slot,
                &format!("no thread could be started for it: {err}"),
            ),
        }
    }

    pub fn add_slot(
        &self,
        run: &Run,
        name: &str,
        kind: CheckKind,
        gate: bool,
        declared: ((usize, usize), Option<Origin>),
    ) -> Arc<CheckSlot> {
        self.add_slot_reading(run, name, kind, gate, declared, BTreeSet::new())
    }

    fn add_slot_reading(
        &self,
        run: &Run,
        name: &str,
        kind: CheckKind,
        gate: bool,
        (call, origin): ((usize, usize), Option<Origin>),
        reads: BTreeSet<String>,
    ) -> Arc<CheckSlot> {
        let mut checks = lock(&self.checks);
        let slot = Arc::new(CheckSlot {
            task: self.id,
            index: checks.len(),
            name: name.to_owned(),
            kind,
            gate,
            call,
            origin,
            result: Latch::new(),
            evidence: Mutex::new(Vec::new()),
            reads,
        });
        checks.push(Arc::clone(&slot));
        drop(checks);
        run.add_check(Arc::clone(&slot));
        slot
    }

    /// `--partition`: whether the checks of this task run here. A task
    /// that exists here is in the partition; the checks of a script's top
    /// level belong to the first partition.
    pub fn in_partition(&self, run: &Run) -> bool {
        !self.implicit || run.options.selection.partition.is_none_or(|p| p.index == 1)
    }

    /// A check or checkpoint that did not run because the run stopped.
    pub fn stop_check(&self, run: &Run, slot: &CheckSlot) {
        self.settle(run, slot, Outcome::stopped(run.stop_reason()));
    }

    pub fn skip_check(&self, run: &Run, slot: &CheckSlot, reason: &str) {
        self.settle(
            run,
            slot,
            Outcome {
                status: Status::Skipped,
                note: Some(reason.to_owned()),
                ..Outcome::default()
            },
        );
    }

    /// Reports a check's result and wakes whoever waits for it.
    pub fn settle(&self, run: &Run, slot: &CheckSlot, outcome: Outcome) {
        let Outcome {
            status,
            duration,
            note,
            approval,
            failure,
        } = outcome;
        let failure = failure.map(Arc::new);
        if let Some(f) = failure.as_ref().filter(|f| f.kind == FailureKind::Engine) {
            run.set_fatal(Arc::clone(f));
        }
        let result = CheckResult {
            task: self.id,
            index: slot.index,
            name: slot.name.clone(),
            kind: slot.kind,
            gate: slot.gate,
            status,
            duration,
            finished_at: super::outcome::unix_now(),
            note,
            approval,
            failure,
        };
        if status == Status::Failed && run.options.fail_fast {
            run.fail_fast(StoppedBy {
                script: self.script.file.name.clone(),
                task: self.name.clone(),
                check: Some(slot.name.clone()),
            });
        }
        run.emit(&Event::CheckFinished(result.clone()));
        slot.result.set(result);
    }

    /// Runs a check and reports its result; a panic anywhere in it fails
    /// the check with an internal error (the rest of the run goes on).
    fn run_check(self: &Arc<Self>, run: &Arc<Run>, slot: &Arc<CheckSlot>, spec: &CheckSpec) {
        let started = Instant::now();
        if let Err(panic) = panics::catch(|| self.run_check_body(run, slot, spec)) {
            if slot.result.get().is_none() {
                let failure = Failure::internal(&panic, &self.script.file, &check_subject(slot));
                let result = CheckResult {
                    task: self.id,
                    index: slot.index,
                    name: slot.name.clone(),
                    kind: slot.kind,
                    gate: slot.gate,
                    status: Status::Failed,
                    duration: started.elapsed(),
                    finished_at: super::outcome::unix_now(),
                    note: None,
                    approval: None,
                    failure: Some(Arc::new(failure)),
                };
                if run.options.fail_fast {
                    run.fail_fast(StoppedBy {
                        script: self.script.file.name.clone(),
                        task: self.name.clone(),
                        check: Some(slot.name.clone()),
                    });
                }
                // Reported if reporting works; its task waits for it anyway.
                let _ = panics::catch(|| run.emit(&Event::CheckFinished(result.clone())));
                slot.result.set(result);
            }
        }
    }

    fn run_check_body(self: &Arc<Self>, run: &Arc<Run>, slot: &Arc<CheckSlot>, spec: &CheckSpec) {
        if self.cancel.is_cancelled() {
            return self.stop_check(run, slot);
        }
        run.emit(&Event::CheckStarted {
            task: self.id,
            index: slot.index,
            name: slot.name.clone(),
        });
        let cancel = self.cancel.child_token();
        let timed_out = Arc::new(AtomicBool::new(false));
        let timer = spec.timeout.map(|limit| {
            let (cancel, timed_out) = (cancel.clone(), Arc::clone(&timed_out));
            run.rt.spawn(async move {
                tokio::time::sleep(limit).await;
                timed_out.store(true, Ordering::SeqCst);
                cancel.cancel();
            })
        });
        let ctx = Ctx {
            check: Some(Arc::clone(slot)),
            cancel,
            ..self.ctx(run)
        };
        let started = Instant::now();
        let outcome = panics::catch(|| context::enter(ctx, || spec.body.call(&run.rhai)));
        let duration = started.elapsed();
        if let Some(timer) = timer {
            timer.abort();
        }
        let subject = check_subject(slot);
        let file = &self.script.file;
        let outcome = match outcome {
            Ok(outcome) => outcome,
            Err(panic) => {
                let failure = Failure::internal(&panic, file, &subject);
                let status = if spec.gate {
                    Status::Failed
                } else {
                    Status::Warned
                };
                return self.settle(
                    run,
                    slot,
                    Outcome {
                        status,
                        duration,
                        failure: Some(failure),
                        ..Outcome::default()
                    },
                );
            }
        };
        let failure = if timed_out.load(Ordering::SeqCst) {
            let limit = spec.timeout.unwrap_or_default().as_secs_f64();
            Some(Failure::simple(
                FailureKind::Timeout,
                "shakedown::check::timeout",
                format!("did not finish within its timeout of {limit}s"),
                Some("raise `timeout` in the check's options, or find what it waits for".into()),
                file,
                &subject,
            ))
        } else if self.cancel.is_cancelled() && outcome.is_err() {
            return self.settle(
                run,
                slot,
                Outcome {
                    duration,
                    ..Outcome::stopped(run.stop_reason())
                },
            );
        } else {
            match outcome {
                Ok(value) => verdict(&value, file, &subject),
                Err(err) => Some(Failure::from_eval(&err, file, &subject)),
            }
        };
        let failure = failure.map(|failure| failure.with_evidence(slot.evidence()));
        let status = match (&failure, spec.gate) {
            (None, _) => Status::Passed,
            (Some(_), true) => Status::Failed,
            (Some(_), false) => Status::Warned,
        };
        self.settle(
            run,
            slot,
            Outcome {
                status,
                duration,
                failure,
                ..Outcome::default()
            },
        );
    }
}

/// How a check or checkpoint ended, before it becomes a result.
#[derive(Default)]
pub struct Outcome {
    pub status: Status,
    pub duration: Duration,
    pub note: Option<String>,
    pub approval: Option<Approval>,
    pub failure: Option<Failure>,
}

impl Outcome {
    fn stopped(reason: &str) -> Self {
        Self {
            status: Status::NotRun,
            note: Some(reason.to_owned()),
            ..Self::default()
        }
    }
}

/// Why a task is skipped: every need that failed or was skipped, in the
/// order of `needs` (`needs "a" and "b", which failed`).
fn unmet_needs(failed: &[&str], skipped: &[&str]) -> Option<String> {
    let which = |names: &[&str], one: &str, many: &str| {
        let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        let list = match quoted.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        format!(
            "{list}, which {}",
            if names.len() == 1 { one } else { many }
        )
    };
    match (failed.is_empty(), skipped.is_empty()) {
        (true, true) => None,
        (false, true) => Some(format!("needs {}", which(failed, "failed", "failed"))),
        (true, false) => Some(format!(
            "needs {}",
            which(skipped, "was skipped", "were skipped")
        )),
        (false, false) => Some(format!(
            "needs {}, and {}",
            which(failed, "failed", "failed"),
            which(skipped, "was skipped", "were skipped")
        )),
    }
}

/// How a check's failures name it and point at it.
fn check_subject(slot: &CheckSlot) -> Subject<'_> {
    Subject {
        what: format!("check {:?}", slot.name),
        call: Some(slot.call),
        call_label: "this check",
        origin: slot.origin.as_ref(),
    }
}

/// A check fails when its body returned `false`; any other value passes.
fn verdict(
    value: &rhai::Dynamic,
    file: &crate::error::SourceFile,
    subject: &Subject<'_>,
) -> Option<Failure> {
    // A check passes unless it throws or returns `false` (DESIGN.md): Rhai
    // gives a block the value of its last statement even after a `;`, so
    // `|| { c.wait_http("/health"); }` returns a Response and must pass.
    if value.as_bool() != Ok(false) {
        return None;
    }
    Some(Failure::simple(
        FailureKind::ReturnedFalse,
        "shakedown::check::false",
        "the check returned false",
        Some("use assert_eq(actual, expected) and friends inside the check to see the values that differ".into()),
        file,
        subject,
    ))
}

#[cfg(test)]
mod tests {
    use super::unmet_needs;

    #[test]
    fn every_unmet_need_is_named() {
        assert_eq!(unmet_needs(&[], &[]), None);
        assert_eq!(
            unmet_needs(&["build"], &[]).as_deref(),
            Some("needs \"build\", which failed")
        );
        assert_eq!(
            unmet_needs(&["cpu", "gpu", "docs"], &[]).as_deref(),
            Some("needs \"cpu\", \"gpu\" and \"docs\", which failed")
        );
        assert_eq!(
            unmet_needs(&["cpu"], &["gpu", "docs"]).as_deref(),
            Some("needs \"cpu\", which failed, and \"gpu\" and \"docs\", which were skipped")
        );
    }
}
