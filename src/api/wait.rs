//! `c.wait_healthy`, `c.wait_http`, `c.wait_log`, `c.wait_port`: waiting
//! until a started container is ready, with a diagnostic that says why
//! when it never is.

use std::cell::RefCell;
use std::future::Future;
use std::time::{Duration, Instant};

use rhai::plugin::*;
use rhai::{Dynamic, Engine, Map, NativeCallContext};
use tokio::io::AsyncReadExt;

use super::container::host_port;
use super::http::{build_request, http_thrown};
use super::option_keys;
use super::ApiModule;
use crate::engine::{Lines, ServiceState, LOOPBACK};
use crate::error::{FileSpan, Thrown, ThrownKind};
use crate::host::container::Container;
use crate::host::convert::{known_keys, regex, RhaiResult};
use crate::host::engine_errors::thrown;
use crate::host::response::Response;
use crate::host::seconds::{opt_seconds, seconds, Zero};
use crate::http::HttpError;
use crate::runner::context::Ctx;
use crate::static_read::dockerfile::Dockerfile;

pub const MODULE: ApiModule = ApiModule {
    title: "Waiting for a service",
    intro: "Each wait polls until what it waits for holds, and returns at once when it does. The \
`timeout` is in seconds (default 60). A wait that gives up fails with a diagnostic naming what it \
waited for, for how long, the last thing it saw, the container's state and the last 50 lines of \
its log. A container that exits while waited on ends the wait at once, with its exit code. The \
engine's health status is polled every 0.2 s; `wait_log` follows the log as it is written and \
looks at each new line once. The timeout is a deadline: whatever the engine or the container \
does (a flood of output, no answer), the wait ends within a second of it.",
    register,
};

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const POLL: Duration = Duration::from_millis(200);
const DEFAULT_HTTP_INTERVAL: Duration = Duration::from_millis(500);
/// The longest one attempt of `wait_http` waits for an answer.
const HTTP_ATTEMPT: Duration = Duration::from_secs(5);
/// How many lines of a container's log a diagnostic shows.
pub const LOG_LINES: usize = 50;
/// How much of those lines a diagnostic reads at most.
pub const LOG_DETAIL_BYTES: usize = 64 * 1024;
/// How long a wait that has reached its deadline may still take to ask the
/// engine for the container's state and log, for its diagnostic.
const DETAIL_WITHIN: Duration = Duration::from_millis(500);
/// The longest a line of a log is shown in a diagnostic.
const SHOWN_LINE: usize = 500;

#[allow(clippy::too_many_lines)] // one registration per function of the reference
fn register(engine: &mut Engine) {
    engine.register_global_module(exported_module!(script).into());
}

/// The script-facing functions of this concern, with the documentation
/// the reference shows.
#[export_module]
mod script {
    use super::*;
    use crate::api::Number;

    /// Waits up to 60 s until the engine reports the container healthy (the image's
    /// HEALTHCHECK). Fails at once when the image has no HEALTHCHECK, when the engine marks it
    /// unhealthy (its retries are spent), or when the container exits.
    #[rhai_fn(name = "wait_healthy", pure, return_raw)]
    pub fn container_wait_healthy(call: NativeCallContext, c: &mut Container) -> RhaiResult<()> {
        wait_healthy(&call, c, DEFAULT_TIMEOUT)
    }

    /// Waits up to `timeout` seconds until the container is healthy. `c.wait_healthy(300)`
    #[rhai_fn(name = "wait_healthy", pure, return_raw)]
    pub fn wait_healthy_timeout(
        call: NativeCallContext,
        c: &mut Container,
        timeout: Number,
    ) -> RhaiResult<()> {
        let timeout = seconds(&timeout, "timeout", "wait_healthy()", Zero::Refused)
            .map_err(|t| t.at(call.call_position()))?;
        wait_healthy(&call, c, timeout)
    }

    /// Waits up to 60 s until a GET of the URL answers 200, and returns that response. A path
    /// (`"/health"`) is asked of the container's only published port.
    /// `c.wait_http("/health")`
    #[rhai_fn(name = "wait_http", pure, return_raw)]
    pub fn container_wait_http(
        call: NativeCallContext,
        c: &mut Container,
        url_or_path: &str,
    ) -> RhaiResult<Response> {
        wait_http(&call, c, url_or_path, &Map::new())
    }

