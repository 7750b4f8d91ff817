use std::sync::Arc;

use rhai::{Array, Dynamic, Map};

use super::provenance;
use crate::error::FileSpan;
use crate::static_read::dockerfile::{Dockerfile, Instruction, Stage};

/// A parsed Dockerfile, as `dockerfile(path)` returns it.
#[derive(Debug, Clone)]
pub struct DockerfileValue {
    /// As the script named it.
    pub name: String,
    pub parsed: Arc<Dockerfile>,
}

/// One stage of a Dockerfile.
#[derive(Debug, Clone)]
pub struct StageValue {
    pub file: DockerfileValue,
    pub index: usize,
}

impl DockerfileValue {
    pub fn span(&self, instruction: &Instruction, label: &str) -> FileSpan {
        FileSpan {
            name: self.name.clone(),
            text: self.parsed.source.clone().into(),
            offset: instruction.span.start,
            len: instruction.span.len(),
            label: label.to_owned(),
        }
    }

    /// `#{ kind, args, flags, line }`; the strings remember the line.
    pub fn instruction(&self, instruction: &Instruction) -> Dynamic {
        let here = || {
            Some(self.span(
                instruction,
                &format!("the value comes from this {}", instruction.kind),
            ))
        };
        let mut map = Map::new();
        map.insert("kind".into(), provenance::string(&instruction.kind, here()));
        map.insert("args".into(), provenance::string(&instruction.args, here()));
        let flags: Map = instruction
            .flags
            .iter()
            .map(|(k, v)| (k.as_str().into(), provenance::string(v, here())))
            .collect();
        map.insert("flags".into(), Dynamic::from_map(flags));
        map.insert("line".into(), Dynamic::from_int(to_int(instruction.line)));
        Dynamic::from_map(map)
    }

    pub fn instructions<'a>(&self, of: impl Iterator<Item = &'a Instruction>) -> Array {
        of.map(|i| self.instruction(i)).collect()
    }

    pub fn stage(&self, index: usize) -> StageValue {
        StageValue {
            file: self.clone(),
            index,
        }
    }

    /// `${NAME}` and `$NAME` replaced by the defaults of the ARGs before the
    /// first FROM (what Docker substitutes in FROM lines).
    pub fn expand_global_args(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for instruction in self
            .parsed
            .instructions
            .iter()
            .take_while(|i| i.kind != "FROM")
        {
            if instruction.kind != "ARG" {
                continue;
            }
            if let Some((name, value)) = instruction.args.split_once('=') {
                let (name, value) = (name.trim(), value.trim().trim_matches('"'));
                out = out
                    .replace(&format!("${{{name}}}"), value)
                    .replace(&format!("${name}"), value);
            }
        }
        out
    }

    /// ARG defaults, global and per stage (`()` for an ARG without one).
    pub fn args(&self) -> Map {
        self.parsed
            .instructions
            .iter()
            .filter(|i| i.kind == "ARG")
            .map(|i| {
                let here = Some(self.span(i, "this ARG"));
                match i.args.split_once('=') {
                    Some((name, value)) => (
                        name.trim().into(),
                        provenance::string(value.trim().trim_matches('"'), here),
                    ),
                    None => (i.args.trim().into(), Dynamic::UNIT),
                }
            })
            .collect()
    }
}

impl StageValue {
    pub fn stage(&self) -> &Stage {
        &self.file.parsed.stages[self.index]
    }

    pub fn first_instruction(&self) -> Option<&Instruction> {
        self.file
            .parsed
            .instructions
            .get(self.stage().instructions.start)
    }
}

pub fn to_int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
