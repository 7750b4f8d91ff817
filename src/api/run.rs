//! `img.run(command, options)` and its `RunResult`.

use std::time::Duration;

use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, NativeCallContext};

use super::option_keys;
use super::ApiModule;
use crate::engine::{Gpus, RunSpec};
use crate::error::Thrown;
use crate::host::convert::{ctx, known_keys, opt_string, opt_string_map, RhaiResult};
use crate::host::engine_errors::thrown;
use crate::host::image::Image;
use crate::host::image_origin::Origins;
use crate::host::max_output::opt_max_output;
use crate::host::network_mode;
use crate::host::provenance;
use crate::host::run_result::RunResult;
use crate::host::seconds::{opt_seconds, Zero};

pub const MODULE: ApiModule = ApiModule {
    title: "Running containers",
    intro: "Each run is a fresh container removed afterwards, like `docker run --rm`. The image's \
entrypoint is kept and the command replaces its CMD, as `docker run IMAGE CMD…` does. A command \
given as a string is split like a shell splits words, but no shell is added.",
    register,
};

const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(60);

fn register(engine: &mut Engine) {
    engine.register_type_with_name::<RunResult>("RunResult");
    engine.register_global_module(exported_module!(script).into());
}

/// The script-facing functions of this concern, with the documentation
/// the reference shows.
#[export_module]
mod script {
    use super::*;

    /// The exit code (-1 when it timed out).
    #[rhai_fn(get = "exit_code", pure)]
    pub fn exit_code(r: &mut RunResult) -> i64 {
        r.exit_code
    }

    /// What the command wrote to stdout: all of it, or when there was more than `max_output`
    /// the first and the last half with a line between saying how much was left out.
    #[rhai_fn(get = "stdout", pure)]
    pub fn stdout(r: &mut RunResult) -> ImmutableString {
        r.stdout.clone()
    }

    /// What the command wrote to stderr, kept like `stdout`.
    #[rhai_fn(get = "stderr", pure)]
    pub fn stderr(r: &mut RunResult) -> ImmutableString {
        r.stderr.clone()
    }

    /// How many bytes the command wrote to stdout (all of them, kept or not).
    #[rhai_fn(get = "stdout_bytes", pure)]
    pub fn stdout_bytes(r: &mut RunResult) -> i64 {
        i64::try_from(r.stdout_bytes).unwrap_or(i64::MAX)
    }

    /// How many bytes the command wrote to stderr.
    #[rhai_fn(get = "stderr_bytes", pure)]
    pub fn stderr_bytes(r: &mut RunResult) -> i64 {
        i64::try_from(r.stderr_bytes).unwrap_or(i64::MAX)
    }

    /// Whether `stdout` or `stderr` left bytes out (more than `max_output`).
    #[rhai_fn(get = "truncated", pure)]
    pub fn truncated(r: &mut RunResult) -> bool {
        r.truncated
    }

    /// stdout with surrounding whitespace trimmed.
    #[rhai_fn(get = "out", pure)]
    pub fn out(r: &mut RunResult) -> ImmutableString {
        r.out.clone()
    }

    /// Exit code 0 and not timed out.
    #[rhai_fn(get = "ok", pure)]
    pub fn ok(r: &mut RunResult) -> bool {
        r.ok()
    }

    /// Whether the run's `timeout` killed it.
    #[rhai_fn(get = "timed_out", pure)]
    pub fn timed_out(r: &mut RunResult) -> bool {
        r.timed_out
    }

    /// How long it ran, in seconds.
    #[rhai_fn(get = "duration", pure)]
    pub fn duration(r: &mut RunResult) -> f64 {
        r.duration
    }

    /// Runs `command` (an array of words, or a string split like a shell would) in a fresh
    /// container. `img.run("whoami").out == "appuser"`
    #[rhai_fn(name = "run", pure, return_raw)]
    pub fn image_run(
        call: NativeCallContext,
        img: &mut Image,
        command: Dynamic,
    ) -> RhaiResult<RunResult> {
        run(&call, img, &command, &Map::new())
    }

