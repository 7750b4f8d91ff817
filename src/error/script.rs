use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// A script's text and name, shared by every diagnostic that points into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The file as miette wants it.
    pub fn named(&self) -> NamedSource<String> {
        NamedSource::new(&self.name, self.text.to_string()).with_language("rust")
    }

    /// Byte offset of a 1-based line and 1-based column counted in characters
    /// (Rhai's positions), clamped to the text.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let mut offset = 0;
        for (index, text) in self.text.split_inclusive('\n').enumerate() {
            if index + 1 == line {
                let within: usize = text
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(char::len_utf8)
                    .sum();
                return offset + within;
            }
            offset += text.len();
        }
        self.text.len()
    }

    /// A span from a position to the end of that line (trailing blanks and a
    /// lone opening brace trimmed): what a reader sees as "this call".
    pub fn line_span(&self, line: usize, column: usize) -> SourceSpan {
        let start = self.offset(line, column);
        let rest = &self.text[start..];
        let end = rest.find('\n').unwrap_or(rest.len());
        let shown = rest[..end].trim_end();
        let shown = shown
            .strip_suffix('{')
            .map_or(shown, str::trim_end)
            .trim_end_matches(['|', ' '])
            .trim_end_matches(',');
        let len = if shown.is_empty() {
            end.max(1)
        } else {
            shown.len()
        };
        SourceSpan::new(start.into(), len.min(rest.len()))
    }
}

/// A script that cannot run: it does not compile, or its code is wrong.
#[derive(Debug, Error, Diagnostic)]
pub enum ScriptError {
    #[error("{message}")]
    #[diagnostic(code(shakedown::script::syntax), help("{help}"))]
    Syntax {
        message: String,
        help: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        at: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(shakedown::script::runtime), help("{help}"))]
    Runtime {
        message: String,
        help: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("{label}")]
        at: SourceSpan,
        label: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_counts_characters_not_bytes() {
        let file = SourceFile::new("t.rhai", "let ü = 1;\nlet x = \"é\"; foo()\n");
        // line 2, column 14 is `f` of foo; "é" is two bytes.
        let at = file.offset(2, 14);
        assert_eq!(&file.text[at..at + 3], "foo");
    }

    #[test]
    fn offset_past_the_end_is_clamped() {
        let file = SourceFile::new("t.rhai", "x");
        assert_eq!(file.offset(9, 1), 1);
    }

    #[test]
    fn line_span_trims_the_closure_opener() {
        let file = SourceFile::new("t.rhai", "  check(\"a\", || {\n  true\n});\n");
        let span = file.line_span(1, 3);
        let text = &file.text[span.offset()..span.offset() + span.len()];
        assert_eq!(text, "check(\"a\"");
    }
}
