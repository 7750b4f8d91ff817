//! The engine adapter: everything shakedown asks of the Docker Engine, over
//! bollard. Async; primitives block on it from script threads.

mod archive;
mod build;
mod build_features;
mod buildkit;
mod cleanup;
mod container;
pub mod deadline;
pub mod endpoint;
mod engines;
mod exec;
mod identity;
mod image;
mod op_error;
mod output;
pub mod registry;
mod service;
mod transfer;
mod transport;

pub use archive::{EntryKind, PathEntry};
pub use build::{BuildError, BuildEvent, BuildFailure, BuildRequest, Builder};
pub use build_features::{Needs, TooNew};
pub use cleanup::LeftBehind;
pub use container::{Gpus, RunOutput, RunSpec};
pub use endpoint::Endpoint;
pub use engines::Engines;
pub use exec::ExecSpec;
pub use image::{HealthDetails, ImageDetails, LayerDetails};
pub use op_error::OpError;
pub use output::{Capture, Captured, Lines, DEFAULT_MAX_OUTPUT};
pub use service::{LogFollower, ServiceState, StartSpec, LOOPBACK};
pub use transfer::Transferred;

use std::collections::HashMap;
use std::sync::Arc;

use bollard::Docker;
use tokio::sync::OnceCell;

use crate::error::EngineError;

/// The label every container shakedown creates carries: `io.shakedown.run=<run id>`.
pub const RUN_LABEL: &str = "io.shakedown.run";
const PID_LABEL: &str = "io.shakedown.pid";
const HOST_LABEL: &str = "io.shakedown.host";
const START_LABEL: &str = "io.shakedown.started";

/// A connection to one engine, for one run.
pub struct Client {
    /// `default`, or the name `--engine NAME=…` gave it.
    name: String,
    endpoint: Endpoint,
    /// The client, or why none can be made for the endpoint.
    docker: Result<Docker, EngineError>,
    ready: OnceCell<Result<Docker, EngineError>>,
    /// What the engine said it is, once it has answered.
    version: std::sync::OnceLock<EngineVersion>,
    run_id: String,
    identity: identity::Identity,
    /// The containers this run created, until they are removed.
    reaper: Arc<cleanup::Reaper>,
    /// The builder `build()` uses unless a build names one (`--builder`).
    builder: build::Builder,
    /// What builds need to know of the engine, asked once per run.
    build_facts: OnceCell<build::EngineFacts>,
}

/// The engine's own account of itself (`docker version`, `docker info`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct EngineVersion {
    /// The engine's version ("20.10.24+dfsg1").
    pub version: String,
    /// The API version agreed with it.
    pub api_version: String,
    /// `docker info`'s ID and Name: which engine this is.
    pub id: String,
    pub name: String,
    /// `docker info`'s DockerRootDir: two engines on one machine share an
    /// ID and a name, never a data root.
    pub root_dir: String,
}

impl Client {
    /// Prepares a client for `endpoint` (see [`endpoint::resolve`]): the
    /// engine named `default`. Nothing is sent until [`Client::ready`]; an
    /// address bollard cannot use is only an error then.
    pub fn connect(endpoint: Endpoint) -> Self {
        let identity = identity::Identity::of_this_process();
        let run_id = identity.run_id();
        Self::new(
            crate::cli::DEFAULT_ENGINE.to_owned(),
            endpoint,
            run_id,
            identity,
        )
    }

    /// Another engine of the same run (`--engine NAME=…`): its containers
    /// carry this run's id, and it has its own cleanup. Nothing is sent yet.
    pub fn also(&self, name: &str, endpoint: Endpoint) -> Self {
        Self::new(
            name.to_owned(),
            endpoint,
            self.run_id.clone(),
            self.identity.clone(),
        )
        .with_builder(self.builder)
    }

    fn new(name: String, endpoint: Endpoint, run_id: String, identity: identity::Identity) -> Self {
        let docker =
            transport::client(&endpoint).map(|docker| docker.with_timeout(deadline::REQUEST));
        Self {
            name,
            endpoint,
            docker,
            ready: OnceCell::new(),
            version: std::sync::OnceLock::new(),
            run_id,
            identity,
            reaper: Arc::default(),
            builder: build::Builder::default(),
            build_facts: OnceCell::new(),
        }
    }

