//! The runner: executes compiled scripts, schedules tasks and checks, and
//! tells reporters what happens only through [`Event`]s.

mod body;
pub mod checkpoint;
pub mod context;
mod events;
mod execute;
mod failure;
mod interruption;
mod latch;
mod outcome;
pub mod panics;
mod partition;
mod run;
mod script;
mod selection;
mod slots;
pub mod task;
mod task_value;

pub use body::Body;
pub use checkpoint::CheckpointAnswer;
pub use events::{Direction, Event, EventSink};
pub use execute::{execute, Environment, RunOptions, TaskKey};
pub use failure::{Failure, FailureKind, Location, Origin};
pub use interruption::{Interruption, StopSignal};
pub use latch::Latch;
pub use outcome::{
    unix_now, BuildNote, CheckKind, CheckResult, EngineSummary, NoteLevel, PartitionSummary,
    Record, RecordValue, RunSummary, Status, TaskResult, SCHEMA,
};
pub use run::{Run, StoppedBy};
pub use script::Script;
pub use selection::{Partition, Pattern, Selection, SEPARATOR};
pub use task::{CheckSlot, Task};
pub use task_value::{needed_value, TaskValue};
