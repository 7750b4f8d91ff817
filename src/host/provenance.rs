//! Where a value came from: strings read from a Dockerfile, a text file or a
//! compose file (and the settings of an image the script built) remember
//! the line that produced them, so a failed assertion on them can point
//! there. Rhai strings are shared, so a value is known by its allocation:
//! copies keep their origin, derived strings (trimmed, joined) do not.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

use rhai::{Dynamic, ImmutableString};

use super::text_file::TextFile;
use crate::error::FileSpan;

/// Where a string came from. A line of a file read once is kept as the
/// file and the line's number (a few words), not as a span of its own, so
/// that the million lines of a large file cost little.
enum Origin {
    Span(Box<FileSpan>),
    Line {
        file: TextFile,
        index: usize,
        label: &'static str,
    },
}

impl Origin {
    fn span(&self) -> FileSpan {
        match self {
            Self::Span(span) => (**span).clone(),
            Self::Line { file, index, label } => file.line_span(*index, label),
        }
    }
}

type Registry = HashMap<usize, (ImmutableString, Origin)>;

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

/// Files whose every line was read (`f.lines`): they know their lines'
/// addresses themselves, and keep the strings alive.
static LINED: LazyLock<Mutex<Vec<TextFile>>> = LazyLock::new(Mutex::default);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

fn lined() -> std::sync::MutexGuard<'static, Vec<TextFile>> {
    LINED.lock().unwrap_or_else(PoisonError::into_inner)
}

fn key(value: &ImmutableString) -> usize {
    address(value)
}

/// Where a string's text lives: what tells one allocation from another.
pub fn address(value: &ImmutableString) -> usize {
    value.as_str().as_ptr() as usize
}

/// Remembers that `file` made a string of each of its lines.
pub fn remember_lines_of(file: &TextFile) {
    lined().push(file.clone());
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
    registry().insert(key(value), (value.clone(), Origin::Span(Box::new(origin))));
}

/// Remembers that a string comes from line `index` (0-based) of `file`.
pub fn remember_line(value: &ImmutableString, file: &TextFile, index: usize, label: &'static str) {
    let origin = Origin::Line {
        file: file.clone(),
        index,
        label,
    };
    registry().insert(key(value), (value.clone(), origin));
}

/// Where a value came from, if it is a string with a known origin.
pub fn origin_of(value: &Dynamic) -> Option<FileSpan> {
    let text = value.read_lock::<ImmutableString>()?;
    let at = key(&text);
    if let Some((_, origin)) = registry().get(&at) {
        return Some(origin.span());
    }
    lined()
        .iter()
        .find_map(|file| Some(file.line_span(file.line_of(at)?, "this line")))
}

/// Forgets every origin (a new run starts).
pub fn clear() {
    registry().clear();
    lined().clear();
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
