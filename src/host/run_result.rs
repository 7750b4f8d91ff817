use std::fmt;

use crate::engine::RunOutput;

/// What `img.run(…)` returns.
#[derive(Debug, Clone)]
pub struct RunResult {
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub duration: f64,
}

impl RunResult {
    /// stdout with surrounding whitespace trimmed.
    pub fn out(&self) -> String {
        self.stdout.trim().to_owned()
    }

    /// Exit code 0 and not timed out.
    pub fn ok(&self) -> bool {
        self.exit_code == 0 && !self.timed_out
    }
}

impl From<RunOutput> for RunResult {
    fn from(output: RunOutput) -> Self {
        Self {
            exit_code: output.exit_code,
            stdout: output.stdout,
            stderr: output.stderr,
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
        write!(f, "RunResult(exit {}, out {:?}", self.exit_code, self.out())?;
        if !self.stderr.trim().is_empty() {
            write!(f, ", stderr {:?}", self.stderr.trim())?;
        }
        f.write_str(")")
    }
}
