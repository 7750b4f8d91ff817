//! Assertions: a failure names the actual and the expected values.

use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, ImmutableString, Map, NativeCallContext};

use super::ApiModule;
use crate::error::{Thrown, ThrownKind};
use crate::host::convert::{show, RhaiResult};
use crate::host::provenance::origin_of;

pub const MODULE: ApiModule = ApiModule {
    title: "Assertions",
    intro: "Use them inside checks: a failing assertion fails the check and its diagnostic shows \
the actual and the expected values and the line of the assertion.",
    register,
};

fn fail(message: String) -> Thrown {
    Thrown::new(
        ThrownKind::Assertion,
        "shakedown::check::assertion",
        message,
    )
}

fn register(engine: &mut Engine) {
    engine.register_global_module(exported_module!(script).into());
}

/// The script-facing functions of this concern, with the documentation
/// the reference shows.
#[export_module]
mod script {
    use super::*;

    /// Fails with `message` unless `condition` is true.
    #[rhai_fn(name = "assert", return_raw)]
    pub fn assert(call: NativeCallContext, condition: bool, message: &str) -> RhaiResult<()> {
        if condition {
            return Ok(());
        }
        Err(fail(message.to_owned()).at(call.call_position()))
    }

    /// Fails unless `condition` is true.
    #[rhai_fn(name = "assert", return_raw)]
    pub fn assert_condition(call: NativeCallContext, condition: bool) -> RhaiResult<()> {
        if condition {
            return Ok(());
        }
        Err(fail("assertion failed: the condition is false".to_owned()).at(call.call_position()))
    }

    /// Fails unless `actual == expected`; the message shows both.
    /// `assert_eq(img.run("whoami").out, "appuser")`
    #[rhai_fn(name = "assert_eq", return_raw)]
    pub fn assert_eq(
        call: NativeCallContext,
        actual: Dynamic,
        expected: Dynamic,
    ) -> RhaiResult<()> {
        if equal(&call, &actual, &expected)? {
            return Ok(());
        }
        Err(traced_both(
            fail(format!(
                "expected {}, got {}",
                show(&expected),
                show(&actual)
            )),
            (&actual, "got"),
            (&expected, "expected"),
        )
        .values(show(&actual), show(&expected))
        .at(call.call_position()))
    }

    /// Fails when `actual == unexpected`.
    #[rhai_fn(name = "assert_ne", return_raw)]
    pub fn assert_ne(
        call: NativeCallContext,
        actual: Dynamic,
        unexpected: Dynamic,
    ) -> RhaiResult<()> {
        if !equal(&call, &actual, &unexpected)? {
            return Ok(());
        }
        Err(traced_both(
            fail(format!("expected anything but {}", show(&unexpected))),
            (&actual, "got"),
            (&unexpected, "not expected"),
        )
        .values(show(&actual), format!("not {}", show(&unexpected)))
        .at(call.call_position()))
    }

    /// Fails unless the regular expression (Rust `regex` syntax) matches somewhere in `text`.
    /// `assert_match(r.out, "^app")`
    #[rhai_fn(name = "assert_match", return_raw)]
    pub fn assert_match(
        call: NativeCallContext,
        text: ImmutableString,
        regex: &str,
    ) -> RhaiResult<()> {
        let pattern = regex;
        let regex = crate::host::convert::regex(&call, pattern)?;
        if regex.is_match(&text) {
            return Ok(());
        }
        let value = Dynamic::from(text.clone());
        Err(traced(
            fail(format!("{} does not match /{pattern}/", show(&value))),
            &value,
        )
        .values(show(&value), format!("/{pattern}/"))
        .at(call.call_position()))
    }