    /// `default`, or the name `--engine` gave it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The builder of builds that name none (`--builder`).
    #[must_use]
    pub fn with_builder(mut self, builder: build::Builder) -> Self {
        self.builder = builder;
        self
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// The engine, answering (a ping, then its version and identity) and
    /// with the API version agreed. Asked once per run; every later call
    /// gets the same answer.
    pub async fn ready(&self) -> Result<&Docker, EngineError> {
        let ready = self
            .ready
            .get_or_init(|| async {
                let unreachable = |err: &bollard::errors::Error| {
                    self.endpoint.unreachable(op_error::describe(err))
                };
                let client = self.docker.clone()?;
                let first_contact = async {
                    client.ping().await.map_err(|err| unreachable(&err))?;
                    let docker = client
                        .negotiate_version()
                        .await
                        .map_err(|err| unreachable(&err))?;
                    let version = docker.version().await.map_err(|err| unreachable(&err))?;
                    let info = docker.info().await.map_err(|err| unreachable(&err))?;
                    let _ = self.version.set(EngineVersion {
                        version: version.version.unwrap_or_default(),
                        api_version: version.api_version.unwrap_or_default(),
                        id: info.id.unwrap_or_default(),
                        name: info.name.unwrap_or_default(),
                        root_dir: info.docker_root_dir.unwrap_or_default(),
                    });
                    Ok::<_, EngineError>(docker)
                };
                tokio::time::timeout(deadline::FIRST_CONTACT, first_contact)
                    .await
                    .map_err(|_| {
                        self.endpoint.unreachable(format!(
                            "no answer within {}s",
                            deadline::FIRST_CONTACT.as_secs()
                        ))
                    })?
            })
            .await;
        ready.as_ref().map_err(Clone::clone)
    }

    /// What the engine said it is, once [`Client::ready`] has succeeded.
    pub fn version(&self) -> Option<&EngineVersion> {
        self.version.get()
    }

    /// Whether the engine has answered this run.
    pub fn reached(&self) -> bool {
        matches!(self.ready.get(), Some(Ok(_)))
    }

    /// The labels of every container this run creates.
    fn labels(&self) -> HashMap<String, String> {
        self.identity.labels(&self.run_id)
    }

    /// Removes the containers of dead runs on this host (a run that was
    /// killed outright leaves its containers). Quiet: when the engine cannot
    /// be reached there is nothing to sweep, and a run that needs the engine
    /// says so itself.
    pub async fn sweep_dead_runs(&self) {
        if let Ok(docker) = self.ready().await {
            cleanup::sweep_dead_runs(docker, &self.identity).await;
        }
    }

    /// A container this run created and must remove; `what` names it if it
    /// cannot be removed ("run of IMAGE \"cmd\"").
    fn track(&self, id: &str, what: impl Into<String>) {
        self.reaper.track(id, what);
    }

    /// Removes a container, running or not, within the cleanup deadline;
    /// quiet when it is gone.
    pub async fn remove_container(&self, id: &str) {
        if let Ok(docker) = self.ready().await {
            self.reaper.remove(docker, id).await;
        }
    }

    /// Starts removing a container and returns at once; the receiver says
    /// when the removal has ended. The end of the run waits for it.
    fn remove_later(&self, docker: &Docker, id: String) -> tokio::sync::oneshot::Receiver<()> {
        self.reaper.remove_later(docker.clone(), id)
    }

    /// A signal stopped the run: removals, in flight or to come, end within a
    /// few seconds whatever the engine does.
    pub fn hurry_cleanup(&self) {
        self.reaper.hurry();
    }

    /// The end of a run: removes every container of this run still on the
    /// engine, each within the cleanup deadline, and returns those it could
    /// not. Quiet and quick when the engine was never used.
    pub async fn finish_run(&self) -> Vec<LeftBehind> {
        let docker = self.ready.get().and_then(|ready| ready.as_ref().ok());
        let mut left = self.reaper.finish(docker, &self.run_id).await;
        for container in &mut left {
            container.engine.clone_from(&self.name);
        }
        left
    }
}

/// A short form of an image reference for messages: an id's first 12
/// hex digits, a name as it is.
fn image_name(image: &str) -> &str {
    match image.strip_prefix("sha256:") {
        Some(hex) => &hex[..hex.len().min(12)],
        None => image,
    }
}
