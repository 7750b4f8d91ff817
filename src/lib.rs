//! shakedown runs container-image verification checklists written as Rhai
//! scripts against a real Docker Engine.
//!
//! The flow: [`cli`] parses arguments into a config, a [`subcommand`] compiles
//! the scripts with the Rhai [`host`], the [`runner`] executes them and emits
//! [`runner::Event`]s that [`report`]ers consume; primitives reach the Docker
//! Engine through the [`engine`] adapter and read files with [`static_read`];
//! [`watch`] reruns what a change affects; [`http`] sends the HTTP requests
//! scripts make to the services they start.

pub mod api;
pub mod app;
pub mod approvals;
pub mod cli;
pub mod engine;
pub mod error;
pub mod fault;
pub mod host;
pub mod http;
pub mod init;
pub mod lint;
pub mod report;
pub mod runner;
pub mod static_read;
pub mod subcommand;
pub mod watch;
