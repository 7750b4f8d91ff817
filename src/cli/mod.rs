//! The command line: clap structs that only parse ([`Arguments`]), and the
//! domain configuration built from them ([`Config`]).

mod args;
mod config;

pub use args::{Arguments, Command, CommonArgs, Format};
pub use config::{ApproveMode, CommonConfig, Config, Subcommand};
