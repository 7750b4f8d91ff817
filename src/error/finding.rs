use miette::{Diagnostic, LabeledSpan, NamedSource, SourceSpan};
use thiserror::Error;

/// A mistake `shakedown check` finds in a script without running it. An
/// unknown function or property and a duplicate task have the code a run
/// gives the same mistake; an unknown option or need, which a run reports
/// as a misuse (`shakedown::script::usage`), a code of its own.
#[derive(Debug, Error, Diagnostic)]
pub enum Finding {
    #[error("{message}")]
    #[diagnostic(code(shakedown::script::unknown_function), help("{help}"))]
    UnknownFunction {
        message: String,
        help: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("not a function of the script API, of Rhai or of this script")]
        at: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(shakedown::script::unknown_property), help("{help}"))]
    UnknownProperty {
        message: String,
        help: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("{owner} has no such property")]
        at: SourceSpan,
        owner: String,
    },

    #[error("{message}")]
    #[diagnostic(code(shakedown::script::unknown_option), help("{help}"))]
    UnknownOption {
        message: String,
        help: String,
        #[source_code]
        src: NamedSource<String>,
        #[label(collection)]
        keys: Vec<LabeledSpan>,
    },

    #[error("task \"{name}\" is declared twice in this script")]
    #[diagnostic(
        code(shakedown::script::duplicate_task),
        help("give each task a name of its own: reports, `needs`, --filter and --skip know tasks by name")
    )]
    DuplicateTask {
        name: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("declared again here")]
        at: SourceSpan,
        #[label("first declared here")]
        first: SourceSpan,
    },

    #[error("task \"{task}\" needs \"{need}\", but no task of that name is declared")]
    #[diagnostic(code(shakedown::script::unknown_need), help("{help}"))]
    UnknownNeed {
        task: String,
        need: String,
        help: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("no task is called this")]
        at: SourceSpan,
    },
}
