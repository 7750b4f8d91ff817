use std::sync::Arc;

use rhai::{EvalAltResult, Position};
use serde::Serialize;

use crate::error::{Exit, FileSpan, Report, SourceFile, Thrown, ThrownKind, CONTEXT_LINES};

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
    /// Where in the script it failed: the innermost failing call or
    /// assertion (the rendered diagnostic's header), else the call of the
    /// check or task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Other places the failure points at, with their labels: a Dockerfile
    /// instruction, a compose line, where a compared value came from.
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
    /// What the place has to do with the failure (related places only):
    /// "this RUN exited with code 1".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl Location {
    fn of(span: &FileSpan) -> Self {
        Self {
            file: span.name.clone(),
            line: span.line(),
            column: span.column(),
            label: (!span.label.is_empty()).then(|| span.label.clone()),
        }
    }
}

/// What failed: "check \"runs as appuser\"", and the call that declared it.
pub struct Subject<'a> {
    pub what: String,
    pub call: Option<(usize, usize)>,
    pub call_label: &'a str,
    /// Where `call` is when it is not in the script: in a module.
    pub origin: Option<&'a Origin>,
}

/// Where a task or check declared by a module function was declared: the
/// module's file (its call is there), and the line of the script that
/// called into the module.
#[derive(Debug, Clone)]
pub struct Origin {
    pub file: SourceFile,
    pub via: Option<(usize, usize)>,
}

