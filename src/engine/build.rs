use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use bollard::query_parameters::BuildImageOptions;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::{Client, OpError};
use crate::static_read::build_context::{BuildContext, ContextError};

/// How many lines of build output a failure keeps.
const TAIL_LINES: usize = 12;

/// `build(#{ … })` as the engine needs it.
#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    pub tag: Option<String>,
    pub target: Option<String>,
    pub args: Vec<(String, String)>,
    pub no_cache: bool,
}

/// What a build reports while it runs.
#[derive(Debug, Clone)]
pub enum BuildEvent {
    /// "Step 3/19 : RUN …"
    Step {
        step: usize,
        total: usize,
        instruction: String,
    },
    Output(String),
}

/// The engine ran the build and it failed.
#[derive(Debug, Clone)]
pub struct BuildFailure {
    pub message: String,
    /// The step that failed, as the engine numbered it (1-based), and the
    /// instruction text it printed.
    pub step: Option<usize>,
    pub instruction: Option<String>,
    /// The last lines of output.
    pub tail: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error("the build failed: {}", .0.message)]
    Failed(BuildFailure),
    #[error(transparent)]
    Op(#[from] OpError),
}

impl Client {
    /// Streams the context to the engine and follows the build; returns the
    /// image id. Cancelling drops the request, which aborts the build.
    pub async fn build(
        &self,
        request: &BuildRequest,
        mut on_event: impl FnMut(BuildEvent),
        cancel: &CancellationToken,
    ) -> Result<String, BuildError> {
        let ready = tokio::select! {
            ready = self.ready() => ready.map_err(OpError::from)?,
            () = cancel.cancelled() => return Err(OpError::Cancelled.into()),
        };
        // The engine answers once it has read the whole context.
        let docker = ready.clone().with_timeout(super::deadline::BUILD_ANSWER);
        let context = BuildContext::new(&request.context, &request.dockerfile)?;
        let options = BuildImageOptions {
            dockerfile: context.dockerfile_in_tar.clone(),
            t: request.tag.clone(),
            target: request.target.clone().unwrap_or_default(),
            nocache: request.no_cache,
            rm: true,
            forcerm: true,
            buildargs: (!request.args.is_empty())
                .then(|| request.args.iter().cloned().collect::<HashMap<_, _>>()),
            ..Default::default()
        };
        let chunks = futures_util::stream::unfold(context.stream(), |mut rx| async move {
            rx.recv().await.map(|chunk| (chunk, rx))
        });
        let mut progress =
            docker.build_image(options, None, Some(bollard::body_try_stream(chunks)));
        let mut follower = Follower::default();
        loop {
            let next = tokio::select! {
                next = progress.next() => next,
                () = cancel.cancelled() => return Err(OpError::Cancelled.into()),
            };
            let Some(item) = next else { break };
            match item {
                Ok(info) => {
                    if let Some(text) = info.stream {
                        for event in follower.output(&text) {
                            on_event(event);
                        }
                    }
                    if let Some(id) = info.aux.and_then(|aux| aux.id) {
                        follower.id = Some(id);
                    }
                    if let Some(detail) = info.error_detail {
                        return Err(follower.failure(detail.message.unwrap_or_default()));
                    }
                }
                Err(bollard::errors::Error::DockerStreamError { error }) => {
                    return Err(follower.failure(error));
                }
                // The engine refuses what it was sent before building:
                // its parser rejects the Dockerfile, a target is missing.
                Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 400..=499,
                    message,
                }) => {
                    return Err(follower.failure(message));
                }
                Err(err) => {
                    return Err(OpError::from_bollard(&err, self.endpoint(), None).into());
                }
            }
        }
        match follower.id.take() {
            Some(id) => Ok(id),
            None => {
                Err(follower
                    .failure("the engine finished the build without naming an image".into()))
            }
        }
    }
}

/// Follows the classic builder's output: steps, the last lines, the id.
#[derive(Default)]
struct Follower {
    step: Option<(usize, String)>,
    tail: VecDeque<String>,
    id: Option<String>,
}

impl Follower {
    fn output(&mut self, text: &str) -> Vec<BuildEvent> {
        let mut events = Vec::new();
        for line in text.lines().map(str::trim_end).filter(|l| !l.is_empty()) {
            if let Some((step, total, instruction)) = parse_step(line) {
                self.step = Some((step, instruction.to_owned()));
                self.tail.clear();
                events.push(BuildEvent::Step {
                    step,
                    total,
                    instruction: instruction.to_owned(),
                });
            } else {
                if let Some(id) = line.strip_prefix("Successfully built ") {
                    self.id.get_or_insert_with(|| id.trim().to_owned());
                }
                let line = strip_ansi(line);
                if !is_builder_chatter(&line) {
                    if self.tail.len() == TAIL_LINES {
                        self.tail.pop_front();
                    }
                    self.tail.push_back(line.clone());
                }
                events.push(BuildEvent::Output(line));
            }
        }
        events
    }

    fn failure(&self, message: String) -> BuildError {
        BuildError::Failed(BuildFailure {
            message: message.trim().to_owned(),
            step: self.step.as_ref().map(|(n, _)| *n),
            instruction: self.step.as_ref().map(|(_, i)| i.clone()),
            tail: self.tail.iter().cloned().collect(),
        })
    }
}

/// The classic builder's own bookkeeping lines, which say nothing about
/// why a step failed.
fn is_builder_chatter(line: &str) -> bool {
    let line = line.trim();
    line.is_empty()
        || line.starts_with("---> ")
        || line.starts_with("Removing intermediate container")
        || line.starts_with("Sending build context")
}

/// Removes ANSI escape sequences (the engine colours a step's stderr).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// "Step 3/19 : RUN x" → (3, 19, "RUN x")
fn parse_step(line: &str) -> Option<(usize, usize, &str)> {
    let rest = line.strip_prefix("Step ")?;
    let (numbers, instruction) = rest.split_once(" : ")?;
    let (step, total) = numbers.split_once('/')?;
    Some((step.parse().ok()?, total.parse().ok()?, instruction))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_parsed() {
        assert_eq!(
            parse_step("Step 3/19 : RUN echo hi"),
            Some((3, 19, "RUN echo hi"))
        );
        assert_eq!(parse_step(" ---> Running in 1234"), None);
    }

    #[test]
    fn the_tail_keeps_the_failing_steps_output() {
        let mut follower = Follower::default();
        follower
            .output("Step 1/2 : FROM x\n ---> abc\nStep 2/2 : RUN false\n ---> Running in 12\n");
        follower.output("oops\n");
        let BuildError::Failed(failure) = follower.failure("returned a non-zero code: 1".into())
        else {
            panic!("not a failure");
        };
        assert_eq!(failure.step, Some(2));
        assert_eq!(failure.instruction.as_deref(), Some("RUN false"));
        assert_eq!(failure.tail, vec!["oops"]);
    }

    #[test]
    fn colour_is_stripped_from_output() {
        assert_eq!(
            strip_ansi("\u{1b}[91msha256sum: FAILED\u{1b}[0m"),
            "sha256sum: FAILED"
        );
    }

    #[test]
    fn the_image_id_comes_from_the_success_line() {
        let mut follower = Follower::default();
        follower.output("Successfully built 0123abcd\n");
        assert_eq!(follower.id.as_deref(), Some("0123abcd"));
    }
}
