use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::failure::Failure;
use super::interruption::StopSignal;
use super::run::StoppedBy;
use crate::approvals::Approval;
use crate::engine::LeftBehind;
use crate::error::Exit;

/// The version of the JSON report's schema (docs/json-report.md).
pub const SCHEMA: u32 = 1;

/// How a check, checkpoint or task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Passed,
    Failed,
    /// An informational check (`gate: false`) that failed.
    Warned,
    /// Not run for a reason of its own (a needed task failed).
    Skipped,
    /// Not run, or stopped midway, because the run stopped (`--fail-fast`,
    /// Ctrl-C, an unusable engine).
    #[serde(rename = "not_run")]
    NotRun,
}

impl Status {
    /// How reports name it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Warned => "passed with warnings",
            Status::Skipped => "skipped",
            Status::NotRun => "not run",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckKind {
    Check,
    Checkpoint,
}

/// One check's (or checkpoint's) result.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub task: usize,
    /// Declaration order within the task.
    pub index: usize,
    pub name: String,
    pub kind: CheckKind,
    pub gate: bool,
    pub status: Status,
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
    /// When it ended, in seconds since the Unix epoch.
    pub finished_at: f64,
    /// Why it was skipped, or how a checkpoint was answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// A checkpoint that passed: who approved it, when, and how.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Arc<Failure>>,
}

/// A figure for the report (`record(name, value)`).
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub name: String,
    pub value: RecordValue,
    /// The value as the human report shows it (sizes in kB/MB/GB).
    pub display: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum RecordValue {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    /// A map or an array, kept as JSON.
    Structured(serde_json::Value),
}

impl RecordValue {
    /// The value as plain text (a string as it is, anything else as JSON).
    pub fn text(&self) -> String {
        match self {
            RecordValue::Int(i) => i.to_string(),
            RecordValue::Float(f) => f.to_string(),
            RecordValue::Bool(b) => b.to_string(),
            RecordValue::Text(t) => t.clone(),
            RecordValue::Structured(v) => v.to_string(),
        }
    }
}

/// One task's result.
#[derive(Debug, Clone, Serialize)]
pub struct TaskResult {
    pub id: usize,
    pub name: String,
    pub script: String,
    /// The engine it ran on: `default`, or a name `--engine` gave.
    pub engine: String,
    /// The implicit task of a script's top level.
    pub implicit: bool,
    /// Watch mode: not rerun, this is the result of an earlier run.
    pub kept: bool,
    pub status: Status,
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The error that ended the task body, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Arc<Failure>>,
    pub checks: Vec<CheckResult>,
    pub records: Vec<Record>,
    /// What its builds said besides their steps: the builder the engine
    /// fell back to, build args no `ARG` declares.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub build_notes: Vec<BuildNote>,
    /// What its body returned (`result("task name")` in the tasks that
    /// need it); kept with the result, so watch mode's kept tasks have it.
    #[serde(skip)]
    pub value: Option<super::task_value::TaskValue>,
}

/// Something a build's report says besides its steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildNote {
    pub level: NoteLevel,
    /// The image's tag, else its Dockerfile.
    pub image: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteLevel {
    /// For information: which builder ran.
    Note,
    /// Probably a mistake: a build arg nothing declares.
    Warning,
}

impl TaskResult {
    /// Whether the human report shows this task at all: an implicit task
    /// with nothing in it is an implementation detail.
    pub fn is_visible(&self) -> bool {
        !self.implicit
            || !self.checks.is_empty()
            || !self.records.is_empty()
            || self.error.is_some()
    }
}

/// `--partition`: which part this run was, and what it left to others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PartitionSummary {
    pub index: usize,
    pub count: usize,
    /// Tasks the other partitions run.
    pub elsewhere: usize,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    /// The version of this document's schema.
    pub schema: u32,
    pub run_id: String,
    pub scripts: Vec<String>,
    pub passed: usize,
    pub failed: usize,
    pub warned: usize,
    pub skipped: usize,
    /// Checks, checkpoints and tasks not run because the run stopped.
    pub not_run: usize,
    /// Checks and checkpoints left out by `--filter` and `--skip`.
    pub filtered: usize,
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
    /// When it started, in seconds since the Unix epoch.
    pub started_at: f64,
    /// Why it started (watch mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Watch mode: when the change that triggered it settled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<f64>,
    /// Stopped by a signal (Ctrl-C, SIGTERM, SIGHUP).
    pub interrupted: bool,
    /// `--fail-fast`: the failure that stopped the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<StoppedBy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<PartitionSummary>,
    /// Which signal, when one stopped it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<StopSignal>,
    #[serde(serialize_with = "exit_code")]
    pub exit: Exit,
    pub tasks: Vec<TaskResult>,
    /// An error of the run as a whole (an unreachable engine, a selection
    /// that matched nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fatal: Option<Arc<Failure>>,
    /// Containers the run could not remove (the engine did not answer in
    /// time); the next run removes them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_behind: Vec<LeftBehind>,
    /// The engine the run used: where, who chose it, and what it said it is.
    pub engine: Arc<EngineSummary>,
}

/// The engine of a run, as the docker CLI would name it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct EngineSummary {
    /// `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host`.
    pub url: String,
    /// Where it came from: "from context `gpu-box` in ~/.docker/config.json".
    pub origin: String,
    pub tls: bool,
    /// Something chose it (a flag, a variable, a context): not the local
    /// socket by default. The human report then names it.
    #[serde(skip)]
    pub chosen: bool,
    /// What the engine said, when it answered (not for a run that never
    /// needed it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<crate::engine::EngineVersion>,
}

/// Now, in seconds since the Unix epoch.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn seconds<S: serde::Serializer>(duration: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((duration.as_secs_f64() * 1000.0).round() / 1000.0)
}

fn exit_code<S: serde::Serializer>(exit: &Exit, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u8(*exit as u8)
}
