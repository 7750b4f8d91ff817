//! `shakedown`: parse the command line and hand over to the library.

fn main() -> std::process::ExitCode {
    shakedown::app::main(std::env::args_os())
}
