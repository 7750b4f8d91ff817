//! The engine adapter: everything shakedown asks of the Docker Engine, over
//! bollard. Async; primitives block on it from script threads.

mod archive;
mod build;
mod cleanup;
mod container;
mod exec;
mod image;
mod op_error;
mod service;
mod transport;

pub use archive::{EntryKind, PathEntry};
pub use build::{BuildError, BuildEvent, BuildFailure, BuildRequest};
pub use container::{Gpus, RunOutput, RunSpec};
pub use exec::ExecSpec;
pub use image::{HealthDetails, ImageDetails, LayerDetails};
pub use op_error::OpError;
pub use service::{ServiceState, StartSpec, LOOPBACK};

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use tokio::sync::OnceCell;

use crate::error::EngineError;

/// The label every container shakedown creates carries: `io.shakedown.run=<run id>`.
pub const RUN_LABEL: &str = "io.shakedown.run";
const PID_LABEL: &str = "io.shakedown.pid";
const HOST_LABEL: &str = "io.shakedown.host";
const START_LABEL: &str = "io.shakedown.started";

/// Builds take as long as they take; shakedown's own timeouts apply.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// A connection to one engine, for one run.
pub struct Client {
    endpoint: String,
    /// The client, or why none can be made for the endpoint (reported when
    /// a primitive first needs the engine, so scripts that never do run).
    docker: Result<Docker, EngineError>,
    ready: OnceCell<Result<Docker, EngineError>>,
    run_id: String,
    identity: cleanup::Identity,
}

impl Client {
    /// Prepares a client for `host` (else `DOCKER_HOST`, else the local
    /// socket). Nothing is sent until a primitive needs the engine, and a
    /// bad or missing endpoint is only an error then.
    pub fn connect(host: Option<&str>) -> Result<Self, EngineError> {
        let endpoint = host
            .map(str::to_owned)
            .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
            .unwrap_or_else(|| "unix:///var/run/docker.sock".to_owned());
        let docker = Docker::connect_with_host(&endpoint)
            .map_err(|err| match err {
                bollard::errors::Error::SocketNotFoundError(path) => EngineError::Unreachable {
                    endpoint: endpoint.clone(),
                    reason: format!("no socket at {path}"),
                },
                other => EngineError::BadHost {
                    endpoint: endpoint.clone(),
                    reason: other.to_string(),
                },
            })
            .map(|docker| docker.with_timeout(REQUEST_TIMEOUT));
        let identity = cleanup::Identity::of_this_process();
        Ok(Self {
            endpoint,
            docker,
            ready: OnceCell::new(),
            run_id: identity.run_id(),
            identity,
        })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The engine, answering and with the API version agreed; on first use
    /// also removes what killed runs left behind.
    pub async fn ready(&self) -> Result<&Docker, EngineError> {
        let ready = self
            .ready
            .get_or_init(|| async {
                let unreachable = |err: bollard::errors::Error| EngineError::Unreachable {
                    endpoint: self.endpoint.clone(),
                    reason: op_error::describe(&err),
                };
                let client = self.docker.clone()?;
                let docker =
                    tokio::time::timeout(Duration::from_secs(15), client.negotiate_version())
                        .await
                        .map_err(|_| EngineError::Unreachable {
                            endpoint: self.endpoint.clone(),
                            reason: "no answer within 15s".into(),
                        })?
                        .map_err(unreachable)?;
                cleanup::sweep_dead_runs(&docker, &self.identity).await;
                Ok(docker)
            })
            .await;
        ready.as_ref().map_err(Clone::clone)
    }

    /// The labels of every container this run creates.
    fn labels(&self) -> HashMap<String, String> {
        self.identity.labels(&self.run_id)
    }

    /// Removes every container of this run still on the engine (the safety
    /// net after Ctrl-C or a crash of a primitive). Quiet and quick when the
    /// engine was never used.
    pub async fn remove_run_containers(&self) {
        if let Some(Ok(docker)) = self.ready.get() {
            cleanup::remove_run(docker, &self.run_id).await;
        }
    }
}
