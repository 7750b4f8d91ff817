//! Where the settings and layers of an image the script built came from:
//! the Dockerfile instructions of the stages it was built from.

use std::path::Path;
use std::sync::Arc;

use super::image::BuiltFrom;
use crate::error::FileSpan;
use crate::report::humanize::bytes;
use crate::static_read::dockerfile::{Dockerfile, Instruction, Stage};

/// A built image's Dockerfile and the stages its final image is made of.
pub struct Origins {
    name: String,
    file: Dockerfile,
    text: Arc<str>,
    /// The target stage and the stages it is based on, base first.
    chain: Vec<usize>,
}

/// One layer and the instruction that made it (`None`: the base image's).
pub struct Layer<'a> {
    pub size: i64,
    pub created_by: &'a str,
    pub instruction: Option<&'a Instruction>,
}

impl Origins {
    pub fn of(built: &BuiltFrom) -> Option<Self> {
        let file = Dockerfile::read(&built.dockerfile).ok()?;
        let target = file.target_stage(built.target.as_deref())?;
        let mut chain = vec![target.index];
        let mut base = target.base.clone();
        while let Some(stage) = file.stages.iter().find(|s| {
            s.index < chain[0]
                && s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(&base))
        }) {
            chain.insert(0, stage.index);
            base = stage.base.clone();
        }
        let text: Arc<str> = file.source.clone().into();
        Some(Self {
            name: display(&built.dockerfile),
            file,
            text,
            chain,
        })
    }

    fn target(&self) -> &Stage {
        &self.file.stages[*self.chain.last().unwrap_or(&0)]
    }

    fn stage_name(&self) -> String {
        let stage = self.target();
        stage
            .name
            .clone()
            .unwrap_or_else(|| format!("#{}", stage.index))
    }

    /// The instructions of the chain, FROM excluded, in build order.
    fn instructions(&self) -> Vec<&Instruction> {
        self.chain
            .iter()
            .flat_map(|&i| {
                let range = self.file.stages[i].instructions.clone();
                self.file.instructions[range]
                    .iter()
                    .filter(|i| i.kind != "FROM")
            })
            .collect()
    }

    pub fn span(&self, instruction: &Instruction, label: impl Into<String>) -> FileSpan {
        FileSpan {
            name: self.name.clone(),
            text: Arc::clone(&self.text),
            offset: instruction.span.start,
            len: instruction.span.len(),
            label: label.into(),
        }
    }

    /// The last instruction of `kind` in the chain that `matches`.
    fn last(&self, kind: &str, matches: impl Fn(&Instruction) -> bool) -> Option<&Instruction> {
        self.instructions()
            .into_iter()
            .rev()
            .find(|i| i.kind == kind && matches(i))
    }

    /// Where a setting came from: the instruction that set it, or, when the
    /// final stage never sets it, its FROM line saying so.
    pub fn setting(&self, kind: &str, key: Option<&str>) -> FileSpan {
        let found = self.last(kind, |i| key.is_none_or(|k| sets_key(&i.args, k)));
        match found {
            Some(instruction) => self.span(instruction, format!("set by this {kind}")),
            None => {
                let from = &self.file.instructions[self.target().instructions.start];
                let what = key.map_or_else(|| kind.to_owned(), |k| format!("{kind} of {k}"));
                let label = if kind == "USER" {
                    format!(
                        "stage {} has no USER instruction: the image runs as its base's user (root unless the base sets one)",
                        self.stage_name()
                    )
                } else {
                    format!(
                        "stage {} sets no {what}: it comes from the base image",
                        self.stage_name()
                    )
                };
                self.span(from, label)
            }
        }
    }

    /// Pairs the image's layers (oldest first) with the instructions that
    /// made them: each instruction of the chain made one history entry, the
    /// last ones (both builders record one for every instruction, `ARG`
    /// included).
    pub fn layers<'a>(&'a self, layers: &'a [(i64, String)]) -> Vec<Layer<'a>> {
        let instructions = self.instructions();
        let first_own = layers.len().saturating_sub(instructions.len());
        let skipped = instructions.len().saturating_sub(layers.len());
        layers
            .iter()
            .enumerate()
            .map(|(i, (size, created_by))| Layer {
                size: *size,
                created_by,
                instruction: (i >= first_own).then(|| instructions[skipped + i - first_own]),
            })
            .collect()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A report of the largest layers, labelled at their instructions.
    pub fn largest(
        &self,
        image: &str,
        layers: &[(i64, String)],
        count: usize,
    ) -> crate::error::Report {
        let mut sorted = self.layers(layers);
        sorted.sort_by_key(|layer| std::cmp::Reverse(layer.size));
        sorted.truncate(count);
        let lines: Vec<String> = sorted
            .iter()
            .map(|l| match l.instruction {
                Some(i) => format!(
                    "{:>9}  {}:{}  {}",
                    bytes(l.size),
                    self.name,
                    i.line,
                    one_line(&i.args, i.kind.as_str())
                ),
                None => format!(
                    "{:>9}  base image  {}",
                    bytes(l.size),
                    history_command(l.created_by)
                ),
            })
            .collect();
        let mut report = crate::error::Report::new(
            "shakedown::image::layers",
            format!("the {} largest layers of {image}", sorted.len()),
        )
        .with_help(Some(lines.join("\n")));
        for layer in &sorted {
            if let Some(instruction) = layer.instruction {
                report = report.with_span(&self.span(instruction, bytes(layer.size)));
            }
        }
        report
    }
}

