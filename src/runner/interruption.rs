//! A run stopped from outside: Ctrl-C (SIGINT), SIGTERM (CI cancelling a
//! job, `timeout`, `docker stop`) or SIGHUP (the terminal went away). Each
//! stops the run the same way: cancel, remove the containers, report.

use std::sync::atomic::{AtomicU8, Ordering};

use serde::Serialize;

use crate::error::Exit;

/// The signal that stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StopSignal {
    #[serde(rename = "SIGINT")]
    Interrupt,
    #[serde(rename = "SIGTERM")]
    Terminate,
    #[serde(rename = "SIGHUP")]
    HangUp,
}

impl StopSignal {
    /// 128 + the signal's number, as shells report a process it ended.
    pub fn exit(self) -> Exit {
        match self {
            Self::Interrupt => Exit::Interrupted,
            Self::Terminate => Exit::Terminated,
            Self::HangUp => Exit::HungUp,
        }
    }

    /// Why the run's unfinished checks did not finish.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Interrupt => "interrupted",
            Self::Terminate => "terminated (SIGTERM)",
            Self::HangUp => "hung up (SIGHUP)",
        }
    }

    fn code(self) -> u8 {
        match self {
            Self::Interrupt => 1,
            Self::Terminate => 2,
            Self::HangUp => 3,
        }
    }

    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Interrupt),
            2 => Some(Self::Terminate),
            3 => Some(Self::HangUp),
            _ => None,
        }
    }
}

/// Which signal stopped the run, if one did; the first one counts.
#[derive(Debug, Default)]
pub struct Interruption(AtomicU8);

impl Interruption {
    /// Records `signal`; `false` when the run was already stopped by one.
    pub fn fire(&self, signal: StopSignal) -> bool {
        self.0
            .compare_exchange(0, signal.code(), Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    pub fn signal(&self) -> Option<StopSignal> {
        StopSignal::from_code(self.0.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_signal_counts() {
        let interruption = Interruption::default();
        assert_eq!(interruption.signal(), None);
        assert!(interruption.fire(StopSignal::Terminate));
        assert!(!interruption.fire(StopSignal::Interrupt));
        assert_eq!(interruption.signal(), Some(StopSignal::Terminate));
        assert_eq!(StopSignal::Terminate.exit() as u8, 143);
        assert_eq!(StopSignal::HangUp.exit() as u8, 129);
        assert_eq!(StopSignal::Interrupt.exit() as u8, 130);
    }
}
