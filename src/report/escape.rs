//! Names as the human report prints them. Task and check names (and
//! records, checkpoint messages, image tags) come from scripts: a newline
//! or an escape sequence in one must not move the cursor, clear the screen
//! or forge a result line, so control characters and the bidirectional
//! overrides are shown escaped, the way Rust writes them in a string.

use std::borrow::Cow;
use std::fmt::Write;

/// `name` with control characters and bidirectional controls escaped
/// (`\n`, `\t`, `\r`, `\u{1b}`…); everything else as written.
pub fn printable(name: &str) -> Cow<'_, str> {
    if !name.chars().any(needs_escape) {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_unchanged() {
        for name in ["runs as 'appuser'", "size < 8 GB", "café ✓", r"C:\path"] {
            assert_eq!(printable(name), name);
        }
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            printable("a\u{1b}[31mred\nname\r\t\u{7f}"),
            "a\\u{1b}[31mred\\nname\\r\\t\\u{7f}"
        );
        assert_eq!(printable("\u{202e}evil"), "\\u{202e}evil");
    }
}
