//! `--engine NAME=URL` and `--engine NAME=context:CTX`: the engines of a
//! run besides the one chosen by the usual rules (named `default`).

use crate::error::ConfigError;

/// The name of the engine chosen by `--host`, `DOCKER_HOST`, the context
/// or the local socket.
pub const DEFAULT_ENGINE: &str = "default";

/// One `--engine`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineSpec {
    pub name: String,
    pub endpoint: EngineEndpoint,
}

/// Where a named engine is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEndpoint {
    /// `unix://…`, `tcp://…`, `http(s)://…`, `ssh://…`.
    Url(String),
    /// `context:NAME`: the endpoint of a Docker context.
    Context(String),
}

impl EngineEndpoint {
    /// As the user wrote it, for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Url(url) => url.clone(),
            Self::Context(name) => format!("context:{name}"),
        }
    }
}

/// Parses every `--engine`; names are unique and never `default`.
pub fn parse_all(given: &[String]) -> Result<Vec<EngineSpec>, ConfigError> {
    let mut specs: Vec<EngineSpec> = Vec::new();
    for one in given {
        let spec = parse(one)?;
        if specs.iter().any(|s| s.name == spec.name) {
            return Err(ConfigError::DuplicateEngine { name: spec.name });
        }
        specs.push(spec);
    }
    Ok(specs)
}

fn parse(given: &str) -> Result<EngineSpec, ConfigError> {
    let bad = |reason: &str| ConfigError::BadEngine {
        given: given.to_owned(),
        reason: reason.to_owned(),
    };
    let (name, endpoint) = given
        .split_once('=')
        .ok_or_else(|| bad("it is not NAME=URL or NAME=context:CONTEXT"))?;
    if name == DEFAULT_ENGINE {
        return Err(ConfigError::DefaultEngineNamed {
            given: given.to_owned(),
        });
    }
    if !valid_name(name) {
        return Err(bad(
            "a name is letters, digits, `-`, `_` and `.`, starting with a letter or digit",
        ));
    }
    let endpoint = match endpoint.strip_prefix("context:") {
        Some("") => return Err(bad("the context name is empty")),
        Some(context) => EngineEndpoint::Context(context.to_owned()),
        None if endpoint.contains("://") => EngineEndpoint::Url(endpoint.to_owned()),
        None => return Err(bad(
            "the engine is a URL with a scheme (unix://, tcp://, https://, ssh://) or context:NAME",
        )),
    };
    Ok(EngineSpec {
        name: name.to_owned(),
        endpoint,
    })
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.len() <= 64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_contexts_are_named() {
        let specs = parse_all(&[
            "gpu=tcp://10.0.0.5:2376".to_owned(),
            "arm=context:arm-box".to_owned(),
        ])
        .unwrap();
        assert_eq!(specs[0].name, "gpu");
        assert_eq!(
            specs[0].endpoint,
            EngineEndpoint::Url("tcp://10.0.0.5:2376".into())
        );
        assert_eq!(specs[1].endpoint, EngineEndpoint::Context("arm-box".into()));
        assert_eq!(specs[1].endpoint.describe(), "context:arm-box");
    }

    #[test]
    fn bad_engines_are_refused() {
        for given in [
            "gpu",
            "gpu=localhost:2375",
            "=tcp://x:1",
            "g pu=tcp://x:1",
            "a=context:",
        ] {
            assert!(
                matches!(
                    parse_all(&[given.to_owned()]),
                    Err(ConfigError::BadEngine { .. })
                ),
                "{given}"
            );
        }
        assert!(matches!(
            parse_all(&["default=tcp://x:1".to_owned()]),
            Err(ConfigError::DefaultEngineNamed { .. })
        ));
        assert!(matches!(
            parse_all(&["a=tcp://x:1".to_owned(), "a=tcp://y:1".to_owned()]),
            Err(ConfigError::DuplicateEngine { .. })
        ));
    }
}
