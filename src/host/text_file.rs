use std::sync::{Arc, OnceLock};

use rhai::{Array, Dynamic, ImmutableString, Map};

use super::provenance;
use crate::error::FileSpan;

/// A text file read by `file(path)` (or a compose file), with an index of
/// where its lines start, built once when it is read: finding a line is a
/// lookup, never a rescan of the file, so reading every line is linear.
/// Cheap to clone: values read from it share it to remember their line.
#[derive(Debug, Clone)]
pub struct TextFile(Arc<Indexed>);

#[derive(Debug)]
struct Indexed {
    /// As the script named it.
    name: String,
    text: Arc<str>,
    /// Byte offset where each line starts; a final line end starts no line.
    starts: Vec<usize>,
    /// The whole text as a script string, made when first asked for.
    whole: OnceLock<ImmutableString>,
    /// Every line as a script string, made when first asked for.
    lines: OnceLock<Lines>,
}

/// The lines of a file as script strings, and their numbers sorted by
/// where each string lives in memory, so a line found in a value tells its
/// number without an entry of its own in the provenance registry.
#[derive(Debug)]
struct Lines {
    strings: Vec<ImmutableString>,
    by_address: Vec<u32>,
}

impl TextFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let mut starts = Vec::with_capacity(text.len() / 64 + 1);
        if !text.is_empty() {
            starts.push(0);
        }
        starts.extend(
            text.match_indices('\n')
                .map(|(at, _)| at + 1)
                .filter(|&start| start < text.len()),
        );
        Self(Arc::new(Indexed {
            name: name.into(),
            text,
            starts,
            whole: OnceLock::new(),
            lines: OnceLock::new(),
        }))
    }

    /// The path as the script named it.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    pub fn text(&self) -> &Arc<str> {
        &self.0.text
    }

    /// How many lines (as `str::lines` counts them).
    pub fn line_count(&self) -> usize {
        self.0.starts.len()
    }

    /// Line `index` (0-based) with its line end, and where it starts.
    fn raw_line(&self, index: usize) -> Option<(usize, &str)> {
        let start = *self.0.starts.get(index)?;
        let end = self
            .0
            .starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.0.text.len());
        Some((start, &self.0.text[start..end]))
    }

    /// Line `index` (0-based) without its line end, as `str::lines` gives it.
    pub fn line(&self, index: usize) -> Option<&str> {
        self.raw_line(index).map(|(_, line)| trim_line_end(line))
    }

    /// A span over line `index` (0-based), labelled.
    pub fn line_span(&self, index: usize, label: &str) -> FileSpan {
        let (offset, len) = match self.raw_line(index) {
            Some((start, line)) => (start, trim_line_end(line).len().max(1)),
            None => (self.0.text.len(), 0),
        };
        FileSpan {
            name: self.0.name.clone(),
            text: Arc::clone(&self.0.text),
            offset,
            len,
            label: label.to_owned(),
        }
    }

    /// A new script string that remembers it comes from line `index`.
    pub fn string_at(&self, text: impl Into<String>, index: usize, label: &'static str) -> Dynamic {
        let value = ImmutableString::from(text.into());
        provenance::remember_line(&value, self, index, label);
        Dynamic::from(value)
    }

    /// The whole file as one string, remembering its origin (one string,
    /// however often it is asked for).
    pub fn text_value(&self) -> Dynamic {
        let whole = self.0.whole.get_or_init(|| {
            let value = ImmutableString::from(&*self.0.text);
            provenance::remember_line(&value, self, 0, "read from this file");
            value
        });
        Dynamic::from(whole.clone())
    }

    /// Every line, each remembering its line (the same strings however
    /// often they are asked for).
    pub fn lines(&self) -> Array {
        let lines = self.0.lines.get_or_init(|| {
            let strings: Vec<ImmutableString> = (0..self.line_count())
                .map(|i| ImmutableString::from(self.line(i).unwrap_or_default()))
                .collect();
            // A file is at most 256 MB: its lines number fewer than u32::MAX.
            let mut by_address: Vec<u32> = (0..strings.len())
                .filter_map(|i| u32::try_from(i).ok())
                .collect();
            by_address.sort_unstable_by_key(|&i| provenance::address(&strings[i as usize]));
            provenance::remember_lines_of(self);
            Lines {
                strings,
                by_address,
            }
        });
        lines
            .strings
            .iter()
            .map(|s| Dynamic::from(s.clone()))
            .collect()
    }

    /// The line (0-based) a string made by [`lines`](Self::lines) is.
    pub fn line_of(&self, address: usize) -> Option<usize> {
        let lines = self.0.lines.get()?;
        let address_of = |i: u32| provenance::address(&lines.strings[i as usize]);
        let at = lines
            .by_address
            .binary_search_by_key(&address, |&i| address_of(i))
            .ok()?;
        Some(lines.by_address[at] as usize)
    }

    /// `#{ line, text }` for every line the regex matches.
    pub fn matches(&self, regex: &regex::Regex) -> Array {
        (0..self.line_count())
            .filter_map(|i| {
                let line = self.line(i)?;
                regex.is_match(line).then(|| {
                    let mut found = Map::new();
                    found.insert(
                        "line".into(),
                        Dynamic::from_int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                    );
                    found.insert("text".into(), self.string_at(line, i, "this line"));
                    Dynamic::from_map(found)
                })
            })
            .collect()
    }

    /// How many times the regex matches, and the lines it matches on.
    pub fn count(&self, regex: &regex::Regex) -> (usize, Vec<usize>) {
        let mut total = 0;
        let mut lines = Vec::new();
        for i in 0..self.line_count() {
            let n = self.line(i).map_or(0, |line| regex.find_iter(line).count());
            if n > 0 {
                total += n;
                lines.push(i);
            }
        }
        (total, lines)
    }
}

/// A line without its `\n` (and a `\r` before it), as `str::lines` strips.
fn trim_line_end(line: &str) -> &str {
    match line.strip_suffix('\n') {
        Some(line) => line.strip_suffix('\r').unwrap_or(line),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_those_str_lines_gives() {
        for text in [
            "",
            "a",
            "a\n",
            "a\nb",
            "a\r\nb\r\n",
            "\n\n",
            "x\n\ny\n",
            "é\nü\r\n",
        ] {
            let file = TextFile::new("t", text);
            let ours: Vec<&str> = (0..file.line_count())
                .filter_map(|i| file.line(i))
                .collect();
            let std: Vec<&str> = text.lines().collect();
            assert_eq!(ours, std, "{text:?}");
        }
    }

    #[test]
    fn a_line_span_covers_the_line_without_its_end() {
        let file = TextFile::new("t", "first\r\nsecond\nthird");
        let span = file.line_span(1, "here");
        assert_eq!(&file.text()[span.offset..span.offset + span.len], "second");
        assert_eq!(span.line(), 2);
        let past = file.line_span(9, "nowhere");
        assert_eq!((past.offset, past.len), (file.text().len(), 0));
    }

    #[test]
    fn a_line_value_remembers_its_line() {
        let file = TextFile::new("t", "a\nb\n");
        let lines = file.lines();
        let origin = provenance::origin_of(&lines[1]).map(|o| o.line());
        assert_eq!(origin, Some(2));
    }
}
