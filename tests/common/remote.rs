//! The remote engines tests/setup-remote-engines.sh starts: where it keeps
//! their certificates and ssh files.

use std::path::PathBuf;

/// `$SHAKEDOWN_REMOTE`, else /var/lib/shakedown-remote; fails the test
/// with what to run when the set-up has not been done.
pub fn dir() -> PathBuf {
    let dir = PathBuf::from(
        std::env::var("SHAKEDOWN_REMOTE").unwrap_or_else(|_| "/var/lib/shakedown-remote".into()),
    );
    assert!(
        dir.join("tls/client/ca.pem").is_file() && dir.join("ssh/bin/ssh").is_file(),
        "the remote engines are not set up: run `bash tests/setup.sh` (or tests/setup-remote-engines.sh)"
    );
    dir
}

/// DOCKER_CERT_PATH for the TLS engine: the client's ca.pem, cert.pem, key.pem.
pub fn client_certs() -> PathBuf {
    dir().join("tls/client")
}

/// The engine side's certificates (for a TLS engine of a test's own).
pub fn server_certs() -> PathBuf {
    dir().join("tls/server")
}
