use miette::Diagnostic;
use thiserror::Error;

/// A bad command line that clap's own parsing cannot catch.
#[derive(Debug, Error, Diagnostic)]
pub enum ConfigError {
    #[error("--var {given:?} is not KEY=VALUE")]
    #[diagnostic(
        code(shakedown::cli::bad_var),
        help("write it as --var name=value; the script reads it as vars[\"name\"]")
    )]
    BadVar { given: String },

    #[error("script {path} cannot be read: {source}")]
    #[diagnostic(
        code(shakedown::cli::script_unreadable),
        help("check the path; scripts are given relative to the directory shakedown runs in")
    )]
    ScriptUnreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("no script given and {default} does not exist")]
    #[diagnostic(
        code(shakedown::cli::no_script),
        help("name a script, e.g. `shakedown run scripts/demo.rhai`")
    )]
    NoScript { default: String },

    #[error("--jobs must be at least 1")]
    #[diagnostic(
        code(shakedown::cli::bad_jobs),
        help("use --jobs 1 to run strictly in declaration order")
    )]
    ZeroJobs,

    #[error("--report {given:?} is not KIND=PATH")]
    #[diagnostic(
        code(shakedown::cli::bad_report),
        help("write it as --report junit=PATH or --report json=PATH; repeat --report for several")
    )]
    BadReport { given: String },

    #[error("--partition {given:?} is not K/N with 1 <= K <= N")]
    #[diagnostic(
        code(shakedown::cli::bad_partition),
        help("e.g. --partition 2/3 runs the second of three parts; give each CI job its own K")
    )]
    BadPartition { given: String },

    #[error("the report file {path} cannot be written: {source}")]
    #[diagnostic(
        code(shakedown::report::unwritable),
        help("check the path and its permissions; missing directories are created")
    )]
    ReportUnwritable {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
