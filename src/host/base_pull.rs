//! A build that failed at a `FROM` because the engine could not pull the
//! base image: the instruction is fine, so the diagnostic says what the
//! registry answered and how to get the image into the engine.
//!
//! The classic builder reports a failed pull as text only (no code), so
//! the registry's answer is read from the marks Docker's registry client
//! and Go's network stack put in it: `dial tcp`, `no such host`,
//! `connection refused`, `i/o timeout` (unreachable), `manifest unknown`,
//! `not found` (no such image), `unauthorized`, `no basic auth credentials`
//! (no access), and Docker Hub's `pull access denied … does not exist or
//! may require 'docker login'` (either).

use std::fmt;

use crate::error::{FileSpan, Thrown, ThrownKind};
use crate::static_read::dockerfile::{Dockerfile, Instruction};

/// What the registry answered, as far as the engine's message tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// No answer: no network, no such host, nothing listening.
    Unreachable,
    /// It has no image of that name or tag.
    Unknown,
    /// It wants credentials the engine does not have.
    Unauthorised,
    /// Docker Hub's answer for both of the above.
    UnknownOrUnauthorised,
}

impl Answer {
    /// Reads the engine's message; `None` when it is not about a pull.
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

    fn code(self) -> &'static str {
        match self {
            Self::Unreachable => "shakedown::build::base_unreachable",
            Self::Unknown => "shakedown::build::base_unknown",
            Self::Unauthorised | Self::UnknownOrUnauthorised => {
                "shakedown::build::base_unauthorised"
            }
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

/// The diagnostic of a `FROM` whose base image could not be pulled.
/// `args` are the build args the script passed (they override ARG
/// defaults in the FROM line).
pub fn failure(
    dockerfile: &Dockerfile,
    name: &str,
    from: &Instruction,
    answer: Answer,
    engine_message: &str,
    args: &[(String, String)],
) -> Thrown {
    let written = from.args.split_whitespace().next().unwrap_or_default();
    let (base, used_args) = expand(dockerfile, written, args);
    let mut help = match answer {
        Answer::Unreachable => format!(
            "get the base image into this engine: `docker pull {base}` where there is a network, or \
             `docker save {base}` on a machine that has it and `docker load` here"
        ),
        Answer::Unknown => format!(
            "check the image's name and tag ({base}); if it exists only on another machine, \
             `docker save {base}` there and `docker load` here"
        ),
        Answer::Unauthorised | Answer::UnknownOrUnauthorised => format!(
            "check the name ({base}); for a private image, `docker login {}` as the engine's user \
             and build again, or `docker save {base}` where it is pulled and `docker load` here",
            registry(&base)
        ),
    };
    match used_args.as_slice() {
        [] => help.push_str("; or change this FROM to a base the engine has"),
        names => {
            let examples: Vec<String> = names.iter().map(|n| format!("{n}: \"…\"")).collect();
            help.push_str(&format!(
                "; or build from a base the engine has: build(#{{ …, args: #{{ {} }} }})",
                examples.join(", ")
            ));
        }
    }
    Thrown::new(
        ThrownKind::Failure,
        answer.code(),
        format!("the base image {base} cannot be pulled: {answer} ({engine_message})"),
    )
    .help(help)
    .label("this build needs a base image the engine cannot pull")
    .span(FileSpan {
        name: name.to_owned(),
        text: dockerfile.source.clone().into(),
        offset: from.span.start,
        len: from.span.len(),
        label: format!("{base}: {answer}"),
    })
}

/// The FROM image with ARGs substituted as Docker substitutes them (build
/// args first, then the defaults of the ARGs before the first FROM), and
/// the names of the ARGs it uses.
fn expand(
    dockerfile: &Dockerfile,
    written: &str,
    args: &[(String, String)],
) -> (String, Vec<String>) {
    let mut values: Vec<(String, String)> = dockerfile
        .instructions
        .iter()
        .take_while(|i| i.kind != "FROM")
        .filter(|i| i.kind == "ARG")
        .filter_map(|i| {
            let (name, value) = i.args.split_once('=')?;
            Some((
                name.trim().to_owned(),
                value.trim().trim_matches('"').to_owned(),
            ))
        })
        .collect();
    for (name, value) in args {
        values.retain(|(n, _)| n != name);
        values.push((name.clone(), value.clone()));
    }
    let mut text = written.to_owned();
    let mut used = Vec::new();
    for (name, value) in &values {
        let (braced, bare) = (format!("${{{name}}}"), format!("${name}"));
        if text.contains(&braced) || text.contains(&bare) {
            used.push(name.clone());
            text = text.replace(&braced, value).replace(&bare, value);
        }
    }
    (text, used)
}

/// The registry part of an image reference (`docker.io` when it has none).
/// The `FROM` whose image (its build args expanded) is `image`, as
/// BuildKit names an image it could not load (`docker.io/library/x:latest`
/// for `x`).
pub fn from_naming<'a>(
    dockerfile: &'a Dockerfile,
    image: &str,
    args: &[(String, String)],
) -> Option<&'a Instruction> {
    let normal = |reference: &str| {
        let reference = reference
            .strip_prefix("docker.io/library/")
            .or_else(|| reference.strip_prefix("docker.io/"))
            .unwrap_or(reference);
        let last = reference.rsplit('/').next().unwrap_or(reference);
        if last.contains([':', '@']) {
            reference.to_owned()
        } else {
            format!("{reference}:latest")
        }
    };
    let wanted = normal(image);
    dockerfile
        .instructions
        .iter()
        .filter(|i| i.kind == "FROM")
        .find(|i| {
            let written = i.args.split_whitespace().next().unwrap_or_default();
            normal(&expand(dockerfile, written, args).0) == wanted
        })
}

fn registry(reference: &str) -> &str {
    match reference.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => first,
        _ => "docker.io",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_answer_is_read_from_the_engine_message() {
        let cases = [
            ("Get \"https://registry-1.docker.io/v2/\": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: no such host", Answer::Unreachable),
            ("Get \"http://127.0.0.1:1/v2/\": dial tcp 127.0.0.1:1: connect: connection refused", Answer::Unreachable),
            ("manifest unknown", Answer::Unknown),
            ("manifest for python:3.99 not found: manifest unknown: manifest unknown", Answer::Unknown),
            ("Head \"http://127.0.0.1:5992/v2/nope/manifests/1\": no basic auth credentials", Answer::Unauthorised),
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

    #[test]
    fn build_args_override_arg_defaults_in_the_from_line() {
        let df = Dockerfile::parse(
            std::path::Path::new("Dockerfile"),
            "ARG BASE_IMAGE=python:3.11-slim\nFROM ${BASE_IMAGE} AS app\n".into(),
        )
        .unwrap();
        assert_eq!(
            expand(&df, "${BASE_IMAGE}", &[]),
            ("python:3.11-slim".to_owned(), vec!["BASE_IMAGE".to_owned()])
        );
        let args = [("BASE_IMAGE".to_owned(), "local/python:3.11".to_owned())];
        assert_eq!(expand(&df, "${BASE_IMAGE}", &args).0, "local/python:3.11");
        assert_eq!(
            expand(&df, "debian:12", &args),
            ("debian:12".to_owned(), vec![])
        );
    }

    #[test]
    fn the_registry_of_a_reference() {
        assert_eq!(registry("python:3.11"), "docker.io");
        assert_eq!(registry("nvidia/cuda:12.1.0"), "docker.io");
        assert_eq!(registry("127.0.0.1:5000/x:1"), "127.0.0.1:5000");
        assert_eq!(registry("ghcr.io/a/b"), "ghcr.io");
    }
}
