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

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run checklists against the Docker Engine.
    Run {
        /// Scripts to run, in order (default: scripts/demo.rhai).
        scripts: Vec<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
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
    /// Compile the scripts and report errors; needs no engine.
    Check {
        /// Scripts to compile (default: scripts/demo.rhai).
        scripts: Vec<PathBuf>,
        #[command(flatten)]
        common: CommonArgs,
    },
}

/// Options shared by every subcommand.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// How many checks may run at once; 1 runs everything strictly in
    /// declaration order.
    #[arg(short, long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,

    /// Stop the whole run at the first failed gate; checks not yet finished
    /// are reported as skipped.
    #[arg(long)]
    pub fail_fast: bool,

    /// Approve every checkpoint without asking; the report says so.
    #[arg(long)]
    pub approve: bool,

    /// A value for the script's `vars` map; repeatable.
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,

    /// Only tasks and checks whose name contains TEXT (task bodies still run,
    /// so the images they build exist).
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,

    /// How to report: `human` lines on a terminal, or one `json` document on
    /// stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Let scripts read files under DIR too (paths are otherwise confined to
    /// the directory shakedown runs in); repeatable.
    #[arg(long = "allow-path", value_name = "DIR")]
    pub allow_paths: Vec<PathBuf>,

    /// The Docker Engine to use, e.g. unix:///var/run/docker.sock or
    /// tcp://127.0.0.1:2375 (default: DOCKER_HOST, else the local socket).
    #[arg(long, value_name = "URL", env = "DOCKER_HOST")]
    pub host: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}
