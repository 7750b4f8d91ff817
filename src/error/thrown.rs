use rhai::{EvalAltResult, Position};

use super::report::FileSpan;
use super::Exit;

/// What a primitive throws into the script: a failure with everything a
/// diagnostic needs. It travels inside Rhai's `ErrorRuntime` and the runner
/// turns it into a [`crate::runner::Failure`].
#[derive(Debug, Clone)]
pub struct Thrown {
    pub kind: ThrownKind,
    /// `shakedown::area::kind`
    pub code: &'static str,
    pub message: String,
    pub help: Option<String>,
    pub actual: Option<String>,
    pub expected: Option<String>,
    /// Places in other files that explain the failure (the Dockerfile
    /// instruction of a failed build).
    pub spans: Vec<FileSpan>,
    /// A block of text shown under the report (the last lines of a build).
    pub detail: Option<String>,
    /// How the failing call is labelled in the script ("this build failed").
    pub label: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrownKind {
    /// An assertion did not hold: a check failure.
    Assertion,
    /// A primitive could not do what it was asked (a build failed, an image
    /// is missing): a check or task failure.
    Failure,
    /// The script used the API wrongly (a bad option): a script error.
    Usage,
    /// The engine is unusable: stops the run.
    Engine,
    /// The run was cancelled while the primitive waited.
    Cancelled,
}

impl ThrownKind {
    /// The exit code a failure of this kind leads to.
    pub fn exit(self) -> Exit {
        match self {
            Self::Assertion | Self::Failure | Self::Cancelled => Exit::Failed,
            Self::Usage => Exit::Usage,
            Self::Engine => Exit::Engine,
        }
    }
}

impl Thrown {
    pub fn new(kind: ThrownKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
            help: None,
            actual: None,
            expected: None,
            spans: Vec::new(),
            detail: None,
            label: None,
        }
    }

    /// A bad argument or option given to a primitive.
    pub fn usage(message: impl Into<String>, help: impl Into<String>) -> Self {
        Self::new(ThrownKind::Usage, "shakedown::script::usage", message).help(help)
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn values(mut self, actual: impl Into<String>, expected: impl Into<String>) -> Self {
        self.actual = Some(actual.into());
        self.expected = Some(expected.into());
        self
    }

    pub fn span(mut self, span: FileSpan) -> Self {
        self.spans.push(span);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// As the error a registered function returns: a map a script's
    /// `catch` can read (see [`super::caught`]).
    pub fn at(self, position: Position) -> Box<EvalAltResult> {
        EvalAltResult::ErrorRuntime(super::caught::to_dynamic(self, position), position).into()
    }

    /// Finds a `Thrown` inside an evaluation error, looking through the
    /// function-call wrappers Rhai adds.
    pub fn find(err: &EvalAltResult) -> Option<Thrown> {
        match err {
            EvalAltResult::ErrorRuntime(value, _) => match value.read_lock::<rhai::Map>() {
                Some(map) => super::caught::find(&map),
                None => value.clone().try_cast::<Thrown>(),
            },
            EvalAltResult::ErrorInFunctionCall(_, _, inner, _)
            | EvalAltResult::ErrorInModule(_, inner, _) => Self::find(inner),
            _ => None,
        }
    }
}
