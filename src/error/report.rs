use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan};

/// A place in a file that a report points at: a script line, a Dockerfile
/// instruction. Plain data, so it can travel inside a Rhai `Dynamic`.
#[derive(Debug, Clone)]
pub struct FileSpan {
    pub name: String,
    pub text: Arc<str>,
    pub offset: usize,
    pub len: usize,
    pub label: String,
}

impl FileSpan {
    /// The 1-based line the span starts on.
    pub fn line(&self) -> usize {
        let offset = self.offset.min(self.text.len());
        self.text[..offset].matches('\n').count() + 1
    }

    /// The 1-based column (in characters) the span starts at.
    pub fn column(&self) -> usize {
        let offset = floor_char_boundary(&self.text, self.offset.min(self.text.len()));
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        self.text[line_start..offset].chars().count() + 1
    }
}

/// A place a report labels, as data: what reporters other than the
/// rendered diagnostic (JSON, annotations) use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub label: String,
    /// The place the report is about (the header of the rendered report).
    pub primary: bool,
}

/// A file as a report shows it. Every file (or a second showing of one)
/// has its own range of offsets, so miette renders each as its own
/// snippet, with its own `╭─[file:line:col]` header, in the order the
/// files were added.
#[derive(Debug, Clone)]
struct Shown {
    name: String,
    text: Arc<str>,
    /// Where its offsets start in the report's single range.
    base: usize,
}

#[derive(Debug, Clone)]
struct Label {
    shown: usize,
    offset: usize,
    len: usize,
    text: String,
    primary: bool,
}

/// A runtime diagnostic whose code, labels and notes are only known at run
/// time (a failed check, a failed build, a timeout). Its labels may point
/// into several files (the script, a Dockerfile, a compose file); they all
/// render inside this one diagnostic.
#[derive(Debug, Clone)]
pub struct Report {
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    /// Lines shown under the help: what the evidence of a failure says
    /// beyond its labels (a query that found nothing, the largest layers).
    pub notes: Vec<String>,
    shown: Vec<Shown>,
    labels: Vec<Label>,
}

impl Report {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            help: None,
            notes: Vec::new(),
            shown: Vec::new(),
            labels: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Labels a place; places in the same file share its snippet.
    #[must_use]
    pub fn with_span(mut self, span: &FileSpan) -> Self {
        let shown = self.shown_index(span, false);
        self.push_label(shown, span, false);
        self
    }

    /// Labels the place the report is about: its snippet comes first, and
    /// its position is the one in the header.
    #[must_use]
    pub fn with_primary(mut self, span: &FileSpan) -> Self {
        for label in &mut self.labels {
            label.primary = false;
        }
        let shown = self.shown_index(span, false);
        self.push_label(shown, span, true);
        self
    }

    /// Labels a place in a snippet of its own, shown after those before it
    /// even when the file is already shown (the call that declared a check
    /// far above the line that failed in it).
    #[must_use]
    pub fn with_span_apart(mut self, span: &FileSpan) -> Self {
        let shown = self.shown_index(span, true);
        self.push_label(shown, span, false);
        self
    }

    /// Takes in another report's labels and says what it says as notes
    /// (its message, then its help), once.
    #[must_use]
    pub fn absorb(mut self, other: &Report) -> Self {
        if self.notes.contains(&other.message) {
            return self;
        }
        self.notes.push(other.message.clone());
        if let Some(help) = &other.help {
            self.notes.extend(help.lines().map(|l| format!("  {l}")));
        }
        for label in &other.labels {
            let span = other.span_of(label);
            let already = self
                .labels
                .iter()
                .any(|l| l.offset == span.offset && self.shown[l.shown].name == span.name);
            if !already {
                self = self.with_span(&span);
            }
        }
        self
    }

    /// Every labelled place, primary first, then in the order shown.
    pub fn places(&self) -> Vec<Place> {
        let mut places: Vec<Place> = self
            .labels
            .iter()
            .map(|label| {
                let span = self.span_of(label);
                Place {
                    file: span.name.clone(),
                    line: span.line(),
                    column: span.column(),
                    label: span.label,
                    primary: label.primary,
                }
            })
            .collect();
        places.sort_by_key(|p| !p.primary);
        places
    }

