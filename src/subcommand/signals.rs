//! Ctrl-C (SIGINT), SIGTERM and SIGHUP stop a run alike: the first cancels
//! everything, the containers are removed and the report printed, and the
//! process exits with 128 + the signal's number; a second quits at once.

use std::io;
use std::sync::Arc;

use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio_util::sync::CancellationToken;

use crate::engine::Engines;
use crate::runner::{Interruption, StopSignal};

/// The three signals, listened to from the moment this is made.
pub struct Signals {
    interrupt: Signal,
    terminate: Signal,
    hang_up: Signal,
}

impl Signals {
    /// Listens from now on (call it inside the runtime: `rt.enter()`), so
    /// that no signal meets the default action, which kills at once.
    pub fn listen() -> io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
            hang_up: signal(SignalKind::hangup())?,
        })
    }

    /// The next signal to come.
    pub async fn next(&mut self) -> StopSignal {
        tokio::select! {
            _ = self.interrupt.recv() => StopSignal::Interrupt,
            _ = self.terminate.recv() => StopSignal::Terminate,
            _ = self.hang_up.recv() => StopSignal::HangUp,
        }
    }
}

/// What a run prints when a signal stops it.
pub fn stopping_message(signal: StopSignal) -> String {
    let again = match signal {
        StopSignal::Interrupt => "Ctrl-C again",
        StopSignal::Terminate | StopSignal::HangUp => "a second signal",
    };
    format!(
        "\n{}: stopping and removing containers ({again} to quit at once)",
        signal.reason()
    )
}

/// `shakedown run`: the first signal is recorded in `interruption`,
/// cancels the run and hurries its cleanup; a second exits at once with its
/// code.
pub fn stop_run_on_signals(
    rt: &tokio::runtime::Runtime,
    cancel: CancellationToken,
    interruption: Arc<Interruption>,
    engines: Arc<Engines>,
) -> io::Result<()> {
    let mut signals = {
        let _inside = rt.enter();
        Signals::listen()?
    };
    rt.spawn(async move {
        let first = signals.next().await;
        interruption.fire(first);
        cancel.cancel();
        engines.hurry_cleanup();
        eprintln!("{}", stopping_message(first));
        let second = signals.next().await;
        std::process::exit(i32::from(second.exit() as u8));
    });
    Ok(())
}
