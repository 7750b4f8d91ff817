use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::args::{
    Annotations, ApprovalsCommand, Arguments, BuilderChoice, CiArgs, ColorChoice, Command,
    CommonArgs, Format,
};
use crate::error::ConfigError;
use crate::runner::{Partition, Pattern, RunOptions, Selection};
use crate::watch::WatchOptions;

/// The script run when none is named.
pub const DEFAULT_SCRIPT: &str = "scripts/demo.rhai";

/// Where `shakedown defs` writes the definition files unless told.
pub const DEFAULT_DEFS_DIR: &str = "defs";

/// Where checkpoints record their outcomes unless `--approvals` says.
pub const DEFAULT_LEDGER: &str = ".shakedown/approvals.jsonl";

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
        ci: CiConfig,
    },
    Check {
        scripts: Vec<PathBuf>,
    },
    Watch {
        scripts: Vec<PathBuf>,
        options: WatchOptions,
    },
    Defs {
        dir: PathBuf,
    },
    Init {
        dockerfiles: Vec<PathBuf>,
        output: PathBuf,
        force: bool,
    },
    ApprovalsVerify {
        ledger: PathBuf,
    },
    ApprovalsList {
        ledger: PathBuf,
    },
}

/// How checkpoints are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApproveMode {
    /// `--approve`: approved without asking.
    Auto,
    /// Ask on the terminal.
    Ask,
    /// No terminal and no `--approve`: the approvals ledger decides, or the
    /// checkpoint fails.
    Unavailable,
}

#[derive(Debug, Clone)]
pub struct CommonConfig {
    pub jobs: usize,
    pub fail_fast: bool,
    pub approve: ApproveMode,
    pub approvals: PathBuf,
    pub vars: Vec<(String, String)>,
    pub selection: Selection,
    pub format: Format,
    pub color: ColorChoice,
    pub host: Option<String>,
    /// `--engine`: the engines besides `default`.
    pub engines: Vec<super::EngineSpec>,
    pub context: Option<String>,
    pub allow_paths: Vec<PathBuf>,
    pub allow_networks: Vec<String>,
    /// `--builder`.
    pub builder: crate::engine::Builder,
}

/// What `run` writes for CI besides its output.
#[derive(Debug, Clone, Default)]
pub struct CiConfig {
    pub reports: Vec<ReportFile>,
    /// GitHub workflow commands and the step summary.
    pub github: bool,
}

/// `--report KIND=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub kind: ReportKind,
    pub path: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    Junit,
    Json,
}

impl Config {
    /// Checks what clap parsed; `argv` is the command line as given, for
    /// diagnostics that point at an argument.
    pub fn from_arguments(args: Arguments, argv: &[OsString]) -> Result<Self, ConfigError> {
        let command_line = command_line(argv);
        let (subcommand, common) = match args.command {
            Command::Run {
                scripts,
                common,
                ci,
            } => {
                let mut common = CommonConfig::from_args(common, &command_line)?;
                common.selection.partition =
                    ci.partition.as_deref().map(parse_partition).transpose()?;
                let ci = CiConfig::from_args(ci)?;
                (
                    Subcommand::Run {
                        scripts: default_scripts(scripts)?,
                        ci,
                    },
                    common,
                )
            }
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
                CommonConfig::from_args(common, &command_line)?,
            ),
            Command::Check { scripts, color } => (
                Subcommand::Check {
                    scripts: default_scripts(scripts)?,
                },
                CommonConfig::from_args(CommonArgs::inert(color), &command_line)?,
            ),
            Command::Init {
                dockerfiles,
                output,
                force,
                color,
            } => (
                Subcommand::Init {
                    dockerfiles,
                    output,
                    force,
                },
                CommonConfig::from_args(CommonArgs::inert(color), &command_line)?,
            ),
            Command::Defs { dir, color } => (
                Subcommand::Defs {
                    dir: dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DEFS_DIR)),
                },
                CommonConfig::from_args(CommonArgs::inert(color), &command_line)?,
            ),
            Command::Approvals { command, color } => {
                let (subcommand, path) = match command {
                    ApprovalsCommand::Verify { path } => (true, path),
                    ApprovalsCommand::List { path } => (false, path),
                };
                let ledger = path.unwrap_or_else(|| PathBuf::from(DEFAULT_LEDGER));
                let subcommand = if subcommand {
                    Subcommand::ApprovalsVerify { ledger }
                } else {
                    Subcommand::ApprovalsList { ledger }
                };
                let common = CommonConfig::from_args(CommonArgs::inert(color), &command_line)?;
                (subcommand, common)
            }
        };
        Ok(Self { subcommand, common })
    }
}

