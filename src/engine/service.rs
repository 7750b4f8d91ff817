//! Long-lived containers: start one with published ports, ask its state,
//! read its log, stop and remove it.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::container::LogOutput;
use bollard::models::{HealthStatusEnum, PortBinding};
use bollard::query_parameters::{
    CreateContainerOptions, InspectContainerOptions, KillContainerOptions, LogsOptions,
    StartContainerOptions, StopContainerOptions,
};
use futures_util::stream::BoxStream;
use futures_util::StreamExt;

use super::deadline::{self, CLEANUP};
use super::output::{Capture, Captured};
use super::{image_name, Client, OpError, RunSpec};

/// Published ports are bound to this address only.
pub const LOOPBACK: &str = "127.0.0.1";

/// A container to start and leave running, like `docker run -d`.
#[derive(Debug, Clone, Default)]
pub struct StartSpec {
    /// Image, command and options as for a run (its `timeout` is unused).
    pub run: RunSpec,
    /// Container ports (tcp) to publish on 127.0.0.1, each with the host
    /// port to use, or `None` for one the engine chooses.
    pub ports: Vec<(u16, Option<u16>)>,
}

/// What the engine says of a container now.
#[derive(Debug, Clone, Default)]
pub struct ServiceState {
    /// "created", "running", "exited", …
    pub status: String,
    pub running: bool,
    /// Set once it is no longer running.
    pub exit_code: Option<i64>,
    pub oom_killed: bool,
    /// The engine's error, when it could not run it.
    pub error: String,
    /// "starting", "healthy", "unhealthy"; `None` when the image has no
    /// HEALTHCHECK.
    pub health: Option<String>,
    /// The output of the last health probe.
    pub last_probe: Option<String>,
    /// Published container port → host port (tcp).
    pub ports: BTreeMap<u16, u16>,
}

impl ServiceState {
    /// "running", "exited with code 3", "exited with code 137 (killed: out of memory)".
    pub fn describe(&self) -> String {
        if self.running {
            return match &self.health {
                Some(health) => format!("running ({health})"),
                None => "running".to_owned(),
            };
        }
        let mut text = match self.exit_code {
            Some(code) if self.status != "created" => format!("{} with code {code}", self.status),
            _ => self.status.clone(),
        };
        if self.oom_killed {
            text.push_str(" (killed: out of memory)");
        }
        if !self.error.is_empty() {
            text.push_str(&format!(" ({})", self.error));
        }
        text
    }
}

impl Client {
    /// Creates and starts a container that keeps running; returns its id.
    /// A container that cannot be started is removed again.
    pub async fn start_service(&self, spec: &StartSpec) -> Result<String, OpError> {
        let docker = self.ready().await?;
        let mut body = self.create_body(&spec.run);
        let mut bindings = HashMap::new();
        let mut exposed = Vec::new();
        for (container, host) in &spec.ports {
            let key = format!("{container}/tcp");
            exposed.push(key.clone());
            bindings.insert(
                key,
                Some(vec![PortBinding {
                    host_ip: Some(LOOPBACK.to_owned()),
                    host_port: Some(host.map(|p| p.to_string()).unwrap_or_default()),
                }]),
            );
        }
        if !spec.ports.is_empty() {
            body.exposed_ports = Some(exposed);
            if let Some(host_config) = body.host_config.as_mut() {
                host_config.port_bindings = Some(bindings);
            }
        }
        let created = docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .map_err(|err| OpError::from_bollard(&err, &self.endpoint, Some(&spec.run.image)))?;
        self.track(
            &created.id,
            format!("service of {}", image_name(&spec.run.image)),
        );
        if let Err(err) = docker
            .start_container(&created.id, None::<StartContainerOptions>)
            .await
        {
            self.remove_container(&created.id).await;
            return Err(OpError::from_bollard(&err, &self.endpoint, None));
        }
        Ok(created.id)
    }

