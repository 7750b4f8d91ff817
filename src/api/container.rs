//! `img.start(options)` and what a started `Container` can do: exec, logs,
//! ports, state, files in and out, stop.

use std::sync::Arc;
use std::time::Duration;

use rhai::plugin::*;
use rhai::{Array, Blob, Dynamic, Engine, Map, NativeCallContext};

use super::files::read_followed;
use super::option_keys;
use super::run::{argv, container_options, env};
use super::wait::{log_detail, LOG_DETAIL_BYTES, LOG_LINES};
use super::ApiModule;
use crate::engine::{ExecSpec, ServiceState, StartSpec, LOOPBACK};
use crate::error::{Thrown, ThrownKind};
use crate::host::container::Container;
use crate::host::convert::{ctx, known_keys, opt_string, port_arg, until_cancelled, RhaiResult};
use crate::host::engine_errors::thrown;
use crate::host::image::Image;
use crate::host::max_output::opt_max_output;
use crate::host::network_mode;
use crate::host::owner;
use crate::host::run_result::RunResult;
use crate::host::seconds::{opt_seconds, seconds, Zero};
use crate::runner::context::Ctx;

pub const MODULE: ApiModule = ApiModule {
    title: "Services: long-lived containers",
    intro: "`img.start(…)` starts the image as a server, like `docker run -d`, and returns a \
`Container`. It runs until its task ends (or `stop()`), and is removed when its task ends, \
whatever the outcome: a failed check, a thrown error, a timeout or Ctrl-C. Ports are published \
on 127.0.0.1 only. Files are copied in and out through the engine's archive API, so the image \
needs no shell or `tar`.",
    register,
};

const DEFAULT_EXEC_TIMEOUT: Duration = Duration::from_secs(60);
/// How long `stop()` lets the container end on SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);

#[allow(clippy::too_many_lines)] // one registration per function of the reference
fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Container>("Container");
    engine.register_global_module(exported_module!(script).into());
}

/// The script-facing functions of this concern, with the documentation
/// the reference shows.
#[export_module]
mod script {
    use super::*;
    use crate::api::Number;

    /// Starts the image with its own CMD, like `docker run -d IMAGE`; nothing is published.
    /// `let c = img.start();`
    #[rhai_fn(name = "start", pure, return_raw)]
    pub fn image_start(call: NativeCallContext, img: &mut Image) -> RhaiResult<Container> {
        start(&call, img, &Map::new())
    }

    /// Starts the image with the options of `run` (`network`, `user`, `env`, `workdir`,
    /// `entrypoint`, `gpus`) plus `ports` and `cmd`. `ports`: an array of container ports to
    /// publish on 127.0.0.1, each on a free host port the engine chooses (`[8000]`), or a map
    /// giving the host ports (`#{ "8000": 18000 }`; 0 lets the engine choose). `cmd` (a string
    /// or an array) replaces the image's CMD. `timeout` (seconds; default none) kills the
    /// container when it has run that long. `max_output` bounds what `logs()` and the waits keep
    /// of its log (bytes, default 16 MB). The container is removed when its task ends.
    /// `let c = img.start(#{ ports: [8000], env: #{ LOG_LEVEL: "debug" } });`
    #[rhai_fn(name = "start", pure, return_raw)]
    pub fn start_options(
        call: NativeCallContext,
        img: &mut Image,
        options: Map,
    ) -> RhaiResult<Container> {
        start(&call, img, &options)
    }

    /// Runs `command` (an array, or a string split like a shell would, without a shell) in the
    /// running container, like `docker exec`. `c.exec(["sh", "-c", "touch /tmp/ready"])`
    #[rhai_fn(name = "exec", pure, return_raw)]
    pub fn container_exec(
        call: NativeCallContext,
        c: &mut Container,
        command: Dynamic,
    ) -> RhaiResult<RunResult> {
        exec(&call, c, &command, &Map::new())
    }

