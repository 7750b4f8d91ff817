//! A YAML document (a compose file) as a tree whose nodes remember their
//! line, for diagnostics that point into the file; and the checks that it
//! is a compose file at all ([`read`]).

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar; `plain` when it was written without quotes (so `true`,
    /// `3` and `null` mean what YAML says).
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys in file order.
    Map(Vec<(String, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// 1-based line where it starts; for a map or a list under a key, the
    /// key's line (`facecraft-cpu:`), not the line of its first item.
    pub line: usize,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether it is YAML's null: nothing, `~` or `null` (unquoted).
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What kind of value it is, for messages: "a list", "the value 42".
    fn describe(&self) -> String {
        match &self.value {
            Value::Map(_) => "a map".into(),
            Value::Seq(_) => "a list".into(),
            Value::Scalar { text, .. } => {
                let shown: String = text.chars().take(40).collect();
                format!("the value {shown:?}")
            }
        }
    }
}

/// A YAML syntax error, with where it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub message: String,
    pub line: usize,
    pub column: usize,
    /// Byte offset in the text.
    pub offset: usize,
}

/// Why a file is not a compose file that can be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ComposeError {
    /// Not YAML at all.
    #[error("is not valid YAML: {} (line {})", .0.message, .0.line)]
    Syntax(YamlError),
    /// YAML, but not shaped like a compose file; `label` says what is
    /// wrong at `line`.
    #[error("{message}")]
    Shape {
        message: String,
        line: usize,
        label: &'static str,
    },
    /// A key written twice in one map (compose refuses it too).
    #[error("defines key {key:?} twice in one map (lines {first} and {line})")]
    DuplicateKey {
        key: String,
        line: usize,
        first: usize,
    },
}

impl ComposeError {
    /// The 1-based line it is about.
    pub fn line(&self) -> usize {
        match self {
            Self::Syntax(err) => err.line,
            Self::Shape { line, .. } | Self::DuplicateKey { line, .. } => *line,
        }
    }
}

/// A collection being built: its node, when it is a map the key (and its
/// line) waiting for a value, and the lines of the keys seen so far (to
/// find a key written twice).
struct Open {
    node: Node,
    pending_key: Option<(String, usize)>,
    keys: HashMap<String, usize>,
}

struct Builder<'a> {
    text: &'a str,
    lines: Vec<&'a str>,
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    /// The first problem YAML's parser lets through: a key written twice,
    /// a tab used to indent.
    problem: Option<ComposeError>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            lines: text.lines().collect(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            problem: None,
        }
    }

    /// YAML indents with spaces only; yaml-rust2 lets a tab through where
    /// compose's parser refuses it.
    fn check_indent(&mut self, mark: Marker) {
        if self.problem.is_some() {
            return;
        }
        let Some(line) = mark.line().checked_sub(1).and_then(|i| self.lines.get(i)) else {
            return;
        };
        let indent: String = line.chars().take(mark.col()).collect();
        if indent.contains('\t') && indent.chars().all(char::is_whitespace) {
            self.problem = Some(ComposeError::Syntax(YamlError {
                message: "a tab indents this line; YAML indents with spaces only".into(),
                line: mark.line(),
                column: 1,
                offset: byte_offset(self.text, mark.index().saturating_sub(mark.col())),
            }));
        }
    }

    fn open(&mut self, value: Value, line: usize) {
        self.stack.push(Open {
            node: Node { value, line },
            pending_key: None,
            keys: HashMap::new(),
        });
    }

    fn push_value(&mut self, mut node: Node) {
        let Some(open) = self.stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(node);
            }
            return;
        };
        match &mut open.node.value {
            Value::Seq(items) => items.push(node),
            Value::Map(entries) => match open.pending_key.take() {
                // A nested map or list starts on its key's line.
                Some((key, key_line)) => {
                    if matches!(node.value, Value::Map(_) | Value::Seq(_)) {
                        node.line = key_line;
                    }
                    entries.push((key, node));
                }
                None => {
                    let key = node.text().unwrap_or_default().to_owned();
                    if let Some(&first) = open.keys.get(&key) {
                        if self.problem.is_none() {
                            self.problem = Some(ComposeError::DuplicateKey {
                                key: key.clone(),
                                line: node.line,
                                first,
                            });
                        }
                    } else {
                        open.keys.insert(key.clone(), node.line);
                    }
                    open.pending_key = Some((key, node.line));
                }
            },
            Value::Scalar { .. } => {}
        }
    }
}