    /// Waits with options: `status` (the status to wait for, or an array of them; default 200),
    /// `timeout` (seconds, default 60), `interval` (seconds between attempts, default 0.5).
    /// `c.wait_http(c.url(8000, "/health"), #{ timeout: 300, interval: 5 })`
    #[rhai_fn(name = "wait_http", pure, return_raw)]
    pub fn wait_http_url_or_path_options(
        call: NativeCallContext,
        c: &mut Container,
        url_or_path: &str,
        options: Map,
    ) -> RhaiResult<Response> {
        wait_http(&call, c, url_or_path, &options)
    }

    /// Waits up to 60 s until a line of the container's log (stdout or stderr) matches the
    /// regular expression, and returns that line. `c.wait_log("listening on .*:8000")`
    #[rhai_fn(name = "wait_log", pure, return_raw)]
    pub fn container_wait_log(
        call: NativeCallContext,
        c: &mut Container,
        regex: &str,
    ) -> RhaiResult<String> {
        wait_log(&call, c, regex, DEFAULT_TIMEOUT)
    }

    /// Waits up to `timeout` seconds for a log line matching the regular expression.
    #[rhai_fn(name = "wait_log", pure, return_raw)]
    pub fn wait_log_regex_timeout(
        call: NativeCallContext,
        c: &mut Container,
        regex: &str,
        timeout: Number,
    ) -> RhaiResult<String> {
        let timeout = seconds(&timeout, "timeout", "wait_log()", Zero::Refused)
            .map_err(|t| t.at(call.call_position()))?;
        wait_log(&call, c, regex, timeout)
    }

    /// Waits up to 60 s until something in the container accepts TCP connections on a
    /// published container port. `c.wait_port(8000)`
    #[rhai_fn(name = "wait_port", pure, return_raw)]
    pub fn container_wait_port(
        call: NativeCallContext,
        c: &mut Container,
        port: i64,
    ) -> RhaiResult<()> {
        wait_port(&call, c, port, DEFAULT_TIMEOUT)
    }

    /// Waits up to `timeout` seconds for the published container port to accept connections.
    /// A connection the engine's port proxy accepts but closes at once (nothing listens in the
    /// container yet) does not count.
    #[rhai_fn(name = "wait_port", pure, return_raw)]
    pub fn wait_port_port_timeout(
        call: NativeCallContext,
        c: &mut Container,
        port: i64,
        timeout: Number,
    ) -> RhaiResult<()> {
        let timeout = seconds(&timeout, "timeout", "wait_port()", Zero::Refused)
            .map_err(|t| t.at(call.call_position()))?;
        wait_port(&call, c, port, timeout)
    }
}

/// What one look at the service found.
enum Attempt<T> {
    Done(T),
    /// Not yet; what was seen instead.
    NotYet(String),
    /// Waiting longer cannot help; `true` to add the container's log.
    Fail(Thrown, bool),
}

/// One wait: what it waits for, on which container, until when.
struct Wait<'a> {
    ctx: &'a Ctx,
    c: &'a Container,
    what: String,
    timeout: Duration,
    started: Instant,
    /// What the last look saw, and the container's last known state: what
    /// the diagnostic says when the deadline cuts a look short.
    seen: RefCell<Option<String>>,
    state: RefCell<Option<ServiceState>>,
}

impl<'a> Wait<'a> {
    fn new(ctx: &'a Ctx, c: &'a Container, what: String, timeout: Duration) -> Self {
        Self {
            ctx,
            c,
            what,
            timeout,
            started: Instant::now(),
            seen: RefCell::new(None),
            state: RefCell::new(None),
        }
    }

    fn remaining(&self) -> Duration {
        self.timeout.saturating_sub(self.started.elapsed())
    }

    fn saw(&self, last: String) {
        *self.seen.borrow_mut() = Some(last);
    }

