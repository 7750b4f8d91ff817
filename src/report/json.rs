//! `--format json`: one JSON document on stdout when the run ends (the
//! schema is in docs/json-report.md); failures' diagnostics, a checkpoint's
//! review and its prompt go to stderr, never into the document.
//! `--report json=PATH`: the same document in a file.

use std::io::Write;

use super::file::ReportFile;
use super::review;
use super::style::Style;
use super::Reporter;
use crate::error::{render_diagnostic, stderr_colour};
use crate::runner::{Event, RunSummary, Status};

pub struct Json {
    to: Destination,
    /// Watch mode: one compact line per run (JSON Lines).
    lines: bool,
}

enum Destination {
    /// stdout, with what people read on stderr.
    Stdout(Box<dyn Write + Send>),
    File(ReportFile),
}

impl Json {
    pub fn to_stdout() -> Self {
        Self {
            to: Destination::Stdout(Box::new(std::io::stdout())),
            lines: false,
        }
    }

    /// One compact document per line, for watch mode's stream of runs.
    pub fn lines() -> Self {
        Self {
            lines: true,
            ..Self::to_stdout()
        }
    }

    /// The document in a file, while another reporter has the terminal.
    pub fn to_file(file: ReportFile) -> Self {
        Self {
            to: Destination::File(file),
            lines: false,
        }
    }

    fn document(&self, summary: &RunSummary) -> Option<String> {
        let text = if self.lines {
            serde_json::to_string(summary)
        } else {
            serde_json::to_string_pretty(summary)
        };
        text.ok()
    }
}

impl Reporter for Json {
    fn report(&mut self, event: &Event) {
        if let Event::RunFinished(summary) = event {
            let Some(text) = self.document(summary) else {
                return;
            };
            match &mut self.to {
                Destination::Stdout(out) => {
                    let _ = writeln!(out, "{text}");
                    let _ = out.flush();
                }
                Destination::File(file) => file.write(&format!("{text}\n")),
            }
            return;
        }
        if !matches!(self.to, Destination::Stdout(_)) {
            return;
        }
        match event {
            Event::TaskFinished(task) => {
                let failures = task
                    .checks
                    .iter()
                    .filter(|c| c.status == Status::Failed)
                    .filter_map(|c| c.failure.as_ref())
                    .chain(task.error.as_ref());
                for failure in failures {
                    eprint!(
                        "{}",
                        render_diagnostic(failure.report.as_ref(), stderr_colour(), None)
                    );
                }
            }
            // A person answers the checkpoint on the terminal: the review
            // and the question go to stderr, the document stays clean.
            Event::CheckpointReview {
                message,
                results,
                records,
                ..
            } => {
                let style = Style {
                    colour: stderr_colour(),
                };
                eprint!("{}", review::text(style, message, results, records));
            }
            Event::CheckpointPrompt { .. } => {
                eprint!("{}", review::PROMPT);
                let _ = std::io::stderr().flush();
            }
            _ => {}
        }
    }
}