impl MarkedEventReceiver for Builder<'_> {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line();
        if matches!(
            event,
            Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)
        ) {
            self.check_indent(mark);
        }
        match event {
            Event::Scalar(text, style, anchor, _) => {
                let node = Node {
                    value: Value::Scalar {
                        text,
                        plain: style == TScalarStyle::Plain,
                    },
                    line,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push_value(node);
            }
            Event::SequenceStart(..) => self.open(Value::Seq(Vec::new()), line),
            Event::MappingStart(..) => self.open(Value::Map(Vec::new()), line),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(open) = self.stack.pop() {
                    self.push_value(open.node);
                }
            }
            Event::Alias(id) => {
                let node = self.anchors.get(&id).cloned().unwrap_or(Node {
                    value: Value::Scalar {
                        text: String::new(),
                        plain: true,
                    },
                    line,
                });
                self.push_value(node);
            }
            _ => {}
        }
    }
}

/// Parses the first document of `text` (an empty document is a null).
pub fn parse(text: &str) -> Result<Node, YamlError> {
    parse_checked(text).map(|(node, _)| node)
}

/// Parses the first document and reports the first problem YAML's parser
/// let through (a key written twice, a tab that indents).
fn parse_checked(text: &str) -> Result<(Node, Option<ComposeError>), YamlError> {
    let mut builder = Builder::new(text);
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|err| {
        let marker = err.marker();
        YamlError {
            message: err.info().to_owned(),
            line: marker.line(),
            column: marker.col() + 1,
            offset: byte_offset(text, marker.index()),
        }
    })?;
    let root = builder.root.unwrap_or(Node {
        value: Value::Scalar {
            text: String::new(),
            plain: true,
        },
        line: 1,
    });
    Ok((root, builder.problem))
}

