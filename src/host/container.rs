use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::image::{short_id, BuiltFrom};

/// A container a script started with `img.start(…)`: it runs until its
/// task ends (or `stop()`), and is removed then, whatever the outcome.
#[derive(Debug, Clone)]
pub struct Container {
    pub id: String,
    /// How reports name its image.
    pub image: String,
    /// How the script built the image, when it did (for diagnostics that
    /// point into its Dockerfile).
    pub built: Option<Arc<BuiltFrom>>,
    /// Published container port → host port on 127.0.0.1 (tcp), as the
    /// engine reported them right after the start.
    pub ports: Arc<BTreeMap<u16, u16>>,
    /// The container ports `start` was asked to publish (a container that
    /// stops at once has none in `ports`).
    pub requested: Arc<Vec<u16>>,
    /// How much of its log `logs()` and the waits keep (`max_output`).
    pub max_output: usize,
    /// The engine it runs on: `default`, or a name `--engine` gave.
    pub engine: Arc<str>,
}

impl Container {
    /// `container 0123456789ab (shakedown-demo/facecraft:cpu)`
    pub fn label(&self) -> String {
        format!("container {} ({})", short_id(&self.id), self.image)
    }

    /// The published ports as `8000 → 127.0.0.1:32768`, for messages.
    pub fn published(&self) -> String {
        if self.ports.is_empty() {
            return "none (start it with #{ ports: [8000] })".to_owned();
        }
        self.ports
            .iter()
            .map(|(c, h)| format!("{c} → 127.0.0.1:{h}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Container {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Container({} {}", self.image, short_id(&self.id))?;
        for (c, h) in self.ports.iter() {
            write!(f, ", {c}→{h}")?;
        }
        f.write_str(")")
    }
}
