//! Image references as the docker CLI reads them: `[registry/]path[:tag][@digest]`,
//! where the first part of the path is a registry when it has a `.` or a
//! `:` or is `localhost`, and Docker Hub (`docker.io`, official images under
//! `library/`) otherwise.

use std::fmt;

/// Docker Hub, as references name it.
pub const DOCKER_HUB: &str = "docker.io";

/// The key the docker CLI files Docker Hub's credentials under in
/// `config.json` (`docker login` with no registry writes it).
pub const DOCKER_HUB_AUTH_KEY: &str = "https://index.docker.io/v1/";

/// A parsed image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io`, or a host with an optional port (`127.0.0.1:5000`).
    pub registry: String,
    /// The repository path in the registry (`library/busybox`, `team/app`).
    pub path: String,
    pub tag: Option<String>,
    /// `sha256:…`
    pub digest: Option<String>,
}

/// Why a text is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reference:?} is not an image reference: {reason}")]
pub struct ReferenceError {
    pub reference: String,
    pub reason: &'static str,
}

impl Reference {
    pub fn parse(text: &str) -> Result<Self, ReferenceError> {
        let bad = |reason| ReferenceError {
            reference: text.to_owned(),
            reason,
        };
        if text.is_empty() {
            return Err(bad("it is empty"));
        }
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => {
                let Some((algorithm, hex)) = digest.split_once(':') else {
                    return Err(bad("a digest reads `@sha256:<64 hex digits>`"));
                };
                if algorithm != "sha256"
                    || hex.len() != 64
                    || !hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                {
                    return Err(bad("a digest reads `@sha256:<64 hex digits>`"));
                }
                (rest, Some(digest.to_owned()))
            }
            None => (text, None),
        };
        let (name, tag) = match rest.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, Some(tag.to_owned())),
            _ => (rest, None),
        };
        if let Some(tag) = &tag {
            let first_ok = tag
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if !first_ok
                || tag.len() > 128
                || !tag
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            {
                return Err(bad(
                    "a tag is 1 to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`",
                ));
            }
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, path))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first != first.to_lowercase() =>
            {
                (first.to_owned(), path.to_owned())
            }
            _ => (DOCKER_HUB.to_owned(), name.to_owned()),
        };
        let registry = if registry == "index.docker.io" {
            DOCKER_HUB.to_owned()
        } else {
            registry
        };
        let path = if registry == DOCKER_HUB && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
                && c.ends_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
                && c.chars().all(|ch| {
                    ch.is_ascii_lowercase() || ch.is_ascii_digit() || matches!(ch, '.' | '_' | '-')
                })
        };
        if !path.split('/').all(component_ok) {
            return Err(bad(
                "a repository name is lowercase letters, digits and `.`, `_`, `-` between them, in parts split by `/`",
            ));
        }
        Ok(Self {
            registry,
            path,
            tag,
            digest,
        })
    }

    /// The repository with its registry, as the engine names it
    /// (`127.0.0.1:5000/team/app`, `docker.io/library/busybox`).
    pub fn repository(&self) -> String {
        format!("{}/{}", self.registry, self.path)
    }

    /// What the engine pulls or pushes: the digest if there is one, else
    /// the tag, else `latest` (a pull never means every tag).
    pub fn tag_or_digest(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The `config.json` key of this registry's credentials, as the docker
    /// CLI looks them up.
    pub fn auth_key(&self) -> &str {
        if self.registry == DOCKER_HUB {
            DOCKER_HUB_AUTH_KEY
        } else {
            &self.registry
        }
    }
}

/// The familiar form, as `docker images` shows it: no `docker.io/` and no
/// `library/` for Docker Hub, `latest` when no tag was given.
impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.registry == DOCKER_HUB {
            f.write_str(self.path.strip_prefix("library/").unwrap_or(&self.path))?;
        } else {
            write!(f, "{}/{}", self.registry, self.path)?;
        }
        match (&self.tag, &self.digest) {
            (_, Some(digest)) => {
                if let Some(tag) = &self.tag {
                    write!(f, ":{tag}")?;
                }
                write!(f, "@{digest}")
            }
            (Some(tag), None) => write!(f, ":{tag}"),
            (None, None) => f.write_str(":latest"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Reference {
        Reference::parse(text).unwrap()
    }

    #[test]
    fn docker_hub_is_the_registry_when_the_first_part_is_not_a_host() {
        let r = parse("busybox");
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.path, "library/busybox");
        assert_eq!(r.tag_or_digest(), "latest");
        assert_eq!(r.auth_key(), "https://index.docker.io/v1/");
        assert_eq!(r.to_string(), "busybox:latest");
        let r = parse("nvidia/cuda:12.1.0");
        assert_eq!(r.repository(), "docker.io/nvidia/cuda");
        assert_eq!(r.to_string(), "nvidia/cuda:12.1.0");
        assert_eq!(
            parse("index.docker.io/library/python:3.11").to_string(),
            "python:3.11"
        );
    }

    #[test]
    fn a_first_part_with_a_dot_a_port_or_localhost_is_a_registry() {
        let r = parse("127.0.0.1:5000/team/app:1.2");
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.path, "team/app");
        assert_eq!(r.tag.as_deref(), Some("1.2"));
        assert_eq!(r.auth_key(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "127.0.0.1:5000/team/app");
        assert_eq!(parse("ghcr.io/a/b").registry, "ghcr.io");
        assert_eq!(parse("localhost/app").registry, "localhost");
        assert_eq!(parse("localhost:5000/app").tag, None);
    }

    #[test]
    fn a_digest_is_pulled_by_digest() {
        let digest = format!("sha256:{}", "ab".repeat(32));
        let r = parse(&format!("127.0.0.1:5000/app@{digest}"));
        assert_eq!(r.digest.as_deref(), Some(digest.as_str()));
        assert_eq!(r.tag_or_digest(), digest);
        assert_eq!(r.to_string(), format!("127.0.0.1:5000/app@{digest}"));
    }

    #[test]
    fn what_is_not_a_reference_says_why() {
        for text in ["", "App:1", "app:-x", "app@sha256:12", "a//b", "app:"] {
            assert!(Reference::parse(text).is_err(), "{text}");
        }
    }
}