/// The label on the script line that called into a module.
const VIA_LABEL: &str = "called from here";

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
        let mut related = Vec::new();
        let root = subject.origin.map_or(script, |o| &o.file);
        if let Some((line, column)) = subject.call {
            report = report.with_primary(&script_span(root, line, column, subject.call_label));
            location = Some(Location {
                file: root.name.clone(),
                line,
                column,
                label: None,
            });
        }
        if let Some((line, column)) = subject.origin.and_then(|o| o.via) {
            let via = script_span(script, line, column, VIA_LABEL);
            related.push(Location::of(&via));
            report = report.with_span(&via);
        }
        Self {
            kind,
            code: code.to_owned(),
            message,
            actual: None,
            expected: None,
            location,
            related,
            help,
            detail: None,
            report: Arc::new(report),
        }
    }

    /// The engine could not be used, for the run as a whole: no place in a
    /// script, the endpoint and what to do.
    pub fn engine(err: &crate::error::EngineError) -> Self {
        let help = miette::Diagnostic::help(err).map(|h| h.to_string());
        let message = err.to_string();
        let report = Report::new(err.code_str(), message.clone()).with_help(help.clone());
        Self {
            kind: FailureKind::Engine,
            code: err.code_str().to_owned(),
            message,
            actual: None,
            expected: None,
            location: None,
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

    /// Adds what the check looked at (a query that found nothing, the
    /// largest layers of an image whose size it read) to its diagnostic:
    /// labels at their places, and notes.
    #[must_use]
    pub fn with_evidence(mut self, evidence: Vec<Report>) -> Self {
        if evidence.is_empty() {
            return self;
        }
        let mut report = (*self.report).clone();
        for item in &evidence {
            report = report.absorb(item);
            for place in item.places() {
                let known = self
                    .related
                    .iter()
                    .any(|r| r.file == place.file && r.line == place.line);
                if !known {
                    self.related.push(Location {
                        file: place.file,
                        line: place.line,
                        column: place.column,
                        // A place without a label says what the evidence says.
                        label: Some(if place.label.is_empty() {
                            item.message.clone()
                        } else {
                            place.label
                        }),
                    });
                }
            }
        }
        self.report = Arc::new(report);
        self
    }

    /// Classifies an evaluation error and builds its diagnostic.
    pub fn from_eval(err: &EvalAltResult, script: &SourceFile, subject: &Subject<'_>) -> Self {
        let root = subject.origin.map_or(script, |o| &o.file);
        let trail = Trail::of(err, &root.name);
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
        // The file the failing line is in: the script, the module that
        // declared the check, or a module a function of which failed.
        let failed_in = [script, root]
            .into_iter()
            .find(|f| f.name == trail.file)
            .cloned()
            .or_else(|| crate::host::module_source(&trail.file));
        let failed_at = match (failed_in, trail.position.line(), trail.position.position()) {
            (Some(file), Some(line), Some(column))
                if file.name != root.name || subject.call != Some((line, column)) =>
            {
                Some((file, line, column))
            }
            _ => None,
        };
        let mut location = subject.call.map(|(line, column)| Location {
            file: root.name.clone(),
            line,
            column,
            label: None,
        });
        let mut related = Vec::new();
        // The innermost failing call is what the header shows; the check
        // or task is a second label, shown after it when it is far above.
        if let Some((file, line, column)) = &failed_at {
            let (line, column) = (*line, *column);
            let label = match kind {
                FailureKind::Assertion => "this assertion does not hold",
                FailureKind::Script => "the script goes wrong here",
                FailureKind::Thrown => "thrown here",
                _ => "it failed here",
            };
            let label = custom_label.as_deref().unwrap_or(label);
            report = report.with_primary(&script_span(file, line, column, label));
            location = Some(Location {
                file: file.name.clone(),
                line,
                column,
                label: None,
            });
            if let Some((call_line, call_column)) = subject.call {
                let call = script_span(root, call_line, call_column, subject.call_label);
                report = if file.name == root.name && shown_apart(call_line, line) {
                    report.with_span_apart(&call)
                } else {
                    report.with_span(&call)
                };
            }
        } else if let Some((line, column)) = subject.call {
            report = report.with_primary(&script_span(root, line, column, subject.call_label));
        }
        // Where the script called into the module the failure is in.
        let in_module = failed_at
            .as_ref()
            .is_some_and(|(f, ..)| f.name != script.name)
            || root.name != script.name;
        let via = trail
            .calls_from(&script.name)
            .or_else(|| subject.origin.and_then(|o| o.via))
            .filter(|_| in_module);
        if let Some((line, column)) = via {
            let via = script_span(script, line, column, VIA_LABEL);
            related.push(Location::of(&via));
            report = report.with_span(&via);
        }
        let (mut actual, mut expected, mut detail) = (None, None, None);
        if let Some(thrown) = thrown {
            for span in &thrown.spans {
                related.push(Location::of(span));
                report = report.with_span(span);
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

/// Whether the call of a check or task on `call_line` gets a snippet of its
/// own after the failing line's: it is above it and too far for one
/// snippet to hold both.
fn shown_apart(call_line: usize, failed_line: usize) -> bool {
    call_line < failed_line && failed_line - call_line > 2 * CONTEXT_LINES + 1
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

/// Where an evaluation error happened, following it into the functions
/// it went through: the file and position of the innermost failing call,
/// and the calls that led there (file, line, column), outermost first.
struct Trail {
    file: String,
    position: Position,
    calls: Vec<(String, Position)>,
}

impl Trail {
    /// `err`, raised by code of the file `root`.
    fn of(err: &EvalAltResult, root: &str) -> Self {
        let mut trail = Self {
            file: root.to_owned(),
            position: Position::NONE,
            calls: Vec::new(),
        };
        let mut err = err;
        loop {
            match err {
                // A position inside a module being imported is in another
                // file: point at the import.
                EvalAltResult::ErrorInModule(_, _, pos) => {
                    trail.position = *pos;
                    return trail;
                }
                // A function's body is in `source` (the file it was declared
                // in); `pos` is the call, in the caller's file.
                EvalAltResult::ErrorInFunctionCall(_, source, inner, pos) => {
                    if Self::of(inner, source).position.is_none() {
                        trail.position = *pos;
                        return trail;
                    }
                    trail.calls.push((trail.file.clone(), *pos));
                    if !source.is_empty() {
                        trail.file.clone_from(source);
                    }
                    err = inner;
                }
                other => {
                    trail.position = other.position();
                    return trail;
                }
            }
        }
    }

    /// The last call made from the file `name` into another file: the line
    /// of the script that called the module the failure is in.
    fn calls_from(&self, name: &str) -> Option<(usize, usize)> {
        let mut files = self.calls.iter().map(|(f, _)| f.as_str()).skip(1);
        let mut found = None;
        for (file, pos) in &self.calls {
            let next = files.next().unwrap_or(self.file.as_str());
            if file == name && next != name {
                if let (Some(line), Some(column)) = (pos.line(), pos.position()) {
                    found = Some((line, column));
                }
            }
        }
        found
    }
}

fn without_position(err: &EvalAltResult) -> String {
    match err {
        EvalAltResult::ErrorDataTooLarge(what, _) => {
            format!("{what} is over the limit shakedown sets")
        }
        // A map the script threw (a caught error it rethrew, changed): its message.
        EvalAltResult::ErrorRuntime(value, _) => value
            .read_lock::<rhai::Map>()
            .and_then(|map| map.get("message").map(ToString::to_string))
            .unwrap_or_else(|| value.to_string()),
        EvalAltResult::ErrorFunctionNotFound(signature, _) => {
            let (name, args) = signature.split_once(" (").unwrap_or((signature, ")"));
            let args = args.replace("&str | ImmutableString | String", "string");
            format!("unknown function {name}({args}")
        }
        other => {
            let text = other.to_string();
            let suffix = format!(" ({})", other.position());
            text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
        }
    }
}

/// A suggestion (or what is wrong, when there is none), and where the
/// whole API is listed.
fn with_reference(suggestion: Option<String>, otherwise: &str) -> String {
    format!(
        "{} (docs/script-api.md lists the API)",
        suggestion.as_deref().unwrap_or(otherwise)
    )
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
            Some(with_reference(
                crate::host::suggest(err),
                "no function of that name takes these arguments",
            )),
        ),
        E::ErrorVariableNotFound(..) => (
            FailureKind::Script,
            "shakedown::script::unknown_variable",
            Some("declare it with `let` before using it (closures see variables declared before them)".into()),
        ),
        E::ErrorPropertyNotFound(..) | E::ErrorDotExpr(..) => (
            FailureKind::Script,
            "shakedown::script::unknown_property",
            Some(with_reference(
                crate::host::suggest(err),
                "no property of that name",
            )),
        ),
        E::ErrorDataTooLarge(..) => (
            FailureKind::Script,
            "shakedown::script::too_large",
            Some(format!(
                "{}; a loop that keeps growing a value is the usual cause",
                crate::host::limits::summary()
            )),
        ),
        E::ErrorModuleNotFound(..) => (
            FailureKind::Script,
            "shakedown::script::unknown_module",
            Some("no module of that name is imported here: `import \"path\" as name;` first, in this file (a module does not see its caller's imports; a task or check sees those made before it was declared)".into()),
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
