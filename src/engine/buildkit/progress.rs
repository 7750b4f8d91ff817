//! Follows BuildKit's progress (the `moby.buildkit.trace` messages of a
//! `/build`): which vertex started, their output, which one failed. A
//! Dockerfile step's vertex is named like `[production 3/9] RUN …`.

use std::collections::{HashMap, VecDeque};

use bollard_buildkit_proto::moby::buildkit::v1::StatusResponse;

use crate::engine::build::{BuildEvent, TAIL_LINES};

/// A vertex's name, read: `[stage 3/9] RUN x` → stage, 3, 9, `RUN x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepName {
    pub stage: Option<String>,
    pub index: usize,
    pub total: usize,
    pub instruction: String,
}

impl StepName {
    pub fn parse(name: &str) -> Option<Self> {
        let rest = name.strip_prefix('[')?;
        let (inside, instruction) = rest.split_once("] ")?;
        let mut words: Vec<&str> = inside.split_whitespace().collect();
        let (index, total) = words.pop()?.split_once('/')?;
        // A platform ("linux/amd64") may come first when several are built.
        let stage = words
            .into_iter()
            .rfind(|w| !w.contains('/'))
            .map(str::to_owned);
        Some(Self {
            stage,
            index: index.parse().ok()?,
            total: total.parse().ok()?,
            instruction: instruction.trim().to_owned(),
        })
    }
}

#[derive(Default)]
struct Vertex {
    name: String,
    started: bool,
    error: Option<String>,
    /// The output not yet ended by a newline, and the last lines.
    partial: String,
    tail: VecDeque<String>,
}

/// What the progress said so far.
#[derive(Default)]
pub struct Progress {
    vertices: HashMap<String, Vertex>,
    /// The vertex that failed first.
    failed: Option<String>,
}

/// The failing vertex: its name and error, and its last output lines.
pub struct Failed {
    pub step: Option<StepName>,
    pub name: String,
    pub error: String,
    pub tail: Vec<String>,
}

impl Progress {
    pub fn update(&mut self, status: StatusResponse) -> Vec<BuildEvent> {
        let mut events = Vec::new();
        for v in status.vertexes {
            let vertex = self.vertices.entry(v.digest.clone()).or_default();
            vertex.name.clone_from(&v.name);
            if v.started.is_some() && !vertex.started {
                vertex.started = true;
                if let Some(step) = StepName::parse(&v.name) {
                    events.push(BuildEvent::Step {
                        step: step.index,
                        total: step.total,
                        instruction: match &step.stage {
                            Some(stage) => format!("{} (stage {stage})", step.instruction),
                            None => step.instruction.clone(),
                        },
                    });
                }
                if v.cached {
                    events.push(BuildEvent::Output(format!("{}: cached", v.name)));
                }
            }
            if !v.error.is_empty() && vertex.error.is_none() {
                vertex.error = Some(v.error.clone());
                // A cancelled sibling reports an error too; the first real
                // failure is the one to show.
                if self.failed.is_none() && !is_cancellation(&v.error) {
                    self.failed = Some(v.digest.clone());
                }
            }
        }
        for log in status.logs {
            let vertex = self.vertices.entry(log.vertex).or_default();
            vertex.partial.push_str(&String::from_utf8_lossy(&log.msg));
            while let Some(end) = vertex.partial.find('\n') {
                let line: String = vertex.partial.drain(..=end).collect();
                let line = super::super::build::strip_ansi(line.trim_end());
                if line.trim().is_empty() {
                    continue;
                }
                if vertex.tail.len() == TAIL_LINES {
                    vertex.tail.pop_front();
                }
                vertex.tail.push_back(line.clone());
                events.push(BuildEvent::Output(line));
            }
        }
        events
    }

    /// The vertex that failed, if the progress named one.
    pub fn failed(&self) -> Option<Failed> {
        let vertex = self.vertices.get(self.failed.as_ref()?)?;
        let mut tail: Vec<String> = vertex.tail.iter().cloned().collect();
        let partial = super::super::build::strip_ansi(vertex.partial.trim());
        if !partial.is_empty() {
            tail.push(partial);
        }
        Some(Failed {
            step: StepName::parse(&vertex.name),
            name: vertex.name.clone(),
            error: vertex.error.clone().unwrap_or_default(),
            tail,
        })
    }
}

fn is_cancellation(error: &str) -> bool {
    error.contains("context canceled")
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard_buildkit_proto::moby::buildkit::v1::{Vertex as V, VertexLog};

    #[test]
    fn step_names_are_read() {
        assert_eq!(
            StepName::parse("[production 3/9] RUN pip install x"),
            Some(StepName {
                stage: Some("production".into()),
                index: 3,
                total: 9,
                instruction: "RUN pip install x".into()
            })
        );
        assert_eq!(
            StepName::parse("[2/2] RUN false").map(|s| (s.stage, s.index)),
            Some((None, 2))
        );
        assert_eq!(
            StepName::parse("[linux/amd64 build 1/3] COPY a b").and_then(|s| s.stage),
            Some("build".into())
        );
        assert_eq!(StepName::parse("[internal] load build context"), None);
    }

    fn vertex(digest: &str, name: &str, error: &str) -> V {
        V {
            digest: digest.into(),
            name: name.into(),
            started: Some(Default::default()),
            error: error.into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_failed_vertex_keeps_its_output() {
        let mut progress = Progress::default();
        let events = progress.update(StatusResponse {
            vertexes: vec![vertex("a", "[b 2/3] RUN false", "")],
            logs: vec![VertexLog {
                vertex: "a".into(),
                msg: b"oops\nlast words".to_vec(),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert!(
            matches!(&events[0], BuildEvent::Step { step: 2, total: 3, instruction } if instruction == "RUN false (stage b)")
        );
        progress.update(StatusResponse {
            vertexes: vec![
                vertex("c", "[a 2/2] RUN sleep 9", "context canceled"),
                vertex("a", "[b 2/3] RUN false", "exit code: 1"),
            ],
            ..Default::default()
        });
        let failed = progress.failed().expect("a failure");
        assert_eq!(failed.name, "[b 2/3] RUN false");
        assert_eq!(failed.tail, vec!["oops", "last words"]);
        assert_eq!(failed.error, "exit code: 1");
    }
}
