//! What a checkpoint shows before it asks: the counts of the results it
//! reviews and every recorded figure; and the question.

use super::escape::printable;
use super::style::Style;
use crate::runner::{CheckResult, Record, Status};

/// The question a checkpoint asks at the terminal.
pub const PROMPT: &str = "Type \"approved\" to approve, anything else rejects: ";

/// The review, one line of counts and a line per record.
pub fn text(style: Style, message: &str, results: &[CheckResult], records: &[Record]) -> String {
    let count = |status| results.iter().filter(|r| r.status == status).count();
    let warned = count(Status::Warned);
    let mut text = format!(
        "{} {}\n  reviewed: {} passed, {} failed, {} warning{}, {} skipped",
        style.bold("◆ checkpoint:"),
        printable(message),
        count(Status::Passed),
        count(Status::Failed),
        warned,
        if warned == 1 { "" } else { "s" },
        count(Status::Skipped)
    );
    let not_run = count(Status::NotRun);
    if not_run > 0 {
        text.push_str(&format!(", {not_run} not run"));
    }
    text.push('\n');
    text.push_str(&record_lines(style, records));
    text
}

/// `  · name: value` for each record.
pub fn record_lines(style: Style, records: &[Record]) -> String {
    records
        .iter()
        .map(|r| {
            format!(
                "  {} {}: {}\n",
                style.dim("·"),
                printable(&r.name),
                printable(&r.display)
            )
        })
        .collect()
}