    /// Runs with options: `network` ("none", "bridge", a network name, or "host" and
    /// "container:NAME", which are refused unless `--allow-network` allows them), `user`,
    /// `env` (map), `workdir`, `entrypoint` (string or array; "" clears it), `timeout` (seconds,
    /// default 60: the container is killed and the result says it timed out), `gpus` ("all" or
    /// a count), `max_output` (bytes of stdout and of stderr kept, default 16 MB: the first and the
    /// last half). `img.run(["sh", "-c", "echo ok"], #{ network: "none" })`
    #[rhai_fn(name = "run", pure, return_raw)]
    pub fn run_command_options(
        call: NativeCallContext,
        img: &mut Image,
        command: Dynamic,
        options: Map,
    ) -> RhaiResult<RunResult> {
        run(&call, img, &command, &options)
    }

    #[rhai_fn(name = "to_string", pure)]
    pub fn to_string(r: &mut RunResult) -> String {
        r.to_string()
    }

    #[rhai_fn(name = "to_debug", pure)]
    pub fn to_debug(r: &mut RunResult) -> String {
        r.to_string()
    }
}

/// A command as argv: an array of words, or a string split like a shell.
pub fn argv(command: &Dynamic) -> Result<Vec<String>, Thrown> {
    if command.is_string() {
        return shell_words::split(&command.to_string()).map_err(|err| {
            Thrown::usage(
                format!(
                    "the command {:?} cannot be split into words: {err}",
                    command.to_string()
                ),
                "close the quote, or pass the command as an array: [\"sh\", \"-c\", \"…\"]",
            )
        });
    }
    match command.clone().try_cast::<Array>() {
        Some(words) => Ok(words.iter().map(ToString::to_string).collect()),
        None => Err(Thrown::usage(
            format!(
                "a command is a string or an array of strings, not a {}",
                command.type_name()
            ),
            "e.g. img.run(\"whoami\") or img.run([\"sh\", \"-c\", \"id -u\"])",
        )),
    }
}

fn gpus(options: &Map) -> Result<Option<Gpus>, Thrown> {
    match options.get("gpus") {
        None => Ok(None),
        Some(v) if v.is_string() && v.to_string() == "all" => Ok(Some(Gpus::All)),
        Some(v) => match v.as_int() {
            Ok(n) if n > 0 => Ok(Some(Gpus::Count(n))),
            _ => Err(Thrown::usage(
                format!("option `gpus` must be \"all\" or a count above 0, not {v}"),
                "e.g. gpus: \"all\" or gpus: 1",
            )),
        },
    }
}

fn entrypoint(options: &Map) -> Result<Option<Vec<String>>, Thrown> {
    match options.get("entrypoint") {
        None => Ok(None),
        Some(v) if v.is_string() => {
            let text = v.to_string();
            if text.is_empty() {
                Ok(Some(Vec::new()))
            } else {
                argv(v).map(Some)
            }
        }
        Some(v) => argv(v).map(Some),
    }
}

/// `whoami`, `id`, `id -un`…: commands whose answer is the image's user.
fn asks_for_the_user(cmd: &[String]) -> bool {
    let words: Vec<&str> = cmd.iter().flat_map(|w| w.split_whitespace()).collect();
    words
        .iter()
        .any(|w| matches!(w.rsplit('/').next(), Some("whoami" | "id")))
}

pub fn spec(img: &Image, command: &Dynamic, options: &Map) -> Result<RunSpec, Thrown> {
    known_keys(options, &option_keys::RUN, "run()")?;
    let mut spec = container_options(img, options, "run()")?;
    spec.cmd = argv(command)?;
    spec.timeout =
        opt_seconds(options, "timeout", "run()", Zero::Refused)?.unwrap_or(DEFAULT_RUN_TIMEOUT);
    spec.max_output = opt_max_output(options, "run()")?;
    Ok(spec)
}

/// The options `run` and `start` share (all but `timeout` and
/// `max_output`); the caller checks the keys.
pub fn container_options(img: &Image, options: &Map, what: &str) -> Result<RunSpec, Thrown> {
    Ok(RunSpec {
        image: img.reference().to_owned(),
        cmd: Vec::new(),
        entrypoint: entrypoint(options)?,
        network: opt_string(options, "network", what)?,
        user: opt_string(options, "user", what)?,
        env: env(options, what)?,
        workdir: opt_string(options, "workdir", what)?,
        timeout: Duration::ZERO,
        gpus: gpus(options)?,
        max_output: crate::engine::DEFAULT_MAX_OUTPUT,
    })
}

