//! Running a command in a running container, like `docker exec`.

use std::time::{Duration, Instant};

use bollard::container::LogOutput;
use bollard::exec::StartExecResults;
use bollard::models::ExecConfig;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::deadline::cancellable;
use super::output::Capture;
use super::{Client, OpError, RunOutput};

/// A command to run in a container that is running.
#[derive(Debug, Clone, Default)]
pub struct ExecSpec {
    pub cmd: Vec<String>,
    pub user: Option<String>,
    pub env: Vec<String>,
    pub workdir: Option<String>,
    /// After this the result says it timed out; the engine has no way to
    /// end an exec, so the command is left to the container's removal.
    pub timeout: Duration,
    /// How much of stdout and of stderr to keep (the first and last half).
    pub max_output: usize,
}

impl Client {
    /// Runs `spec` in container `id` and collects its output (bounded by
    /// `max_output`) and exit code; `cancel` ends it at once.
    pub async fn exec(
        &self,
        id: &str,
        spec: &ExecSpec,
        cancel: &CancellationToken,
    ) -> Result<RunOutput, OpError> {
        cancellable(cancel, self.exec_until_done(id, spec)).await
    }

    async fn exec_until_done(&self, id: &str, spec: &ExecSpec) -> Result<RunOutput, OpError> {
        let docker = self.ready().await?;
        let fail = |err: bollard::errors::Error| OpError::from_bollard(&err, &self.endpoint, None);
        let options = ExecConfig {
            cmd: Some(spec.cmd.clone()),
            user: spec.user.clone(),
            env: (!spec.env.is_empty()).then(|| spec.env.clone()),
            working_dir: spec.workdir.clone(),
            attach_stdout: Some(true),
            attach_stderr: Some(true),
            tty: Some(false),
            ..Default::default()
        };
        let created = docker.create_exec(id, options).await.map_err(fail)?;
        let started = Instant::now();
        let StartExecResults::Attached { mut output, .. } =
            docker.start_exec(&created.id, None).await.map_err(fail)?
        else {
            return Err(OpError::Refused("the engine detached the exec".into()));
        };
        let (mut stdout, mut stderr) =
            (Capture::new(spec.max_output), Capture::new(spec.max_output));
        let collect = async {
            while let Some(chunk) = output.next().await {
                match chunk.map_err(fail)? {
                    LogOutput::StdOut { message } | LogOutput::Console { message } => {
                        stdout.push(&message);
                    }
                    LogOutput::StdErr { message } => stderr.push(&message),
                    LogOutput::StdIn { .. } => {}
                }
            }
            Ok::<(), OpError>(())
        };
        let timed_out = tokio::select! {
            collected = collect => { collected?; false }
            () = tokio::time::sleep(spec.timeout) => true,
        };
        let duration = started.elapsed();
        let exit_code = if timed_out {
            -1
        } else {
            docker
                .inspect_exec(&created.id)
                .await
                .map_err(fail)?
                .exit_code
                .unwrap_or(-1)
        };
        Ok(RunOutput {
            exit_code,
            stdout: stdout.finish(),
            stderr: stderr.finish(),
            timed_out,
            duration,
        })
    }
}
