//! Reading primitives' arguments and options, with errors that say what
//! was expected.

use rhai::{Array, Dynamic, Map, NativeCallContext};

use crate::api::option_keys::OptionKeys;
use crate::engine::OpError;
use crate::error::Thrown;
use crate::runner::context::{self, Ctx};

pub type RhaiResult<T> = Result<T, Box<rhai::EvalAltResult>>;

/// This thread's run context; primitives only work inside a run.
pub fn ctx(call: &NativeCallContext) -> RhaiResult<Ctx> {
    context::current().ok_or_else(|| {
        Thrown::usage(
            format!(
                "{}() can only be used while a checklist runs",
                call.fn_name()
            ),
            "run the script with `shakedown run`",
        )
        .at(call.call_position())
    })
}

/// (line, column) of the call, for labels.
pub fn call_site(call: &NativeCallContext) -> (usize, usize) {
    let pos = call.call_position();
    (pos.line().unwrap_or(1), pos.position().unwrap_or(1))
}

/// Rejects option keys a primitive does not know, naming every unknown
/// key and the ones it does know.
pub fn known_keys(options: &Map, allowed: &OptionKeys, what: &str) -> Result<(), Thrown> {
    let unknown: Vec<String> = options
        .keys()
        .filter(|k| !allowed.contains(k.as_str()))
        .map(|k| format!("`{k}`"))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let noun = if unknown.len() == 1 {
        "option"
    } else {
        "options"
    };
    Err(Thrown::usage(
        format!("{what} has no {noun} {}", unknown.join(", ")),
        format!(
            "its options are: {}",
            allowed.keys().collect::<Vec<_>>().join(", ")
        ),
    ))
}

fn wrong(key: &str, what: &str, expected: &str, value: &Dynamic) -> Thrown {
    Thrown::usage(
        format!(
            "option `{key}` of {what} must be {expected}, not a {}",
            value.type_name()
        ),
        format!("e.g. {key}: {}", example(expected)),
    )
}

fn example(expected: &str) -> &'static str {
    match expected {
        "a string" => "\"value\"",
        "true or false" => "true",
        "a map of strings" => "#{ KEY: \"value\" }",
        _ => "[\"a\", \"b\"]",
    }
}

pub fn opt_string(options: &Map, key: &str, what: &str) -> Result<Option<String>, Thrown> {
    match options.get(key) {
        None => Ok(None),
        Some(v) if v.is_unit() => Ok(None),
        Some(v) if v.is_string() => Ok(Some(v.to_string())),
        Some(v) => Err(wrong(key, what, "a string", v)),
    }
}

pub fn opt_bool(options: &Map, key: &str, what: &str) -> Result<Option<bool>, Thrown> {
    match options.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_bool()
            .map(Some)
            .map_err(|_| wrong(key, what, "true or false", v)),
    }
}

pub fn opt_string_map(
    options: &Map,
    key: &str,
    what: &str,
) -> Result<Vec<(String, String)>, Thrown> {
    match options.get(key) {
        None => Ok(Vec::new()),
        Some(v) => match v.clone().try_cast::<Map>() {
            Some(map) => Ok(map
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()),
            None => Err(wrong(key, what, "a map of strings", v)),
        },
    }
}

pub fn opt_string_array(
    options: &Map,
    key: &str,
    what: &str,
) -> Result<Option<Vec<String>>, Thrown> {
    match options.get(key) {
        None => Ok(None),
        Some(v) => match v.clone().try_cast::<Array>() {
            Some(items) => Ok(Some(items.iter().map(ToString::to_string).collect())),
            None => Err(wrong(key, what, "an array of strings", v)),
        },
    }
}

/// Strings to a Rhai array.
pub fn strings(items: &[String]) -> Dynamic {
    Dynamic::from_array(items.iter().map(|s| Dynamic::from(s.clone())).collect())
}

/// A value as assertion messages show it: strings quoted, long ones cut
/// (the diagnostic labels where they came from).
pub fn show(value: &Dynamic) -> String {
    const LONG: usize = 100;
    if value.is_string() {
        let text = value.to_string();
        let count = text.chars().count();
        if count > LONG {
            let head: String = text.chars().take(LONG - 20).collect();
            return format!("{head:?}… ({count} characters)");
        }
        format!("{text:?}")
    } else if value.is_unit() {
        "()".to_owned()
    } else {
        format!("{value:?}")
    }
}

/// A port number argument (1-65535).
pub fn port_arg(value: i64, what: &str) -> Result<u16, Thrown> {
    u16::try_from(value).ok().filter(|p| *p > 0).ok_or_else(|| {
        Thrown::usage(
            format!("{what}: {value} is not a port number"),
            "a port is a number from 1 to 65535, e.g. 8000",
        )
    })
}

/// A regular expression given by a script; a bad one is a script error
/// naming the pattern.
pub fn regex(call: &NativeCallContext, pattern: &str) -> RhaiResult<regex::Regex> {
    regex::Regex::new(pattern).map_err(|err| {
        Thrown::usage(
            format!("{pattern:?} is not a valid regular expression: {err}"),
            "the syntax is Rust's regex crate (like Perl's, without look-around): https://docs.rs/regex",
        )
        .at(call.call_position())
    })
}

/// Blocks this script thread on an engine request, giving it up when the
/// check or task is cancelled (a timeout, Ctrl-C, `--fail-fast`).
/// Containers a dropped request created are removed with the run's label
/// sweep.
pub fn until_cancelled<T>(
    ctx: &Ctx,
    request: impl std::future::Future<Output = Result<T, OpError>>,
) -> Result<T, OpError> {
    ctx.run.rt.block_on(async {
        tokio::select! {
            result = request => result,
            () = ctx.cancel.cancelled() => Err(OpError::Cancelled),
        }
    })
}