    /// Runs with options: `user`, `env` (map), `workdir`, `timeout` (seconds, default 60: the
    /// result says it timed out; the command itself ends when the container is removed),
    /// `max_output` (bytes of stdout and of stderr kept, default 16 MB: the first and last half).
    /// `c.exec("id -u", #{ user: "root" })`
    #[rhai_fn(name = "exec", pure, return_raw)]
    pub fn exec_command_options(
        call: NativeCallContext,
        c: &mut Container,
        command: Dynamic,
        options: Map,
    ) -> RhaiResult<RunResult> {
        exec(&call, c, &command, &options)
    }

    /// What the container wrote to stdout and stderr, interleaved as written; when there is
    /// more than its `max_output`, the first and the last half.
    #[rhai_fn(name = "logs", pure, return_raw)]
    pub fn container_logs(call: NativeCallContext, c: &mut Container) -> RhaiResult<String> {
        logs(&call, c, None)
    }

    /// The last `tail` lines of its log. `c.logs(50)`
    #[rhai_fn(name = "logs", pure, return_raw)]
    pub fn logs_tail(call: NativeCallContext, c: &mut Container, tail: i64) -> RhaiResult<String> {
        let tail = usize::try_from(tail).map_err(|_| {
            Thrown::usage(
                format!("logs({tail}): the number of lines cannot be negative"),
                "e.g. c.logs(50)",
            )
            .at(call.call_position())
        })?;
        logs(&call, c, Some(tail))
    }

    /// The host port (on 127.0.0.1) a published container port is reachable on.
    /// `c.port(8000)`
    #[rhai_fn(name = "port", pure, return_raw)]
    pub fn port(
        call: NativeCallContext,
        c: &mut Container,
        container_port: i64,
    ) -> RhaiResult<i64> {
        resolve(&call, c, container_port, "container_port()").map(i64::from)
    }

    /// `http://127.0.0.1:<host port>/` for a published container port.
    #[rhai_fn(name = "url", pure, return_raw)]
    pub fn container_url(
        call: NativeCallContext,
        c: &mut Container,
        container_port: i64,
    ) -> RhaiResult<String> {
        url(&call, c, container_port, "/")
    }

    /// `http://127.0.0.1:<host port><path>` for a published container port.
    /// `http_get(c.url(8000, "/health"))`
    #[rhai_fn(name = "url", pure, return_raw)]
    pub fn url_container_port_path(
        call: NativeCallContext,
        c: &mut Container,
        container_port: i64,
        path: &str,
    ) -> RhaiResult<String> {
        url(&call, c, container_port, path)
    }

    /// The container id.
    #[rhai_fn(get = "id", pure)]
    pub fn get_id(c: &mut Container) -> String {
        c.id.clone()
    }

    /// The engine's health status now: "starting", "healthy", "unhealthy", or "none"
    /// when the image has no HEALTHCHECK.
    #[rhai_fn(get = "health", pure, return_raw)]
    pub fn get_health(call: NativeCallContext, c: &mut Container) -> RhaiResult<String> {
        Ok::<_, Box<rhai::EvalAltResult>>(
            state(&call, c)?.health.unwrap_or_else(|| "none".to_owned()),
        )
    }

    /// Whether it is running now.
    #[rhai_fn(get = "running", pure, return_raw)]
    pub fn get_running(call: NativeCallContext, c: &mut Container) -> RhaiResult<bool> {
        Ok::<_, Box<rhai::EvalAltResult>>(state(&call, c)?.running)
    }

    /// Its exit code once it has stopped; `()` while it runs.
    #[rhai_fn(get = "exit_code", pure, return_raw)]
    pub fn get_exit_code(call: NativeCallContext, c: &mut Container) -> RhaiResult<Dynamic> {
        Ok::<_, Box<rhai::EvalAltResult>>(
            state(&call, c)?
                .exit_code
                .map_or(Dynamic::UNIT, Dynamic::from_int),
        )
    }