    /// Runs `looking` until the wait's deadline; when the deadline comes
    /// first (whatever the engine or the container is doing), the wait
    /// gives up, saying what `last_seen` says it saw last.
    async fn by_deadline<T>(
        &self,
        looking: impl Future<Output = Result<T, Thrown>>,
        last_seen: impl Fn() -> Option<String>,
    ) -> Result<T, Thrown> {
        let deadline = tokio::time::Instant::from_std(self.started + self.timeout);
        match tokio::time::timeout_at(deadline, looking).await {
            Ok(result) => result,
            Err(_) => {
                // The state and the log at once, each within DETAIL_WITHIN.
                let state = tokio::time::timeout(
                    DETAIL_WITHIN,
                    self.ctx.engine().service_state(&self.c.id),
                );
                let (state, log) = tokio::join!(state, self.last_lines());
                let state = match state {
                    Ok(Ok(state)) => state,
                    _ => self.state.borrow().clone().unwrap_or_default(),
                };
                let last = last_seen();
                Err(self.gave_up_with(&state, last.as_deref().unwrap_or("nothing"), &log))
            }
        }
    }

    /// Looks until `attempt` is done, the container exits or time is up.
    /// `attempt` is given the container's state of this round.
    async fn until<T, F, Fut>(&self, interval: Duration, mut attempt: F) -> Result<T, Thrown>
    where
        F: FnMut(ServiceState) -> Fut,
        Fut: Future<Output = Attempt<T>>,
    {
        self.by_deadline(
            async {
                loop {
                    let state = self
                        .ctx
                        .engine()
                        .service_state(&self.c.id)
                        .await
                        .map_err(thrown)?;
                    *self.state.borrow_mut() = Some(state.clone());
                    // A container that has stopped ends the wait at once,
                    // whatever the attempt says (an exited container's health is
                    // moot).
                    let last = match attempt(state.clone()).await {
                        Attempt::Done(value) => return Ok(value),
                        Attempt::NotYet(last) => {
                            self.saw(last.clone());
                            Some(last)
                        }
                        Attempt::Fail(_, _) if !state.running => None,
                        Attempt::Fail(thrown, false) => return Err(thrown),
                        Attempt::Fail(thrown, true) => {
                            return Err(self.with_log(thrown, &state).await)
                        }
                    };
                    if !state.running {
                        return Err(self.exited(&state, last.as_deref()).await);
                    }
                    let remaining = self.remaining();
                    if remaining.is_zero() {
                        return Err(self
                            .gave_up(&state, last.as_deref().unwrap_or("nothing"))
                            .await);
                    }
                    tokio::time::sleep(interval.min(remaining)).await;
                }
            },
            || self.seen.borrow().clone(),
        )
        .await
    }

    /// Follows the container's log from its start, looking at each new line
    /// once, until a line matches (it is returned), the container stops or
    /// time is up. Lines longer than the container's `max_output` are
    /// matched on their start.
    async fn log_line(&self, regex: &regex::Regex) -> Result<String, Thrown> {
        let engine = self.ctx.engine();
        let progress = RefCell::new(LogProgress::default());
        let looking = async {
            loop {
                let mut lines = Lines::new(self.c.max_output.max(1024));
                let mut follower = engine.follow_logs(&self.c.id).await.map_err(thrown)?;
                let mut found = None;
                while let Some(chunk) = follower.next().await {
                    let chunk = chunk.map_err(thrown)?;
                    let mut progress = progress.borrow_mut();
                    if lines.push(&chunk, |line| progress.look(line, regex, &mut found)) {
                        break;
                    }
                }
                if found.is_none() {
                    let mut progress = progress.borrow_mut();
                    lines.finish(|line| progress.look(line, regex, &mut found));
                }
                if let Some(line) = found {
                    return Ok(line);
                }
                // The log ends when the container stops.
                let state = engine.service_state(&self.c.id).await.map_err(thrown)?;
                *self.state.borrow_mut() = Some(state.clone());
                if !state.running {
                    let last = progress.borrow().describe();
                    return Err(self.exited(&state, last.as_deref()).await);
                }
                // The engine ended the stream of a running container: read
                // it again from the start (the lines seen did not match).
                *progress.borrow_mut() = LogProgress::default();
                tokio::time::sleep(POLL.min(self.remaining())).await;
            }
        };
        self.by_deadline(looking, || {
            Some(
                progress
                    .borrow()
                    .describe()
                    .unwrap_or_else(|| "an empty log".to_owned()),
            )
        })
        .await
    }

