//! The library's entry point: arguments in, exit code out. Callable more
//! than once (tests do), it keeps no global state.

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Arguments, Config};
use crate::error::{render_error, Exit};

/// Parses `argv`, runs the subcommand and maps the outcome to an exit code.
pub fn main(argv: impl IntoIterator<Item = OsString>) -> ExitCode {
    let argv: Vec<OsString> = argv.into_iter().collect();
    let args = match Arguments::try_parse_from(&argv) {
        Ok(args) => args,
        Err(err) => {
            // clap prints help and version itself; both are successes.
            let _ = err.print();
            return if err.use_stderr() {
                Exit::Usage.into()
            } else {
                Exit::Success.into()
            };
        }
    };
    crate::report::colour::set_choice(args.color());
    let config = match Config::from_arguments(args, &argv) {
        Ok(config) => config,
        Err(err) => {
            render_error(&err, None);
            return Exit::Usage.into();
        }
    };
    config.subcommand.execute(&config.common).into()
}