    /// The content of a file in the container (running or stopped), like `docker cp`;
    /// symbolic links are followed. `let png = c.copy_out("/tmp/face.png");`
    #[rhai_fn(name = "copy_out", pure, return_raw)]
    pub fn container_copy_out(
        call: NativeCallContext,
        c: &mut Container,
        path: &str,
    ) -> RhaiResult<Blob> {
        copy_out(&call, c, path)
    }

    /// Writes a file into the container (a string or a blob), replacing it; mode 0644, owned
    /// by root; its directory must exist. `c.copy_in("/tmp/config.json", `{"debug": true}`)`
    #[rhai_fn(name = "copy_in", pure, return_raw)]
    pub fn container_copy_in(
        call: NativeCallContext,
        c: &mut Container,
        path: &str,
        content: Dynamic,
    ) -> RhaiResult<()> {
        copy_in(&call, c, path, &content)
    }

    /// Stops it (SIGTERM, then SIGKILL after 10 s). Its logs, exit code and files stay
    /// readable until its task ends.
    #[rhai_fn(name = "stop", pure, return_raw)]
    pub fn container_stop(call: NativeCallContext, c: &mut Container) -> RhaiResult<()> {
        stop(&call, c, STOP_GRACE)
    }

    /// Stops it, sending SIGKILL after `grace` seconds (a server running as PID 1 without a
    /// SIGTERM handler only ends then). `c.stop(1)`
    #[rhai_fn(name = "stop", pure, return_raw)]
    pub fn stop_grace(call: NativeCallContext, c: &mut Container, grace: Number) -> RhaiResult<()> {
        let grace = seconds(&grace, "grace", "stop()", Zero::Allowed)
            .map_err(|t| t.at(call.call_position()))?;
        stop(&call, c, grace)
    }

    #[rhai_fn(name = "to_string", pure)]
    pub fn to_string(c: &mut Container) -> String {
        c.to_string()
    }

    #[rhai_fn(name = "to_debug", pure)]
    pub fn to_debug(c: &mut Container) -> String {
        c.to_string()
    }
}

/// `ports: [8000]` or `ports: #{ "8000": 18000 }` as (container, host).
fn ports(options: &Map) -> Result<Vec<(u16, Option<u16>)>, Thrown> {
    let Some(value) = options.get("ports") else {
        return Ok(Vec::new());
    };
    let example = "e.g. ports: [8000] (a free host port each) or ports: #{ \"8000\": 18000 }";
    let container_port = |value: &Dynamic| -> Result<u16, Thrown> {
        let text = value.to_string();
        let number = text.strip_suffix("/tcp").unwrap_or(&text);
        number
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                Thrown::usage(
                    format!("option `ports` of start(): {text:?} is not a tcp port number"),
                    example,
                )
            })
    };
    if let Some(items) = value.clone().try_cast::<Array>() {
        return items
            .iter()
            .map(|p| Ok((container_port(p)?, None)))
            .collect();
    }
    if let Some(map) = value.clone().try_cast::<Map>() {
        return map
            .iter()
            .map(|(key, host)| {
                let container = container_port(&Dynamic::from(key.to_string()))?;
                let host = host.as_int().ok().and_then(|h| u16::try_from(h).ok()).ok_or_else(|| {
                    Thrown::usage(
                        format!("option `ports` of start(): host port {host} for {key} is not a port number"),
                        example,
                    )
                })?;
                Ok((container, (host != 0).then_some(host)))
            })
            .collect();
    }
    Err(Thrown::usage(
        format!(
            "option `ports` of start() must be an array or a map, not a {}",
            value.type_name()
        ),
        example,
    ))
}

/// What `start` was asked for: the container, how long it may live, how
/// much of its log to keep.
fn start_spec(img: &Image, options: &Map) -> Result<(StartSpec, Option<Duration>, usize), Thrown> {
    known_keys(options, &option_keys::START, "start()")?;
    let mut run = container_options(img, options, "start()")?;
    if let Some(cmd) = options.get("cmd") {
        run.cmd = argv(cmd)?;
    }
    let lifetime = opt_seconds(options, "timeout", "start()", Zero::Refused)?;
    let max_output = opt_max_output(options, "start()")?;
    Ok((
        StartSpec {
            run,
            ports: ports(options)?,
        },
        lifetime,
        max_output,
    ))
}

