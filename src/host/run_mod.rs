//! `img.run(command, options)` and its `RunResult`.

use std::time::Duration;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, NativeCallContext};

use super::convert::{ctx, known_keys, opt_string, opt_string_map, RhaiResult};
use super::engine_errors::thrown;
use super::image::Image;
use super::image_origin::Origins;
use super::max_output::opt_max_output;
use super::network_mode;
use super::provenance;
use super::run_result::RunResult;
use super::seconds::{opt_seconds, Zero};
use super::ApiModule;
use crate::engine::{Gpus, RunSpec};
use crate::error::Thrown;

pub const MODULE: ApiModule = ApiModule {
    title: "Running containers",
    intro: "Each run is a fresh container removed afterwards, like `docker run --rm`. The image's \
entrypoint is kept and the command replaces its CMD, as `docker run IMAGE CMD…` does. A command \
given as a string is split like a shell splits words, but no shell is added.",
    register,
};

pub const RUN_OPTIONS: &[&str] = &[
    "network",
    "user",
    "env",
    "workdir",
    "entrypoint",
    "timeout",
    "gpus",
    "max_output",
];
const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(60);

fn register(engine: &mut Engine) {
    engine.register_type_with_name::<RunResult>("RunResult");
    FuncRegistration::new("run")
        .with_params_info(["img: &mut Image", "command: Dynamic", "RunResult"])
        .with_comments(["/// Runs `command` (an array of words, or a string split like a shell would) in a fresh\n/// container. `img.run(\"whoami\").out == \"appuser\"`"])
        .register_into_engine(engine, |call: NativeCallContext, img: &mut Image, command: Dynamic| {
            run(&call, img, &command, &Map::new())
        });
    FuncRegistration::new("run")
        .with_params_info(["img: &mut Image", "command: Dynamic", "options: Map", "RunResult"])
        .with_comments(["/// Runs with options: `network` (\"none\", \"bridge\", a network name, or \"host\" and\n/// \"container:NAME\", which are refused unless `--allow-network` allows them), `user`,\n/// `env` (map), `workdir`, `entrypoint` (string or array; \"\" clears it), `timeout` (seconds,\n/// default 60: the container is killed and the result says it timed out), `gpus` (\"all\" or\n/// a count), `max_output` (bytes of stdout and of stderr kept, default 16 MB: the first and the\n/// last half). `img.run([\"sh\", \"-c\", \"echo ok\"], #{ network: \"none\" })`"])
        .register_into_engine(
            engine,
            |call: NativeCallContext, img: &mut Image, command: Dynamic, options: Map| run(&call, img, &command, &options),
        );
    type Getter = fn(&mut RunResult) -> Dynamic;
    let getters: [(&str, &str, &str, Getter); 10] = [
        (
            "exit_code",
            "int",
            "/// The exit code (-1 when it timed out).",
            |r| Dynamic::from_int(r.exit_code),
        ),
        (
            "stdout",
            "string",
            "/// What the command wrote to stdout: all of it, or when there was more than `max_output`\n/// the first and the last half with a line between saying how much was left out.",
            |r| Dynamic::from(r.stdout.clone()),
        ),
        (
            "stderr",
            "string",
            "/// What the command wrote to stderr, kept like `stdout`.",
            |r| Dynamic::from(r.stderr.clone()),
        ),
        (
            "stdout_bytes",
            "int",
            "/// How many bytes the command wrote to stdout (all of them, kept or not).",
            |r| Dynamic::from_int(i64::try_from(r.stdout_bytes).unwrap_or(i64::MAX)),
        ),
        (
            "stderr_bytes",
            "int",
            "/// How many bytes the command wrote to stderr.",
            |r| Dynamic::from_int(i64::try_from(r.stderr_bytes).unwrap_or(i64::MAX)),
        ),
        (
            "truncated",
            "bool",
            "/// Whether `stdout` or `stderr` left bytes out (more than `max_output`).",
            |r| Dynamic::from_bool(r.truncated),
        ),
        (
            "out",
            "string",
            "/// stdout with surrounding whitespace trimmed.",
            |r| Dynamic::from(r.out.clone()),
        ),
        ("ok", "bool", "/// Exit code 0 and not timed out.", |r| {
            Dynamic::from_bool(r.ok())
        }),
        (
            "timed_out",
            "bool",
            "/// Whether the run's `timeout` killed it.",
            |r| Dynamic::from_bool(r.timed_out),
        ),
        (
            "duration",
            "float",
            "/// How long it ran, in seconds.",
            |r| Dynamic::from_float(r.duration),
        ),
    ];
    for (name, returns, doc, getter) in getters {
        FuncRegistration::new(format!("get${name}"))
            .with_params_info(["r: &mut RunResult", returns])
            .with_comments([doc])
            .register_into_engine(engine, getter);
    }
    FuncRegistration::new("to_string")
        .with_params_info(["r: &mut RunResult", "String"])
        .register_into_engine(engine, |r: &mut RunResult| r.to_string());
    FuncRegistration::new("to_debug")
        .with_params_info(["r: &mut RunResult", "String"])
        .register_into_engine(engine, |r: &mut RunResult| r.to_string());
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
    known_keys(options, RUN_OPTIONS, "run()")?;
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
    let spec = spec(img, command, options).map_err(|t| t.at(call.call_position()))?;
    network_mode::enforce(call, &ctx, spec.network.as_deref())?;
    let output = ctx
        .run
        .rt
        .block_on(ctx.run.engine.run_container(&spec, &ctx.cancel))
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
            details: std::sync::Arc::default(),
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
