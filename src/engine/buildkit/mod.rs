//! Builds through BuildKit, the way the docker CLI has built since 23.0: a
//! session carrying the build's secrets, then `/build?version=2` naming it.
//! The engine streams BuildKit's progress back; it is turned into the same
//! `BuildEvent`s and `BuildFailure`s as the classic builder's output.

mod dial;
mod locate;
mod progress;
mod secrets;
mod session;

pub use dial::Dial;

use bollard::models::{BuildInfo, BuildInfoAux};
use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::{Request, StatusCode};
use tokio_util::sync::CancellationToken;

use super::build::{BuildError, BuildEvent, BuildFailure, BuildRequest};
use super::{deadline, Endpoint, OpError};
use crate::static_read::build_context::BuildContext;
use crate::static_read::dockerfile::Dockerfile;

/// What the engine said about BuildKit when pinged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    Yes,
    /// Why not, in words for the report's note.
    No(String),
}

/// The oldest API with BuildKit builds through a session (Docker 18.09).
const MIN_API: (usize, usize) = (1, 39);

/// Whether the engine builds with BuildKit: a Linux engine, API 1.39 or
/// later, and BuildKit not turned off (`"features": {"buildkit": false}`
/// makes the engine answer `Builder-Version: 1`).
pub async fn support(dial: Option<&Dial>, api: (usize, usize)) -> Support {
    let Some(dial) = dial else {
        return Support::No(
            "BuildKit builds are made over a unix socket or plain TCP, and this engine is reached another way (TLS or SSH)".into(),
        );
    };
    if api < MIN_API {
        return Support::No(format!(
            "the engine speaks API {}.{}; BuildKit needs {}.{}",
            api.0, api.1, MIN_API.0, MIN_API.1
        ));
    }
    let Ok(request) = Request::get(format!("/v{}.{}/_ping", api.0, api.1))
        .header("Host", "docker")
        .body(http_body_util::Empty::<Bytes>::new())
    else {
        return Support::No("the engine could not be asked".into());
    };
    let Ok(response) = dial.send(request).await else {
        return Support::No("the engine did not answer its ping".into());
    };
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    if header("Ostype").is_some_and(|os| os != "linux") {
        return Support::No("the engine is not a Linux engine".into());
    }
    if header("Builder-Version").as_deref() == Some("1") {
        return Support::No("BuildKit is turned off in the engine's configuration".into());
    }
    Support::Yes
}

/// Runs the build; returns the image id.
pub async fn build(
    dial: &Dial,
    api: (usize, usize),
    endpoint: &Endpoint,
    request: &BuildRequest,
    on_event: &mut impl FnMut(BuildEvent),
    cancel: &CancellationToken,
) -> Result<String, BuildError> {
    let context = BuildContext::new(&request.context, &request.dockerfile)?;
    let api = format!("{}.{}", api.0, api.1);
    let io = |err: std::io::Error| {
        BuildError::Op(OpError::Engine(endpoint.unreachable(
            super::transport::meaning(&err).unwrap_or_else(|| err.to_string()),
        )))
    };
    let stalled = || io(std::io::Error::from(std::io::ErrorKind::TimedOut));
    let open = session::Session::open(
        dial,
        &api,
        "shakedown",
        secrets::SecretStore::new(&request.secrets),
    );
    let session = tokio::select! {
        session = tokio::time::timeout(deadline::REQUEST, open) => session.map_err(|_| stalled())?,
        () = cancel.cancelled() => return Err(OpError::Cancelled.into()),
    }
    .map_err(|err| match err {
        session::SessionError::Io(err) => io(err),
        session::SessionError::Refused(status, body) => failure(
            format!(
                "the engine refused a build session ({status}): {}",
                message_of(&body)
            ),
            None,
        ),
    })?;
    let query = query(request, &context.dockerfile_in_tar, &session.id);
    let chunks = futures_util::stream::unfold(context.stream(), |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk.map(Frame::data), rx))
    });
    let http = Request::post(format!("/v{api}/build?{query}"))
        .header("Host", "docker")
        .header("Content-Type", "application/x-tar")
        .body(StreamBody::new(chunks))
        .map_err(|err| io(std::io::Error::other(err)))?;
    // The engine answers once it has read the whole context.
    let response = tokio::select! {
        response = tokio::time::timeout(deadline::BUILD_ANSWER, dial.send(http)) => {
            response.map_err(|_| stalled())?.map_err(io)?
        }
        () = cancel.cancelled() => return Err(OpError::Cancelled.into()),
    };
    if response.status() != StatusCode::OK {
        let body = dial::text(response).await;
        return Err(failure(message_of(&body), None));
    }
    let mut body = response.into_body();
    let mut follower = Follower {
        request,
        progress: progress::Progress::default(),
        id: None,
        buffer: Vec::new(),
    };
    loop {
        let frame = tokio::select! {
            frame = body.frame() => frame,
            () = cancel.cancelled() => return Err(OpError::Cancelled.into()),
        };
        let Some(frame) = frame else { break };
        let frame = frame.map_err(|err| io(std::io::Error::other(err)))?;
        if let Ok(data) = frame.into_data() {
            follower.buffer.extend_from_slice(&data);
            follower.lines(on_event)?;
        }
    }
    drop(session);
    follower.id.take().ok_or_else(|| {
        follower.failure("the engine finished the build without naming an image".into())
    })
}

