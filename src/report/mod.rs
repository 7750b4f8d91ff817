//! Reporters: consumers of runner events. Human lines (with a progress
//! display on a terminal) or one JSON document.

mod human;
pub mod humanize;
mod json;
mod left_behind;
mod progress;
mod style;

pub use human::Human;
pub use json::Json;

use crate::cli::Format;
use crate::runner::Event;

/// Anything that consumes the events of a run.
pub trait Reporter: Send {
    fn report(&mut self, event: &Event);
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
