//! `dockerfile`, `file`, `exists`: reading files without the engine. Values
//! read remember their line, so failed assertions point into the file.

use std::sync::Arc;

use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, NativeCallContext};

use super::ApiModule;
use crate::error::{FileSpan, Thrown, ThrownKind};
use crate::host::convert::{regex, RhaiResult};
use crate::host::dockerfile_value::{to_int, DockerfileValue, StageValue};
use crate::host::evidence;
use crate::host::paths::{read_named, resolve};
use crate::host::provenance;
use crate::host::text_file::TextFile;
use crate::static_read::dockerfile::{Dockerfile, DockerfileError};
use crate::static_read::dockerignore::DockerIgnore;

pub const MODULE: ApiModule = ApiModule {
    title: "Reading files: Dockerfiles and text",
    intro: "Paths are relative to the directory shakedown runs in and confined to it: a path \
outside it (`..`, absolute, or through a symlink) is refused unless `--allow-path DIR` allows \
it. Strings read here remember their line: an assertion that fails on one points at that line \
of the file, and a query that finds nothing inside a check is named in the check's diagnostic.",
    register,
};

fn register(engine: &mut Engine) {
    engine.register_type_with_name::<DockerfileValue>("Dockerfile");
    engine.register_type_with_name::<StageValue>("Stage");
    engine.register_type_with_name::<TextFile>("File");
    engine.register_type_with_name::<IgnoreValue>("DockerIgnore");
    engine.register_global_module(exported_module!(script).into());
}

/// The script-facing functions of this concern, with the documentation
/// the reference shows.
#[export_module]
mod script {
    use super::*;
    use crate::api::shown;
    use crate::host::dockerfile_value::{DockerfileValue as Dockerfile, StageValue as Stage};
    use crate::host::text_file::TextFile as File;
    use IgnoreValue as DockerIgnore;

    // Dockerfile

    /// The path it was read from.
    #[rhai_fn(get = "path", pure)]
    pub fn df_path(df: &mut Dockerfile) -> String {
        df.name.clone()
    }

    /// Every instruction, in order: maps `#{ kind, args, flags, line }` (`kind` upper-case,
    /// `args` the text after the keyword and its flags, `flags` a map such as
    /// `#{ "start-period": "180s" }`, `line` where it starts).
    #[rhai_fn(get = "instructions", pure)]
    pub fn dockerfile_instructions(df: &mut Dockerfile) -> Array {
        df.instructions(df.parsed.instructions.iter())
    }

    /// The stages, in order (`Stage` values: `name`, `base`, `instructions`, `line`, `find(kind)`).
    #[rhai_fn(get = "stages", pure)]
    pub fn stages(df: &mut Dockerfile) -> Array {
        (0..df.parsed.stages.len())
            .map(|i| Dynamic::from(df.stage(i)))
            .collect()
    }

    /// ARG defaults by name (global and per stage; `()` for an ARG without a default).
    #[rhai_fn(get = "args", pure)]
    pub fn dockerfile_args(df: &mut Dockerfile) -> rhai::Map {
        df.args()
    }

    /// The last stage (the image a build without `target` produces).
    #[rhai_fn(get = "final", pure)]
    pub fn final_stage(df: &mut Dockerfile) -> shown::Stage {
        df.parsed
            .stages
            .len()
            .checked_sub(1)
            .map_or(Dynamic::UNIT, |i| Dynamic::from(df.stage(i)))
    }

    // Stage

    /// Its name (`AS name`), `()` when unnamed.
    #[rhai_fn(get = "name", pure)]
    pub fn stage_name(s: &mut Stage) -> shown::String {
        s.stage().name.clone().map_or(Dynamic::UNIT, |n| {
            provenance::string(
                n,
                s.first_instruction().map(|i| s.file.span(i, "this stage")),
            )
        })
    }

    /// What its FROM names, with global ARG defaults expanded as Docker expands them
    /// (`FROM ${BASE_IMAGE}` with `ARG BASE_IMAGE=python:3.11` gives `python:3.11`).
    #[rhai_fn(get = "base", pure)]
    pub fn stage_base(s: &mut Stage) -> ImmutableString {
        text(provenance::string(
            s.file.expand_global_args(&s.stage().base),
            s.first_instruction().map(|i| s.file.span(i, "this FROM")),
        ))
    }

    /// The line of its FROM.
    #[rhai_fn(get = "line", pure)]
    pub fn stage_line(s: &mut Stage) -> i64 {
        to_int(s.stage().from_line)
    }

    /// Its instructions, FROM included, as maps.
    #[rhai_fn(get = "instructions", pure)]
    pub fn stage_instructions(s: &mut Stage) -> Array {
        let range = s.stage().instructions.clone();
        s.file
            .instructions(s.file.parsed.instructions[range].iter())
    }

    // File

    /// The path it was read from.
    #[rhai_fn(get = "path", pure)]
    pub fn f_path(f: &mut File) -> String {
        f.name().to_owned()
    }

