use std::pin::pin;
use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::models::{ContainerCreateBody, DeviceRequest, HostConfig, HostConfigLogConfig};
use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, StartContainerOptions, WaitContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::deadline::{cancellable, DRAIN};
use super::output::{Capture, Captured};
use super::{image_name, Client, OpError};

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
    /// How much of stdout and of stderr to keep (the first and last half).
    pub max_output: usize,
}

/// `--gpus`: every GPU, or a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gpus {
    All,
    Count(i64),
}

/// What a run or an exec produced; each stream bounded by `max_output`.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    pub exit_code: i64,
    pub stdout: Captured,
    pub stderr: Captured,
    pub timed_out: bool,
    pub duration: Duration,
}

/// How the wait for a container ended.
enum Ended {
    Exited(i64),
    TimedOut,
}

impl Client {
    /// Creates a container, attaches to its output, starts it and reads its
    /// output as it comes (bounded by `max_output`) until it exits or its
    /// timeout; then removes it. `cancel` (a check's timeout, Ctrl-C) ends
    /// it at once, whatever the engine does: the removal then goes on in
    /// the background, and the end of the run waits for it.
    pub async fn run_container(
        &self,
        spec: &RunSpec,
        cancel: &CancellationToken,
    ) -> Result<RunOutput, OpError> {
        let docker = cancellable(cancel, async { Ok(self.ready().await?) }).await?;
        let mut body = self.create_body(spec);
        if let Some(host_config) = body.host_config.as_mut() {
            // The output is read from the attach stream; a log of it would
            // only cost the engine a copy of every line (a flood of short
            // lines takes it minutes), and nothing reads it.
            host_config.log_config = Some(HostConfigLogConfig {
                typ: Some("none".to_owned()),
                config: None,
            });
        }
        let created = cancellable(cancel, async {
            docker
                .create_container(None::<CreateContainerOptions>, body)
                .await
                .map_err(|err| OpError::from_bollard(&err, &self.endpoint, Some(&spec.image)))
        })
        .await?;
        let id = created.id;
        self.track(
            &id,
            format!(
                "run of {} {:?}",
                image_name(&spec.image),
                spec.cmd.join(" ")
            ),
        );
        let outcome = cancellable(cancel, self.attach_and_wait(docker, &id, spec)).await;
        let removed = self.remove_later(docker, id);
        if let Ok(output) = &outcome {
            if !output.timed_out {
                // Wait for the removal, so that at most --jobs containers
                // exist at a time; a timeout or a cancel does not wait.
                tokio::select! {
                    _ = removed => {}
                    () = cancel.cancelled() => {}
                }
            }
        }
        outcome
    }

    async fn attach_and_wait(
        &self,
        docker: &Docker,
        id: &str,
        spec: &RunSpec,
    ) -> Result<RunOutput, OpError> {
        let fail = |err: bollard::errors::Error| OpError::from_bollard(&err, &self.endpoint, None);
        let attach = AttachContainerOptions {
            stdout: true,
            stderr: true,
            stream: true,
            ..Default::default()
        };
        let mut output = docker
            .attach_container(id, Some(attach))
            .await
            .map_err(fail)?
            .output;
        docker
            .start_container(id, None::<StartContainerOptions>)
            .await
            .map_err(fail)?;
        let started = Instant::now();
        let options = WaitContainerOptions {
            condition: "not-running".to_owned(),
        };
        let mut waiting = docker.wait_container(id, Some(options));
        let mut deadline = pin!(tokio::time::sleep(spec.timeout));
        let (mut stdout, mut stderr) =
            (Capture::new(spec.max_output), Capture::new(spec.max_output));
        let mut exited = None;
        let mut output_open = true;
        // Reads the output as it comes, so a container never blocks on a
        // full pipe, until it has exited and its output has ended (or
        // `DRAIN` after its exit: an attach stream may stay open), or the
        // deadline.
        let ended = loop {
            if let Some(code) = exited {
                if !output_open {
                    break Ended::Exited(code);
                }
            }
            tokio::select! {
                chunk = output.next(), if output_open => match chunk {
                    Some(Ok(LogOutput::StdOut { message } | LogOutput::Console { message })) => stdout.push(&message),
                    Some(Ok(LogOutput::StdErr { message })) => stderr.push(&message),
                    Some(Ok(LogOutput::StdIn { .. })) => {}
                    Some(Err(_)) | None => output_open = false,
                },
                next = waiting.next(), if exited.is_none() => {
                    exited = Some(match next {
                        Some(Ok(response)) => response.status_code,
                        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
                        Some(Err(err)) => return Err(fail(err)),
                        None => return Err(OpError::Refused(
                            "the engine ended the wait without an exit code".into(),
                        )),
                    });
                    let drain = started.elapsed() + DRAIN;
                    if drain < spec.timeout {
                        deadline.as_mut().reset(tokio::time::Instant::now() + DRAIN);
                    }
                },
                () = &mut deadline => match exited {
                    Some(code) => break Ended::Exited(code),
                    None => break Ended::TimedOut,
                },
            }
        };
        let duration = started.elapsed();
        Ok(RunOutput {
            exit_code: match ended {
                Ended::Exited(code) => code,
                Ended::TimedOut => -1,
            },
            stdout: stdout.finish(),
            stderr: stderr.finish(),
            timed_out: matches!(ended, Ended::TimedOut),
            duration,
        })
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
