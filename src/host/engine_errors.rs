//! The engine adapter's errors as what primitives throw.

use crate::engine::OpError;
use crate::error::{EngineError, Thrown, ThrownKind};

pub fn thrown(err: OpError) -> Thrown {
    match err {
        OpError::Engine(EngineError::Unreachable { endpoint, reason }) => Thrown::new(
            ThrownKind::Engine,
            "shakedown::engine::unreachable",
            format!("cannot reach the Docker Engine at {endpoint}: {reason}"),
        )
        .help("start an engine (on Debian: `bash docker/setup-engine.sh`), or name a running one with --host URL or DOCKER_HOST (e.g. unix:///var/run/docker.sock)"),
        OpError::Engine(EngineError::BadHost { endpoint, reason }) => Thrown::new(
            ThrownKind::Engine,
            "shakedown::engine::bad_host",
            format!("the engine address {endpoint:?} is not usable: {reason}"),
        )
        .help("use unix:///path/to/docker.sock, tcp://host:port or http://host:port"),
        OpError::NoImage(reference) => Thrown::new(
            ThrownKind::Failure,
            "shakedown::image::missing",
            format!("the engine has no image {reference:?}"),
        )
        .help("build it first with build(…), or pull it with `docker pull` (shakedown never pulls)"),
        OpError::Refused(message) => Thrown::new(
            ThrownKind::Failure,
            "shakedown::engine::refused",
            format!("the engine refused: {message}"),
        )
        .help("the engine's message says what it could not do"),
        OpError::Cancelled => Thrown::new(
            ThrownKind::Cancelled,
            "shakedown::run::cancelled",
            "stopped before it finished",
        ),
    }
}
