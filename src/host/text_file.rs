use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use super::provenance;
use crate::error::FileSpan;

/// A text file read by `file(path)`.
#[derive(Debug, Clone)]
pub struct TextFile {
    /// As the script named it.
    pub name: String,
    pub text: Arc<str>,
}

impl TextFile {
    /// A span over line `index` (0-based), labelled.
    pub fn line_span(&self, index: usize, label: &str) -> FileSpan {
        let mut offset = 0;
        for (i, line) in self.text.split_inclusive('\n').enumerate() {
            if i == index {
                return FileSpan {
                    name: self.name.clone(),
                    text: Arc::clone(&self.text),
                    offset,
                    len: line.trim_end_matches(['\n', '\r']).len().max(1),
                    label: label.to_owned(),
                };
            }
            offset += line.len();
        }
        FileSpan {
            name: self.name.clone(),
            text: Arc::clone(&self.text),
            offset: self.text.len(),
            len: 0,
            label: label.to_owned(),
        }
    }

    /// The whole file as one string, remembering its origin.
    pub fn text_value(&self) -> Dynamic {
        provenance::string(
            self.text.to_string(),
            Some(self.line_span(0, "read from this file")),
        )
    }

    /// Every line, each remembering its line.
    pub fn lines(&self) -> Array {
        self.text
            .lines()
            .enumerate()
            .map(|(i, line)| provenance::string(line, Some(self.line_span(i, "this line"))))
            .collect()
    }

    /// `#{ line, text }` for every line the regex matches.
    pub fn matches(&self, regex: &regex::Regex) -> Array {
        self.text
            .lines()
            .enumerate()
            .filter(|(_, line)| regex.is_match(line))
            .map(|(i, line)| {
                let mut found = Map::new();
                found.insert(
                    "line".into(),
                    Dynamic::from_int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                );
                found.insert(
                    "text".into(),
                    provenance::string(line, Some(self.line_span(i, "this line"))),
                );
                Dynamic::from_map(found)
            })
            .collect()
    }

    /// How many times the regex matches, and the lines it matches on.
    pub fn count(&self, regex: &regex::Regex) -> (usize, Vec<usize>) {
        let mut total = 0;
        let mut lines = Vec::new();
        for (i, line) in self.text.lines().enumerate() {
            let n = regex.find_iter(line).count();
            if n > 0 {
                total += n;
                lines.push(i);
            }
        }
        (total, lines)
    }
}