fn start(call: &NativeCallContext, img: &Image, options: &Map) -> RhaiResult<Container> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    owner::check(&ctx, &img.engine, &img.label(), true).map_err(at)?;
    let (spec, lifetime, max_output) = start_spec(img, options).map_err(at)?;
    network_mode::enforce(call, &ctx, spec.run.network.as_deref())?;
    let engine = Arc::clone(ctx.engine());
    let id = until_cancelled(&ctx, engine.start_service(&spec)).map_err(|err| {
        let mut t = thrown(err);
        t.message = format!("starting {} failed: {}", img.label(), t.message);
        at(t)
    })?;
    // Removed when the task ends, whatever happens from here on.
    let killer = lifetime.map(|lifetime| {
        let (engine, id) = (Arc::clone(&engine), id.clone());
        ctx.run.rt.spawn(async move {
            tokio::time::sleep(lifetime).await;
            engine.kill_service(&id).await;
        })
    });
    let (rt, cleanup_engine, cleanup_id) = (ctx.run.rt.clone(), Arc::clone(&engine), id.clone());
    ctx.task.on_end(Box::new(move || {
        if let Some(killer) = killer {
            killer.abort();
        }
        rt.block_on(cleanup_engine.remove_container(&cleanup_id));
    }));
    let state = until_cancelled(&ctx, engine.service_state(&id)).map_err(|err| at(thrown(err)))?;
    Ok(Container {
        id,
        image: img.label(),
        built: img.built.clone(),
        ports: Arc::new(state.ports),
        requested: Arc::new(spec.ports.iter().map(|(port, _)| *port).collect()),
        max_output,
        engine: img.engine.clone(),
    })
}

/// The host port of a published container port.
pub fn host_port(c: &Container, port: i64, what: &str) -> Result<u16, Thrown> {
    let port = port_arg(port, what)?;
    c.ports.get(&port).copied().ok_or_else(|| {
        Thrown::usage(
            format!("{what}: port {port} of {} is not published", c.label()),
            format!(
                "publish it with img.start(#{{ ports: [{port}] }}); published: {}",
                c.published()
            ),
        )
    })
}

/// The host port of a published container port, as the engine maps it
/// now; when the container has stopped (and so lost its ports), a
/// diagnostic that says so.
pub fn resolve(call: &NativeCallContext, c: &Container, port: i64, what: &str) -> RhaiResult<u16> {
    let ctx = ctx(call)?;
    let state = state(call, c)?;
    if state.running {
        let current = Container {
            ports: Arc::new(state.ports),
            ..c.clone()
        };
        return host_port(&current, port, what).map_err(|t| t.at(call.call_position()));
    }
    let requested = u16::try_from(port).is_ok_and(|p| c.requested.contains(&p));
    if !requested {
        return host_port(c, port, what).map_err(|t| t.at(call.call_position()));
    }
    let log = until_cancelled(
        &ctx,
        ctx.engine()
            .service_logs(&c.id, Some(LOG_LINES), LOG_DETAIL_BYTES),
    )
    .map(|log| log.text)
    .unwrap_or_default();
    Err(Thrown::new(
        ThrownKind::Failure,
        "shakedown::container::exited",
        format!(
            "{} {}, so its port {port} has no host port",
            c.label(),
            state.describe()
        ),
    )
    .help("a stopped container publishes nothing; its log below says why it stopped")
    .detail(log_detail(&c.label(), &state, &log))
    .at(call.call_position()))
}

fn url(call: &NativeCallContext, c: &Container, port: i64, path: &str) -> RhaiResult<String> {
    let host = resolve(call, c, port, "url()")?;
    Ok(url_of(host, path))
}

fn url_of(host: u16, path: &str) -> String {
    let slash = if path.starts_with('/') { "" } else { "/" };
    format!("http://{LOOPBACK}:{host}{slash}{path}")
}