    async fn exited(&self, state: &ServiceState, last: Option<&str>) -> Thrown {
        let mut message = format!(
            "{} {} while waiting for {} ({:.1}s in)",
            self.c.label(),
            state.describe(),
            self.what,
            self.started.elapsed().as_secs_f64(),
        );
        if let Some(last) = last {
            message.push_str("; last saw: ");
            message.push_str(last);
        }
        let thrown = Thrown::new(ThrownKind::Failure, "shakedown::wait::exited", message)
            .help("the container stopped before it was ready; its log below says why (c.logs() has all of it)");
        self.with_log(thrown, state).await
    }

    async fn gave_up(&self, state: &ServiceState, last: &str) -> Thrown {
        let log = self.last_lines().await;
        self.gave_up_with(state, last, &log)
    }

    fn gave_up_with(&self, state: &ServiceState, last: &str, log: &str) -> Thrown {
        let message = format!(
            "gave up waiting for {} after {}s; last saw: {last}; {} is {}",
            self.what,
            self.timeout.as_secs_f64(),
            self.c.label(),
            state.describe(),
        );
        Thrown::new(ThrownKind::Failure, "shakedown::wait::timeout", message)
            .help("its log below may say what it is stuck on; if it is only slow to start, raise the wait's timeout")
            .detail(log_detail(&self.c.label(), state, log))
    }

    /// Adds the container's state and the last lines of its log.
    async fn with_log(&self, thrown: Thrown, state: &ServiceState) -> Thrown {
        let log = self.last_lines().await;
        thrown.detail(log_detail(&self.c.label(), state, &log))
    }

    /// The last lines of the container's log, asked of the engine for at
    /// most `DETAIL_WITHIN` (a diagnostic must not outlast its deadline).
    async fn last_lines(&self) -> String {
        let logs = self
            .ctx
            .engine()
            .service_logs(&self.c.id, Some(LOG_LINES), LOG_DETAIL_BYTES);
        match tokio::time::timeout(DETAIL_WITHIN, logs).await {
            Ok(Ok(log)) => log.text,
            Ok(Err(err)) => format!("(its log cannot be read: {err})\n"),
            Err(_) => format!(
                "(its log cannot be read: the engine did not answer within {}s)\n",
                DETAIL_WITHIN.as_secs_f64()
            ),
        }
    }
}

/// How far `wait_log` has read: the lines it looked at, and the last one
/// (its start).
#[derive(Debug, Default)]
struct LogProgress {
    count: u64,
    last: Vec<u8>,
}

impl LogProgress {
    /// Looks at one new line: `true` (with the line in `found`) when it
    /// matches.
    fn look(&mut self, line: &[u8], regex: &regex::Regex, found: &mut Option<String>) -> bool {
        self.count += 1;
        let text = String::from_utf8_lossy(line);
        if regex.is_match(&text) {
            *found = Some(text.into_owned());
            return true;
        }
        self.last.clear();
        self.last
            .extend_from_slice(&line[..line.len().min(SHOWN_LINE)]);
        false
    }

    /// "1234 lines, none matching; the last: \"…\"", or `None` for an
    /// empty log.
    fn describe(&self) -> Option<String> {
        (self.count > 0).then(|| {
            format!(
                "{} lines, none matching; the last: {:?}",
                self.count,
                String::from_utf8_lossy(&self.last)
            )
        })
    }
}

/// The detail block of a wait's diagnostic.
pub fn log_detail(label: &str, state: &ServiceState, log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let mut detail = format!("{label}: {}\n", state.describe());
    if lines.is_empty() {
        detail.push_str("its log is empty");
    } else {
        let heading = if lines.len() >= LOG_LINES {
            format!("last {LOG_LINES} lines of its log:")
        } else {
            let plural = if lines.len() == 1 { "" } else { "s" };
            format!("its log ({} line{plural}):", lines.len())
        };
        detail.push_str(&heading);
        for line in lines {
            detail.push_str("\n  ");
            match line.char_indices().nth(SHOWN_LINE) {
                Some((cut, _)) => {
                    detail.push_str(&line[..cut]);
                    detail.push('…');
                }
                None => detail.push_str(line),
            }
        }
    }
    detail
}