/// `env: #{ KEY: "value" }` as `KEY=value` strings.
pub fn env(options: &Map, what: &str) -> Result<Vec<String>, Thrown> {
    Ok(opt_string_map(options, "env", what)?
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect())
}

fn run(
    call: &NativeCallContext,
    img: &Image,
    command: &Dynamic,
    options: &Map,
) -> RhaiResult<RunResult> {
    let ctx = ctx(call)?;
    crate::host::owner::check(&ctx, &img.engine, &img.label(), true)
        .map_err(|t| t.at(call.call_position()))?;
    let spec = spec(img, command, options).map_err(|t| t.at(call.call_position()))?;
    network_mode::enforce(call, &ctx, spec.network.as_deref())?;
    let output = ctx
        .run
        .rt
        .block_on(ctx.engine().run_container(&spec, &ctx.cancel))
        .map_err(|err| {
            let mut t = thrown(err);
            t.message = format!(
                "running {:?} in {} failed: {}",
                spec.cmd.join(" "),
                img.label(),
                t.message
            );
            t.at(call.call_position())
        })?;
    let result: RunResult = output.into();
    if asks_for_the_user(&spec.cmd) {
        // whoami-style: the answer comes from the final stage's USER.
        if let Some(origins) = img.built.as_deref().and_then(Origins::of) {
            let origin = origins.setting("USER", None);
            provenance::remember(&result.out, origin.clone());
            provenance::remember(&result.stdout, origin);
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn img() -> Image {
        Image {
            id: "sha256:abc".into(),
            tag: "t".into(),
            built: None,
            engine: "default".into(),
            details: std::sync::Arc::default(),
            digest: std::sync::Arc::default(),
        }
    }

    #[test]
    fn a_string_command_is_split_like_a_shell_without_a_shell() {
        let spec = spec(
            &img(),
            &Dynamic::from("sh -c 'echo hi there'".to_owned()),
            &Map::new(),
        )
        .unwrap();
        assert_eq!(spec.cmd, vec!["sh", "-c", "echo hi there"]);
        assert_eq!(spec.entrypoint, None);
        assert_eq!(spec.timeout, Duration::from_secs(60));
    }

    #[test]
    fn every_option_reaches_the_spec() {
        let mut options = Map::new();
        options.insert("network".into(), Dynamic::from("none".to_owned()));
        options.insert("user".into(), Dynamic::from("1000".to_owned()));
        options.insert("workdir".into(), Dynamic::from("/tmp".to_owned()));
        options.insert("entrypoint".into(), Dynamic::from(String::new()));
        options.insert("timeout".into(), Dynamic::from_float(2.5));
        options.insert("gpus".into(), Dynamic::from("all".to_owned()));
        let mut env = Map::new();
        env.insert("A".into(), Dynamic::from("1".to_owned()));
        options.insert("env".into(), Dynamic::from_map(env));
        let spec = spec(&img(), &Dynamic::from("true".to_owned()), &options).unwrap();
        assert_eq!(spec.network.as_deref(), Some("none"));
        assert_eq!(spec.user.as_deref(), Some("1000"));
        assert_eq!(spec.workdir.as_deref(), Some("/tmp"));
        assert_eq!(spec.entrypoint, Some(vec![]));
        assert_eq!(spec.timeout, Duration::from_millis(2500));
        assert_eq!(spec.gpus, Some(Gpus::All));
        assert_eq!(spec.env, vec!["A=1"]);
    }

    #[test]
    fn an_unknown_option_is_refused_by_name() {
        let mut options = Map::new();
        options.insert("netwrk".into(), Dynamic::from("none".to_owned()));
        let err = spec(&img(), &Dynamic::from("true".to_owned()), &options).unwrap_err();
        assert!(err.message.contains("netwrk"), "{}", err.message);
        assert!(err.help.unwrap().contains("network"));
    }
}
