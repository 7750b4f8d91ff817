//! Reporters: consumers of runner events. Human lines (with a progress
//! display on a terminal) or one JSON document on stdout; and, for CI,
//! reports to files (JUnit XML, JSON) and GitHub annotations with a step
//! summary.

pub mod colour;
mod escape;
mod file;
mod github;
mod human;
pub mod humanize;
mod json;
mod junit;
mod left_behind;
mod progress;
mod review;
mod style;

pub use escape::printable;
pub use file::{ReportFile, WriteErrors};
pub use github::{escape_data, escape_property, Annotations, StepSummary};
pub use human::Human;
pub use json::Json;
pub use junit::Junit;

use crate::cli::{CiConfig, Format, ReportKind};
use crate::error::ConfigError;
use crate::runner::Event;

/// Anything that consumes the events of a run.
pub trait Reporter: Send {
    fn report(&mut self, event: &Event);
}

/// Several reporters, each shown every event in turn.
pub struct Fanout(Vec<Box<dyn Reporter>>);

impl Reporter for Fanout {
    fn report(&mut self, event: &Event) {
        for reporter in &mut self.0 {
            reporter.report(event);
        }
    }
}

/// The reporter for one run of watch mode.
pub fn for_watch(format: Format, clear: bool) -> Box<dyn Reporter> {
    match format {
        Format::Human => Box::new(Human::for_watch(clear)),
        Format::Json => Box::new(Json::lines()),
    }
}

/// The reporter `--format` asks for.
pub fn for_format(format: Format) -> Box<dyn Reporter> {
    match format {
        Format::Human => Box::new(Human::to_terminal()),
        Format::Json => Box::new(Json::to_stdout()),
    }
}

/// Everything `run` reports: `--format`'s output, each `--report` file and
/// the GitHub annotations and step summary. Report files are created now,
/// so a path that cannot be written stops the run before it starts; what
/// fails to be written at the end is collected in the [`WriteErrors`].
pub fn for_run(format: Format, ci: &CiConfig) -> Result<(Fanout, WriteErrors), ConfigError> {
    let errors = WriteErrors::default();
    let mut reporters = vec![for_format(format)];
    for report in &ci.reports {
        let file = ReportFile::create(&report.path, errors.clone())?;
        reporters.push(match report.kind {
            ReportKind::Junit => Box::new(Junit::new(file)),
            ReportKind::Json => Box::new(Json::to_file(file)),
        });
    }
    if ci.github {
        reporters.push(Box::new(Annotations::new(format)));
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            reporters.push(Box::new(StepSummary::new(path.into(), errors.clone())));
        }
    }
    Ok((Fanout(reporters), errors))
}