impl CommonArgs {
    /// The options of a subcommand that runs nothing: only its colour.
    fn inert(color: ColorChoice) -> Self {
        Self {
            jobs: 1,
            fail_fast: false,
            approve: false,
            approvals: None,
            vars: Vec::new(),
            filter: Vec::new(),
            skip: Vec::new(),
            format: Format::Human,
            color,
            allow_paths: Vec::new(),
            allow_networks: Vec::new(),
            host: None,
            engines: Vec::new(),
            context: None,
            builder: BuilderChoice::Auto,
        }
    }
}

impl CommonConfig {
    fn from_args(args: CommonArgs, command_line: &Arc<str>) -> Result<Self, ConfigError> {
        if args.jobs == 0 {
            return Err(ConfigError::ZeroJobs);
        }
        let vars = vars(&args.vars)?;
        let engines = super::engine_spec::parse_all(&args.engines)?;
        if let Some(bad) = args
            .allow_networks
            .iter()
            .find(|n| !crate::host::network_mode::is_valid_allowance(n))
        {
            return Err(ConfigError::BadAllowNetwork { given: bad.clone() });
        }
        let approve = if args.approve {
            ApproveMode::Auto
        } else if std::io::stdin().is_terminal() {
            ApproveMode::Ask
        } else {
            ApproveMode::Unavailable
        };
        let selection = Selection {
            filters: patterns(&args.filter, "--filter", command_line),
            skips: patterns(&args.skip, "--skip", command_line),
            partition: None,
            command_line: Some(Arc::clone(command_line)),
        };
        Ok(Self {
            jobs: args.jobs,
            fail_fast: args.fail_fast,
            approve,
            approvals: args
                .approvals
                .unwrap_or_else(|| PathBuf::from(DEFAULT_LEDGER)),
            vars,
            selection,
            format: args.format,
            color: args.color,
            host: args.host.filter(|h| !h.is_empty()),
            engines,
            context: args.context.filter(|c| !c.is_empty()),
            allow_paths: args.allow_paths,
            allow_networks: args.allow_networks,
            builder: match args.builder {
                BuilderChoice::Auto => crate::engine::Builder::Auto,
                BuilderChoice::BuildKit => crate::engine::Builder::BuildKit,
                BuilderChoice::Classic => crate::engine::Builder::Classic,
            },
        })
    }

    /// The engine to use, chosen as the docker CLI chooses it (`--host`,
    /// `--context`, the environment, the current context, the local
    /// socket).
    pub fn endpoint(&self) -> Result<crate::engine::Endpoint, crate::error::EngineError> {
        crate::engine::endpoint::resolve(
            self.host.as_deref(),
            self.context.as_deref(),
            &crate::engine::endpoint::Environment::of_process(),
        )
    }

    /// The runner's options for one run of these scripts.
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            jobs: self.jobs,
            fail_fast: self.fail_fast,
            approve: self.approve,
            approvals: self.approvals.clone(),
            selection: self.selection.clone(),
            vars: self.vars.clone(),
            allow_paths: self.allow_paths.clone(),
            allow_networks: self.allow_networks.clone(),
            keep: Arc::default(),
            trigger: None,
            settled_at: None,
        }
    }
}

impl CiConfig {
    fn from_args(args: CiArgs) -> Result<Self, ConfigError> {
        let reports = args
            .reports
            .iter()
            .map(|given| parse_report(given))
            .collect::<Result<Vec<_>, _>>()?;
        let github = match args.annotations {
            Some(Annotations::Github) => true,
            Some(Annotations::None) => false,
            None => std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
        };
        Ok(Self { reports, github })
    }
}

