use std::path::PathBuf;

use clap::{Args, Parser, ValueEnum};

/// Run container-image verification checklists written as Rhai scripts.
///
/// A checklist builds images, runs them, inspects them and stops at human
/// checkpoints; every failure points at the line of the script (and of the
/// Dockerfile) that caused it.
#[derive(Debug, Parser)]
#[command(name = "shakedown", version, about, long_about)]
#[command(
    after_help = "Exit codes: 0 every gate passed; 1 a gate failed or a checkpoint was rejected; \
2 a script or argument error; 3 the engine could not be used; 130, 143, 129 stopped by Ctrl-C, \
SIGTERM, SIGHUP (containers removed first); 101 shakedown itself failed (a bug)."
)]
pub struct Arguments {
    #[command(subcommand)]
    pub command: Command,
}

impl Arguments {
    /// `--color`, whichever subcommand took it.
    pub fn color(&self) -> ColorChoice {
        match &self.command {
            Command::Run { common, .. } | Command::Watch { common, .. } => common.color,
            Command::Check { color, .. }
            | Command::Defs { color, .. }
            | Command::Init { color, .. }
            | Command::Approvals { color, .. } => *color,
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run checklists against the Docker Engine.
    Run {
        /// Scripts to run, in order (default: scripts/demo.rhai).
        scripts: Vec<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
        #[command(flatten)]
        ci: CiArgs,
    },
    /// Run, then rerun what a change affects (a Dockerfile, a file of a
    /// build context, a script), until Ctrl-C.
    Watch {
        /// Scripts to run, in order (default: scripts/demo.rhai).
        scripts: Vec<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
        /// How long changes must settle before a rerun, in milliseconds.
        #[arg(long, value_name = "MS", default_value_t = 200)]
        debounce: u64,
        /// Clear the screen before each rerun's results.
        #[arg(long)]
        clear: bool,
    },
    /// Find mistakes in scripts without running them; needs no engine.
    ///
    /// Reports syntax errors, unknown functions, methods, properties and
    /// options, tasks declared twice and `needs` that name no task, each at
    /// its line; exits 2 when it finds any.
    Check {
        /// Scripts to check (default: scripts/demo.rhai).
        scripts: Vec<PathBuf>,
        /// Colour: `auto` (a terminal, unless NO_COLOR is set), `always`,
        /// `never`.
        #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// Write a first checklist for existing Dockerfiles, to edit.
    ///
    /// For each Dockerfile a task builds the image and checks what the
    /// Dockerfile says today: the final stage's USER is not root, its OCI
    /// labels, HEALTHCHECK, EXPOSEd ports and ENV values, and records the
    /// size; a sign-off ends it. What a hardened image should have and the
    /// Dockerfile lacks (a USER, a HEALTHCHECK, labels) is written as a
    /// check commented out, with a note. Needs no engine.
    Init {
        /// The Dockerfiles (default: every Dockerfile* in this directory and
        /// two levels below).
        dockerfiles: Vec<PathBuf>,
        /// Where to write the checklist.
        #[arg(long, short, value_name = "PATH", default_value = "shakedown.rhai")]
        output: PathBuf,
        /// Replace the checklist if it exists.
        #[arg(long)]
        force: bool,
        /// Colour: `auto` (a terminal, unless NO_COLOR is set), `always`,
        /// `never`.
        #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// Write Rhai definition files of the whole script API, so that editors
    /// complete and document it.
    ///
    /// The Rhai language server (and the editors built on it) reads the
    /// `*.d.rhai` files in the workspace: write them into the project that
    /// holds your checklists.
    Defs {
        /// Where to write them (default: defs).
        dir: Option<PathBuf>,
        /// Colour: `auto` (a terminal, unless NO_COLOR is set), `always`,
        /// `never`.
        #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
        color: ColorChoice,
    },
    /// Read the approvals ledger that checkpoints append to.
    Approvals {
        #[command(subcommand)]
        command: ApprovalsCommand,
        /// Colour: `auto` (a terminal, unless NO_COLOR is set), `always`,
        /// `never`.
        #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, global = true)]
        color: ColorChoice,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum ApprovalsCommand {
    /// Check the ledger's hash chain: exit 1, naming the first bad entry,
    /// when an entry was edited, removed or moved.
    Verify {
        /// The ledger (default: .shakedown/approvals.jsonl).
        path: Option<PathBuf>,
    },
    /// List the ledger's entries, oldest first.
    List {
        /// The ledger (default: .shakedown/approvals.jsonl).
        path: Option<PathBuf>,
    },
}

/// Options shared by every subcommand that runs or compiles scripts.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// How many checks may run at once; 1 runs everything strictly in
    /// declaration order.
    #[arg(short, long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,

    /// Stop the whole run at the first failed gate; what did not run is
    /// reported as "not run (--fail-fast)".
    #[arg(long)]
    pub fail_fast: bool,

    /// Approve every checkpoint without asking; the report and the
    /// approvals ledger say so.
    #[arg(long)]
    pub approve: bool,

    /// The approvals ledger checkpoints append to and, with no terminal,
    /// reuse approvals from (default: .shakedown/approvals.jsonl).
    #[arg(
        long,
        value_name = "PATH",
        env = "SHAKEDOWN_APPROVALS",
        hide_env_values = true
    )]
    pub approvals: Option<PathBuf>,

    /// A value for the script's `vars` map; repeatable.
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,

    /// Only checks and checkpoints whose "task › check" name contains TEXT
    /// (any case); repeatable: any filter may match. Task bodies still run,
    /// so the images they build exist.
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,

    /// Leave out checks and checkpoints whose "task › check" name contains
    /// TEXT (any case); repeatable.
    #[arg(long, value_name = "TEXT")]
    pub skip: Vec<String>,

    /// How to report: `human` lines on a terminal, or one `json` document on
    /// stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Colour: `auto` (a terminal, unless NO_COLOR is set; CLICOLOR_FORCE
    /// and FORCE_COLOR force it), `always`, `never`.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Let scripts read files under DIR too (paths are otherwise confined to
    /// the directory shakedown runs in); repeatable.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_paths: Vec<PathBuf>,

    /// Let containers use a network mode that reaches past shakedown's own
    /// containers: `host` (the machine's network: servers listen on every
    /// interface) or `container:NAME` (another container's network;
    /// `container` allows any). Refused otherwise; repeatable.
    #[arg(long = "allow-network", value_name = "MODE")]
    pub allow_networks: Vec<String>,

    /// The Docker Engine to use: unix:///path, tcp://host:port (TLS with
    /// DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH), https://host:port or
    /// ssh://[user@]host[:port]. Chosen as the docker CLI chooses: --host,
    /// else --context, else DOCKER_HOST, else DOCKER_CONTEXT, else the
    /// current context (`docker context use`), else the local socket.
    #[arg(short = 'H', long, value_name = "URL")]
    pub host: Option<String>,

    /// Another engine for tasks that name it (`task(name, #{ engine:
    /// "gpu" }, …)`): NAME=URL (unix://, tcp://, https://, ssh://) or
    /// NAME=context:CONTEXT; repeatable. The engine chosen by --host,
    /// DOCKER_HOST, the context or the local socket is named `default`.
    #[arg(long = "engine", value_name = "NAME=URL")]
    pub engines: Vec<String>,
    /// The Docker context whose engine to use (`docker context ls` lists
    /// them); `default` means DOCKER_HOST or the local socket.
    #[arg(short = 'c', long, value_name = "NAME", conflicts_with = "host")]
    pub context: Option<String>,

    /// The builder of `build()` calls that name none: `auto` (BuildKit when
    /// the engine supports it, else the classic builder, with a note in the
    /// report), `buildkit`, `classic`.
    #[arg(long, value_enum, value_name = "BUILDER", default_value_t = BuilderChoice::Auto)]
    pub builder: BuilderChoice,
}

/// `--builder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BuilderChoice {
    Auto,
    #[value(name = "buildkit")]
    BuildKit,
    Classic,
}

/// Options for runs in CI: reports to files, annotations, partitions.
#[derive(Debug, Args, Clone)]
pub struct CiArgs {
    /// Also write a report to a file, while the terminal keeps the human
    /// output: `junit=PATH` (JUnit XML) or `json=PATH`; repeatable.
    #[arg(long = "report", value_name = "KIND=PATH")]
    pub reports: Vec<String>,

    /// Annotations for a CI system: `github` prints workflow commands at
    /// the failing lines and writes a summary to $GITHUB_STEP_SUMMARY
    /// (default: github when GITHUB_ACTIONS=true), `none`.
    #[arg(long, value_enum, value_name = "KIND")]
    pub annotations: Option<Annotations>,

    /// Run only part K of N of the tasks (e.g. 2/3), for N parallel CI
    /// jobs; a task stays with the tasks it needs.
    #[arg(long, value_name = "K/N")]
    pub partition: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Annotations {
    Github,
    None,
}
