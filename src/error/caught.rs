//! What a script's `catch (e)` sees of a primitive's error: a map with
//! `message`, `code`, `help`, `line` and `file`, which `${e}`, `e.code`
//! and `type_of(e)` ("map") read as any other map.
//!
//! The map is what a primitive throws. The whole [`Thrown`] (the spans into
//! other files, actual and expected values, evidence) stays here, found
//! again by the allocation of the map's `message` string, so an error that
//! is not caught, or is rethrown with `throw e`, keeps its full diagnostic.
//! A map whose message was replaced is the script's own value.

use std::collections::VecDeque;
use std::sync::{LazyLock, Mutex, PoisonError};

use rhai::{Dynamic, ImmutableString, Map, Position};

use super::Thrown;
use crate::runner::context;

/// How many thrown errors are remembered; far more than a run has in
/// flight at once (each is looked up right after it is thrown).
const KEPT: usize = 4096;

type Registry = VecDeque<(usize, ImmutableString, Thrown)>;

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn key(text: &ImmutableString) -> usize {
    text.as_str().as_ptr() as usize
}

/// The value a primitive throws for `thrown`, raised at `position`.
pub fn to_dynamic(thrown: Thrown, position: Position) -> Dynamic {
    let message = ImmutableString::from(thrown.message.as_str());
    let mut map = Map::new();
    map.insert("message".into(), Dynamic::from(message.clone()));
    map.insert("code".into(), Dynamic::from(thrown.code.to_owned()));
    map.insert(
        "help".into(),
        thrown.help.clone().map_or(Dynamic::UNIT, Dynamic::from),
    );
    map.insert(
        "line".into(),
        position
            .line()
            .and_then(|l| i64::try_from(l).ok())
            .map_or(Dynamic::UNIT, Dynamic::from_int),
    );
    map.insert(
        "file".into(),
        context::current().map_or(Dynamic::UNIT, |ctx| {
            Dynamic::from(ctx.script.file.name.clone())
        }),
    );
    let mut kept = registry();
    if kept.len() == KEPT {
        kept.pop_front();
    }
    kept.push_back((key(&message), message, thrown));
    Dynamic::from_map(map)
}

/// The error a thrown map stands for, if a primitive threw it (and the
/// script did not change its message).
pub fn find(map: &Map) -> Option<Thrown> {
    let message = map.get("message")?.read_lock::<ImmutableString>()?;
    let wanted = key(&message);
    registry()
        .iter()
        .rev()
        .find(|(k, _, _)| *k == wanted)
        .map(|(_, _, thrown)| thrown.clone())
}

/// Forgets every remembered error (a new run starts).
pub fn clear() {
    registry().clear();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ThrownKind;

    #[test]
    fn the_map_reads_like_the_diagnostic_and_finds_it_again() {
        let thrown = Thrown::new(ThrownKind::Failure, "shakedown::x::y", "it broke").help("fix it");
        let value = to_dynamic(thrown, Position::new(3, 5));
        let map = value.clone_cast::<Map>();
        assert_eq!(map["message"].to_string(), "it broke");
        assert_eq!(map["code"].to_string(), "shakedown::x::y");
        assert_eq!(map["help"].to_string(), "fix it");
        assert_eq!(map["line"].as_int(), Ok(3));
        assert!(map["file"].is_unit(), "no run on this thread");
        assert_eq!(find(&map).map(|t| t.code), Some("shakedown::x::y"));
    }

    #[test]
    fn a_map_with_another_message_is_the_scripts_own() {
        let thrown = Thrown::new(ThrownKind::Failure, "shakedown::x::y", "it broke");
        let mut map = to_dynamic(thrown, Position::NONE).clone_cast::<Map>();
        map.insert("message".into(), Dynamic::from("changed".to_owned()));
        assert!(find(&map).is_none());
        assert!(map["line"].is_unit());
    }
}