    /// The whole text.
    #[rhai_fn(get = "text", pure)]
    pub fn file_text(f: &mut File) -> ImmutableString {
        text(f.text_value())
    }

    /// The lines, without their line ends.
    #[rhai_fn(get = "lines", pure)]
    pub fn file_lines(f: &mut File) -> Array {
        f.lines()
    }

    /// Parses a Dockerfile (multi-stage, heredocs, continuations, parser directives).
    /// A syntax error is a diagnostic in the Dockerfile. `let df = dockerfile("docker/Dockerfile.cpu");`
    #[rhai_fn(name = "dockerfile", return_raw)]
    pub fn read_dockerfile(call: NativeCallContext, path: &str) -> RhaiResult<Dockerfile> {
        dockerfile(&call, path)
    }

    /// Reads a text file. `let readme = file("README.md");`
    #[rhai_fn(name = "file", return_raw)]
    pub fn read_file(call: NativeCallContext, path: &str) -> RhaiResult<File> {
        file(&call, path)
    }

    /// Whether a file or directory exists on the host (confined like `file`).
    #[rhai_fn(name = "exists", return_raw)]
    pub fn exists(call: NativeCallContext, path: &str) -> RhaiResult<bool> {
        Ok(resolve(&call, path)?.exists())
    }

    /// The part of `text` the regular expression's first group captures (the whole match when
    /// it has no group), `()` when it does not match. It remembers the line `text` came from,
    /// so an assertion on the part still points into the file.
    /// `capture(health.test[3], "https?://[^/]+(/\\S*)")` gives `"/health"`
    #[rhai_fn(name = "capture", return_raw)]
    pub fn capture_text_regex(
        call: NativeCallContext,
        text: rhai::ImmutableString,
        regex: &str,
    ) -> RhaiResult<shown::String> {
        let pattern = regex;
        capture(&call, &text, pattern)
    }

    /// Reads a `.dockerignore` with Docker's own rules (anchored patterns, `**`, `!`
    /// exceptions, last match wins). `dockerignore(".dockerignore").excludes(".git")`
    #[rhai_fn(name = "dockerignore", return_raw)]
    pub fn dockerignore_path(call: NativeCallContext, path: &str) -> RhaiResult<DockerIgnore> {
        dockerignore(&call, path)
    }

    /// Whether a path of the context (slash-separated, relative to the context root) is left
    /// out of the build context. Inside a check, a `false` is named in the check's diagnostic.
    #[rhai_fn(name = "excludes", pure)]
    pub fn excludes(ignore: &mut DockerIgnore, path: &str) -> bool {
        let excluded = ignore.rules.is_excluded(path);
        if !excluded {
            evidence::absent(&ignore.name, format!("does not exclude {path:?}"), None);
        }
        excluded
    }

    /// The stage of that name (or index), `()` when there is none.
    #[rhai_fn(name = "stage", pure)]
    pub fn stage(df: &mut Dockerfile, name: &str) -> shown::Stage {
        match df.parsed.stage(name) {
            Some(stage) => Dynamic::from(df.stage(stage.index)),
            None => {
                evidence::absent(&df.name, format!("no stage named {name:?}"), None);
                Dynamic::UNIT
            }
        }
    }

    /// Every instruction of that kind in the file (case-insensitive), as maps.
    #[rhai_fn(name = "find", pure)]
    pub fn find(df: &mut Dockerfile, kind: &str) -> Array {
        let found: Vec<_> = df
            .parsed
            .instructions
            .iter()
            .filter(|i| i.kind.eq_ignore_ascii_case(kind))
            .collect();
        if found.is_empty() {
            evidence::absent(
                &df.name,
                format!("no {} instruction", kind.to_uppercase()),
                None,
            );
        }
        df.instructions(found.into_iter())
    }

    /// Every instruction of that kind in the stage (case-insensitive), as maps.
    /// `df.final.find("USER")`
    #[rhai_fn(name = "find", pure)]
    pub fn stage_find(stage: &mut Stage, kind: &str) -> shown::Array {
        let s = stage;
        let found = s.file.parsed.find(s.stage(), kind);
        if found.is_empty() {
            let stage = s
                .stage()
                .name
                .clone()
                .unwrap_or_else(|| format!("#{}", s.index));
            let span = s.first_instruction().map(|i| {
                s.file
                    .span(i, &format!("stage {stage} has no {}", kind.to_uppercase()))
            });
            evidence::absent(
                &s.file.name,
                format!("no {} instruction in stage {stage}", kind.to_uppercase()),
                span,
            );
        } else if found.len() > 1 {
            // Several where a check may expect one: show them all.
            let stage = s
                .stage()
                .name
                .clone()
                .unwrap_or_else(|| format!("#{}", s.index));
            let mut report = crate::error::Report::new(
                "shakedown::static::found",
                format!(
                    "{}: {} {} instructions in stage {stage}",
                    s.file.name,
                    found.len(),
                    kind.to_uppercase()
                ),
            );
            for instruction in &found {
                report = report.with_span(
                    &s.file
                        .span(instruction, &format!("this {}", instruction.kind)),
                );
            }
            evidence::keep(report);
        }
        Dynamic::from_array(s.file.instructions(found.into_iter()))
    }

