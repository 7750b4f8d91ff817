//! What a Dockerfile says about the image it builds, read without the
//! engine: its final stage's settings (and those of the stages it is built
//! on), and the build context its COPY and ADD sources need.

use std::path::{Path, PathBuf};

use crate::static_read::dockerfile::{Dockerfile, Instruction, Stage};
use crate::static_read::key_values::key_values;

/// The settings of the image a Dockerfile builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The Dockerfile, as given.
    pub dockerfile: PathBuf,
    /// The build context, when it is not the directory init runs in.
    pub context: Option<PathBuf>,
    /// The last `USER`, as written.
    pub user: Option<String>,
    pub labels: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    /// `EXPOSE`d ports as the engine lists them (`8000/tcp`).
    pub ports: Vec<String>,
    /// A `HEALTHCHECK` other than `NONE` is in effect.
    pub healthcheck: bool,
}

impl Facts {
    pub fn of(file: &Dockerfile) -> Option<Self> {
        let stage = file.final_stage()?;
        let mut facts = Self {
            dockerfile: file.path.clone(),
            context: context(file),
            user: None,
            labels: Vec::new(),
            env: Vec::new(),
            ports: Vec::new(),
            healthcheck: false,
        };
        for instruction in lineage(file, stage) {
            facts.apply(instruction);
        }
        Some(facts)
    }

    fn apply(&mut self, instruction: &Instruction) {
        match instruction.kind.as_str() {
            "USER" => self.user = Some(instruction.args.trim().to_owned()),
            "LABEL" => set(&mut self.labels, key_values(&instruction.args)),
            "ENV" => set(&mut self.env, key_values(&instruction.args)),
            "EXPOSE" => {
                for port in instruction.args.split_whitespace() {
                    let port = if port.contains('/') {
                        port.to_ascii_lowercase()
                    } else {
                        format!("{port}/tcp")
                    };
                    let plain = port.split_once('/').is_some_and(|(n, _)| {
                        !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
                    });
                    if plain && !self.ports.contains(&port) {
                        self.ports.push(port);
                    }
                }
            }
            "HEALTHCHECK" => {
                self.healthcheck = !instruction.args.trim().eq_ignore_ascii_case("NONE");
            }
            _ => {}
        }
    }

    /// Whether the image runs as root: no USER, or USER root or 0.
    pub fn runs_as_root(&self) -> bool {
        self.user.as_deref().is_none_or(|user| {
            let name = user.split(':').next().unwrap_or(user).trim();
            name.is_empty() || name == "root" || name == "0"
        })
    }
}

/// Later settings of the same key replace earlier ones.
fn set(into: &mut Vec<(String, String)>, pairs: Vec<(String, String)>) {
    for (key, value) in pairs {
        into.retain(|(k, _)| *k != key);
        into.push((key, value));
    }
}

/// The instructions that shape `stage`'s image, oldest first: those of the
/// stages of this file it is built `FROM`, then its own.
fn lineage<'a>(file: &'a Dockerfile, stage: &'a Stage) -> Vec<&'a Instruction> {
    let mut chain = vec![stage];
    let mut current = stage;
    while let Some(parent) = file
        .stage(&current.base)
        .filter(|parent| parent.index < current.index)
    {
        chain.push(parent);
        current = parent;
    }
    chain
        .iter()
        .rev()
        .flat_map(|stage| {
            file.instructions
                .get(stage.instructions.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// The build context the Dockerfile's COPY and ADD sources are in: the
/// directory init runs in when they all are there, else the Dockerfile's
/// own directory when they all are there; `None` means the former.
fn context(file: &Dockerfile) -> Option<PathBuf> {
    let sources: Vec<String> = file
        .instructions
        .iter()
        .filter(|i| matches!(i.kind.as_str(), "COPY" | "ADD"))
        .filter(|i| !i.flags.iter().any(|(flag, _)| flag == "from"))
        .flat_map(|i| sources(&i.args))
        .filter(|s| !s.contains(['*', '?', '[', '$']) && !s.contains("://"))
        .collect();
    let all_in = |dir: &Path| sources.iter().all(|s| dir.join(s).exists());
    let here = Path::new(".");
    if sources.is_empty() || all_in(here) {
        return None;
    }
    let own = file.path.parent().filter(|d| !d.as_os_str().is_empty())?;
    all_in(own).then(|| own.to_path_buf())
}

/// The sources of a COPY or ADD: every word but the last, in either the
/// shell form or the JSON form.
fn sources(args: &str) -> Vec<String> {
    let args = args.trim();
    let words: Vec<String> = match serde_json::from_str::<Vec<String>>(args) {
        Ok(words) => words,
        Err(_) => args.split_whitespace().map(str::to_owned).collect(),
    };
    match words.split_last() {
        Some((_, sources)) => sources.to_vec(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(text: &str) -> Facts {
        let file = Dockerfile::parse(Path::new("Dockerfile"), text.to_owned()).unwrap();
        Facts::of(&file).unwrap()
    }

    #[test]
    fn the_final_stage_inherits_from_the_stages_it_is_built_on() {
        let f = facts(
            "FROM x AS base\nENV A=1 B=2\nLABEL org.opencontainers.image.title=t\nUSER app\n\
             FROM other AS unrelated\nENV C=3\n\
             FROM base\nENV B=two\nEXPOSE 8000 53/udp $PORT\nHEALTHCHECK CMD true\n",
        );
        assert_eq!(
            f.env,
            [("A".into(), "1".into()), ("B".into(), "two".into())]
        );
        assert_eq!(f.labels.len(), 1);
        assert_eq!(f.user.as_deref(), Some("app"));
        assert!(!f.runs_as_root());
        assert_eq!(f.ports, ["8000/tcp", "53/udp"]);
        assert!(f.healthcheck);
    }

    #[test]
    fn no_user_or_root_runs_as_root_and_healthcheck_none_is_none() {
        assert!(facts("FROM x\n").runs_as_root());
        assert!(facts("FROM x\nUSER 0:0\n").runs_as_root());
        assert!(facts("FROM x\nUSER root\n").runs_as_root());
        assert!(!facts("FROM x\nHEALTHCHECK CMD true\nHEALTHCHECK NONE\n").healthcheck);
    }

    #[test]
    fn copy_sources_in_both_forms() {
        assert_eq!(sources("a b /dest/"), ["a", "b"]);
        assert_eq!(sources(r#"["a b", "/dest"]"#), ["a b"]);
    }
}
