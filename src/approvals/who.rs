//! Who is deciding: the OS user, and git's user.name when there is one.

use std::process::{Command, Stdio};

use super::entry::Who;

/// The person running shakedown, as the ledger records them.
pub fn current() -> Who {
    Who {
        user: os_user(),
        git_name: git_name(),
    }
}

fn os_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .or_else(|| output(Command::new("id").arg("-un")))
        .unwrap_or_else(|| "unknown".to_owned())
}

fn git_name() -> Option<String> {
    output(Command::new("git").args(["config", "user.name"]))
}

/// A command's first line of output, when it succeeds with one.
fn output(command: &mut Command) -> Option<String> {
    let out = command
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next()?.trim();
    (!line.is_empty()).then(|| line.to_owned())
}