fn parse_report(given: &str) -> Result<ReportFile, ConfigError> {
    let bad = || ConfigError::BadReport {
        given: given.to_owned(),
    };
    let (kind, path) = given.split_once('=').ok_or_else(bad)?;
    let kind = match kind.to_ascii_lowercase().as_str() {
        "junit" => ReportKind::Junit,
        "json" => ReportKind::Json,
        _ => return Err(bad()),
    };
    if path.is_empty() {
        return Err(bad());
    }
    Ok(ReportFile {
        kind,
        path: PathBuf::from(path),
    })
}

fn parse_partition(given: &str) -> Result<Partition, ConfigError> {
    let bad = || ConfigError::BadPartition {
        given: given.to_owned(),
    };
    let (index, count) = given.split_once('/').ok_or_else(bad)?;
    let index: usize = index.trim().parse().map_err(|_| bad())?;
    let count: usize = count.trim().parse().map_err(|_| bad())?;
    if count == 0 || index == 0 || index > count {
        return Err(bad());
    }
    Ok(Partition { index, count })
}

/// The command line as one string (arguments with blanks quoted), so a
/// diagnostic can point at an argument.
fn command_line(argv: &[OsString]) -> Arc<str> {
    let words: Vec<String> = argv
        .iter()
        .enumerate()
        .map(|(i, arg)| {
            let text = arg.to_string_lossy();
            let text = if i == 0 {
                Path::new(&*text)
                    .file_name()
                    .map_or(text.to_string(), |n| n.to_string_lossy().into_owned())
            } else {
                text.into_owned()
            };
            quote(&text)
        })
        .collect();
    words.join(" ").into()
}

fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Each `--filter TEXT` (or `--filter=TEXT`) with the place of its text in
/// the command line.
fn patterns(given: &[String], flag: &str, command_line: &str) -> Vec<Pattern> {
    let mut from = 0;
    given
        .iter()
        .filter(|text| !text.is_empty())
        .map(|text| {
            let quoted = quote(text);
            let span = [format!("{flag} {quoted}"), format!("{flag}={quoted}")]
                .iter()
                .filter_map(|needle| {
                    command_line[from..]
                        .find(needle.as_str())
                        .map(|at| (from + at, needle.len()))
                })
                .min();
            if let Some((at, len)) = span {
                from = at + len;
            }
            Pattern::new(text, span)
        })
        .collect()
}

/// `--var KEY=VALUE` pairs, each key once.
fn vars(given: &[String]) -> Result<Vec<(String, String)>, ConfigError> {
    let mut vars: Vec<(String, String)> = Vec::new();
    for pair in given {
        let Some((key, value)) = pair.split_once('=').filter(|(key, _)| !key.is_empty()) else {
            return Err(ConfigError::BadVar {
                given: pair.clone(),
            });
        };
        if vars.iter().any(|(k, _)| k == key) {
            return Err(ConfigError::DuplicateVar {
                key: key.to_owned(),
            });
        }
        vars.push((key.to_owned(), value.to_owned()));
    }
    Ok(vars)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_k_of_n() {
        let p = parse_partition("2/3").ok();
        assert_eq!(p.map(|p| (p.index, p.count)), Some((2, 3)));
        for bad in ["0/3", "4/3", "1/0", "1", "a/b", "1/3/4"] {
            assert!(parse_partition(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn reports_are_kind_equals_path() {
        let report = parse_report("junit=out/junit.xml").ok();
        assert_eq!(
            report,
            Some(ReportFile {
                kind: ReportKind::Junit,
                path: PathBuf::from("out/junit.xml")
            })
        );
        assert!(parse_report("xml=a").is_err());
        assert!(parse_report("junit=").is_err());
        assert!(parse_report("junit").is_err());
    }

    #[test]
    fn filters_know_where_they_are_on_the_command_line() {
        let argv: Vec<OsString> = [
            "/bin/shakedown",
            "run",
            "--filter",
            "GPU image",
            "--filter=x",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        let line = command_line(&argv);
        assert_eq!(&*line, "shakedown run --filter 'GPU image' --filter=x");
        let found = patterns(&["GPU image".into(), "x".into()], "--filter", &line);
        let shown: Vec<&str> = found
            .iter()
            .filter_map(|p| p.span.map(|(at, len)| &line[at..at + len]))
            .collect();
        assert_eq!(shown, ["--filter 'GPU image'", "--filter=x"]);
    }
}
