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

    #[error("script {path} is {kind}, not a regular file")]
    #[diagnostic(
        code(shakedown::cli::script_not_a_file),
        help("name a script file (.rhai); pipes, devices and directories are not read")
    )]
    ScriptNotAFile { path: String, kind: &'static str },

    #[error("script {path} is larger than {limit} bytes")]
    #[diagnostic(
        code(shakedown::cli::script_too_large),
        help("a checklist is far smaller; check that this is the script you meant, or split it with `import`")
    )]
    ScriptTooLarge { path: String, limit: u64 },

    #[error("--var {key} is given more than once")]
    #[diagnostic(
        code(shakedown::cli::duplicate_var),
        help("give each key once; the script would see only one of the values")
    )]
    DuplicateVar { key: String },

    #[error("--allow-network {given:?} is not a network mode that can be allowed")]
    #[diagnostic(
        code(shakedown::cli::bad_allow_network),
        help("give host, container:NAME (one container's network) or container (any container's)")
    )]
    BadAllowNetwork { given: String },

    #[error("--engine {given:?} cannot be used: {reason}")]
    #[diagnostic(
        code(shakedown::cli::bad_engine),
        help("write it as --engine NAME=URL (e.g. gpu=tcp://10.0.0.5:2376) or --engine NAME=context:CONTEXT; a task runs there with #{{ engine: \"NAME\" }}")
    )]
    BadEngine { given: String, reason: String },

    #[error("--engine {given:?} names an engine `default`, the name of the engine chosen by --host, DOCKER_HOST, the context or the local socket")]
    #[diagnostic(
        code(shakedown::cli::default_engine_named),
        help("choose the default engine with --host or DOCKER_HOST, and give the others names of their own")
    )]
    DefaultEngineNamed { given: String },

    #[error("--engine {name} is given more than once")]
    #[diagnostic(
        code(shakedown::cli::duplicate_engine),
        help("give each engine name once; tasks choose an engine by its name")
    )]
    DuplicateEngine { name: String },

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
