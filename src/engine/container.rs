use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::models::{ContainerCreateBody, DeviceRequest, HostConfig};
use bollard::query_parameters::{
    CreateContainerOptions, KillContainerOptions, LogsOptions, RemoveContainerOptions,
    StartContainerOptions, WaitContainerOptions,
};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::{Client, OpError};

/// A container to run to completion, like `docker run --rm`.
#[derive(Debug, Clone, Default)]
pub struct RunSpec {
    pub image: String,
    /// Replaces the image's CMD; the entrypoint is kept unless `entrypoint`.
    pub cmd: Vec<String>,
    /// `Some(vec![])` clears the image's entrypoint.
    pub entrypoint: Option<Vec<String>>,
    pub network: Option<String>,
    pub user: Option<String>,
    pub env: Vec<String>,
    pub workdir: Option<String>,
    pub timeout: Duration,
    pub gpus: Option<Gpus>,
}

/// `--gpus`: every GPU, or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gpus {
    All,
    Count(i64),
}

#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub duration: Duration,
}

enum Ended {
    Exited(i64),
    TimedOut,
    Cancelled,
    Lost(OpError),
}

impl Client {
    /// Creates, starts and waits for a container, collects its output and
    /// removes it, whatever happens (timeout, cancel, error).
    pub async fn run_container(
        &self,
        spec: &RunSpec,
        cancel: &CancellationToken,
    ) -> Result<RunOutput, OpError> {
        let docker = self.ready().await?;
        let fail = |err: bollard::errors::Error| OpError::from_bollard(&err, &self.endpoint, None);
        let body = self.create_body(spec);
        let created = docker
            .create_container(None::<CreateContainerOptions>, body)
            .await
            .map_err(|err| OpError::from_bollard(&err, &self.endpoint, Some(&spec.image)))?;
        let id = created.id;
        let started = Instant::now();
        let outcome = async {
            docker
                .start_container(&id, None::<StartContainerOptions>)
                .await
                .map_err(fail)?;
            let ended = wait(docker, &id, spec.timeout, cancel, &self.endpoint).await;
            let duration = started.elapsed();
            let exit_code = match ended {
                Ended::Exited(code) => code,
                Ended::Lost(err) => return Err(err),
                Ended::TimedOut | Ended::Cancelled => {
                    let _ = docker
                        .kill_container(&id, None::<KillContainerOptions>)
                        .await;
                    if matches!(ended, Ended::Cancelled) {
                        return Err(OpError::Cancelled);
                    }
                    -1
                }
            };
            let (stdout, stderr) = logs(docker, &id).await;
            Ok(RunOutput {
                exit_code,
                stdout,
                stderr,
                timed_out: matches!(ended, Ended::TimedOut),
                duration,
            })
        }
        .await;
        let remove = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        let _ = docker.remove_container(&id, Some(remove)).await;
        outcome
    }

    /// The container `spec` describes, labelled with this run's labels.
    pub(crate) fn create_body(&self, spec: &RunSpec) -> ContainerCreateBody {
        ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: (!spec.cmd.is_empty()).then(|| spec.cmd.clone()),
            entrypoint: spec.entrypoint.as_ref().map(|e| {
                if e.is_empty() {
                    vec![String::new()]
                } else {
                    e.clone()
                }
            }),
            env: (!spec.env.is_empty()).then(|| spec.env.clone()),
            user: spec.user.clone(),
            working_dir: spec.workdir.clone(),
            labels: Some(self.labels()),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(false),
            host_config: Some(HostConfig {
                network_mode: spec.network.clone(),
                device_requests: spec.gpus.map(|gpus| {
                    vec![DeviceRequest {
                        driver: Some(String::new()),
                        count: Some(match gpus {
                            Gpus::All => -1,
                            Gpus::Count(n) => n,
                        }),
                        capabilities: Some(vec![vec!["gpu".to_owned()]]),
                        ..Default::default()
                    }]
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}

async fn wait(
    docker: &bollard::Docker,
    id: &str,
    timeout: Duration,
    cancel: &CancellationToken,
    endpoint: &str,
) -> Ended {
    let options = WaitContainerOptions {
        condition: "not-running".to_owned(),
    };
    let mut waiting = docker.wait_container(id, Some(options));
    tokio::select! {
        next = waiting.next() => match next {
            Some(Ok(response)) => Ended::Exited(response.status_code),
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ended::Exited(code),
            Some(Err(err)) => Ended::Lost(OpError::from_bollard(&err, endpoint, None)),
            None => Ended::Lost(OpError::Refused("the engine ended the wait without an exit code".into())),
        },
        () = tokio::time::sleep(timeout) => Ended::TimedOut,
        () = cancel.cancelled() => Ended::Cancelled,
    }
}

async fn logs(docker: &bollard::Docker, id: &str) -> (String, String) {
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        ..Default::default()
    };
    let mut stream = docker.logs(id, Some(options));
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    while let Some(Ok(chunk)) = stream.next().await {
        match chunk {
            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                stdout.extend_from_slice(&message);
            }
            LogOutput::StdErr { message } => stderr.extend_from_slice(&message),
            LogOutput::StdIn { .. } => {}
        }
    }
    (
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}
