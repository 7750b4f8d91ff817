//! What a registry answered, as far as the engine's message tells.
//!
//! The engine reports a failed pull or push as text only (no code), so the
//! answer is read from the marks Docker's registry client and Go's network
//! stack put in it: `dial tcp`, `no such host`, `connection refused`,
//! `i/o timeout` (unreachable), `manifest unknown`, `not found` (no such
//! image), `unauthorized`, `no basic auth credentials` (no access), and
//! Docker Hub's `pull access denied … does not exist or may require
//! 'docker login'` (either).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// No answer: no network, no such host, nothing listening.
    Unreachable,
    /// It has no image of that name or tag.
    Unknown,
    /// It wants credentials the engine was not given, or refused those it was.
    Unauthorised,
    /// Docker Hub's answer for both of the above.
    UnknownOrUnauthorised,
}

impl Answer {
    /// Reads the engine's message; `None` when it is not about a registry.
    pub fn of(message: &str) -> Option<Self> {
        let m = message.to_lowercase();
        let any = |marks: &[&str]| marks.iter().any(|mark| m.contains(mark));
        if any(&["pull access denied"]) {
            Some(Self::UnknownOrUnauthorised)
        } else if any(&[
            "unauthorized",
            "no basic auth credentials",
            "authentication required",
            "denied:",
        ]) {
            Some(Self::Unauthorised)
        } else if any(&[
            "manifest unknown",
            "name unknown",
            "not found: manifest",
            "repository does not exist",
        ]) || (m.contains("manifest for") && m.contains("not found"))
            // BuildKit: "127.0.0.1:5000/x:1: not found".
            || m.trim_end().ends_with(": not found")
        {
            Some(Self::Unknown)
        } else if any(&[
            "dial tcp",
            "no such host",
            "connection refused",
            "i/o timeout",
            "tls handshake timeout",
            "network is unreachable",
            "request canceled while waiting for connection",
            "client.timeout exceeded",
        ]) {
            Some(Self::Unreachable)
        } else {
            None
        }
    }
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unreachable => "the registry cannot be reached",
            Self::Unknown => "the registry has no such image",
            Self::Unauthorised => "the registry refuses access without credentials",
            Self::UnknownOrUnauthorised => {
                "the registry has no such image, or refuses access without credentials"
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_answer_is_read_from_the_engine_message() {
        let cases = [
            ("Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host", Answer::Unreachable),
            ("Get \"http://127.0.0.1:5001/v2/\": dial tcp 127.0.0.1:5001: connect: connection refused", Answer::Unreachable),
            ("manifest unknown", Answer::Unknown),
            ("manifest for 127.0.0.1:5000/nonexist:1 not found: manifest unknown: manifest unknown", Answer::Unknown),
            ("Head \"http://127.0.0.1:5000/v2/nope/manifests/1\": no basic auth credentials", Answer::Unauthorised),
            ("unauthorized: authentication required", Answer::Unauthorised),
            ("pull access denied for nope, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", Answer::UnknownOrUnauthorised),
        ];
        for (message, answer) in cases {
            assert_eq!(Answer::of(message), Some(answer), "{message}");
        }
        assert_eq!(
            Answer::of("COPY failed: file not found in build context"),
            None
        );
        assert_eq!(
            Answer::of("The command '/bin/sh -c false' returned a non-zero code: 1"),
            None
        );
    }
}
