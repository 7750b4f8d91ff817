//! Assertions: a failure names the actual and the expected values.

use rhai::{Array, Dynamic, Engine, FuncRegistration, ImmutableString, Map, NativeCallContext};

use super::convert::{regex, show, RhaiResult};
use super::provenance::origin_of;
use super::ApiModule;
use crate::error::{Thrown, ThrownKind};

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
    FuncRegistration::new("assert")
        .with_params_info(["condition: bool", "message: &str", "()"])
        .with_comments(["/// Fails with `message` unless `condition` is true."])
        .register_into_engine(
            engine,
            |call: NativeCallContext, cond: bool, message: &str| -> RhaiResult<()> {
                if cond {
                    return Ok(());
                }
                Err(fail(message.to_owned()).at(call.call_position()))
            },
        );
    FuncRegistration::new("assert")
        .with_params_info(["condition: bool", "()"])
        .with_comments(["/// Fails unless `condition` is true."])
        .register_into_engine(
            engine,
            |call: NativeCallContext, cond: bool| -> RhaiResult<()> {
                if cond {
                    return Ok(());
                }
                Err(fail("assertion failed: the condition is false".to_owned())
                    .at(call.call_position()))
            },
        );
    FuncRegistration::new("assert_eq")
        .with_params_info(["actual: Dynamic", "expected: Dynamic", "()"])
        .with_comments(["/// Fails unless `actual == expected`; the message shows both.\n/// `assert_eq(img.run(\"whoami\").out, \"appuser\")`"])
        .register_into_engine(engine, |call: NativeCallContext, actual: Dynamic, expected: Dynamic| -> RhaiResult<()> {
            if equal(&call, &actual, &expected)? {
                return Ok(());
            }
Err(traced_both(fail(format!("expected {}, got {}", show(&expected), show(&actual))), (&actual, "got"), (&expected, "expected"))
                .values(show(&actual), show(&expected))
                .at(call.call_position()))
        });
    FuncRegistration::new("assert_ne")
        .with_params_info(["actual: Dynamic", "unexpected: Dynamic", "()"])
        .with_comments(["/// Fails when `actual == unexpected`."])
        .register_into_engine(
            engine,
            |call: NativeCallContext, actual: Dynamic, unexpected: Dynamic| -> RhaiResult<()> {
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
            },
        );
    FuncRegistration::new("assert_match")
        .with_params_info(["text: &str", "regex: &str", "()"])
        .with_comments(["/// Fails unless the regular expression (Rust `regex` syntax) matches somewhere in `text`.\n/// `assert_match(r.out, \"^app\")`"])
.register_into_engine(engine, |call: NativeCallContext, text: ImmutableString, pattern: &str| -> RhaiResult<()> {
            let regex = regex(&call, pattern)?;
if regex.is_match(&text) {
                return Ok(());
            }
            let value = Dynamic::from(text.clone());
            Err(traced(fail(format!("{} does not match /{pattern}/", show(&value))), &value)
.values(show(&value), format!("/{pattern}/"))
                .at(call.call_position()))
        });
    FuncRegistration::new("assert_contains")
        .with_params_info(["collection_or_text: Dynamic", "item: Dynamic", "()"])
        .with_comments(["/// Fails unless the text contains the substring, the array contains the item, or the map\n/// has the key. `assert_contains(img.inspect().labels, \"org.opencontainers.image.source\")`"])
        .register_into_engine(engine, |call: NativeCallContext, haystack: Dynamic, item: Dynamic| -> RhaiResult<()> {
            if contains(&call, &haystack, &item)? {
                return Ok(());
            }
            let thrown = match haystack.read_lock::<Map>() {
                Some(map) => {
                    let mut keys: Vec<&str> = map.keys().map(|k| k.as_str()).collect();
                    keys.sort_unstable();
                    let mut thrown = fail(format!("the map has no key {} (its keys: {})", show(&item), keys.join(", ")));
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
None if haystack.is_array() => traced_both(fail(format!("the array has no item {}", show(&item))), (&haystack, "looked in"), (&item, "looked for")),
                None => traced_both(fail(format!("{} does not contain {}", show(&haystack), show(&item))), (&haystack, "looked in"), (&item, "looked for")),
            };
Err(thrown
                .values(show(&haystack), format!("contains {}", show(&item)))
                .at(call.call_position()))
        });
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