/// The context of a call on a container: its task must run on the
/// container's engine.
pub fn here(call: &NativeCallContext, c: &Container) -> RhaiResult<Ctx> {
    let ctx = ctx(call)?;
    owner::check(&ctx, &c.engine, &c.label(), false).map_err(|t| t.at(call.call_position()))?;
    Ok(ctx)
}

pub fn state(call: &NativeCallContext, c: &Container) -> RhaiResult<ServiceState> {
    let ctx = here(call, c)?;
    until_cancelled(&ctx, ctx.engine().service_state(&c.id))
        .map_err(|err| context_error(err, c, call))
}

/// An engine error, saying which container it was about.
fn context_error(
    err: crate::engine::OpError,
    c: &Container,
    call: &NativeCallContext,
) -> Box<rhai::EvalAltResult> {
    let mut t = thrown(err);
    if t.kind == ThrownKind::Failure {
        t.message = format!("{}: {}", c.label(), t.message);
    }
    t.at(call.call_position())
}

fn exec(
    call: &NativeCallContext,
    c: &Container,
    command: &Dynamic,
    options: &Map,
) -> RhaiResult<RunResult> {
    let ctx = here(call, c)?;
    let at = |t: Thrown| t.at(call.call_position());
    known_keys(options, &option_keys::EXEC, "exec()").map_err(at)?;
    let spec = ExecSpec {
        cmd: argv(command).map_err(at)?,
        user: opt_string(options, "user", "exec()").map_err(at)?,
        env: env(options, "exec()").map_err(at)?,
        workdir: opt_string(options, "workdir", "exec()").map_err(at)?,
        timeout: opt_seconds(options, "timeout", "exec()", Zero::Refused)
            .map_err(at)?
            .unwrap_or(DEFAULT_EXEC_TIMEOUT),
        max_output: opt_max_output(options, "exec()").map_err(at)?,
    };
    let output = ctx
        .run
        .rt
        .block_on(ctx.engine().exec(&c.id, &spec, &ctx.cancel))
        .map_err(|err| {
            let mut t = thrown(err);
            t.message = format!(
                "exec of {:?} in {} failed: {}",
                spec.cmd.join(" "),
                c.label(),
                t.message
            );
            if t.message.contains("is not running") {
                t = t.help("the container has stopped; c.logs() says why, c.exit_code how");
            }
            at(t)
        })?;
    Ok(output.into())
}

fn logs(call: &NativeCallContext, c: &Container, tail: Option<usize>) -> RhaiResult<String> {
    let ctx = here(call, c)?;
    until_cancelled(&ctx, ctx.engine().service_logs(&c.id, tail, c.max_output))
        .map(|log| log.text)
        .map_err(|err| context_error(err, c, call))
}

fn copy_out(call: &NativeCallContext, c: &Container, path: &str) -> RhaiResult<Blob> {
    let ctx = here(call, c)?;
    match read_followed(&ctx, &c.id, path) {
        Ok(Some(data)) => Ok(data),
        Ok(None) => Err(Thrown::new(
            ThrownKind::Failure,
            "shakedown::container::no_file",
            format!("there is no file {path:?} in {}", c.label()),
        )
        .help("check the path (an absolute path in the container); c.exec([\"ls\", \"-l\", dir]) lists a directory")
        .at(call.call_position())),
        Err(t) => Err(t.at(call.call_position())),
    }
}

fn copy_in(
    call: &NativeCallContext,
    c: &Container,
    path: &str,
    content: &Dynamic,
) -> RhaiResult<()> {
    let ctx = here(call, c)?;
    let data: Vec<u8> =
        if content.is_string() {
            content.to_string().into_bytes()
        } else if content.is_blob() {
            content.clone().cast::<Blob>()
        } else {
            return Err(Thrown::usage(
            format!("copy_in() takes a string or a blob, not a {}", content.type_name()),
            "e.g. c.copy_in(\"/tmp/input.txt\", \"hello\") or c.copy_in(\"/tmp/x.png\", png_blob)",
        )
        .at(call.call_position()));
        };
    if !path.starts_with('/') {
        return Err(Thrown::usage(
            format!("copy_in(): {path:?} is not an absolute path"),
            "give the path in the container from its root, e.g. \"/tmp/input.txt\"",
        )
        .at(call.call_position()));
    }
    until_cancelled(&ctx, ctx.engine().write_file(&c.id, path, &data))
        .map_err(|err| context_error(err, c, call))
}