    /// Fails unless the text contains the substring, the array contains the item, or the map
    /// has the key. `assert_contains(img.inspect().labels, "org.opencontainers.image.source")`
    #[rhai_fn(name = "assert_contains", return_raw)]
    pub fn assert_contains(
        call: NativeCallContext,
        collection_or_text: Dynamic,
        item: Dynamic,
    ) -> RhaiResult<()> {
        if contains(&call, &collection_or_text, &item)? {
            return Ok(());
        }
        let thrown = match collection_or_text.read_lock::<Map>() {
            Some(map) => {
                let mut keys: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
                keys.sort_unstable();
                let mut thrown = fail(format!(
                    "the map has no key {} (its keys: {})",
                    show(&item),
                    keys.join(", ")
                ));
                // Where the map's other entries came from: the lines that set
                // them, and do not set this key.
                let mut seen = std::collections::BTreeSet::new();
                for value in map.values() {
                    if let Some(mut origin) = origin_of(value) {
                        if seen.insert((origin.name.clone(), origin.offset)) {
                            origin.label = format!("sets other keys, not {}", show(&item));
                            thrown = thrown.span(origin);
                        }
                    }
                }
                thrown
            }
            None if collection_or_text.is_array() => traced_both(
                fail(format!("the array has no item {}", show(&item))),
                (&collection_or_text, "looked in"),
                (&item, "looked for"),
            ),
            None => traced_both(
                fail(format!(
                    "{} does not contain {}",
                    show(&collection_or_text),
                    show(&item)
                )),
                (&collection_or_text, "looked in"),
                (&item, "looked for"),
            ),
        };
        Err(thrown
            .values(
                show(&collection_or_text),
                format!("contains {}", show(&item)),
            )
            .at(call.call_position()))
    }
}

/// Adds the places both compared values came from. When both sides have
/// one (a compose line and a Dockerfile line), each label says which side
/// and value it is.
fn traced_both(
    thrown: Thrown,
    (one, one_side): (&Dynamic, &str),
    (other, other_side): (&Dynamic, &str),
) -> Thrown {
    let before = thrown.spans.len();
    let thrown = traced(thrown, one);
    let middle = thrown.spans.len();
    let mut thrown = traced(thrown, other);
    if middle > before && thrown.spans.len() > middle {
        for (i, span) in thrown.spans.iter_mut().enumerate().skip(before) {
            let (side, value) = if i < middle {
                (one_side, one)
            } else {
                (other_side, other)
            };
            span.label = format!("{side} {}: {}", show(value), span.label);
        }
    }
    thrown
}

/// Adds the place a value came from (a Dockerfile line, a file line), if
/// it is known.
fn traced(mut thrown: Thrown, value: &Dynamic) -> Thrown {
    let mut origins: Vec<crate::error::FileSpan> = Vec::new();
    let mut add = |v: &Dynamic| {
        if let Some(origin) = origin_of(v) {
            if !origins
                .iter()
                .any(|o| o.name == origin.name && o.offset == origin.offset)
            {
                origins.push(origin);
            }
        }
    };
    add(value);
    if let Some(items) = value.read_lock::<Array>() {
        items.iter().for_each(&mut add);
    } else if let Some(map) = value.read_lock::<Map>() {
        map.values().for_each(&mut add);
    }
    for origin in origins.into_iter().take(3) {
        thrown = thrown.span(origin);
    }
    thrown
}

/// Rhai's own `==`, so every type compares as scripts expect.
fn equal(call: &NativeCallContext, a: &Dynamic, b: &Dynamic) -> RhaiResult<bool> {
    if a.type_id() != b.type_id() && !(is_number(a) && is_number(b)) {
        return Ok(false);
    }
    call.call_native_fn::<bool>("==", (a.clone(), b.clone()))
}

fn is_number(v: &Dynamic) -> bool {
    v.is_int() || v.is_float()
}

fn contains(call: &NativeCallContext, haystack: &Dynamic, item: &Dynamic) -> RhaiResult<bool> {
    if haystack.is_string() {
        return Ok(haystack.to_string().contains(&item.to_string()));
    }
    if let Some(map) = haystack.read_lock::<Map>() {
        return Ok(map.contains_key(item.to_string().as_str()));
    }
    if let Some(array) = haystack.clone().try_cast::<Array>() {
        for element in &array {
            if equal(call, element, item)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    Err(Thrown::usage(
        format!(
            "assert_contains() looks into a string, an array or a map, not a {}",
            haystack.type_name()
        ),
        "pass the text, array or map to look into first, then the item",
    )
    .at(call.call_position()))
}
