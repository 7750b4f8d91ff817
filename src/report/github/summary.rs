//! The run as Markdown for `$GITHUB_STEP_SUMMARY`: the verdict, then each
//! task with its checks, records and checkpoints (who approved them).

use std::io::Write;
use std::path::PathBuf;

use crate::report::file::WriteErrors;
use crate::report::{humanize, Reporter};
use crate::runner::{CheckKind, CheckResult, Event, RunSummary, Status, TaskResult};

pub struct StepSummary {
    path: PathBuf,
    errors: WriteErrors,
}

impl StepSummary {
    pub fn new(path: PathBuf, errors: WriteErrors) -> Self {
        Self { path, errors }
    }

    /// Appends: other steps of the job write to the same file.
    fn append(&self, text: &str) {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut file| file.write_all(text.as_bytes()));
        if let Err(source) = written {
            self.errors
                .push(crate::error::ConfigError::ReportUnwritable {
                    path: self.path.display().to_string(),
                    source,
                });
        }
    }
}

impl Reporter for StepSummary {
    fn report(&mut self, event: &Event) {
        if let Event::RunFinished(summary) = event {
            self.append(&markdown(summary));
        }
    }
}

/// The whole summary.
pub fn markdown(summary: &RunSummary) -> String {
    let verdict = match summary.exit as u8 {
        0 => "✅ passed",
        130 => "⚠️ interrupted",
        _ => "❌ failed",
    };
    let mut counts = vec![
        format!("{} passed", summary.passed),
        format!("{} failed", summary.failed),
    ];
    for (n, word) in [
        (summary.warned, "warning(s)"),
        (summary.skipped, "skipped"),
        (summary.not_run, "not run"),
        (summary.filtered, "filtered out"),
    ] {
        if n > 0 {
            counts.push(format!("{n} {word}"));
        }
    }
    let mut text = format!(
        "### shakedown: {verdict}\n\n{} in {} · {}\n",
        counts.join(", "),
        humanize::duration(summary.duration),
        cell(&summary.scripts.join(", "))
    );
    if let Some(p) = summary.partition {
        text.push_str(&format!(
            "\nPartition {}/{} ({} task(s) run in the other partitions).\n",
            p.index, p.count, p.elsewhere
        ));
    }
    if let Some(cause) = &summary.stopped_by {
        let what = match &cause.check {
            Some(check) => format!("{} › {check}", cause.task),
            None => cause.task.clone(),
        };
        text.push_str(&format!(
            "\nStopped after **{}** failed (`--fail-fast`).\n",
            cell(&what)
        ));
    }
    if let Some(fatal) = &summary.fatal {
        text.push_str(&format!("\n> ❌ {}\n", cell(&fatal.message)));
    }
    for task in summary.tasks.iter().filter(|t| t.is_visible()) {
        text.push_str(&task_section(task));
    }
    text.push('\n');
    text
}

fn task_section(task: &TaskResult) -> String {
    let name = if task.implicit {
        task.script.clone()
    } else {
        format!("{} › {}", task.script, task.name)
    };
    let mut text = format!(
        "\n#### {} {} — {}\n",
        icon(task.status),
        cell(&name),
        task.status.word()
    );
    if let Some(note) = &task.note {
        text.push_str(&format!("\n{}\n", cell(note)));
    }
    if let Some(error) = &task.error {
        text.push_str(&format!("\n> ❌ {}\n", cell(&error.message)));
    }
    if !task.checks.is_empty() {
        text.push_str("\n| | check | time | result |\n|---|---|---|---|\n");
        for check in &task.checks {
            text.push_str(&check_row(check));
        }
    }
    if !task.records.is_empty() {
        text.push('\n');
        for record in &task.records {
            text.push_str(&format!(
                "- **{}**: {}\n",
                cell(&record.name),
                cell(&record.display)
            ));
        }
    }
    text
}

fn check_row(check: &CheckResult) -> String {
    let name = match check.kind {
        CheckKind::Check => check.name.clone(),
        CheckKind::Checkpoint => format!("checkpoint: {}", check.name),
    };
    let mut result = match (&check.failure, &check.note) {
        (Some(failure), _) => failure.message.clone(),
        (None, Some(note)) => note.clone(),
        (None, None) => check.status.word().to_owned(),
    };
    if !check.gate {
        result = format!("{result} (informational)");
    }
    format!(
        "| {} | {} | {} | {} |\n",
        icon(check.status),
        cell(&name),
        humanize::duration(check.duration),
        cell(&result)
    )
}

fn icon(status: Status) -> &'static str {
    match status {
        Status::Passed => "✅",
        Status::Failed => "❌",
        Status::Warned => "⚠️",
        Status::Skipped | Status::NotRun => "⏭️",
    }
}

/// Text made safe for a Markdown table cell: HTML and pipes escaped, line
/// breaks as `<br>`.
fn cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a | b\n<c>"), "a \\| b<br>&lt;c&gt;");
    }
}
