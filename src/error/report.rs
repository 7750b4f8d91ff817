use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, SourceCode};

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
}

/// A runtime diagnostic whose code, labels and related reports are only
/// known at run time (a failed check, a failed build, a timeout).
#[derive(Debug, Clone)]
pub struct Report {
    pub code: String,
    pub message: String,
    pub help: Option<String>,
    /// The file the labels point into; all labels share it.
    pub source: Option<(String, Arc<str>)>,
    pub labels: Vec<(usize, usize, String)>,
    pub related: Vec<Report>,
}

impl Report {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            help: None,
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        }
    }

    pub fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// Adds a label; the first labelled span also sets the source file.
    pub fn with_span(mut self, span: &FileSpan) -> Self {
        if self.source.is_none() {
            self.source = Some((span.name.clone(), Arc::clone(&span.text)));
        }
        let same_file = self
            .source
            .as_ref()
            .is_some_and(|(name, _)| *name == span.name);
        if same_file {
            self.labels
                .push((span.offset, span.len, span.label.clone()));
        } else {
            self.related.push(
                Report::new(self.code.clone(), span.label.clone()).with_span(&FileSpan {
                    label: String::new(),
                    ..span.clone()
                }),
            );
        }
        self
    }

    pub fn with_related(mut self, related: Report) -> Self {
        self.related.push(related);
        self
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
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|_| self as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().map(|(offset, len, label)| {
            let label = (!label.is_empty()).then(|| label.clone());
            LabeledSpan::new(label, *offset, *len)
        })))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

impl SourceCode for Report {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let Some((name, text)) = self.source.as_ref() else {
            return Err(miette::MietteError::OutOfBounds);
        };
        let contents = text
            .as_ref()
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            name.clone(),
            contents.data(),
            *contents.span(),
            contents.line(),
            contents.column(),
            contents.line_count(),
        )))
    }
}
