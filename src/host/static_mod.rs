//! `dockerfile`, `file`, `exists`: reading files without the engine. Values
//! read remember their line, so failed assertions point into the file.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration, NativeCallContext};

use super::convert::{regex, RhaiResult};
use super::dockerfile_value::{to_int, DockerfileValue, StageValue};
use super::evidence;
use super::paths::{read_named, resolve};
use super::provenance;
use super::text_file::TextFile;
use super::ApiModule;
use crate::error::{FileSpan, Thrown, ThrownKind};
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
    FuncRegistration::new("dockerfile")
        .with_params_info(["path: &str", "Dockerfile"])
        .with_comments(["/// Parses a Dockerfile (multi-stage, heredocs, continuations, parser directives).\n/// A syntax error is a diagnostic in the Dockerfile. `let df = dockerfile(\"docker/Dockerfile.cpu\");`"])
        .register_into_engine(engine, |call: NativeCallContext, path: &str| dockerfile(&call, path));
    FuncRegistration::new("file")
        .with_params_info(["path: &str", "File"])
        .with_comments(["/// Reads a text file. `let readme = file(\"README.md\");`"])
        .register_into_engine(engine, |call: NativeCallContext, path: &str| {
            file(&call, path)
        });
    FuncRegistration::new("exists")
        .with_params_info(["path: &str", "bool"])
        .with_comments([
            "/// Whether a file or directory exists on the host (confined like `file`).",
        ])
        .register_into_engine(
            engine,
            |call: NativeCallContext, path: &str| -> RhaiResult<bool> {
                Ok(resolve(&call, path)?.exists())
            },
        );

    FuncRegistration::new("capture")
        .with_params_info(["text: &str", "regex: &str", "String"])
        .with_comments(["/// The part of `text` the regular expression's first group captures (the whole match when\n/// it has no group), `()` when it does not match. It remembers the line `text` came from,\n/// so an assertion on the part still points into the file.\n/// `capture(health.test[3], \"https?://[^/]+(/\\\\S*)\")` gives `\"/health\"`"])
        .register_into_engine(engine, |call: NativeCallContext, text: rhai::ImmutableString, pattern: &str| {
            capture(&call, &text, pattern)
        });
    FuncRegistration::new("dockerignore")
        .with_params_info(["path: &str", "DockerIgnore"])
        .with_comments(["/// Reads a `.dockerignore` with Docker's own rules (anchored patterns, `**`, `!`\n/// exceptions, last match wins). `dockerignore(\".dockerignore\").excludes(\".git\")`"])
        .register_into_engine(engine, |call: NativeCallContext, path: &str| dockerignore(&call, path));
    FuncRegistration::new("excludes")
        .with_params_info(["ignore: &mut DockerIgnore", "path: &str", "bool"])
        .with_comments(["/// Whether a path of the context (slash-separated, relative to the context root) is left\n/// out of the build context. Inside a check, a `false` is named in the check's diagnostic."])
        .register_into_engine(engine, |ignore: &mut IgnoreValue, path: &str| {
            let excluded = ignore.rules.is_excluded(path);
            if !excluded {
                evidence::absent(&ignore.name, format!("does not exclude {path:?}"), None);
            }
            excluded
        });

    // Dockerfile
    getter(
        engine,
        "get$path",
        "df: &mut Dockerfile",
        "String",
        "/// The path it was read from.",
        |df: &mut DockerfileValue| Dynamic::from(df.name.clone()),
    );
    getter(engine, "get$instructions", "df: &mut Dockerfile", "Array", "/// Every instruction, in order: maps `#{ kind, args, flags, line }` (`kind` upper-case,\n/// `args` the text after the keyword and its flags, `flags` a map such as\n/// `#{ \"start-period\": \"180s\" }`, `line` where it starts).", |df: &mut DockerfileValue| Dynamic::from_array(df.instructions(df.parsed.instructions.iter())));
    getter(engine, "get$stages", "df: &mut Dockerfile", "Array", "/// The stages, in order (`Stage` values: `name`, `base`, `instructions`, `line`, `find(kind)`).", |df: &mut DockerfileValue| {
        Dynamic::from_array((0..df.parsed.stages.len()).map(|i| Dynamic::from(df.stage(i))).collect())
    });
    getter(
        engine,
        "get$args",
        "df: &mut Dockerfile",
        "Map",
        "/// ARG defaults by name (global and per stage; `()` for an ARG without a default).",
        |df: &mut DockerfileValue| Dynamic::from_map(df.args()),
    );
    getter(
        engine,
        "get$final",
        "df: &mut Dockerfile",
        "Stage",
        "/// The last stage (the image a build without `target` produces).",
        |df: &mut DockerfileValue| {
            df.parsed
                .stages
                .len()
                .checked_sub(1)
                .map_or(Dynamic::UNIT, |i| Dynamic::from(df.stage(i)))
        },
    );
    FuncRegistration::new("stage")
        .with_params_info(["df: &mut Dockerfile", "name: &str", "Stage"])
        .with_comments(["/// The stage of that name (or index), `()` when there is none."])
        .register_into_engine(engine, |df: &mut DockerfileValue, name: &str| {
            match df.parsed.stage(name) {
                Some(stage) => Dynamic::from(df.stage(stage.index)),
                None => {
                    evidence::absent(&df.name, format!("no stage named {name:?}"), None);
                    Dynamic::UNIT
                }
            }
        });
    FuncRegistration::new("find")
        .with_params_info(["df: &mut Dockerfile", "kind: &str", "Array"])
        .with_comments([
            "/// Every instruction of that kind in the file (case-insensitive), as maps.",
        ])
        .register_into_engine(engine, |df: &mut DockerfileValue, kind: &str| {
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
        });

    // Stage
    getter(
        engine,
        "get$name",
        "stage: &mut Stage",
        "String",
        "/// Its name (`AS name`), `()` when unnamed.",
        |s: &mut StageValue| {
            s.stage().name.clone().map_or(Dynamic::UNIT, |n| {
                provenance::string(
                    n,
                    s.first_instruction().map(|i| s.file.span(i, "this stage")),
                )
            })
        },
    );
    getter(
        engine,
        "get$base",
        "stage: &mut Stage",
        "String",
        "/// What its FROM names, with global ARG defaults expanded as Docker expands them\n/// (`FROM ${BASE_IMAGE}` with `ARG BASE_IMAGE=python:3.11` gives `python:3.11`).",
        |s: &mut StageValue| {
            provenance::string(
                s.file.expand_global_args(&s.stage().base),
                s.first_instruction().map(|i| s.file.span(i, "this FROM")),
            )
        },
    );
    getter(
        engine,
        "get$line",
        "stage: &mut Stage",
        "int",
        "/// The line of its FROM.",
        |s: &mut StageValue| Dynamic::from_int(to_int(s.stage().from_line)),
    );
    getter(
        engine,
        "get$instructions",
        "stage: &mut Stage",
        "Array",
        "/// Its instructions, FROM included, as maps.",
        |s: &mut StageValue| {
            let range = s.stage().instructions.clone();
            Dynamic::from_array(
                s.file
                    .instructions(s.file.parsed.instructions[range].iter()),
            )
        },
    );
    FuncRegistration::new("find")
        .with_params_info(["stage: &mut Stage", "kind: &str", "Array"])
        .with_comments(["/// Every instruction of that kind in the stage (case-insensitive), as maps.\n/// `df.final.find(\"USER\")`"])
        .register_into_engine(engine, |s: &mut StageValue, kind: &str| {
            let found = s.file.parsed.find(s.stage(), kind);
            if found.is_empty() {
                let stage = s.stage().name.clone().unwrap_or_else(|| format!("#{}", s.index));
                let span = s.first_instruction().map(|i| s.file.span(i, &format!("stage {stage} has no {}", kind.to_uppercase())));
                evidence::absent(&s.file.name, format!("no {} instruction in stage {stage}", kind.to_uppercase()), span);
            } else if found.len() > 1 {
                // Several where a check may expect one: show them all.
                let stage = s.stage().name.clone().unwrap_or_else(|| format!("#{}", s.index));
                let mut report = crate::error::Report::new(
                    "shakedown::static::found",
                    format!("{}: {} {} instructions in stage {stage}", s.file.name, found.len(), kind.to_uppercase()),
                );
                for instruction in &found {
                    report = report.with_span(&s.file.span(instruction, &format!("this {}", instruction.kind)));
                }
                evidence::keep(report);
            }
            Dynamic::from_array(s.file.instructions(found.into_iter()))
        });

    // File
    getter(
        engine,
        "get$path",
        "f: &mut File",
        "String",
        "/// The path it was read from.",
        |f: &mut TextFile| Dynamic::from(f.name().to_owned()),
    );
    getter(
        engine,
        "get$text",
        "f: &mut File",
        "String",
        "/// The whole text.",
        |f: &mut TextFile| f.text_value(),
    );
    getter(
        engine,
        "get$lines",
        "f: &mut File",
        "Array",
        "/// The lines, without their line ends.",
        |f: &mut TextFile| Dynamic::from_array(f.lines()),
    );
    FuncRegistration::new("contains")
        .with_params_info(["f: &mut File", "text: &str", "bool"])
        .with_comments(["/// Whether the text occurs in the file. Inside a check, a `false` is named in the\n/// check's diagnostic."])
        .register_into_engine(engine, |f: &mut TextFile, text: &str| {
            let found = f.text().contains(text);
            if !found {
                evidence::absent(f.name(), format!("does not contain {text:?}"), None);
            }
            found
        });
    FuncRegistration::new("matches")
        .with_params_info(["f: &mut File", "regex: &str", "Array"])
        .with_comments([
            "/// The lines the regular expression matches: `#{ line, text }` (1-based line).",
        ])
        .register_into_engine(
            engine,
            |call: NativeCallContext, f: &mut TextFile, pattern: &str| -> RhaiResult<Array> {
                let regex = regex(&call, pattern)?;
                let found = f.matches(&regex);
                if found.is_empty() {
                    evidence::absent(f.name(), format!("no line matches /{pattern}/"), None);
                }
                Ok(found)
            },
        );
    FuncRegistration::new("count")
        .with_params_info(["f: &mut File", "regex: &str", "int"])
        .with_comments(["/// How many times the regular expression matches in the file. Inside a check, the lines\n/// it matched are shown if the check fails."])
        .register_into_engine(engine, |call: NativeCallContext, f: &mut TextFile, pattern: &str| -> RhaiResult<i64> {
            let regex = regex(&call, pattern)?;
            let (total, lines) = f.count(&regex);
            let mut report = crate::error::Report::new("shakedown::static::count", format!("{}: {total} match{} of /{pattern}/", f.name(), if total == 1 { "" } else { "es" }));
            for line in lines {
                report = report.with_span(&f.line_span(line, "matches"));
            }
            if total > 0 {
                evidence::keep(report);
            }
            Ok(to_int(total))
        });
}

type Getter<T> = fn(&mut T) -> Dynamic;

fn getter<T: Clone + Send + Sync + 'static>(
    engine: &mut Engine,
    name: &str,
    this: &str,
    returns: &str,
    doc: &str,
    f: Getter<T>,
) {
    FuncRegistration::new(name)
        .with_params_info([this, returns])
        .with_comments([doc])
        .register_into_engine(engine, f);
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
