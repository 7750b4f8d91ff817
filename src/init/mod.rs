//! `shakedown init`: a first checklist for existing Dockerfiles, read
//! without the engine (facts.rs), written as a script a person edits
//! (checklist.rs); the Dockerfiles found when none is named (discover.rs).

mod checklist;
mod discover;
mod facts;

pub use checklist::checklist;
pub use discover::dockerfiles;
pub use facts::Facts;