/// Whether `LABEL`/`ENV` args set `key` (`key=value` or `key value`).
fn sets_key(args: &str, key: &str) -> bool {
    args.split_whitespace().any(|word| {
        let word = word.trim_matches('"');
        word.strip_prefix(key)
            .is_some_and(|rest| rest.starts_with('='))
            || word == key
    })
}

fn one_line(args: &str, kind: &str) -> String {
    let text = format!(
        "{kind} {}",
        args.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    short(&text)
}

/// How many characters of an instruction or a command a layer listing
/// shows, so that a row fits a 100-column terminal.
const SHOWN_CHARS: usize = 48;

fn short(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() > SHOWN_CHARS {
        format!(
            "{}…",
            text.chars().take(SHOWN_CHARS - 1).collect::<String>()
        )
    } else {
        text.to_owned()
    }
}

/// A history entry's command on one line, shortened: the `/bin/sh -c` and
/// `#(nop)` the classic builder records, and the `# buildkit` BuildKit
/// appends, are left out.
pub fn history_command(created_by: &str) -> String {
    let mut text = created_by.trim().trim_end_matches("# buildkit").trim_end();
    // BuildKit: `RUN |2 A=1 B=2 /bin/sh -c cmd` (the build args it used).
    if let Some(run) = text.strip_prefix("RUN ") {
        text = run;
        if let Some(count) = run
            .strip_prefix('|')
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse::<usize>().ok())
        {
            let mut rest = run;
            for _ in 0..=count {
                rest = rest
                    .trim_start()
                    .split_once(char::is_whitespace)
                    .map_or("", |(_, r)| r);
            }
            text = rest.trim_start();
        }
    }
    let text = text
        .trim_start_matches("/bin/sh -c ")
        .trim_start_matches("#(nop) ");
    short(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(text: &str) -> Origins {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Dockerfile");
        std::fs::write(&path, text).unwrap();
        Origins::of(&BuiltFrom {
            dockerfile: path,
            context: dir.path().to_owned(),
            target: None,
        })
        .unwrap()
    }

    const FILE: &str = "ARG BASE=x\nFROM ${BASE} AS first\nRUN make\nFROM first AS second\nLABEL a=1 b=2\nENV K=v\nUSER app\n";

    #[test]
    fn both_builders_history_reads_as_the_command() {
        assert_eq!(history_command("/bin/sh -c #(nop)  ENV A=1"), "ENV A=1");
        assert_eq!(history_command("/bin/sh -c echo hi"), "echo hi");
        assert_eq!(
            history_command("RUN /bin/sh -c echo hi # buildkit"),
            "echo hi"
        );
        assert_eq!(
            history_command("RUN |2 A=1 B=2 /bin/sh -c echo hi # buildkit"),
            "echo hi"
        );
        assert_eq!(
            history_command("COPY busybox /bin/busybox # buildkit"),
            "COPY busybox /bin/busybox"
        );
    }

    #[test]
    fn settings_point_at_their_instruction() {
        let o = origins(FILE);
        assert_eq!(o.setting("USER", None).line(), 7);
        assert_eq!(o.setting("LABEL", Some("b")).line(), 5);
        assert_eq!(o.setting("ENV", Some("K")).line(), 6);
    }

    #[test]
    fn a_missing_user_points_at_the_final_stage() {
        let o = origins("FROM x AS production\nRUN true\n");
        let span = o.setting("USER", None);
        assert_eq!(span.line(), 1);
        assert!(
            span.label.contains("stage production has no USER"),
            "{}",
            span.label
        );
    }

    #[test]
    fn layers_pair_with_the_chain_of_stages() {
        let o = origins(FILE);
        let layers: Vec<(i64, String)> = ["base1", "base2", "make", "label", "env", "user"]
            .iter()
            .map(|s| (1, (*s).to_owned()))
            .collect();
        let paired = o.layers(&layers);
        assert!(paired[1].instruction.is_none());
        assert_eq!(paired[2].instruction.map(|i| i.line), Some(3));
        assert_eq!(paired[5].instruction.map(|i| i.kind.as_str()), Some("USER"));
    }
}
