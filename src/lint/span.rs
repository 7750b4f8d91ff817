//! Places in the script a finding points at, from Rhai's positions.

use miette::{NamedSource, SourceSpan};
use rhai::Position;

use crate::error::SourceFile;

/// The script a walk reads, for labels.
pub struct Spans {
    file: SourceFile,
}

impl Spans {
    pub fn new(file: SourceFile) -> Self {
        Self { file }
    }

    pub fn named(&self) -> NamedSource<String> {
        self.file.named()
    }

    fn offset(&self, pos: Position) -> usize {
        self.file
            .offset(pos.line().unwrap_or(1), pos.position().unwrap_or(1))
    }
}

/// The span of `name` at `pos`: the name itself, a quoted string literal
/// (a map key may be quoted), or one character.
pub fn ident_span(spans: &Spans, pos: Position, name: &str) -> SourceSpan {
    let start = spans.offset(pos);
    let rest = &spans.file.text[start..];
    let len = if rest.starts_with(name) && !name.is_empty() {
        name.len()
    } else if rest.starts_with(['"', '`']) {
        literal_len(rest)
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    SourceSpan::new(start.into(), len)
}

/// The span of the string literal at `pos`, quotes included.
pub fn literal_span(spans: &Spans, pos: Position) -> SourceSpan {
    let start = spans.offset(pos);
    let rest = &spans.file.text[start..];
    let len = if rest.starts_with(['"', '`']) {
        literal_len(rest)
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    SourceSpan::new(start.into(), len)
}

/// The length of the literal `text` starts with, up to its closing quote
/// (escapes skipped), or to the end of the line.
fn literal_len(text: &str) -> usize {
    let mut chars = text.char_indices();
    let Some((_, quote)) = chars.next() else {
        return 0;
    };
    let mut escaped = false;
    for (i, c) in chars {
        match c {
            '\\' if !escaped => escaped = true,
            c if c == quote && !escaped => return i + c.len_utf8(),
            '\n' if quote == '"' => return i,
            _ => escaped = false,
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_end_at_their_closing_quote() {
        assert_eq!(literal_len(r#""a\"b" + 1"#), 6);
        assert_eq!(literal_len("\"open\nnext"), 5);
        assert_eq!(literal_len("`x`"), 3);
    }
}