/// Runs a wait on the runtime; it ends when the check or task is cancelled.
fn block<T>(
    call: &NativeCallContext,
    ctx: &Ctx,
    wait: impl Future<Output = Result<T, Thrown>>,
) -> RhaiResult<T> {
    ctx.run
        .rt
        .block_on(async {
            tokio::select! {
                result = wait => result,
                () = ctx.cancel.cancelled() => Err(thrown(crate::engine::OpError::Cancelled)),
            }
        })
        .map_err(|t| t.at(call.call_position()))
}

fn wait_healthy(call: &NativeCallContext, c: &Container, timeout: Duration) -> RhaiResult<()> {
    let ctx = super::container::here(call, c)?;
    let wait = Wait::new(
        &ctx,
        c,
        "it to be healthy (its HEALTHCHECK)".to_owned(),
        timeout,
    );
    block(
        call,
        &ctx,
        wait.until(POLL, |state| async move {
            match state.health.as_deref() {
                Some("healthy") => Attempt::Done(()),
                None => Attempt::Fail(no_healthcheck(c), false),
                Some("unhealthy") => Attempt::Fail(
                    Thrown::new(
                        ThrownKind::Failure,
                        "shakedown::wait::unhealthy",
                        format!(
                            "{} became unhealthy: its HEALTHCHECK failed every retry; last probe said: {}",
                            c.label(),
                            probe_output(&state)
                        ),
                    )
                    .help("the probe's output and the container's log below say why; check what the HEALTHCHECK probes"),
                    true,
                ),
                Some(other) => Attempt::NotYet(format!(
                    "health {other}, last probe said: {}",
                    probe_output(&state)
                )),
            }
        }),
    )
}

fn probe_output(state: &ServiceState) -> String {
    match state.last_probe.as_deref() {
        None => "(no probe has run yet)".to_owned(),
        Some("") => "(nothing)".to_owned(),
        Some(output) => format!("{output:?}"),
    }
}

/// The image has no HEALTHCHECK: says so, pointing at the Dockerfile's
/// stage when the script built it.
fn no_healthcheck(c: &Container) -> Thrown {
    let mut thrown = Thrown::new(
        ThrownKind::Failure,
        "shakedown::wait::no_healthcheck",
        format!(
            "{} has no HEALTHCHECK, so the engine never reports it healthy",
            c.image
        ),
    )
    .help("add a HEALTHCHECK to its Dockerfile, or wait another way: c.wait_http(\"/health\"), c.wait_port(8000), c.wait_log(\"listening\")");
    let Some(built) = &c.built else {
        return thrown;
    };
    let Ok(parsed) = Dockerfile::read(&built.dockerfile) else {
        return thrown;
    };
    let from = parsed
        .target_stage(built.target.as_deref())
        .and_then(|stage| parsed.instructions.get(stage.instructions.start));
    if let Some(from) = from {
        thrown = thrown.span(FileSpan {
            name: built.dockerfile.display().to_string(),
            text: parsed.source.clone().into(),
            offset: from.span.start,
            len: from.span.len(),
            label: "this stage has no HEALTHCHECK".to_owned(),
        });
    }
    thrown
}

/// `[200]` from `status: 200` or `status: [200, 204]`.
fn statuses(options: &Map) -> Result<Vec<i64>, Thrown> {
    let bad = |v: &Dynamic| {
        Thrown::usage(
            format!(
                "option `status` of wait_http() must be a status code or an array of them, not {v}"
            ),
            "e.g. status: 200 or status: [200, 204]",
        )
    };
    match options.get("status") {
        None => Ok(vec![200]),
        Some(v) => {
            if let Ok(code) = v.as_int() {
                return Ok(vec![code]);
            }
            let items = v.clone().try_cast::<rhai::Array>().ok_or_else(|| bad(v))?;
            items
                .iter()
                .map(|i| i.as_int().map_err(|_| bad(v)))
                .collect()
        }
    }
}