    /// Whether the text occurs in the file. Inside a check, a `false` is named in the
    /// check's diagnostic.
    #[rhai_fn(name = "contains", pure)]
    pub fn contains(f: &mut File, text: &str) -> bool {
        let found = f.text().contains(text);
        if !found {
            evidence::absent(f.name(), format!("does not contain {text:?}"), None);
        }
        found
    }

    /// The lines the regular expression matches: `#{ line, text }` (1-based line).
    #[rhai_fn(name = "matches", pure, return_raw)]
    pub fn matches(call: NativeCallContext, f: &mut File, regex: &str) -> RhaiResult<Array> {
        let pattern = regex;
        let regex = crate::host::convert::regex(&call, pattern)?;
        let found = f.matches(&regex);
        if found.is_empty() {
            evidence::absent(f.name(), format!("no line matches /{pattern}/"), None);
        }
        Ok(found)
    }

    /// How many times the regular expression matches in the file. Inside a check, the lines
    /// it matched are shown if the check fails.
    #[rhai_fn(name = "count", pure, return_raw)]
    pub fn count(call: NativeCallContext, f: &mut File, regex: &str) -> RhaiResult<i64> {
        let pattern = regex;
        let regex = crate::host::convert::regex(&call, pattern)?;
        let (total, lines) = f.count(&regex);
        let mut report = crate::error::Report::new(
            "shakedown::static::count",
            format!(
                "{}: {total} match{} of /{pattern}/",
                f.name(),
                if total == 1 { "" } else { "es" }
            ),
        );
        for line in lines {
            report = report.with_span(&f.line_span(line, "matches"));
        }
        if total > 0 {
            evidence::keep(report);
        }
        Ok(to_int(total))
    }
}

/// `capture(text, regex)`: a part of a string, keeping its origin.
fn capture(
    call: &NativeCallContext,
    text: &rhai::ImmutableString,
    pattern: &str,
) -> RhaiResult<Dynamic> {
    let regex = regex(call, pattern)?;
    let Some(found) = regex.captures(text) else {
        return Ok(Dynamic::UNIT);
    };
    let part = found
        .get(1)
        .or_else(|| found.get(0))
        .map_or("", |m| m.as_str());
    let origin = provenance::origin_of(&Dynamic::from(text.clone()));
    Ok(provenance::string(part, origin))
}

fn dockerfile(call: &NativeCallContext, path: &str) -> RhaiResult<DockerfileValue> {
    let (real, text) = read_named(call, path)?;
    match Dockerfile::parse(&real, text) {
        Ok(parsed) => Ok(DockerfileValue {
            name: path.to_owned(),
            parsed: Arc::new(parsed),
        }),
        Err(DockerfileError::Read { source, .. }) => Err(Thrown::usage(
            format!("{path} cannot be read: {source}"),
            "check the path; it is relative to the directory shakedown runs in",
        )
        .at(call.call_position())),
        Err(DockerfileError::Parse(err)) => {
            let span = FileSpan {
                name: path.to_owned(),
                text: err.src.inner().as_str().into(),
                offset: err.at.offset(),
                len: err.at.len(),
                label: err.label.clone(),
            };
            Err(Thrown::new(
                ThrownKind::Failure,
                "shakedown::dockerfile::parse",
                err.message.clone(),
            )
            .help(err.help.clone())
            .span(span)
            .label("this Dockerfile does not parse")
            .at(call.call_position()))
        }
    }
}

/// A `.dockerignore` read by `dockerignore(path)`.
#[derive(Debug, Clone)]
pub struct IgnoreValue {
    name: String,
    rules: Arc<DockerIgnore>,
}

fn dockerignore(call: &NativeCallContext, path: &str) -> RhaiResult<IgnoreValue> {
    let (_, text) = read_named(call, path)?;
    let rules = DockerIgnore::parse(&text).map_err(|err| {
        Thrown::new(
            ThrownKind::Failure,
            "shakedown::dockerignore::pattern",
            format!("{path}: {err}"),
        )
        .help("fix the pattern; the syntax is Go's filepath.Match plus `**`")
        .at(call.call_position())
    })?;
    Ok(IgnoreValue {
        name: path.to_owned(),
        rules: Arc::new(rules),
    })
}

fn file(call: &NativeCallContext, path: &str) -> RhaiResult<TextFile> {
    let (_, text) = read_named(call, path)?;
    Ok(TextFile::new(path, text))
}

/// A string value read from a file, as the string it holds: the same
/// allocation, so it keeps the origin it remembers.
fn text(value: Dynamic) -> ImmutableString {
    value.into_immutable_string().unwrap_or_default()
}
