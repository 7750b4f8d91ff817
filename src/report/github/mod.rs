//! GitHub Actions: workflow commands that annotate the failing lines of
//! scripts and Dockerfiles, and a Markdown summary of the run for
//! `$GITHUB_STEP_SUMMARY`.

mod annotations;
mod command;
mod summary;

pub use annotations::Annotations;
pub use command::{escape_data, escape_property};
pub use summary::StepSummary;