/// A full URL, or a path on the container's only published port.
fn target_url(c: &Container, target: &str) -> Result<String, Thrown> {
    if !target.starts_with('/') {
        return Ok(target.to_owned());
    }
    let mut ports = c.ports.iter();
    match (ports.next(), ports.next()) {
        (Some((_, host)), None) => Ok(format!("http://{LOOPBACK}:{host}{target}")),
        (None, _) => Err(Thrown::usage(
            format!("wait_http({target:?}): {} publishes no port", c.label()),
            "start it with #{ ports: [8000] }, or give a full URL",
        )),
        _ => Err(Thrown::usage(
            format!(
                "wait_http({target:?}): {} publishes several ports ({}), so a path is ambiguous",
                c.label(),
                c.published()
            ),
            format!("give a full URL, e.g. c.wait_http(c.url(8000, {target:?}))"),
        )),
    }
}

fn wait_http(
    call: &NativeCallContext,
    c: &Container,
    target: &str,
    options: &Map,
) -> RhaiResult<Response> {
    let ctx = super::container::here(call, c)?;
    let at = |t: Thrown| t.at(call.call_position());
    known_keys(options, &option_keys::WAIT_HTTP, "wait_http()").map_err(at)?;
    let wanted = statuses(options).map_err(at)?;
    let timeout = opt_seconds(options, "timeout", "wait_http()", Zero::Refused)
        .map_err(at)?
        .unwrap_or(DEFAULT_TIMEOUT);
    let interval = opt_seconds(options, "interval", "wait_http()", Zero::Refused)
        .map_err(at)?
        .unwrap_or(DEFAULT_HTTP_INTERVAL);
    let expected = wanted
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" or ");
    let url = match target_url(c, target) {
        Ok(url) => url,
        Err(t) if c.requested.is_empty() => return Err(at(t)),
        Err(t) => return no_host_port(call, &ctx, c, format!("{target} to answer {expected}"), t),
    };
    let mut request = build_request("GET", &url, &Map::new()).map_err(at)?;
    crate::http::check_url(&url).map_err(|err| at(http_thrown(err)))?;
    let wait = Wait::new(&ctx, c, format!("{url} to answer {expected}"), timeout);
    let never = tokio_util::sync::CancellationToken::new();
    block(
        call,
        &ctx,
        wait.until(interval, |_| {
            request.timeout = wait
                .remaining()
                .clamp(Duration::from_millis(100), HTTP_ATTEMPT);
            let (request, wanted, never, url) = (request.clone(), &wanted, &never, &url);
            async move {
                match crate::http::send(&request, never).await {
                    Ok(response) if wanted.contains(&i64::from(response.status)) => {
                        Attempt::Done(Response::from((url.clone(), response)))
                    }
                    Ok(response) => {
                        let response = Response::from((url.clone(), response));
                        Attempt::NotYet(format!(
                            "status {}: {:?}",
                            response.status,
                            response.excerpt()
                        ))
                    }
                    Err(err @ (HttpError::BadUrl { .. } | HttpError::TooLarge { .. })) => {
                        Attempt::Fail(http_thrown(err), false)
                    }
                    Err(HttpError::Refused { reason, .. } | HttpError::Failed { reason, .. }) => {
                        Attempt::NotYet(reason)
                    }
                    Err(HttpError::Timeout { seconds, .. }) => {
                        Attempt::NotYet(format!("no answer within {seconds:.1}s"))
                    }
                    Err(HttpError::Cancelled) => Attempt::NotYet("cancelled".to_owned()),
                }
            }
        }),
    )
}

/// A port asked for at the start has no host port: the container has
/// stopped (the wait's exited diagnostic), or the port is unusable (`t`).
fn no_host_port<T>(
    call: &NativeCallContext,
    ctx: &Ctx,
    c: &Container,
    what: String,
    t: Thrown,
) -> RhaiResult<T> {
    // One look: the attempt fails at once, or the container has stopped.
    let wait = Wait::new(ctx, c, what, Duration::from_secs(5));
    block(
        call,
        ctx,
        wait.until(POLL, |_| {
            let t = t.clone();
            async move { Attempt::Fail(t, false) }
        }),
    )
}

