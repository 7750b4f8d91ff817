//! Reading, verifying and appending to the ledger file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use miette::{Diagnostic, NamedSource, SourceSpan};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::entry::{Decided, Entry};

/// Appends within this process happen one at a time.
static APPEND: Mutex<()> = Mutex::new(());

/// The ledger at a path.
#[derive(Debug, Clone)]
pub struct Ledger {
    path: PathBuf,
}

/// Why the ledger cannot be used.
#[derive(Debug, Error, Diagnostic)]
pub enum LedgerError {
    #[error("there is no approvals ledger at {path}")]
    #[diagnostic(
        code(shakedown::approvals::missing),
        help("checkpoints create it when they are answered; name another file with `shakedown approvals verify PATH`")
    )]
    Missing { path: String },

    #[error("the approvals ledger {path} cannot be read: {source}")]
    #[diagnostic(
        code(shakedown::approvals::unreadable),
        help("check the path and its permissions")
    )]
    Unreadable {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("the approvals ledger {path} cannot be written: {source}")]
    #[diagnostic(
        code(shakedown::approvals::unwritable),
        help("check the path and its permissions, or name another file with --approvals PATH")
    )]
    Unwritable {
        path: String,
        #[source]
        source: std::io::Error,
    },

    #[error("the approvals ledger {path} is not intact: entry {line} {problem}")]
    #[diagnostic(
        code(shakedown::approvals::tampered),
        help("entries are hash-chained: an entry edited, removed or moved breaks the chain from there on. Restore the file from version control (`git diff {path}` shows what changed); approvals after the bad entry cannot be trusted")
    )]
    Tampered {
        path: String,
        /// The first bad entry, counted from 1 (its line).
        line: usize,
        problem: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("{what}")]
        at: SourceSpan,
        /// What the label says of the field.
        what: String,
    },
}

impl Ledger {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn name(&self) -> String {
        self.path.display().to_string()
    }

    /// The entries, oldest first, after checking the whole chain; none
    /// when the file does not exist yet.
    pub fn read(&self) -> Result<Vec<Entry>, LedgerError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => self.parse(&text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(source) => Err(LedgerError::Unreadable {
                path: self.name(),
                source,
            }),
        }
    }

    /// Like [`Ledger::read`], but a missing file is an error.
    pub fn verify(&self) -> Result<Vec<Entry>, LedgerError> {
        if !self.path.exists() {
            return Err(LedgerError::Missing { path: self.name() });
        }
        self.read()
    }

    /// Checks every line: it parses, its hash matches its content, its
    /// `seq` is its position and its `prev` is the hash of the line before.
    fn parse(&self, text: &str) -> Result<Vec<Entry>, LedgerError> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut offset = 0;
        let body = text.strip_suffix('\n').unwrap_or(text);
        if body.is_empty() {
            return Ok(entries);
        }
        for (index, line) in body.split('\n').enumerate() {
            let number = index + 1;
            // The label goes on the field that is wrong (the whole line
            // when it is not an entry at all).
            let bad = |field: Option<(&str, &str)>, problem: String| {
                let (what, field) = match field {
                    Some((key, what)) => (format!("entry {number}: {what}"), Some(key)),
                    None => (format!("entry {number}"), None),
                };
                let (start, len) = field
                    .and_then(|key| field_span(line, key))
                    .unwrap_or((0, line.len()));
                LedgerError::Tampered {
                    path: self.name(),
                    line: number,
                    problem,
                    src: NamedSource::new(self.name(), text.to_owned()),
                    at: (offset + start, len.max(1).min(text.len() - offset - start)).into(),
                    what,
                }
            };
            let value: Value = serde_json::from_str(line)
                .map_err(|err| bad(None, format!("is not a JSON object ({err})")))?;
            let stated = value
                .get("hash")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if stated != hash_of(&value) {
                return Err(bad(
                    Some(("hash", "not the hash of this line")),
                    "was edited: its content does not match its hash".to_owned(),
                ));
            }
            let entry: Entry = serde_json::from_value(value)
                .map_err(|err| bad(None, format!("is not a ledger entry ({err})")))?;
            let expected = entries.last().map_or(1, |e| e.seq + 1);
            if entry.seq != expected {
                let problem = if entry.seq > expected {
                    format!(
                        "has seq {} where {expected} belongs: an entry before it was removed or moved",
                        entry.seq
                    )
                } else {
                    format!(
                        "has seq {} where {expected} belongs: entries were moved or copied",
                        entry.seq
                    )
                };
                return Err(bad(Some(("seq", "out of place")), problem));
            }
            let before = entries.last().map(|e| e.hash.clone());
            if entry.prev != before {
                return Err(bad(
                    Some(("prev", "not the hash of the entry before")),
                    format!(
                    "does not follow entry {}: its prev is not that entry's hash (an entry was edited, removed or moved)",
                    number - 1
                ),
                ));
            }
            entries.push(entry);
            offset += line.len() + 1;
        }
        Ok(entries)
    }

    /// Appends an entry after the last one, chained to it. The chain is
    /// checked first: nothing is added to a ledger that is not intact.
    pub fn append(&self, decided: Decided) -> Result<Entry, LedgerError> {
        let _one_at_a_time = APPEND.lock().unwrap_or_else(PoisonError::into_inner);
        let entries = self.read()?;
        let last = entries.last();
        let mut entry = Entry {
            seq: last.map_or(1, |e| e.seq + 1),
            prev: last.map(|e| e.hash.clone()),
            decided,
            hash: String::new(),
        };
        let line = seal(&mut entry);
        let unwritable = |source| LedgerError::Unwritable {
            path: self.name(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(unwritable)?;
        }
        let needs_newline = std::fs::read(&self.path)
            .map(|bytes| bytes.last().is_some_and(|b| *b != b'\n'))
            .unwrap_or(false);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(unwritable)?;
        let text = if needs_newline {
            format!("\n{line}\n")
        } else {
            format!("{line}\n")
        };
        file.write_all(text.as_bytes()).map_err(unwritable)?;
        file.flush().map_err(unwritable)?;
        Ok(entry)
    }
}

