//! Where a value came from: strings read from a Dockerfile, a text file or a
//! compose file (and the settings of an image the script built) remember
//! the line that produced them, so a failed assertion on them can point
//! there. Rhai strings are shared, so a value is known by its allocation:
//! copies keep their origin, derived strings (trimmed, joined) do not.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use rhai::{Dynamic, ImmutableString};

use crate::error::FileSpan;

type Registry = HashMap<usize, (ImmutableString, FileSpan)>;

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn key(value: &ImmutableString) -> usize {
    value.as_str().as_ptr() as usize
}

/// A new string that remembers where it came from.
pub fn string(text: impl Into<String>, origin: Option<FileSpan>) -> Dynamic {
    let value = ImmutableString::from(text.into());
    if let Some(origin) = origin {
        remember(&value, origin);
    }
    Dynamic::from(value)
}

/// Remembers the origin of a string (it is kept alive, so its address is
/// never reused for another value during the run).
pub fn remember(value: &ImmutableString, origin: FileSpan) {
    registry().insert(key(value), (value.clone(), origin));
}

/// Where a value came from, if it is a string with a known origin.
pub fn origin_of(value: &Dynamic) -> Option<FileSpan> {
    let text = value.read_lock::<ImmutableString>()?;
    registry()
        .get(&key(&text))
        .map(|(_, origin)| origin.clone())
}

/// Forgets every origin (a new run starts).
pub fn clear() {
    registry().clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(label: &str) -> FileSpan {
        FileSpan {
            name: "Dockerfile".into(),
            text: "USER appuser\n".into(),
            offset: 0,
            len: 12,
            label: label.into(),
        }
    }

    #[test]
    fn copies_keep_their_origin_and_equal_strings_do_not_share_it() {
        let value = string("appuser", Some(span("USER set here")));
        let copy = value.clone();
        assert_eq!(
            origin_of(&copy).map(|o| o.label),
            Some("USER set here".into())
        );
        let other = Dynamic::from("appuser".to_owned());
        assert!(origin_of(&other).is_none());
    }

    #[test]
    fn empty_strings_are_told_apart() {
        let a = string("", Some(span("no USER in the final stage")));
        let b = string("", None);
        assert!(origin_of(&a).is_some());
        assert!(origin_of(&b).is_none());
    }
}