fn stop(call: &NativeCallContext, c: &Container, grace: Duration) -> RhaiResult<()> {
    let ctx = here(call, c)?;
    until_cancelled(&ctx, ctx.engine().stop_service(&c.id, grace))
        .map_err(|err| context_error(err, c, call))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn port_map(pairs: &[(u16, u16)]) -> Arc<BTreeMap<u16, u16>> {
        Arc::new(pairs.iter().copied().collect())
    }

    fn img() -> Image {
        Image {
            id: "sha256:abc".into(),
            tag: "t".into(),
            built: None,
            engine: "default".into(),
            details: Arc::default(),
            digest: Arc::default(),
        }
    }

    fn container() -> Container {
        Container {
            id: "0123456789abcdef".into(),
            image: "t".into(),
            built: None,
            engine: "default".into(),
            ports: port_map(&[(8000, 32768)]),
            requested: Arc::new(vec![8000]),
            max_output: 1000,
        }
    }

    #[test]
    fn ports_as_an_array_let_the_engine_choose() {
        let mut options = Map::new();
        options.insert(
            "ports".into(),
            Dynamic::from_array(vec![
                Dynamic::from_int(8000),
                Dynamic::from("9000/tcp".to_owned()),
            ]),
        );
        let (spec, lifetime, max_output) = start_spec(&img(), &options).unwrap();
        assert_eq!(spec.ports, vec![(8000, None), (9000, None)]);
        assert_eq!(lifetime, None);
        assert_eq!(max_output, crate::engine::DEFAULT_MAX_OUTPUT);
    }

    #[test]
    fn ports_as_a_map_give_the_host_port() {
        let mut map = Map::new();
        map.insert("8000".into(), Dynamic::from_int(18000));
        map.insert("9000".into(), Dynamic::from_int(0));
        let mut options = Map::new();
        options.insert("ports".into(), Dynamic::from_map(map));
        options.insert("cmd".into(), Dynamic::from("httpd -f -p 9000".to_owned()));
        options.insert("timeout".into(), Dynamic::from_int(30));
        let (spec, lifetime, _) = start_spec(&img(), &options).unwrap();
        assert_eq!(spec.ports, vec![(8000, Some(18000)), (9000, None)]);
        assert_eq!(spec.run.cmd, vec!["httpd", "-f", "-p", "9000"]);
        assert_eq!(lifetime, Some(Duration::from_secs(30)));
    }

    #[test]
    fn a_bad_port_or_option_is_refused_by_name() {
        let mut options = Map::new();
        options.insert(
            "ports".into(),
            Dynamic::from_array(vec![Dynamic::from("53/udp".to_owned())]),
        );
        let err = start_spec(&img(), &options).unwrap_err();
        assert!(err.message.contains("53/udp"), "{}", err.message);
        let mut options = Map::new();
        options.insert("port".into(), Dynamic::from_int(1));
        let err = start_spec(&img(), &options).unwrap_err();
        assert!(err.help.unwrap().contains("ports, cmd"));
    }

    #[test]
    fn urls_and_ports_read_the_published_mapping() {
        let c = container();
        let host = host_port(&c, 8000, "url()").unwrap();
        assert_eq!(url_of(host, "/health"), "http://127.0.0.1:32768/health");
        assert_eq!(url_of(host, "ready"), "http://127.0.0.1:32768/ready");
        let err = host_port(&c, 9000, "port()").unwrap_err();
        assert!(err.message.contains("9000"), "{}", err.message);
        assert!(err.help.unwrap().contains("8000 → 127.0.0.1:32768"));
        assert!(host_port(&c, 70000, "port()").is_err());
    }
}
