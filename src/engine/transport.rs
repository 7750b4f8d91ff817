//! What a failed connection to the engine means, in words: the HTTP
//! client's own message ("Error in the hyper legacy client: client error
//! (Connect)") says only that something failed. The meaning comes from the
//! I/O error underneath it (its kind, not its text).

use std::error::Error;
use std::io::ErrorKind;

/// "nothing accepts connections there (connection refused)", or `None`
/// when the error has no I/O cause (an HTTP-level answer).
pub fn meaning(err: &(dyn Error + 'static)) -> Option<String> {
    let mut source: Option<&(dyn Error + 'static)> = Some(err);
    let mut lookup = false;
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if lookup {
                return Some(format!("the host name does not resolve ({io})"));
            }
            return Some(of_io(io.kind(), &io.to_string()));
        }
        // hyper-util's connector names a failed name lookup "dns error";
        // the I/O error under it has no kind of its own for that.
        lookup |= cause.to_string() == "dns error";
        source = cause.source();
    }
    None
}

fn of_io(kind: ErrorKind, detail: &str) -> String {
    let meaning = match kind {
        ErrorKind::ConnectionRefused => "nothing accepts connections there",
        ErrorKind::NotFound => "there is no socket at that path",
        ErrorKind::PermissionDenied => {
            "this user may not use that socket (add it to the `docker` group, or use sudo)"
        }
        ErrorKind::TimedOut => "the connection timed out: the host does not answer",
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            "the engine closed the connection"
        }
        ErrorKind::UnexpectedEof => "the connection ended before the engine answered",
        ErrorKind::AddrNotAvailable
        | ErrorKind::HostUnreachable
        | ErrorKind::NetworkUnreachable => "the host cannot be reached from here",
        _ => "the connection failed",
    };
    format!("{meaning} ({detail})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(Box<dyn Error + Send + Sync>);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Error in the hyper legacy client: client error (Connect)")
        }
    }

    impl Error for Wrapper {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(self.0.as_ref())
        }
    }

    #[test]
    fn a_refused_connection_says_nothing_listens() {
        let io = std::io::Error::new(
            ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        );
        let err = Wrapper(Box::new(io));
        assert_eq!(
            meaning(&err).as_deref(),
            Some("nothing accepts connections there (Connection refused (os error 111))")
        );
    }

    #[test]
    fn an_error_without_an_io_cause_has_no_meaning_here() {
        let err = Wrapper(Box::new(std::fmt::Error));
        assert_eq!(meaning(&err), None);
    }
}
