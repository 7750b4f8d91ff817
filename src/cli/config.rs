use std::io::IsTerminal;
use std::path::PathBuf;

use super::args::{Arguments, Command, CommonArgs, Format};
use crate::error::ConfigError;
use crate::watch::WatchOptions;

/// The script run when none is named.
pub const DEFAULT_SCRIPT: &str = "scripts/demo.rhai";

/// What the command line asked for, checked and ready to execute.
#[derive(Debug, Clone)]
pub struct Config {
    pub subcommand: Subcommand,
    pub common: CommonConfig,
}

#[derive(Debug, Clone)]
pub enum Subcommand {
    Run {
        scripts: Vec<PathBuf>,
    },
    Check {
        scripts: Vec<PathBuf>,
    },
    Watch {
        scripts: Vec<PathBuf>,
        options: WatchOptions,
    },
}

/// How checkpoints are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApproveMode {
    /// `--approve`: approved without asking.
    Auto,
    /// Ask on the terminal.
    Ask,
    /// No terminal and no `--approve`: a checkpoint fails.
    Unavailable,
}

#[derive(Debug, Clone)]
pub struct CommonConfig {
    pub jobs: usize,
    pub fail_fast: bool,
    pub approve: ApproveMode,
    pub vars: Vec<(String, String)>,
    pub filter: Option<String>,
    pub format: Format,
    pub host: Option<String>,
    pub allow_paths: Vec<PathBuf>,
}

impl Config {
    pub fn from_arguments(args: Arguments) -> Result<Self, ConfigError> {
        let (subcommand, common) = match args.command {
            Command::Run { scripts, common } => (
                Subcommand::Run {
                    scripts: default_scripts(scripts)?,
                },
                common,
            ),
            Command::Watch {
                scripts,
                common,
                debounce,
                clear,
            } => (
                Subcommand::Watch {
                    scripts: default_scripts(scripts)?,
                    options: WatchOptions {
                        debounce: std::time::Duration::from_millis(debounce),
                        clear,
                    },
                },
                common,
            ),
            Command::Check { scripts, common } => (
                Subcommand::Check {
                    scripts: default_scripts(scripts)?,
                },
                common,
            ),
        };
        Ok(Self {
            subcommand,
            common: CommonConfig::from_args(common)?,
        })
    }
}

impl CommonConfig {
    fn from_args(args: CommonArgs) -> Result<Self, ConfigError> {
        if args.jobs == 0 {
            return Err(ConfigError::ZeroJobs);
        }
        let vars = args
            .vars
            .iter()
            .map(|given| match given.split_once('=') {
                Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
                _ => Err(ConfigError::BadVar {
                    given: given.clone(),
                }),
            })
            .collect::<Result<_, _>>()?;
        let approve = if args.approve {
            ApproveMode::Auto
        } else if std::io::stdin().is_terminal() {
            ApproveMode::Ask
        } else {
            ApproveMode::Unavailable
        };
        Ok(Self {
            jobs: args.jobs,
            fail_fast: args.fail_fast,
            approve,
            vars,
            filter: args.filter.filter(|f| !f.is_empty()),
            format: args.format,
            host: args.host.filter(|h| !h.is_empty()),
            allow_paths: args.allow_paths,
        })
    }
}

fn default_scripts(scripts: Vec<PathBuf>) -> Result<Vec<PathBuf>, ConfigError> {
    if !scripts.is_empty() {
        return Ok(scripts);
    }
    let default = PathBuf::from(DEFAULT_SCRIPT);
    if default.exists() {
        Ok(vec![default])
    } else {
        Err(ConfigError::NoScript {
            default: DEFAULT_SCRIPT.to_owned(),
        })
    }
}