/// Where `"key":value` is in a line as the ledger writes it (compact):
/// (start, length).
fn field_span(line: &str, key: &str) -> Option<(usize, usize)> {
    let start = line.find(&format!("\"{key}\":"))?;
    let value = start + key.len() + 3;
    let rest = &line[value..];
    let len = if let Some(text) = rest.strip_prefix('"') {
        text.find('"').map_or(rest.len(), |end| end + 2)
    } else {
        rest.find([',', '}']).unwrap_or(rest.len())
    };
    Some((start, value - start + len))
}

/// Sets the entry's hash and returns its line.
fn seal(entry: &mut Entry) -> String {
    let mut value = serde_json::to_value(&*entry).unwrap_or(Value::Null);
    entry.hash = hash_of(&value);
    if let Value::Object(map) = &mut value {
        map.insert("hash".into(), Value::String(entry.hash.clone()));
    }
    canonical(&value).to_string()
}

/// The sha256 (hex) of an entry without its `hash`, keys sorted, compact.
fn hash_of(value: &Value) -> String {
    let mut value = canonical(value);
    if let Value::Object(map) = &mut value {
        map.remove("hash");
    }
    let digest = Sha256::digest(value.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value with every object's keys in sorted order, whatever order
/// serde_json keeps them in.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut sorted = Map::new();
            for key in keys {
                sorted.insert(key.clone(), canonical(&map[key]));
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approvals::{Decision, How, ImageRef, Reviewed, Who};

    fn draft(message: &str) -> Decided {
        Decided {
            at: "2026-11-28T10:02:00Z".into(),
            decision: Decision::Approved,
            how: How::Terminal,
            reason: None,
            by: Who {
                user: "ana".into(),
                git_name: None,
            },
            message: message.into(),
            script: "demo.rhai".into(),
            task: "sign off".into(),
            reviewed: Reviewed::default(),
            images: vec![ImageRef {
                name: "demo:cpu".into(),
                id: "sha256:aaa".into(),
            }],
            reused: None,
        }
    }

    fn ledger_with(entries: usize) -> (tempfile::TempDir, Ledger) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path().join("sub/approvals.jsonl"));
        for n in 0..entries {
            ledger.append(draft(&format!("review {n}"))).unwrap();
        }
        (dir, ledger)
    }

    fn rewrite(ledger: &Ledger, change: impl FnOnce(&mut Vec<String>)) {
        let text = std::fs::read_to_string(ledger.path()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        change(&mut lines);
        std::fs::write(ledger.path(), lines.join("\n") + "\n").unwrap();
    }

    fn bad_line(ledger: &Ledger) -> (usize, String) {
        match ledger.verify() {
            Err(LedgerError::Tampered { line, problem, .. }) => (line, problem),
            other => panic!("not detected: {other:?}"),
        }
    }

    #[test]
    fn the_label_goes_on_the_field() {
        let line = r#"{"hash":"ab12","prev":null,"seq":3}"#;
        let at = |key| field_span(line, key).map(|(s, l)| &line[s..s + l]);
        assert_eq!(at("hash"), Some(r#""hash":"ab12""#));
        assert_eq!(at("prev"), Some(r#""prev":null"#));
        assert_eq!(at("seq"), Some(r#""seq":3"#));
        assert_eq!(at("nope"), None);
    }

    #[test]
    fn entries_chain_to_the_one_before() {
        let (_dir, ledger) = ledger_with(3);
        let entries = ledger.verify().unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].prev, None);
        assert_eq!(entries[1].prev.as_ref(), Some(&entries[0].hash));
        assert_eq!(entries[2].seq, 3);
    }

    #[test]
    fn an_edited_entry_is_named() {
        let (_dir, ledger) = ledger_with(3);
        rewrite(&ledger, |lines| {
            lines[1] = lines[1].replace("sha256:aaa", "sha256:bbb")
        });
        let (line, problem) = bad_line(&ledger);
        assert_eq!(line, 2);
        assert!(problem.contains("edited"), "{problem}");
    }

    #[test]
    fn a_removed_entry_is_found() {
        let (_dir, ledger) = ledger_with(3);
        rewrite(&ledger, |lines| {
            lines.remove(1);
        });
        let (line, problem) = bad_line(&ledger);
        assert_eq!(line, 2);
        assert!(problem.contains("removed"), "{problem}");
        let (_dir, ledger) = ledger_with(2);
        rewrite(&ledger, |lines| {
            lines.remove(0);
        });
        assert_eq!(bad_line(&ledger).0, 1);
    }

    #[test]
    fn reordered_entries_are_found() {
        let (_dir, ledger) = ledger_with(3);
        rewrite(&ledger, |lines| lines.swap(1, 2));
        let (line, problem) = bad_line(&ledger);
        assert_eq!(line, 2);
        assert!(problem.contains("moved"), "{problem}");
    }

    #[test]
    fn a_recomputed_hash_still_breaks_the_next_link() {
        let (_dir, ledger) = ledger_with(2);
        rewrite(&ledger, |lines| {
            let mut value: Value = serde_json::from_str(&lines[0]).unwrap();
            value["message"] = "forged".into();
            let hash = hash_of(&value);
            value["hash"] = hash.into();
            lines[0] = canonical(&value).to_string();
        });
        let (line, problem) = bad_line(&ledger);
        assert_eq!(line, 2);
        assert!(problem.contains("does not follow entry 1"), "{problem}");
    }

    #[test]
    fn nothing_is_appended_to_a_broken_chain() {
        let (_dir, ledger) = ledger_with(2);
        rewrite(&ledger, |lines| lines[0] = lines[0].replace("ana", "bob"));
        assert!(ledger.append(draft("more")).is_err());
    }

    #[test]
    fn a_missing_ledger_reads_empty_but_does_not_verify() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::new(dir.path().join("none.jsonl"));
        assert!(ledger.read().unwrap().is_empty());
        assert!(matches!(ledger.verify(), Err(LedgerError::Missing { .. })));
    }
}
