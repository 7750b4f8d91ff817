use std::fmt;

use rhai::ImmutableString;

use crate::engine::RunOutput;

/// What `img.run(…)` and `c.exec(…)` return.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub exit_code: i64,
    pub stdout: ImmutableString,
    pub stderr: ImmutableString,
    /// stdout with surrounding whitespace trimmed.
    pub out: ImmutableString,
    /// How many bytes each stream had (more than kept when truncated).
    pub stdout_bytes: u64,
    pub stderr_bytes: u64,
    /// Whether bytes of either stream were left out (`max_output`).
    pub truncated: bool,
    pub timed_out: bool,
    pub duration: f64,
}

impl RunResult {
    /// Exit code 0 and not timed out.
    pub fn ok(&self) -> bool {
        self.exit_code == 0 && !self.timed_out
    }
}

impl From<RunOutput> for RunResult {
    fn from(output: RunOutput) -> Self {
        let stdout: ImmutableString = output.stdout.text.into();
        let trimmed = stdout.trim();
        // Shares stdout's string when there is nothing to trim.
        let out = if trimmed.len() == stdout.len() {
            stdout.clone()
        } else {
            trimmed.into()
        };
        Self {
            exit_code: output.exit_code,
            out,
            stdout,
            stderr: output.stderr.text.into(),
            stdout_bytes: output.stdout.bytes,
            stderr_bytes: output.stderr.bytes,
            truncated: output.stdout.truncated || output.stderr.truncated,
            timed_out: output.timed_out,
            duration: output.duration.as_secs_f64(),
        }
    }
}

impl fmt::Display for RunResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.timed_out {
            return write!(f, "RunResult(timed out after {:.1}s)", self.duration);
        }
        write!(
            f,
            "RunResult(exit {}, out {}",
            self.exit_code,
            short(&self.out)
        )?;
        if !self.stderr.trim().is_empty() {
            write!(f, ", stderr {}", short(self.stderr.trim()))?;
        }
        if self.truncated {
            write!(
                f,
                ", truncated: {} + {} bytes",
                self.stdout_bytes, self.stderr_bytes
            )?;
        }
        f.write_str(")")
    }
}

/// A text quoted, its start only when it is long.
fn short(text: &str) -> String {
    const LONG: usize = 200;
    match text.char_indices().nth(LONG) {
        None => format!("{text:?}"),
        Some((cut, _)) => format!("{:?}… ({} bytes)", &text[..cut], text.len()),
    }
}
