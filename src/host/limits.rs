//! How much a script may hold and read. Every limit is far above what a
//! checklist needs, and low enough that a runaway loop fails with a
//! diagnostic at its line instead of taking the machine's memory.

use rhai::Engine;

/// The longest string a script may hold, in bytes; also the largest file
/// `file()`, `dockerfile()`, `compose()` and `dockerignore()` read (a file's
/// text is one string).
pub const MAX_STRING_BYTES: usize = 256_000_000;

/// The most items an array may hold (a blob counts its bytes).
pub const MAX_ARRAY_ITEMS: usize = 32_000_000;

/// The most keys an object map may hold, nested maps included.
pub const MAX_MAP_KEYS: usize = 1_000_000;

/// The largest script or imported module, in bytes.
pub const MAX_SCRIPT_BYTES: u64 = 10_000_000;

/// The largest file a static reader reads, in bytes: the longest string.
pub use crate::static_read::input_file::MAX_READ_BYTES;
const _: () = assert!(MAX_READ_BYTES == MAX_STRING_BYTES as u64);

/// What an HTTP response body may hold unless a request's `max_body` says
/// otherwise, in bytes.
pub const DEFAULT_MAX_BODY: u64 = 32_000_000;

/// Sets Rhai's data-size limits on `engine`.
pub fn apply(engine: &mut Engine) {
    engine.set_max_string_size(MAX_STRING_BYTES);
    engine.set_max_array_size(MAX_ARRAY_ITEMS);
    engine.set_max_map_size(MAX_MAP_KEYS);
}

/// The limits as the help of a "too large" diagnostic states them.
pub fn summary() -> String {
    format!(
        "a string holds at most {} MB, an array (or blob) {} million items, a map {} million keys",
        MAX_STRING_BYTES / 1_000_000,
        MAX_ARRAY_ITEMS / 1_000_000,
        MAX_MAP_KEYS / 1_000_000
    )
}
