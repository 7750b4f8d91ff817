//! The command line: clap structs that only parse ([`Arguments`]), and the
//! domain configuration built from them ([`Config`]).

mod args;
mod config;
mod engine_spec;

pub use args::{
    Annotations, ApprovalsCommand, Arguments, CiArgs, ColorChoice, Command, CommonArgs, Format,
};
pub use config::{
    ApproveMode, CiConfig, CommonConfig, Config, ReportFile, ReportKind, Subcommand, DEFAULT_LEDGER,
};
pub use engine_spec::{EngineEndpoint, EngineSpec, DEFAULT_ENGINE};
