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
                    if let Some(note) =
                        super::left_behind::note(&summary.run_id, &summary.left_behind)
                    {
                        eprint!("{note}");
                    }
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::time::Duration;

    use crate::approvals::{Approval, How, Who};
    use crate::engine::LeftBehind;
    use crate::error::{Exit, Report};
    use crate::runner::{
        CheckKind, CheckResult, Failure, FailureKind, Location, PartitionSummary, Record,
        RecordValue, RunSummary, Status, StopSignal, StoppedBy, TaskResult, SCHEMA,
    };

    /// A summary with every field set: a struct literal must name them all,
    /// so a field added later must be added here, and so to the doc.
    fn everything() -> RunSummary {
        let place = |label: Option<&str>| Location {
            file: "docker/Dockerfile".into(),
            line: 3,
            column: 1,
            label: label.map(str::to_owned),
        };
        let failure = Arc::new(Failure {
            kind: FailureKind::Assertion,
            code: "shakedown::check::assertion".into(),
            message: "expected \"appuser\", got \"root\"".into(),
            actual: Some("\"root\"".into()),
            expected: Some("\"appuser\"".into()),
            location: Some(place(None)),
            related: vec![place(Some("no USER"))],
            help: Some("help".into()),
            detail: Some("detail".into()),
            report: Arc::new(Report::new("shakedown::check::assertion", "failed")),
        });
        let check = CheckResult {
            task: 1,
            index: 0,
            name: "sign off".into(),
            kind: CheckKind::Checkpoint,
            gate: true,
            status: Status::Passed,
            duration: Duration::from_millis(5),
            finished_at: 1.0,
            note: Some("approved".into()),
            approval: Some(Approval {
                by: Who {
                    user: "ana".into(),
                    git_name: Some("Ana".into()),
                },
                at: "2026-11-28T10:02:00Z".into(),
                how: How::Terminal,
                entry: Some(1),
            }),
            failure: Some(Arc::clone(&failure)),
        };
        let task = TaskResult {
            id: 1,
            name: "CPU image".into(),
            script: "demo.rhai".into(),
            engine: "default".into(),
            implicit: false,
            kept: false,
            status: Status::Failed,
            duration: Duration::from_secs(1),
            note: Some("note".into()),
            error: Some(Arc::clone(&failure)),
            checks: vec![check],
            records: vec![Record {
                name: "settings".into(),
                value: RecordValue::Structured(serde_json::json!({"user_key": 1})),
                display: "#{}".into(),
            }],
            build_notes: Vec::new(),
            value: None,
        };
        RunSummary {
            schema: SCHEMA,
            run_id: "1-a".into(),
            scripts: vec!["demo.rhai".into()],
            passed: 1,
            failed: 1,
            warned: 0,
            skipped: 0,
            not_run: 0,
            filtered: 0,
            duration: Duration::from_secs(2),
            started_at: 1.0,
            trigger: Some("changed".into()),
            settled_at: Some(1.0),
            interrupted: false,
            stopped_by: Some(StoppedBy {
                script: "demo.rhai".into(),
                task: "CPU image".into(),
                check: Some("whoami".into()),
            }),
            partition: Some(PartitionSummary {
                index: 1,
                count: 2,
                elsewhere: 3,
            }),
            exit: Exit::Failed,
            signal: Some(StopSignal::Terminate),
            tasks: vec![task],
            fatal: Some(failure),
            left_behind: vec![LeftBehind {
                engine: "default".into(),
                container: "0123456789ab".into(),
                what: "run of a1976da20914 \"sleep 30\"".into(),
                reason: "the engine did not answer within 10s".into(),
            }],
            engine: Arc::new(crate::runner::EngineSummary {
                url: "unix:///var/run/docker.sock".into(),
                origin: "from --host".into(),
                tls: false,
                chosen: true,
                version: Some(crate::engine::EngineVersion::default()),
            }),
        }
    }

    /// Every key of every object, except inside a record's value (the
    /// script's own keys).
    fn keys(value: &serde_json::Value, into: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    into.insert(key.clone());
                    if key != "value" {
                        keys(item, into);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| keys(i, into)),
            _ => {}
        }
    }

    #[test]
    fn every_serialised_field_is_in_the_doc() {
        let doc = include_str!("../../docs/json-report.md");
        let json = serde_json::to_value(everything()).unwrap();
        let mut found = BTreeSet::new();
        keys(&json, &mut found);
        let missing: Vec<&String> = found
            .iter()
            .filter(|key| !doc.contains(&format!("\"{key}\"")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/json-report.md does not describe {missing:?}"
        );
        assert!(
            !found.contains("user_key"),
            "a record's own keys are not fields"
        );
    }

    #[test]
    fn the_document_says_its_schema_version() {
        let json = serde_json::to_value(everything()).unwrap();
        assert_eq!(json["schema"], SCHEMA);
    }
}
