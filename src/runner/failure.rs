use std::sync::Arc;

use rhai::{EvalAltResult, Position};
use serde::Serialize;

use crate::error::{Exit, FileSpan, Report, SourceFile, Thrown, ThrownKind};

/// Why a check, checkpoint or task failed, with the diagnostic that shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub kind: FailureKind,
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Where in the script it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Other files the failure points into (a Dockerfile instruction).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// A block of evidence (a container's state and last log lines, the
    /// last lines of a build), shown under the help.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip)]
    pub report: Arc<Report>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// An assertion did not hold.
    Assertion,
    /// The check's closure returned `false`.
    ReturnedFalse,
    /// The script threw a value of its own.
    Thrown,
    /// A primitive failed (a build, a missing image, a run error).
    Primitive,
    /// The script is wrong (unknown function, bad option, type mismatch).
    Script,
    /// The engine could not be used.
    Engine,
    /// The check's `timeout` ran out.
    Timeout,
    /// The run was stopped (Ctrl-C, `--fail-fast`).
    Cancelled,
    /// A checkpoint was rejected or could not be asked.
    Checkpoint,
    /// shakedown itself failed (a panic: a bug, not the script's fault).
    Internal,
}

impl FailureKind {
    pub fn exit(self) -> Exit {
        match self {
            Self::Script => Exit::Usage,
            Self::Engine => Exit::Engine,
            _ => Exit::Failed,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// What failed: "check \"runs as appuser\"", and the call that declared it.
pub struct Subject<'a> {
    pub what: String,
    pub call: Option<(usize, usize)>,
    pub call_label: &'a str,
}

impl Failure {
    /// A failure known without an evaluation error (a timeout, `false`).
    pub fn simple(
        kind: FailureKind,
        code: &str,
        message: impl Into<String>,
        help: Option<String>,
        script: &SourceFile,
        subject: &Subject<'_>,
    ) -> Self {
        let message = message.into();
        let mut report = Report::new(code, format!("{} failed: {message}", subject.what))
            .with_help(help.clone());
        let mut location = None;
        if let Some((line, column)) = subject.call {
            report = report.with_span(&script_span(script, line, column, subject.call_label));
            location = Some(Location {
                file: script.name.clone(),
                line,
                column,
            });
        }
        Self {
            kind,
            code: code.to_owned(),
            message,
            actual: None,
            expected: None,
            location,
            related: Vec::new(),
            help,
            detail: None,
            report: Arc::new(report),
        }
    }

    /// shakedown panicked while running a check, a task or a script's top
    /// level: an internal error, never a pass, with where to report it.
    pub fn internal(
        panic: &super::panics::Panic,
        script: &SourceFile,
        subject: &Subject<'_>,
    ) -> Self {
        Self::simple(
            FailureKind::Internal,
            "shakedown::internal::panic",
            format!("shakedown hit an internal error: {}", panic.describe()),
            Some(super::panics::report_help()),
            script,
            subject,
        )
    }

    /// Adds what the check looked at as related reports, once each.
    #[must_use]
    pub fn with_evidence(mut self, evidence: Vec<Report>) -> Self {
        if evidence.is_empty() {
            return self;
        }
        let mut report = (*self.report).clone();
        for item in evidence {
            if report.related.iter().any(|r| r.message == item.message) {
                continue;
            }
            if let Some((file, text)) = &item.source {
                if let Some((offset, _, _)) = item.labels.first() {
                    let line = text[..(*offset).min(text.len())].matches('\n').count() + 1;
                    self.related.push(Location {
                        file: file.clone(),
                        line,
                        column: 1,
                    });
                }
            }
            report.related.push(item);
        }
        self.report = Arc::new(report);
        self
    }

    /// Classifies an evaluation error and builds its diagnostic.
    pub fn from_eval(err: &EvalAltResult, script: &SourceFile, subject: &Subject<'_>) -> Self {
        let position = innermost_position(err);
        let inner = err.unwrap_inner();
        let thrown_found = Thrown::find(err);
        let custom_label = thrown_found.as_ref().and_then(|t| t.label.clone());
        let (kind, code, message, help, thrown) = match thrown_found {
            Some(thrown) => (
                match thrown.kind {
                    ThrownKind::Assertion => FailureKind::Assertion,
                    ThrownKind::Failure => FailureKind::Primitive,
                    ThrownKind::Usage => FailureKind::Script,
                    ThrownKind::Engine => FailureKind::Engine,
                    ThrownKind::Cancelled => FailureKind::Cancelled,
                },
                thrown.code.to_owned(),
                thrown.message.clone(),
                thrown.help.clone(),
                Some(thrown),
            ),
            None => {
                let (kind, code, help) = classify(inner);
                (kind, code.to_owned(), without_position(inner), help, None)
            }
        };

        let mut report = Report::new(&code, format!("{} failed: {message}", subject.what))
            .with_help(help.clone());
        if let Some((line, column)) = subject.call {
            report = report.with_span(&script_span(script, line, column, subject.call_label));
        }
        let mut location = subject.call.map(|(line, column)| Location {
            file: script.name.clone(),
            line,
            column,
        });
        if let (Some(line), Some(column)) = (position.line(), position.position()) {
            let label = match kind {
                FailureKind::Assertion => "this assertion does not hold",
                FailureKind::Script => "the script goes wrong here",
                FailureKind::Thrown => "thrown here",
                _ => "it failed here",
            };
            if subject.call != Some((line, column)) {
                let label = custom_label.as_deref().unwrap_or(label);
                report = report.with_span(&script_span(script, line, column, label));
            }
            location = Some(Location {
                file: script.name.clone(),
                line,
                column,
            });
        }
        let mut related = Vec::new();
        let (mut actual, mut expected, mut detail) = (None, None, None);
        if let Some(thrown) = thrown {
            for span in &thrown.spans {
                related.push(Location {
                    file: span.name.clone(),
                    line: span.line(),
                    column: 1,
                });
                let title = format!("{}:{}: {}", span.name, span.line(), span.label);
                report = report.with_related(Report::new(&code, title).with_span(span));
            }
            if let Some(detail) = &thrown.detail {
                let help = match &report.help {
                    Some(help) => format!("{help}\n{detail}"),
                    None => detail.clone(),
                };
                report.help = Some(help);
            }
            actual = thrown.actual;
            expected = thrown.expected;
            detail = thrown.detail;
        }
        Self {
            kind,
            code,
            message,
            actual,
            expected,
            location,
            related,
            help,
            detail,
            report: Arc::new(report),
        }
    }
}

/// A label on the script from a Rhai position to the end of its line.
pub fn script_span(script: &SourceFile, line: usize, column: usize, label: &str) -> FileSpan {
    let span = script.line_span(line, column);
    FileSpan {
        name: script.name.clone(),
        text: script.text.clone(),
        offset: span.offset(),
        len: span.len(),
        label: label.to_owned(),
    }
}

fn innermost_position(err: &EvalAltResult) -> Position {
    match err {
        EvalAltResult::ErrorInFunctionCall(_, _, inner, pos)
        | EvalAltResult::ErrorInModule(_, inner, pos) => {
            let inner_pos = innermost_position(inner);
            if inner_pos.is_none() {
                *pos
            } else {
                inner_pos
            }
        }
        other => other.position(),
    }
}

fn without_position(err: &EvalAltResult) -> String {
    match err {
        EvalAltResult::ErrorRuntime(value, _) => value.to_string(),
        other => {
            let text = other.to_string();
            let suffix = format!(" ({})", other.position());
            text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
        }
    }
}

fn classify(err: &EvalAltResult) -> (FailureKind, &'static str, Option<String>) {
    use EvalAltResult as E;
    match err {
        E::ErrorRuntime(..) => (
            FailureKind::Thrown,
            "shakedown::check::thrown",
            None,
        ),
        E::ErrorTerminated(..) => (FailureKind::Cancelled, "shakedown::run::cancelled", None),
        E::ErrorFunctionNotFound(..) => (
            FailureKind::Script,
            "shakedown::script::unknown_function",
            Some("no function of that name takes these arguments; docs/script-api.md lists the API".into()),
        ),
        E::ErrorVariableNotFound(..) => (
            FailureKind::Script,
            "shakedown::script::unknown_variable",
            Some("declare it with `let` before using it (closures see variables declared before them)".into()),
        ),
        E::ErrorPropertyNotFound(..) | E::ErrorDotExpr(..) => (
            FailureKind::Script,
            "shakedown::script::unknown_property",
            Some("docs/script-api.md lists the properties of each type".into()),
        ),
        E::ErrorMismatchDataType(..) | E::ErrorMismatchOutputType(..) => (
            FailureKind::Script,
            "shakedown::script::type_mismatch",
            Some("check the types of the values passed; `type_of(x)` tells a value's type".into()),
        ),
        _ => (
            FailureKind::Script,
            "shakedown::script::runtime",
            Some("fix the script at the line shown".into()),
        ),
    }
}
