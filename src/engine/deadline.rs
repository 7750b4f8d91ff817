//! How long shakedown waits for the engine. Every request is bounded: an
//! engine that stops answering (frozen, overloaded, a dead TCP peer) ends
//! the request with an error instead of hanging the run.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::OpError;

/// The longest the engine may take to answer a request (its response
/// headers; a stream that follows, like a container's output, runs under
/// the deadline of whoever reads it).
pub const REQUEST: Duration = Duration::from_secs(60);

/// The first contact with an engine (ping, version, info) before the first
/// task: long enough for an ssh connection to be set up.
pub const FIRST_CONTACT: Duration = Duration::from_secs(15);

/// A build is answered once the engine has read the whole context, which
/// may be large.
pub const BUILD_ANSWER: Duration = Duration::from_secs(15 * 60);

/// The longest a cleanup request (removing a container) may take before it
/// is abandoned and reported as left behind.
pub const CLEANUP: Duration = Duration::from_secs(10);

/// Once a cleanup has been abandoned (the engine does not answer), later
/// ones only wait this long, so a stalled engine costs one `CLEANUP`, not
/// one per container.
pub const CLEANUP_STALLED: Duration = Duration::from_secs(2);

/// After a container has exited, how long its output may still take to
/// arrive (the attach stream normally ends at once).
pub const DRAIN: Duration = Duration::from_secs(2);

/// Runs `request` until `cancel` fires: a timeout, Ctrl-C or `--fail-fast`
/// ends it at once, whatever the engine does.
pub async fn cancellable<T>(
    cancel: &CancellationToken,
    request: impl Future<Output = Result<T, OpError>>,
) -> Result<T, OpError> {
    tokio::select! {
        result = request => result,
        () = cancel.cancelled() => Err(OpError::Cancelled),
    }
}

/// "no answer within 10s" for a request that took longer than `limit`.
pub fn no_answer(limit: Duration) -> String {
    format!(
        "the engine did not answer within {}s (is it frozen or overloaded?)",
        limit.as_secs()
    )
}