/// The query of `/build`, as the docker CLI sends it for BuildKit.
fn query(request: &BuildRequest, dockerfile: &str, session: &str) -> String {
    let json = |pairs: &[(String, String)]| {
        serde_json::to_string(
            &pairs
                .iter()
                .cloned()
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .unwrap_or_default()
    };
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("version", "2");
    q.append_pair("session", session);
    q.append_pair("dockerfile", dockerfile);
    q.append_pair("rm", "1");
    q.append_pair("forcerm", "1");
    if let Some(tag) = &request.tag {
        q.append_pair("t", tag);
    }
    if let Some(target) = &request.target {
        q.append_pair("target", target);
    }
    if !request.args.is_empty() {
        q.append_pair("buildargs", &json(&request.args));
    }
    if !request.labels.is_empty() {
        q.append_pair("labels", &json(&request.labels));
    }
    if request.no_cache {
        q.append_pair("nocache", "1");
    }
    if request.pull {
        q.append_pair("pull", "1");
    }
    if let Some(network) = &request.network {
        q.append_pair("networkmode", network);
    }
    if let Some(platform) = &request.platform {
        q.append_pair("platform", platform);
    }
    q.finish()
}

/// `{"message":"…"}` → the message; any other body as it is.
fn message_of(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned())
}

fn failure(message: String, located: Option<(usize, String)>) -> BuildError {
    BuildError::Failed(BuildFailure {
        message,
        step: located.as_ref().map(|(n, _)| *n),
        instruction: located.map(|(_, i)| i),
        tail: Vec::new(),
        base_image: None,
    })
}

struct Follower<'a> {
    request: &'a BuildRequest,
    progress: progress::Progress,
    id: Option<String>,
    buffer: Vec<u8>,
}

impl Follower<'_> {
    /// Handles the complete JSON lines received so far.
    fn lines(&mut self, on_event: &mut impl FnMut(BuildEvent)) -> Result<(), BuildError> {
        while let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let Ok(info) = serde_json::from_slice::<BuildInfo>(&line) else {
                continue;
            };
            match info.aux {
                Some(BuildInfoAux::BuildKit(status)) => {
                    for event in self.progress.update(status) {
                        on_event(event);
                    }
                }
                Some(BuildInfoAux::Default(image)) => {
                    if let Some(id) = image.id {
                        self.id = Some(id);
                    }
                }
                None => {}
            }
            if let Some(text) = info.stream {
                for line in text.lines().filter(|l| !l.trim().is_empty()) {
                    on_event(BuildEvent::Output(super::build::strip_ansi(line)));
                }
            }
            if let Some(error) = info.error_detail.and_then(|d| d.message) {
                return Err(self.failure(error));
            }
        }
        Ok(())
    }

    /// The build failed: at the failing vertex's instruction, with its output.
    fn failure(&self, message: String) -> BuildError {
        let Some(failed) = self.progress.failed() else {
            return failure(message, None);
        };
        let located = failed.step.as_ref().and_then(|step| {
            let file = Dockerfile::read(&self.request.dockerfile).ok()?;
            let n = locate::instruction_of(&file, step, self.request.target.as_deref())?;
            let ins = file.step(n)?;
            Some((n, format!("{} {}", ins.kind, ins.args)))
        });
        let message = if message.trim().is_empty() {
            failed.error.clone()
        } else {
            message
        };
        // Loading a FROM's image is no step of its own.
        let base_image = failed
            .name
            .strip_prefix("[internal] load metadata for ")
            .map(str::to_owned);
        BuildError::Failed(BuildFailure {
            message,
            step: located.as_ref().map(|(n, _)| *n),
            instruction: located.map(|(_, i)| i).or(Some(failed.name)),
            tail: failed.tail,
            base_image,
        })
    }
}
