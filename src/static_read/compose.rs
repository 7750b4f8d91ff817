//! A YAML document (a compose file) as a tree whose nodes remember their
//! line, for diagnostics that point into the file.

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
}

/// A YAML syntax error, with where it is.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub message: String,
    pub line: usize,
    pub column: usize,
    /// Byte offset in the text.
    pub offset: usize,
}

#[derive(Default)]
struct Builder {
    /// Open collections, each with the key (and its line) waiting for a
    /// value when it is a map.
    stack: Vec<(Node, Option<(String, usize)>)>,
    anchors: Vec<(usize, Node)>,
    root: Option<Node>,
}

impl Builder {
    fn push_value(&mut self, mut node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some((parent, pending_key)) => match &mut parent.value {
                Value::Seq(items) => items.push(node),
                Value::Map(entries) => match pending_key.take() {
                    Some((key, key_line)) => {
                        if matches!(node.value, Value::Map(_) | Value::Seq(_)) {
                            node.line = key_line;
                        }
                        entries.push((key, node));
                    }
                    None => {
                        *pending_key =
                            Some((node.text().unwrap_or_default().to_owned(), node.line));
                    }
                },
                Value::Scalar { .. } => {}
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        let line = mark.line();
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
                    self.anchors.push((anchor, node.clone()));
                }
                self.push_value(node);
            }
            Event::SequenceStart(..) => self.stack.push((
                Node {
                    value: Value::Seq(Vec::new()),
                    line,
                },
                None,
            )),
            Event::MappingStart(..) => self.stack.push((
                Node {
                    value: Value::Map(Vec::new()),
                    line,
                },
                None,
            )),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((node, _)) = self.stack.pop() {
                    self.push_value(node);
                }
            }
            Event::Alias(id) => {
                let node = self.anchors.iter().find(|(a, _)| *a == id).map_or(
                    Node {
                        value: Value::Scalar {
                            text: String::new(),
                            plain: true,
                        },
                        line,
                    },
                    |(_, n)| n.clone(),
                );
                self.push_value(node);
            }
            _ => {}
        }
    }
}

/// Parses the first document of `text`.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|err| {
        let marker = err.marker();
        YamlError {
            message: err.info().to_owned(),
            line: marker.line(),
            column: marker.col() + 1,
            offset: text
                .char_indices()
                .nth(marker.index())
                .map_or(text.len(), |(i, _)| i),
        }
    })?;
    Ok(builder.root.unwrap_or(Node {
        value: Value::Map(Vec::new()),
        line: 1,
    }))
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
}
