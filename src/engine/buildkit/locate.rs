//! Which Dockerfile instruction a BuildKit vertex ran. BuildKit numbers the
//! steps of each stage on their own (`[build 2/4] RUN …`), counting the
//! `FROM` of a base image and the instructions that make a vertex; the
//! classic builder numbers every instruction of the file. Both end up at
//! the same instruction, so a failure points at the same line.

use super::progress::StepName;
use crate::static_read::dockerfile::{Dockerfile, Stage};

/// The instructions that make a vertex of their own.
const VERTEX_KINDS: &[&str] = &["RUN", "COPY", "ADD", "WORKDIR"];

/// The 1-based position of the instruction in the whole file (what
/// `Dockerfile::step` takes).
pub fn instruction_of(file: &Dockerfile, step: &StepName, target: Option<&str>) -> Option<usize> {
    let stage = match &step.stage {
        Some(name) => file.stage(name).or_else(|| {
            name.strip_prefix("stage-")
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| file.stages.get(i))
        }),
        None => file.target_stage(target),
    }?;
    let counted = |with_workdir: bool, with_from: bool| -> Vec<usize> {
        stage
            .instructions
            .clone()
            .filter(|&i| {
                let kind = file.instructions[i].kind.as_str();
                (kind == "FROM" && with_from)
                    || (VERTEX_KINDS.contains(&kind) && (with_workdir || kind != "WORKDIR"))
            })
            .collect()
    };
    let from_counts = !is_scratch(stage);
    for (with_workdir, with_from) in [
        (true, from_counts),
        (false, from_counts),
        (true, !from_counts),
        (false, !from_counts),
    ] {
        let steps = counted(with_workdir, with_from);
        if steps.len() == step.total {
            let i = *steps.get(step.index.checked_sub(1)?)?;
            if same_kind(&file.instructions[i].kind, &step.instruction) {
                return Some(i + 1);
            }
        }
    }
    by_text(file, stage, &step.instruction)
}

fn is_scratch(stage: &Stage) -> bool {
    stage.base.eq_ignore_ascii_case("scratch")
}

fn same_kind(kind: &str, instruction: &str) -> bool {
    instruction
        .split_whitespace()
        .next()
        .is_some_and(|word| word.eq_ignore_ascii_case(kind))
}

/// The stage's instruction whose text the vertex name repeats.
fn by_text(file: &Dockerfile, stage: &Stage, instruction: &str) -> Option<usize> {
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let wanted = words(instruction);
    let candidates: Vec<usize> = stage
        .instructions
        .clone()
        .filter(|&i| same_kind(&file.instructions[i].kind, instruction))
        .collect();
    candidates
        .iter()
        .copied()
        .find(|&i| {
            let ins = &file.instructions[i];
            wanted == words(&format!("{} {}", ins.kind, ins.args))
        })
        .or_else(|| {
            candidates.iter().copied().find(|&i| {
                let args = words(&file.instructions[i].args);
                !args.is_empty() && wanted.contains(&args)
            })
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn file(text: &str) -> Dockerfile {
        Dockerfile::parse(Path::new("Dockerfile"), text.into()).expect("parses")
    }

    fn step(name: &str) -> StepName {
        StepName::parse(name).expect("a step")
    }

    #[test]
    fn a_scratch_stage_counts_its_vertices_only() {
        let f = file("FROM scratch AS base\nCOPY busybox /bin/\nENV A=1\nRUN false\n");
        assert_eq!(
            instruction_of(&f, &step("[base 2/2] RUN false"), None),
            Some(4)
        );
    }

    #[test]
    fn a_base_image_counts_its_from() {
        let f = file("ARG V=1\nFROM busybox\nWORKDIR /app\nLABEL a=b\nRUN false\n");
        assert_eq!(instruction_of(&f, &step("[3/3] RUN false"), None), Some(5));
    }

    #[test]
    fn unnamed_stages_are_numbered() {
        let f = file("FROM scratch\nCOPY a /a\nFROM scratch\nCOPY b /b\nRUN x\n");
        assert_eq!(
            instruction_of(&f, &step("[stage-1 2/2] RUN x"), None),
            Some(5)
        );
    }

    #[test]
    fn the_text_decides_when_the_count_does_not() {
        let f = file("FROM scratch AS a\nCOPY x /x\nRUN one\nRUN two\n");
        assert_eq!(instruction_of(&f, &step("[a 9/9] RUN two"), None), Some(4));
    }
}
