//! When to colour output: `--color`, then the conventions of the
//! environment (NO_COLOR, FORCE_COLOR, CLICOLOR_FORCE, CLICOLOR, TERM),
//! then whether the stream is a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::cli::ColorChoice;

/// The choice `--color` made for this process; `auto` until told.
static CHOICE: AtomicU8 = AtomicU8::new(0);

/// Remembers `--color` for every stream the process writes.
pub fn set_choice(choice: ColorChoice) {
    let value = match choice {
        ColorChoice::Auto => 0,
        ColorChoice::Always => 1,
        ColorChoice::Never => 2,
    };
    CHOICE.store(value, Ordering::SeqCst);
}

fn choice() -> ColorChoice {
    match CHOICE.load(Ordering::SeqCst) {
        1 => ColorChoice::Always,
        2 => ColorChoice::Never,
        _ => ColorChoice::Auto,
    }
}

/// Whether stdout gets colour.
pub fn stdout() -> bool {
    resolve(
        choice(),
        |name| std::env::var(name).ok(),
        std::io::stdout().is_terminal(),
    )
}

/// Whether stderr gets colour.
pub fn stderr() -> bool {
    resolve(
        choice(),
        |name| std::env::var(name).ok(),
        std::io::stderr().is_terminal(),
    )
}

/// The rule, as a pure function of the choice, the environment and whether
/// the stream is a terminal. `always` and `never` win; under `auto`:
/// a non-empty NO_COLOR turns colour off (no-color.org), FORCE_COLOR turns
/// it on unless it is empty, `0` or `false` (force-color.org, and Node's
/// reading of `0`/`false`), CLICOLOR_FORCE other than `0` turns it on,
/// CLICOLOR=0 and TERM=dumb turn it off, and otherwise a terminal gets it.
pub fn resolve(choice: ColorChoice, env: impl Fn(&str) -> Option<String>, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => return true,
        ColorChoice::Never => return false,
        ColorChoice::Auto => {}
    }
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    if set("NO_COLOR").is_some() {
        return false;
    }
    if let Some(force) = set("FORCE_COLOR") {
        return !matches!(force.as_str(), "0" | "false");
    }
    if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
        return true;
    }
    if set("CLICOLOR").as_deref() == Some("0") || set("TERM").as_deref() == Some("dumb") {
        return false;
    }
    terminal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)], terminal: bool) -> bool {
        let env = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        };
        resolve(ColorChoice::Auto, env, terminal)
    }

    #[test]
    fn auto_follows_the_terminal() {
        assert!(with(&[], true));
        assert!(!with(&[], false));
    }

    #[test]
    fn no_color_wins_over_every_force() {
        assert!(!with(&[("NO_COLOR", "1"), ("FORCE_COLOR", "1")], true));
        assert!(!with(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")], true));
        assert!(
            with(&[("NO_COLOR", "")], true),
            "an empty NO_COLOR is unset"
        );
    }

    #[test]
    fn force_color_and_clicolor_force_colour_a_pipe() {
        assert!(with(&[("FORCE_COLOR", "1")], false));
        assert!(with(&[("FORCE_COLOR", "3")], false));
        assert!(!with(&[("FORCE_COLOR", "0")], true));
        assert!(!with(&[("FORCE_COLOR", "false")], true));
        assert!(with(&[("CLICOLOR_FORCE", "1")], false));
        assert!(!with(&[("CLICOLOR_FORCE", "0")], false));
    }

    #[test]
    fn clicolor_0_and_a_dumb_terminal_turn_it_off() {
        assert!(!with(&[("CLICOLOR", "0")], true));
        assert!(!with(&[("TERM", "dumb")], true));
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        let env = |_: &str| Some("1".to_owned());
        assert!(resolve(ColorChoice::Always, |_| None, false));
        assert!(!resolve(ColorChoice::Never, env, true));
    }
}
