//! `--format json`: one JSON document on stdout when the run ends (the
//! schema is in docs/json-report.md); failures' diagnostics still go to
//! stderr.

use std::io::Write;

use super::Reporter;
use crate::error::{render_diagnostic, stderr_colour};
use crate::runner::{Event, Status};

pub struct Json {
    out: Box<dyn Write + Send>,
    /// Watch mode: one compact line per run (JSON Lines).
    lines: bool,
}

impl Json {
    pub fn to_stdout() -> Self {
        Self {
            out: Box::new(std::io::stdout()),
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
}

impl Reporter for Json {
    fn report(&mut self, event: &Event) {
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
            Event::RunFinished(summary) => {
                if let Some(note) = super::left_behind::note(&summary.run_id, &summary.left_behind)
                {
                    eprint!("{note}");
                }
                let text = if self.lines {
                    serde_json::to_string(summary)
                } else {
                    serde_json::to_string_pretty(summary)
                };
                if let Ok(text) = text {
                    let _ = writeln!(self.out, "{text}");
                    let _ = self.out.flush();
                }
            }
            _ => {}
        }
    }
}