fn wait_log(
    call: &NativeCallContext,
    c: &Container,
    pattern: &str,
    timeout: Duration,
) -> RhaiResult<String> {
    let ctx = super::container::here(call, c)?;
    let regex = regex(call, pattern)?;
    let wait = Wait::new(&ctx, c, format!("a log line matching /{pattern}/"), timeout);
    block(call, &ctx, wait.log_line(&regex))
}

/// Connects to 127.0.0.1:`port`: ready when the connection stays open (or
/// the server speaks first); the engine's proxy accepts and closes at once
/// when nothing listens in the container.
async fn try_port(port: u16) -> Result<(), String> {
    let connect = tokio::net::TcpStream::connect((LOOPBACK, port));
    let mut stream = match tokio::time::timeout(Duration::from_secs(2), connect).await {
        Err(_) => return Err("no connection within 2s".to_owned()),
        Ok(Err(err)) => return Err(err.to_string()),
        Ok(Ok(stream)) => stream,
    };
    let mut byte = [0u8; 1];
    match tokio::time::timeout(Duration::from_millis(150), stream.read(&mut byte)).await {
        Ok(Ok(0)) => Err(
            "the connection was closed at once (nothing listens in the container yet)".to_owned(),
        ),
        Ok(Err(err)) => Err(err.to_string()),
        Err(_) | Ok(Ok(_)) => Ok(()),
    }
}

fn wait_port(
    call: &NativeCallContext,
    c: &Container,
    port: i64,
    timeout: Duration,
) -> RhaiResult<()> {
    let ctx = super::container::here(call, c)?;
    let what = |host: &str| format!("port {port}{host} to accept connections");
    let host = match host_port(c, port, "wait_port()") {
        Ok(host) => host,
        Err(t) if u16::try_from(port).is_ok_and(|p| c.requested.contains(&p)) => {
            return no_host_port(call, &ctx, c, what(""), t);
        }
        Err(t) => return Err(t.at(call.call_position())),
    };
    let wait = Wait::new(&ctx, c, what(&format!(" ({LOOPBACK}:{host})")), timeout);
    block(
        call,
        &ctx,
        wait.until(POLL, |_| async move {
            match try_port(host).await {
                Ok(()) => Attempt::Done(()),
                Err(last) => Attempt::NotYet(last),
            }
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    fn container(ports: &[(u16, u16)]) -> Container {
        Container {
            id: "0123456789abcdef".into(),
            image: "demo".into(),
            built: None,
            engine: "default".into(),
            ports: Arc::new(ports.iter().copied().collect::<BTreeMap<_, _>>()),
            requested: Arc::new(ports.iter().map(|(p, _)| *p).collect()),
            max_output: 1000,
        }
    }

    #[test]
    fn a_path_uses_the_only_published_port() {
        assert_eq!(
            target_url(&container(&[(8000, 32768)]), "/health").unwrap(),
            "http://127.0.0.1:32768/health"
        );
        assert!(target_url(&container(&[]), "/health").is_err());
        let err = target_url(&container(&[(8000, 1), (9000, 2)]), "/health").unwrap_err();
        assert!(err.message.contains("several ports"), "{}", err.message);
        assert_eq!(
            target_url(&container(&[]), "http://x/").unwrap(),
            "http://x/"
        );
    }

    #[test]
    fn the_detail_has_the_state_and_the_log() {
        let state = ServiceState {
            status: "exited".into(),
            exit_code: Some(3),
            ..Default::default()
        };
        let detail = log_detail("container abc (demo)", &state, "starting\nboom\n");
        assert_eq!(
            detail,
            "container abc (demo): exited with code 3\nits log (2 lines):\n  starting\n  boom"
        );
        let many: String = (1..=50).map(|i| format!("line {i}\n")).collect();
        assert!(log_detail("c", &state, &many).contains("last 50 lines of its log:"));
        assert!(log_detail("c", &state, "").ends_with("its log is empty"));
    }

    #[test]
    fn status_is_a_code_or_a_list() {
        let mut options = Map::new();
        assert_eq!(statuses(&options).unwrap(), vec![200]);
        options.insert("status".into(), Dynamic::from_int(204));
        assert_eq!(statuses(&options).unwrap(), vec![204]);
        options.insert("status".into(), Dynamic::from("ok".to_owned()));
        assert!(statuses(&options).is_err());
    }
}
