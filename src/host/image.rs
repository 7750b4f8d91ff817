use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::engine::ImageDetails;

/// An image in the engine, as scripts hold it: `build(…)` or `image(…)`.
#[derive(Debug, Clone)]
pub struct Image {
    pub id: String,
    /// The tag it was built or looked up with ("" when none).
    pub tag: String,
    /// How the script built it, when it did.
    pub built: Option<Arc<BuiltFrom>>,
    /// The engine it is on: `default`, or a name `--engine` gave.
    pub engine: Arc<str>,
    /// `inspect()` asks the engine once per image (an id never changes).
    pub details: Arc<OnceLock<ImageDetails>>,
    /// The registry's digest (`sha256:…`) once it was pushed or pulled;
    /// shared by the copies a script holds, so `img.push(…)` sets it for
    /// `img` too.
    pub digest: Arc<Mutex<Option<String>>>,
}

/// Where a built image came from, for diagnostics that point into its
/// Dockerfile.
#[derive(Debug, Clone)]
pub struct BuiltFrom {
    pub dockerfile: PathBuf,
    pub context: PathBuf,
    pub target: Option<String>,
}

impl Image {
    /// What to hand the engine: the id, which no later tag can move.
    pub fn reference(&self) -> &str {
        &self.id
    }

    /// How reports name it.
    pub fn label(&self) -> String {
        if self.tag.is_empty() {
            short_id(&self.id).to_owned()
        } else {
            self.tag.clone()
        }
    }
}

/// `sha256:0123456789ab…` → `0123456789ab`
pub fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

impl fmt::Display for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Image({} {})", self.label(), short_id(&self.id))
    }
}
