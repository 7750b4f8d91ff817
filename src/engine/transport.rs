//! How shakedown connects to an engine (bollard's own transports: a unix
//! socket, HTTP, HTTPS with client certificates, SSH), and what a failed
//! connection means, in words: the HTTP client's own message ("Error in
//! the hyper legacy client: client error (Connect)") says only that
//! something failed. The meaning comes from the I/O error underneath it
//! (its kind, not its text).

use std::error::Error;
use std::io::ErrorKind;

use bollard::{Docker, API_DEFAULT_VERSION};

use super::endpoint::{Endpoint, Scheme};
use crate::error::EngineError;

/// bollard's own read/write timeout, in seconds; shakedown's deadlines
/// (`deadline.rs`) are shorter and replace it.
const BOLLARD_TIMEOUT: u64 = 120;

/// A bollard client for the endpoint: nothing is sent yet.
pub fn client(endpoint: &Endpoint) -> Result<Docker, EngineError> {
    let url = endpoint.url.as_str();
    let made = match (endpoint.scheme(), &endpoint.tls) {
        (Scheme::Unix, _) => Docker::connect_with_unix(url, BOLLARD_TIMEOUT, API_DEFAULT_VERSION),
        (Scheme::Tcp | Scheme::Https, Some(tls)) => {
            for file in [tls.ca(), tls.cert(), tls.key()] {
                if !file.is_file() {
                    return Err(
                        endpoint.unreachable(format!("its TLS file {} is missing", file.display()))
                    );
                }
            }
            Docker::connect_with_ssl(
                url,
                &tls.key(),
                &tls.cert(),
                &tls.ca(),
                BOLLARD_TIMEOUT,
                API_DEFAULT_VERSION,
            )
        }
        (Scheme::Tcp, None) => Docker::connect_with_http(url, BOLLARD_TIMEOUT, API_DEFAULT_VERSION),
        // `from_url` gives every https:// endpoint its TLS files.
        (Scheme::Https, None) => {
            return Err(endpoint.bad_host("https:// needs TLS files (DOCKER_CERT_PATH)"))
        }
        (Scheme::Ssh, _) => {
            Docker::connect_with_ssh(url, BOLLARD_TIMEOUT, API_DEFAULT_VERSION, None)
        }
    };
    made.map_err(|err| match err {
        bollard::errors::Error::SocketNotFoundError(path) => {
            endpoint.unreachable(format!("there is no socket at {path}"))
        }
        bollard::errors::Error::CertPathError { path } => {
            endpoint.unreachable(format!("cannot read the TLS file {}", path.display()))
        }
        bollard::errors::Error::CertParseError { path } => {
            endpoint.unreachable(format!("the TLS file {} is not PEM", path.display()))
        }
        other => endpoint.bad_host(other.to_string()),
    })
}

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
            // An I/O error of no kind may wrap one that has one (a TLS
            // handshake's, under the connector's).
            let deeper = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<std::io::Error>())
                .filter(|_| io.kind() == ErrorKind::Other);
            let io = deeper.unwrap_or(io);
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
        // What rustls reports a failed handshake as: a certificate one side
        // does not trust, an alert from the other.
        ErrorKind::InvalidData => "the TLS handshake failed",
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
    fn a_failed_tls_handshake_under_the_connectors_error_says_so() {
        let tls = std::io::Error::new(
            ErrorKind::InvalidData,
            "invalid peer certificate: UnknownIssuer",
        );
        let err = Wrapper(Box::new(std::io::Error::other(tls)));
        assert_eq!(
            meaning(&err).as_deref(),
            Some("the TLS handshake failed (invalid peer certificate: UnknownIssuer)")
        );
    }

    #[test]
    fn an_error_without_an_io_cause_has_no_meaning_here() {
        let err = Wrapper(Box::new(std::fmt::Error));
        assert_eq!(meaning(&err), None);
    }
}
