//! The one-line progress display on a terminal: what is building, which
//! step, how many checks run. Redrawn on events, erased before any other
//! output.

use std::io::Write;

#[derive(Debug, Default)]
pub struct Progress {
    shown: bool,
    width: usize,
}

impl Progress {
    pub fn new(width: usize) -> Self {
        Self {
            shown: false,
            width,
        }
    }

    /// Replaces the status line.
    pub fn show(&mut self, text: &str) {
        let mut line: String = text.chars().take(self.width.saturating_sub(1)).collect();
        if line.len() < text.len() {
            line.pop();
            line.push('…');
        }
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.shown = true;
    }

    /// Erases the status line, if one is shown.
    pub fn clear(&mut self) {
        if self.shown {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.shown = false;
        }
    }
}
