use std::fmt;

use rhai::ImmutableString;

use crate::engine::RunOutput;

/// What `img.run(…)` returns.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub exit_code: i64,
    pub stdout: ImmutableString,
    pub stderr: ImmutableString,
    /// stdout with surrounding whitespace trimmed.
    pub out: ImmutableString,
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
        Self {
            exit_code: output.exit_code,
            out: output.stdout.trim().into(),
            stdout: output.stdout.into(),
            stderr: output.stderr.into(),
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
            "RunResult(exit {}, out {:?}",
            self.exit_code,
            self.out.as_str()
        )?;
        if !self.stderr.trim().is_empty() {
            write!(f, ", stderr {:?}", self.stderr.trim())?;
        }
        f.write_str(")")
    }
}