    /// The container's state, health and published ports.
    pub async fn service_state(&self, id: &str) -> Result<ServiceState, OpError> {
        let docker = self.ready().await?;
        let inspected = docker
            .inspect_container(id, None::<InspectContainerOptions>)
            .await
            .map_err(|err| OpError::from_bollard(&err, &self.endpoint, None))?;
        let state = inspected.state.unwrap_or_default();
        let health = state.health.unwrap_or_default();
        let health_status = match health.status {
            None | Some(HealthStatusEnum::EMPTY | HealthStatusEnum::NONE) => None,
            Some(status) => Some(status.to_string()),
        };
        let last_probe = health
            .log
            .unwrap_or_default()
            .last()
            .and_then(|probe| probe.output.clone())
            .map(|output| output.trim().to_owned());
        let ports = inspected
            .network_settings
            .and_then(|n| n.ports)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(key, bindings)| {
                let container = key.strip_suffix("/tcp")?.parse::<u16>().ok()?;
                let host = bindings?
                    .iter()
                    .find_map(|b| b.host_port.as_deref()?.parse::<u16>().ok())?;
                Some((container, host))
            })
            .collect();
        let status = state.status.map(|s| s.to_string()).unwrap_or_default();
        let running = state.running.unwrap_or(false);
        Ok(ServiceState {
            status,
            running,
            exit_code: state.exit_code.filter(|_| !running),
            oom_killed: state.oom_killed.unwrap_or(false),
            error: state.error.unwrap_or_default(),
            health: health_status,
            last_probe,
            ports,
        })
    }

    /// The run id a container carries (`io.shakedown.run`), `None` when it
    /// carries none, `NoImage` when there is no such container.
    pub async fn run_label_of(&self, container: &str) -> Result<Option<String>, OpError> {
        let docker = self.ready().await?;
        let inspected = docker
            .inspect_container(container, None::<InspectContainerOptions>)
            .await
            .map_err(|err| OpError::from_bollard(&err, &self.endpoint, Some(container)))?;
        Ok(inspected
            .config
            .and_then(|c| c.labels)
            .and_then(|labels| labels.get(super::RUN_LABEL).cloned()))
    }

    /// stdout and stderr interleaved as the container wrote them (the last
    /// `tail` lines only, when given), bounded by `max_output`.
    pub async fn service_logs(
        &self,
        id: &str,
        tail: Option<usize>,
        max_output: usize,
    ) -> Result<Captured, OpError> {
        let mut stream = self.log_stream(id, tail, false).await?;
        let mut capture = Capture::new(max_output);
        while let Some(chunk) = stream.next().await {
            capture.push(&chunk?);
        }
        Ok(capture.finish())
    }

    /// The container's log from its start, then as it is written, until it
    /// stops: what `wait_log` reads, each byte once.
    pub async fn follow_logs(&self, id: &str) -> Result<LogFollower, OpError> {
        Ok(LogFollower {
            stream: self.log_stream(id, None, true).await?,
        })
    }

    async fn log_stream(
        &self,
        id: &str,
        tail: Option<usize>,
        follow: bool,
    ) -> Result<BoxStream<'static, Result<bytes::Bytes, OpError>>, OpError> {
        let docker = self.ready().await?;
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            follow,
            tail: tail.map_or_else(|| "all".to_owned(), |n| n.to_string()),
            ..Default::default()
        };
        let endpoint = self.endpoint.clone();
        let stream = docker.logs(id, Some(options)).filter_map(move |chunk| {
            let item = match chunk {
                Ok(
                    LogOutput::StdOut { message }
                    | LogOutput::StdErr { message }
                    | LogOutput::Console { message },
                ) => Some(Ok(message)),
                Ok(LogOutput::StdIn { .. }) => None,
                Err(err) => Some(Err(OpError::from_bollard(&err, &endpoint, None))),
            };
            std::future::ready(item)
        });
        Ok(stream.boxed())
    }

    /// Stops the container (SIGTERM, then SIGKILL after `grace`).
    pub async fn stop_service(&self, id: &str, grace: Duration) -> Result<(), OpError> {
        // The engine answers once the container has stopped: up to `grace`.
        let docker = self
            .ready()
            .await?
            .clone()
            .with_timeout(grace + deadline::REQUEST);
        let options = StopContainerOptions {
            t: Some(whole_seconds(grace)),
            ..Default::default()
        };
        match docker.stop_container(id, Some(options)).await {
            // 304: already stopped.
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(err) => Err(OpError::from_bollard(&err, &self.endpoint, None)),
        }
    }

    /// Kills the container, within the cleanup deadline; quiet when it has
    /// already stopped (its removal at the task's end is what matters).
    pub async fn kill_service(&self, id: &str) {
        if let Ok(docker) = self.ready().await {
            let kill = docker.kill_container(id, None::<KillContainerOptions>);
            let _ = tokio::time::timeout(CLEANUP, kill).await;
        }
    }
}

/// A container's log as it is written, read by `wait_log`.
pub struct LogFollower {
    stream: BoxStream<'static, Result<bytes::Bytes, OpError>>,
}

impl LogFollower {
    /// The next bytes of the log; `None` once the container has stopped
    /// and its log has been read to the end.
    pub async fn next(&mut self) -> Option<Result<bytes::Bytes, OpError>> {
        self.stream.next().await
    }
}

/// The engine takes whole seconds; a part of one counts as one.
fn whole_seconds(duration: Duration) -> i32 {
    let ceiling = duration.as_secs() + u64::from(duration.subsec_nanos() > 0);
    i32::try_from(ceiling).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_says_how_the_container_ended() {
        let exited = ServiceState {
            status: "exited".into(),
            exit_code: Some(3),
            ..Default::default()
        };
        assert_eq!(exited.describe(), "exited with code 3");
        let oom = ServiceState {
            status: "exited".into(),
            exit_code: Some(137),
            oom_killed: true,
            ..Default::default()
        };
        assert_eq!(
            oom.describe(),
            "exited with code 137 (killed: out of memory)"
        );
        let running = ServiceState {
            status: "running".into(),
            running: true,
            health: Some("starting".into()),
            ..Default::default()
        };
        assert_eq!(running.describe(), "running (starting)");
    }
}