/// The byte offset of the `chars`-th character (yaml-rust2 counts characters).
fn byte_offset(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// The top-level keys a compose file may have (`x-…` extensions aside).
const TOP_LEVEL: &[&str] = &[
    "version", "name", "include", "services", "networks", "volumes", "secrets", "configs",
];

/// Reads a compose file: YAML whose top level is a map of the keys compose
/// knows, whose `services` map names to maps, with no key written twice.
pub fn read(text: &str) -> Result<Node, ComposeError> {
    let (root, problem) = parse_checked(text).map_err(ComposeError::Syntax)?;
    if let Some(problem) = problem {
        return Err(problem);
    }
    let shape = |message: String, line: usize, label: &'static str| {
        Err(ComposeError::Shape {
            message,
            line,
            label,
        })
    };
    let entries = match &root.value {
        Value::Map(entries) => entries,
        _ if root.is_null() => {
            return shape(
                "is empty: a compose file is a map with a `services` key".into(),
                root.line,
                "nothing here",
            )
        }
        _ => {
            return shape(
                format!(
                "is not a compose file: its top level is {}, not a map of keys such as `services`",
                root.describe()
            ),
                root.line,
                "not a map of compose keys",
            )
        }
    };
    for (key, node) in entries {
        if !TOP_LEVEL.contains(&key.as_str()) && !key.starts_with("x-") {
            return shape(
                format!(
                    "is not a compose file: `{key}` is not a top-level key of compose (those are {}, and x-… extensions)",
                    TOP_LEVEL.join(", ")
                ),
                node.line,
                "not a compose key",
            );
        }
        let named_maps = matches!(
            key.as_str(),
            "services" | "networks" | "volumes" | "secrets" | "configs"
        );
        if !named_maps || node.is_null() {
            continue;
        }
        let Value::Map(items) = &node.value else {
            return shape(
                format!(
                    "is not a compose file: `{key}` must be a map of {key} by name, not {}",
                    node.describe()
                ),
                node.line,
                "not a map",
            );
        };
        for (name, item) in items {
            let may_be_empty = key != "services";
            if matches!(item.value, Value::Map(_)) || (may_be_empty && item.is_null()) {
                continue;
            }
            return shape(
                format!(
                    "is not a compose file: `{key}.{name}` must be a map of its settings, not {}",
                    item.describe()
                ),
                item.line,
                "not a map of settings",
            );
        }
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSE: &str = "\
services:
  api-cpu:
    image: djok/facecraft:cpu
    profiles: [cpu]
    ports:
      - \"8000:8000\"
    environment:
      FACECRAFT_DEVICE: cpu
  api-gpu:
    image: djok/facecraft:gpu
    deploy:
      resources:
        reservations:
          devices:
            - driver: nvidia
              count: all
              capabilities: [gpu]
volumes:
  models:
  cache:
";

    #[test]
    fn keys_keep_their_order_and_lines() {
        let root = parse(COMPOSE).unwrap();
        let services = root.get("services").unwrap();
        let names: Vec<_> = services.entries().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["api-cpu", "api-gpu"]);
        assert_eq!(services.get("api-gpu").unwrap().line, 9, "the key's line");
        assert_eq!(
            services
                .get("api-cpu")
                .unwrap()
                .get("image")
                .unwrap()
                .text(),
            Some("djok/facecraft:cpu")
        );
        assert_eq!(root.get("volumes").unwrap().entries().len(), 2);
    }

    #[test]
    fn flow_sequences_and_nested_maps_are_read() {
        let root = parse(COMPOSE).unwrap();
        let gpu = root.get("services").and_then(|s| s.get("api-gpu")).unwrap();
        let device = &gpu
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("reservations"))
            .and_then(|r| r.get("devices"))
            .unwrap()
            .items()[0];
        assert_eq!(
            device.get("capabilities").unwrap().items()[0].text(),
            Some("gpu")
        );
        assert_eq!(device.line, 15);
    }

    #[test]
    fn a_syntax_error_has_a_line() {
        let err = parse("services:\n  a: [1, 2\n").unwrap_err();
        assert!(err.line >= 2, "{err:?}");
    }

    #[test]
    fn what_is_not_a_compose_file_is_refused_at_its_line() {
        for (text, line) in [
            ("42\n", 1),
            ("- a\n- b\n", 1),
            ("services: 42\n", 1),
            ("services:\n  - api\n", 1),
            ("", 1),
            ("# only a comment\n", 1),
            ("version: '3'\nservices:\n  api: 7\n", 3),
            ("volumes: []\n", 1),
            ("image: x\nports: [80]\n", 1),
        ] {
            match read(text) {
                Err(ComposeError::Shape { line: at, .. }) => assert_eq!(at, line, "{text:?}"),
                other => panic!("{text:?} was read: {other:?}"),
            }
        }
    }

    #[test]
    fn a_leading_tab_is_refused() {
        assert!(read("\tservices:\n  api:\n    image: x\n").is_err());
    }

    #[test]
    fn a_key_written_twice_is_refused_with_both_lines() {
        let err = read("services:\n  api:\n    image: a\n    image: b\n").unwrap_err();
        assert_eq!(
            err,
            ComposeError::DuplicateKey {
                key: "image".into(),
                line: 4,
                first: 3
            }
        );
        assert!(read("services:\n  a: {}\n  a: {}\n").is_err());
    }

    #[test]
    fn compose_files_are_read() {
        assert!(read(COMPOSE).is_ok());
        assert!(read("services:\n").is_ok());
        assert!(read("x-common: 1\nname: p\nservices:\n  a: {}\nvolumes:\n  v:\n").is_ok());
    }
}
