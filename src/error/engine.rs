use miette::Diagnostic;
use thiserror::Error;

/// The Docker Engine could not be used at all (exit code 3).
#[derive(Debug, Clone, Error, Diagnostic)]
pub enum EngineError {
    #[error("cannot reach the Docker Engine at {endpoint}: {reason}")]
    #[diagnostic(
        code(shakedown::engine::unreachable),
        help("start an engine (on Debian: `bash docker/setup-engine.sh`), or name a running one with --host URL or DOCKER_HOST (e.g. unix:///var/run/docker.sock, tcp://host:2375)")
    )]
    Unreachable { endpoint: String, reason: String },

    #[error("the engine address {endpoint:?} is not one shakedown can use: {reason}")]
    #[diagnostic(
        code(shakedown::engine::bad_host),
        help("use unix:///path/to/docker.sock, tcp://host:port or http://host:port")
    )]
    BadHost { endpoint: String, reason: String },
}
