use miette::Diagnostic;
use thiserror::Error;

/// The Docker Engine could not be used at all (exit code 3): it does not
/// answer, or what names it (an address, a context, the docker CLI's
/// config file) cannot be used.
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum EngineError {
    #[error("cannot reach the Docker Engine at {endpoint} ({origin}): {reason}")]
    #[diagnostic(code(shakedown::engine::unreachable))]
    Unreachable {
        endpoint: String,
        /// Where the endpoint came from: "from context `gpu-box` in ~/.docker/config.json".
        origin: String,
        reason: String,
        /// The fix that fits the endpoint (TLS files, ssh, the context, the
        /// local engine).
        #[help]
        help: String,
    },

    #[error("the engine address {endpoint:?} ({origin}) is not one shakedown can use: {reason}")]
    #[diagnostic(
        code(shakedown::engine::bad_host),
        help("use unix:///path/to/docker.sock, tcp://host:port (TLS with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH), https://host:port or ssh://[user@]host[:port]")
    )]
    BadHost {
        endpoint: String,
        origin: String,
        reason: String,
    },

    #[error("there is no Docker context `{name}` ({chosen}) in {store}")]
    #[diagnostic(
        code(shakedown::engine::no_context),
        help("`docker context ls` lists the contexts there are; choose one with --context NAME or `docker context use NAME`, or name the engine with --host URL")
    )]
    NoContext {
        name: String,
        /// What chose it: "chosen by --context".
        chosen: String,
        store: String,
    },

    #[error("cannot use the Docker context `{name}` ({path}): {reason}")]
    #[diagnostic(
        code(shakedown::engine::bad_context),
        help("`docker context inspect` shows the context; fix it with `docker context update`, or choose another with --context NAME")
    )]
    BadContext {
        name: String,
        path: String,
        reason: String,
    },

    #[error("cannot read the docker CLI's config file {path}: {reason}")]
    #[diagnostic(
        code(shakedown::engine::bad_config),
        help("shakedown reads `currentContext` from it, as the docker CLI does: fix the file, or set DOCKER_CONFIG to another directory")
    )]
    BadConfig { path: String, reason: String },
}

impl EngineError {
    /// The diagnostic code, for what scripts and reports carry of it.
    pub fn code_str(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "shakedown::engine::unreachable",
            Self::BadHost { .. } => "shakedown::engine::bad_host",
            Self::NoContext { .. } => "shakedown::engine::no_context",
            Self::BadContext { .. } => "shakedown::engine::bad_context",
            Self::BadConfig { .. } => "shakedown::engine::bad_config",
        }
    }
}

#[cfg(test)]
mod tests {
    use miette::Diagnostic;

    use super::*;

    #[test]
    fn code_str_is_the_diagnostic_code() {
        let all = [
            EngineError::Unreachable {
                endpoint: String::new(),
                origin: String::new(),
                reason: String::new(),
                help: String::new(),
            },
            EngineError::BadHost {
                endpoint: String::new(),
                origin: String::new(),
                reason: String::new(),
            },
            EngineError::NoContext {
                name: String::new(),
                chosen: String::new(),
                store: String::new(),
            },
            EngineError::BadContext {
                name: String::new(),
                path: String::new(),
                reason: String::new(),
            },
            EngineError::BadConfig {
                path: String::new(),
                reason: String::new(),
            },
        ];
        for err in all {
            assert_eq!(
                err.code().map(|c| c.to_string()).as_deref(),
                Some(err.code_str())
            );
        }
    }
}
