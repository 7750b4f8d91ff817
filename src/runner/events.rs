use std::sync::{Arc, Mutex, PoisonError};

pub use crate::engine::registry::Direction;

use super::outcome::{BuildNote, CheckResult, Record, RunSummary, TaskResult};

/// Everything a run tells the outside world. Reporters, the progress
/// display and watch mode consume these and nothing else.
#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        run_id: String,
        scripts: Vec<String>,
        /// Why this run started (watch mode: what changed).
        trigger: Option<String>,
        /// The names of its engines, `default` first.
        engines: Vec<String>,
    },
    /// A task exists (declaration order is the order of these events).
    TaskDeclared {
        task: usize,
        name: String,
        script: String,
        implicit: bool,
        /// The tasks it waits for.
        needs: Vec<String>,
        /// The engine it runs on: `default`, or a name `--engine` gave.
        engine: String,
    },
    TaskStarted {
        task: usize,
    },
    /// The engine began a build step ("Step 3/19 : RUN …").
    BuildStep {
        task: usize,
        image: String,
        step: usize,
        total: usize,
        instruction: String,
    },
    /// A line of build output.
    BuildOutput {
        task: usize,
        image: String,
        line: String,
    },
    /// A build read these files: its context (as `.dockerignore` filters
    /// it) and its Dockerfile. Watch mode watches them.
    BuildRead {
        task: usize,
        context: std::path::PathBuf,
        dockerfile: std::path::PathBuf,
    },
    /// Something the report says about a build: the builder the engine
    /// fell back to, a build arg no `ARG` declares.
    BuildNote {
        task: usize,
        note: BuildNote,
    },
    BuildFinished {
        task: usize,
        image: String,
        id: String,
        seconds: f64,
    },
    /// `img.to(…)` is copying an image to another engine: how much of
    /// its archive has been streamed; `done` once the copy has ended.
    ImageCopy {
        task: usize,
        image: String,
        from: String,
        to: String,
        bytes: u64,
        done: bool,
    },
    /// A line of a pull's or a push's progress ("a1b2c3: Downloading").
    Transfer {
        task: usize,
        direction: Direction,
        /// The image reference pulled or pushed.
        reference: String,
        status: String,
        /// Bytes done and to do, when the engine says.
        current: Option<i64>,
        total: Option<i64>,
    },
    /// A pull or push ended, whether it worked or not.
    TransferFinished {
        task: usize,
        direction: Direction,
        reference: String,
        ok: bool,
    },
    CheckStarted {
        task: usize,
        index: usize,
        name: String,
    },
    CheckFinished(CheckResult),
    Recorded {
        task: usize,
        record: Record,
    },
    /// A checkpoint is about to decide: the results it reviews.
    CheckpointReview {
        task: usize,
        message: String,
        results: Vec<CheckResult>,
        records: Vec<Record>,
    },
    /// A checkpoint asks the person at the terminal.
    CheckpointPrompt {
        message: String,
    },
    /// `print` / `debug` from a script.
    ScriptOutput {
        task: usize,
        text: String,
    },
    TaskFinished(TaskResult),
    RunFinished(RunSummary),
}

/// Where events go: a reporter called synchronously under a lock, so an
/// event has been shown when `emit` returns (a prompt is on screen before
/// the checkpoint reads the answer).
#[derive(Clone)]
pub struct EventSink(Arc<Mutex<Handler>>);

type Handler = dyn FnMut(&Event) + Send;

impl EventSink {
    pub fn new(handler: impl FnMut(&Event) + Send + 'static) -> Self {
        Self(Arc::new(Mutex::new(handler)))
    }

    pub fn emit(&self, event: &Event) {
        let mut handler = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        handler(event);
    }
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSink")
    }
}
