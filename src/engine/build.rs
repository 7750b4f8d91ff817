use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;

use bollard::models::BuildInfoAux;
use bollard::query_parameters::BuildImageOptions;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::build_features::{self, TooNew};
use super::buildkit::{self, Support};
use super::{Client, OpError};
use crate::static_read::build_context::{BuildContext, ContextError};
use crate::static_read::dockerfile::Dockerfile;

/// How many lines of build output a failure keeps.
pub(crate) const TAIL_LINES: usize = 12;

/// Which builder the engine builds with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Builder {
    /// BuildKit when the engine supports it, else the classic builder.
    #[default]
    Auto,
    Classic,
    BuildKit,
}

/// `build(#{ … })` as the engine needs it.
#[derive(Debug, Clone, Default)]
pub struct BuildRequest {
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    pub tag: Option<String>,
    pub target: Option<String>,
    pub args: Vec<(String, String)>,
    pub no_cache: bool,
    /// `None`: the run's choice (`--builder`).
    pub builder: Option<Builder>,
    /// Secret ids and the files holding them (BuildKit only).
    pub secrets: Vec<(String, PathBuf)>,
    pub platform: Option<String>,
    /// The network of `RUN` steps: `none`, `default`, `host`.
    pub network: Option<String>,
    pub pull: bool,
    pub labels: Vec<(String, String)>,
}

/// What builds need to know of the engine: whether it builds with
/// BuildKit, and its version (for the features its frontend reads).
#[derive(Debug, Clone)]
pub struct EngineFacts {
    buildkit: Support,
    version: String,
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
    /// Something the report should say about the build (which builder ran
    /// when the one asked for could not).
    Note(String),
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
    /// The base image BuildKit could not load (it fails before any step).
    pub base_image: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error("the build failed: {}", .0.message)]
    Failed(BuildFailure),
    #[error(transparent)]
    Op(#[from] OpError),
    /// The Dockerfile uses a feature the builder cannot read.
    #[error("{} uses {}, which {} cannot read", .0.line, .0.feature, .0.builder)]
    TooNew(TooNew),
    /// The build asks for something its builder cannot do.
    #[error("{what}")]
    Unsupported {
        what: String,
        /// The option of `build()` that asked for it.
        option: &'static str,
    },
}

impl Client {
    /// Streams the context to the engine and follows the build, with the
    /// builder the request or the run chose; returns the image id.
    /// Cancelling drops the request, which aborts the build.
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
        let version = ready.client_version();
        let api = (version.major_version, version.minor_version);
        // A TLS engine is dialled by bollard only.
        let endpoint = self.endpoint();
        let dial = if endpoint.tls.is_some() {
            None
        } else {
            buildkit::Dial::of(&endpoint.url)
        };
        let chosen = request.builder.unwrap_or(self.builder);
        let facts = self
            .build_facts
            .get_or_init(|| async {
                EngineFacts {
                    buildkit: buildkit::support(dial.as_ref(), api).await,
                    version: ready
                        .version()
                        .await
                        .ok()
                        .and_then(|v| v.version)
                        .unwrap_or_else(|| "unknown".into()),
                }
            })
            .await;
        let buildkit = match (chosen, &facts.buildkit) {
            (Builder::Classic, _) => false,
            (_, Support::Yes) => true,
            (Builder::Auto, Support::No(why)) if request.secrets.is_empty() => {
                on_event(BuildEvent::Note(format!(
                    "built with the classic builder: {why}"
                )));
                false
            }
            (_, Support::No(why)) => {
                return Err(BuildError::Unsupported {
                    what: format!("this engine cannot build with BuildKit: {why}"),
                    option: if request.secrets.is_empty() {
                        "builder"
                    } else {
                        "secrets"
                    },
                })
            }
        };
        if !buildkit && !request.secrets.is_empty() {
            return Err(BuildError::Unsupported {
                what: "the classic builder cannot mount secrets; they need BuildKit".into(),
                option: "secrets",
            });
        }
        if let Ok(file) = Dockerfile::read(&request.dockerfile) {
            if let Some(too_new) = build_features::first_too_new(&file, buildkit, &facts.version) {
                return Err(BuildError::TooNew(too_new));
            }
        }
        match (buildkit, dial) {
            (true, Some(dial)) => {
                buildkit::build(&dial, api, endpoint, request, &mut on_event, cancel).await
            }
            _ => self.build_classic(ready, request, on_event, cancel).await,
        }
    }

    async fn build_classic(
        &self,
        ready: &bollard::Docker,
        request: &BuildRequest,
        mut on_event: impl FnMut(BuildEvent),
        cancel: &CancellationToken,
    ) -> Result<String, BuildError> {
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
            labels: (!request.labels.is_empty())
                .then(|| request.labels.iter().cloned().collect::<HashMap<_, _>>()),
            pull: request.pull.then(|| "1".to_owned()),
            networkmode: request.network.clone(),
            platform: request.platform.clone().unwrap_or_default(),
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
                    if let Some(BuildInfoAux::Default(image)) = info.aux {
                        if let Some(id) = image.id {
                            follower.id = Some(id);
                        }
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
            base_image: None,
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
pub(crate) fn strip_ansi(line: &str) -> String {
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