    fn span_of(&self, label: &Label) -> FileSpan {
        let shown = &self.shown[label.shown];
        FileSpan {
            name: shown.name.clone(),
            text: Arc::clone(&shown.text),
            offset: label.offset,
            len: label.len,
            label: label.text.clone(),
        }
    }

    /// The help and the notes, as rendered under the snippets.
    fn footer(&self) -> Option<String> {
        let notes = self.notes.join("\n");
        match (&self.help, notes.is_empty()) {
            (None, true) => None,
            (Some(help), true) => Some(help.clone()),
            (None, false) => Some(notes),
            (Some(help), false) => Some(format!("{help}\n{notes}")),
        }
    }

    fn shown_index(&mut self, span: &FileSpan, apart: bool) -> usize {
        if !apart {
            if let Some(index) = self.shown.iter().position(|s| s.name == span.name) {
                return index;
            }
        }
        let base = self
            .shown
            .last()
            .map_or(0, |last| last.base + last.text.len() + 1);
        self.shown.push(Shown {
            name: span.name.clone(),
            text: Arc::clone(&span.text),
            base,
        });
        self.shown.len() - 1
    }

    fn push_label(&mut self, shown: usize, span: &FileSpan, primary: bool) {
        let text_len = self.shown[shown].text.len();
        let offset = span.offset.min(text_len);
        self.labels.push(Label {
            shown,
            offset,
            len: span.len.min(text_len - offset),
            text: span.label.clone(),
            primary,
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.footer()
            .map(|text| Box::new(text) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        (!self.shown.is_empty()).then_some(self as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().map(|label| {
            let text = (!label.text.is_empty()).then(|| label.text.clone());
            let span = SourceSpan::new(
                (self.shown[label.shown].base + label.offset).into(),
                label.len,
            );
            if label.primary {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            }
        })))
    }
}

impl SourceCode for Report {
    /// Reads a span of one of the files shown: the lines it covers with
    /// `before` and `after` lines of context. A span that reaches from one
    /// file into another cannot be read, so miette never merges snippets of
    /// different files.
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, MietteError> {
        let shown = self
            .shown
            .iter()
            .find(|s| s.base <= span.offset() && span.offset() <= s.base + s.text.len())
            .ok_or(MietteError::OutOfBounds)?;
        let start = span.offset() - shown.base;
        let end = start + span.len();
        if end > shown.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let context = Context::of(&shown.text, start, end, before, after);
        Ok(Box::new(MietteSpanContents::new_named(
            shown.name.clone(),
            &shown.text.as_bytes()[context.start..context.end],
            SourceSpan::new(
                (shown.base + context.start).into(),
                context.end - context.start,
            ),
            context.line,
            context.column,
            context.line_count,
        )))
    }
}

/// The lines around a span: from the start of the line `before` lines
/// above its first, to the end (newline included) of the line `after` lines
/// below its last.
#[derive(Debug, PartialEq, Eq)]
struct Context {
    start: usize,
    end: usize,
    /// 0-based line of `start`.
    line: usize,
    /// 0-based column (characters) of the span when there is no context
    /// before it, else 0.
    column: usize,
    /// How many lines the context holds.
    line_count: usize,
}

impl Context {
    fn of(text: &str, start: usize, end: usize, before: usize, after: usize) -> Self {
        let start = floor_char_boundary(text, start);
        let end = floor_char_boundary(text, end.max(start));
        let bytes = text.as_bytes();
        let span_line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let mut context_start = span_line_start;
        for _ in 0..before {
            if context_start == 0 {
                break;
            }
            context_start = text[..context_start - 1].rfind('\n').map_or(0, |i| i + 1);
        }
        // The last byte of the span decides its last line.
        let last = if end > start { end - 1 } else { start };
        let mut context_end = text[last..].find('\n').map_or(text.len(), |i| last + i + 1);
        for _ in 0..after {
            if context_end >= bytes.len() {
                break;
            }
            context_end = text[context_end..]
                .find('\n')
                .map_or(text.len(), |i| context_end + i + 1);
        }
        let line = text[..context_start].matches('\n').count();
        let shown = &text[context_start..context_end];
        let line_count = shown.matches('\n').count() + usize::from(!shown.ends_with('\n'));
        let column = if before == 0 {
            text[span_line_start..start].chars().count()
        } else {
            0
        };
        Self {
            start: context_start,
            end: context_end,
            line,
            column,
            line_count,
        }
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(name: &str, text: &Arc<str>, needle: &str, label: &str) -> FileSpan {
        let offset = text.find(needle).unwrap();
        FileSpan {
            name: name.into(),
            text: Arc::clone(text),
            offset,
            len: needle.len(),
            label: label.into(),
        }
    }

    fn render(report: &Report) -> String {
        crate::error::render_diagnostic(report, false, Some(100))
    }

    #[test]
    fn a_context_holds_the_lines_around_the_span() {
        let text = "a\nbb\nccc\ndd\ne\n";
        let at = text.find("ccc").unwrap();
        let c = Context::of(text, at, at + 3, 1, 1);
        assert_eq!(&text[c.start..c.end], "bb\nccc\ndd\n");
        assert_eq!((c.line, c.line_count), (1, 3));
        let c = Context::of(text, at + 1, at + 2, 0, 0);
        assert_eq!((c.line, c.column, &text[c.start..c.end]), (2, 1, "ccc\n"));
    }

    #[test]
    fn the_header_names_the_primary_place_and_other_files_render_inside() {
        let script: Arc<str> = "task(\"t\", || {\n    let x = 1;\n    boom();\n});\n".into();
        let docker: Arc<str> = "FROM x\nRUN false\n".into();
        let report = Report::new("shakedown::test", "it failed")
            .with_primary(&span("s.rhai", &script, "boom()", "here"))
            .with_span(&span("s.rhai", &script, "task(\"t\"", "this task"))
            .with_span(&span("Dockerfile", &docker, "RUN false", "this RUN"))
            .with_help(Some("fix it".into()));
        let out = render(&report);
        let first_header = out.lines().find(|l| l.contains("╭─[")).unwrap();
        assert!(first_header.contains("[s.rhai:3:5]"), "{out}");
        assert!(out.contains("[Dockerfile:2:1]"), "{out}");
        assert!(!out.contains("Error:"), "{out}");
        assert_eq!(out.matches("shakedown::test").count(), 1, "{out}");
        let places = report.places();
        assert_eq!(
            (places[0].line, places[0].column, places[0].primary),
            (3, 5, true)
        );
        assert_eq!(places[2].file, "Dockerfile");
    }

    #[test]
    fn a_place_shown_apart_comes_after_the_primary_one() {
        let mut text = String::from("check(\"far\", || {\n");
        for i in 0..10 {
            text.push_str(&format!("    let v{i} = {i};\n"));
        }
        text.push_str("    assert(false);\n});\n");
        let script: Arc<str> = text.into();
        let report = Report::new("shakedown::test", "it failed")
            .with_primary(&span("s.rhai", &script, "assert(false)", "does not hold"))
            .with_span_apart(&span("s.rhai", &script, "check(\"far\"", "this check"));
        let out = render(&report);
        let headers: Vec<&str> = out.lines().filter(|l| l.contains("╭─[")).collect();
        assert_eq!(headers.len(), 2, "{out}");
        assert!(headers[0].contains("[s.rhai:12:5]"), "{out}");
        assert!(headers[1].contains("[s.rhai:1:1]"), "{out}");
    }

    #[test]
    fn absorbed_evidence_labels_its_places_and_notes_its_message() {
        let docker: Arc<str> = "FROM x\nCOPY big /big\n".into();
        let evidence = Report::new("shakedown::image::layers", "the 1 largest layers of x")
            .with_help(Some("1 GB  Dockerfile:2  COPY big /big".into()))
            .with_span(&span("Dockerfile", &docker, "COPY big /big", "1 GB"));
        let report = Report::new("shakedown::test", "too big")
            .absorb(&evidence)
            .absorb(&evidence);
        assert_eq!(
            report.notes,
            [
                "the 1 largest layers of x",
                "  1 GB  Dockerfile:2  COPY big /big"
            ]
        );
        assert_eq!(report.places().len(), 1);
    }
}
