//! `build`, `image` and `img.inspect()`: images in the engine.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, NativeCallContext};

use super::ApiModule;
use crate::engine::{BuildError, BuildEvent, BuildFailure, BuildRequest, ImageDetails, Needs};
use crate::error::{FileSpan, Thrown, ThrownKind};
use crate::host::base_pull;
use crate::host::build_options;
use crate::host::convert::{ctx, strings, until_cancelled, RhaiResult};
use crate::host::engine_errors::thrown;
use crate::host::image::{BuiltFrom, Image};
use crate::host::image_origin::Origins;
use crate::host::limits;
use crate::host::provenance;
use crate::host::size_evidence;
use crate::host::text_file::TextFile;
use crate::host::{image_copy, owner};
use crate::runner::{BuildNote, Event, NoteLevel};
use crate::static_read::build_context::ContextError;
use crate::static_read::dockerfile::Dockerfile;
use crate::static_read::dockerignore::PatternError;
use crate::static_read::input_file;

pub const MODULE: ApiModule = ApiModule {
    title: "Images",
    intro: "Paths are relative to the directory shakedown runs in, and so is the default build \
context. The context, the Dockerfile and the context's `.dockerignore` are confined like every \
path a script names: outside that directory (`..`, absolute, or through a symlink) they are \
refused unless `--allow-path DIR` allows them. The build context honours `.dockerignore` exactly \
as Docker does. `image(reference)` names an image the engine already has; to pull, see \
Registries.",
    register,
};

fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Image>("Image");
    engine.register_global_module(exported_module!(script).into());
}

/// The script-facing functions of this concern, with the documentation
/// the reference shows.
#[export_module]
mod script {
    use super::*;
    use crate::api::shown;

    /// Builds the Dockerfile with the current directory as the context.
    /// `let img = build("docker/Dockerfile.cpu");`
    #[rhai_fn(name = "build", return_raw)]
    pub fn build_dockerfile(call: NativeCallContext, dockerfile: &str) -> RhaiResult<Image> {
        let mut options = Map::new();
        options.insert("dockerfile".into(), Dynamic::from(dockerfile.to_owned()));
        build(&call, &options)
    }

    /// Builds with options: `dockerfile` (required), `context` (default "."), `tag`, `target`
    /// (a stage name), `args` (a map of build args; one no `ARG` declares is a warning in the
    /// report), `no_cache` (bool), `labels` (a map), `pull` (bool: look for a newer base),
    /// `platform` (like "linux/amd64"), `network` for the RUN steps ("default", "none", or
    /// "host" with `--allow-network host`), `secrets` (a map of secret ids to files, for
    /// `RUN --mount=type=secret,id=…`; the content never reaches the image, its history or
    /// the report), `builder` ("auto": BuildKit when the engine has it, else the classic
    /// builder with a note in the report; "buildkit"; "classic"; default: `--builder`).
    /// `build(#{ dockerfile: "docker/Dockerfile.gpu", tag: "demo:gpu", args: #{ VERSION: "1.0" } })`
    /// `build(#{ dockerfile: "Dockerfile", secrets: #{ hf_token: "secrets/hf_token" } })`
    #[rhai_fn(name = "build", return_raw)]
    pub fn build_options(call: NativeCallContext, options: Map) -> RhaiResult<Image> {
        build(&call, &options)
    }

    /// An image the engine already has, by tag or id; fails when it is missing (no pull).
    /// `let img = image("djok/facecraft:cpu");`
    #[rhai_fn(name = "image", return_raw)]
    pub fn image_reference(call: NativeCallContext, reference: &str) -> RhaiResult<Image> {
        image(&call, reference)
    }

    /// The image id (`sha256:…`).
    #[rhai_fn(get = "id", pure)]
    pub fn get_id(img: &mut Image) -> String {
        img.id.clone()
    }

    /// The tag it was built or looked up with ("" when none).
    #[rhai_fn(get = "tag", pure)]
    pub fn get_tag(img: &mut Image) -> String {
        img.tag.clone()
    }

    /// What the engine knows of the image: `id`, `tags`, `user`, `labels` (map), `env` (map,
    /// `KEY=VALUE` split at the first `=`), `cmd`, `entrypoint` (arrays), `workdir`,
    /// `exposed_ports` (like `"8000/tcp"`), `volumes`, `healthcheck` (map: `test`, `interval`,
    /// `timeout`, `start_period` in seconds, `retries`; `()` when none), `size` (bytes), `os`,
    /// `arch`, `created`, `layers` (oldest first; maps: `size`, `created_by`, `file`, `line`).
    /// For an image the script built, the settings remember the Dockerfile instruction that set
    /// them (or the stage that lacks it), so a failed assertion on one points there.
    #[rhai_fn(name = "inspect", pure, return_raw)]
    pub fn image_inspect(call: NativeCallContext, img: &mut Image) -> RhaiResult<shown::Map> {
        inspect(&call, img)
    }

    /// Every layer, largest first: `#{ size, created_by, file, line }`, where `file` and `line`
    /// name the Dockerfile instruction that made it (`()` for the base image's layers and for
    /// images the script did not build). A failing check that read an image's `size` shows
    /// its five largest layers in its diagnostic, whatever the check is called.
    #[rhai_fn(name = "size_report", pure, return_raw)]
    pub fn image_size_report(call: NativeCallContext, img: &mut Image) -> RhaiResult<Array> {
        size_report(&call, img)
    }

    /// The image on another engine of the run (`--engine NAME=…`, or "default"): copied
    /// there by streaming this engine's export into that engine's load (no file, little
    /// memory), with progress on the status line. Same id; the tag when the image carries
    /// it; a built image keeps pointing at its Dockerfile.
    /// `let there = img.to("gpu");`
    #[rhai_fn(name = "to", pure, return_raw)]
    pub fn image_to(call: NativeCallContext, img: &mut Image, engine: &str) -> RhaiResult<Image> {
        image_copy::to(&call, img, engine)
    }

    #[rhai_fn(name = "to_string", pure)]
    pub fn to_string(img: &mut Image) -> String {
        img.to_string()
    }

    #[rhai_fn(name = "to_debug", pure)]
    pub fn to_debug(img: &mut Image) -> String {
        img.to_string()
    }
}

fn build(call: &NativeCallContext, options: &Map) -> RhaiResult<Image> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    let request = build_options::request(options, &ctx.run.options.allow_networks).map_err(at)?;
    let dockerfile = request.dockerfile.display().to_string();
    let label = request.tag.clone().unwrap_or_else(|| dockerfile.clone());
    let started = Instant::now();
    let task = ctx.task.id;
    let run = Arc::clone(&ctx.run);
    let task_ctx = Arc::clone(&ctx.task);
    let note = |level: NoteLevel, message: String| {
        let note = BuildNote {
            level,
            image: label.clone(),
            message,
        };
        task_ctx.build_note(note.clone());
        run.emit(&Event::BuildNote { task, note });
    };
    for arg in build_options::undeclared_args(&request) {
        note(NoteLevel::Warning, arg);
    }
    let on_event = |event: BuildEvent| match event {
        BuildEvent::Step {
            step,
            total,
            instruction,
        } => run.emit(&Event::BuildStep {
            task,
            image: label.clone(),
            step,
            total,
            instruction,
        }),
        BuildEvent::Output(line) => run.emit(&Event::BuildOutput {
            task,
            image: label.clone(),
            line,
        }),
        BuildEvent::Note(message) => note(NoteLevel::Note, message),
    };
    ctx.run.emit(&Event::BuildRead {
        task,
        context: absolute(&request.context),
        dockerfile: absolute(&request.dockerfile),
    });
    let built = ctx
        .run
        .rt
        .block_on(ctx.engine().build(&request, on_event, &ctx.cancel));
    let id = built.map_err(|err| at(build_error(&request, err)))?;
    ctx.task.used_image(&label, &id);
    ctx.run.emit(&Event::BuildFinished {
        task,
        image: label,
        id: id.clone(),
        seconds: started.elapsed().as_secs_f64(),
    });
    Ok(Image {
        id,
        tag: request.tag.clone().unwrap_or_default(),
        built: Some(Arc::new(BuiltFrom {
            dockerfile: request.dockerfile.clone(),
            context: request.context.clone(),
            target: request.target.clone(),
        })),
        engine: ctx.engine().name().into(),
        details: Arc::new(OnceLock::new()),
        digest: Arc::default(),
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| std::env::current_dir().unwrap_or_default().join(path))
}

fn build_error(request: &BuildRequest, err: BuildError) -> Thrown {
    match err {
        BuildError::Op(op) => thrown(op),
        // The context's .dockerignore is part of what is checked: a bad
        // pattern fails the build (exit 1), as dockerignore() does.
        BuildError::Context(ContextError::Ignore(PatternError::BadPattern {
            line,
            pattern,
            reason,
        })) => {
            let path = request.context.join(".dockerignore");
            let mut thrown = Thrown::new(
                ThrownKind::Failure,
                "shakedown::dockerignore::pattern",
                format!("{}: line {line}: bad pattern `{pattern}`: {reason}", path.display()),
            )
            .help("fix the pattern; the syntax is Go's filepath.Match plus `**`")
            .label("this build's context cannot be sent");
            if let Ok(text) = input_file::read_text(&path, limits::MAX_READ_BYTES) {
                let file = TextFile::new(path.display().to_string(), text);
                thrown = thrown.span(file.line_span(line.saturating_sub(1), reason));
            }
            thrown
        }
        // A path the script names wrongly: a script error (exit 2).
        BuildError::Context(err) => Thrown::usage(
            format!("the build context cannot be sent: {err}"),
            "check the `dockerfile` and `context` paths (relative to the directory shakedown runs in)",
        )
        .with_code(match err {
            ContextError::ContextMissing { .. } | ContextError::DockerfileNotFound { .. } => {
                "shakedown::path::missing"
            }
            ContextError::ContextNotDirectory { .. } | ContextError::DockerfileNotAFile { .. } => {
                "shakedown::path::not_a_file"
            }
            ContextError::Unreadable { .. } | ContextError::Ignore(_) => {
                "shakedown::path::unreadable"
            }
        }),
        BuildError::Failed(failure) => build_failure(request, &failure),
        BuildError::TooNew(too_new) => {
            let dockerfile = request.dockerfile.display().to_string();
            let mut thrown = Thrown::usage(
                format!(
                    "{dockerfile} line {} uses {}, which {} cannot read: they need {}",
                    too_new.line, too_new.feature, too_new.builder, too_new.needs
                ),
                if too_new.needs == Needs::BuildKit {
                    "build with BuildKit (builder: \"buildkit\" or --builder buildkit), or write the step without it".to_owned()
                } else {
                    format!(
                        "rewrite the instruction without {} (e.g. one RUN with commands joined by &&), or build on an engine with {}",
                        too_new.feature, too_new.needs
                    )
                },
            )
            .with_code("shakedown::build::too_new");
            if let Ok(text) = input_file::read_text(&request.dockerfile, limits::MAX_READ_BYTES) {
                thrown = thrown.span(FileSpan {
                    name: dockerfile,
                    text: text.into(),
                    offset: too_new.span.start,
                    len: too_new.span.len(),
                    label: format!("{} need {}", too_new.feature, too_new.needs),
                });
            }
            thrown
        }
        BuildError::Unsupported { what, option } => Thrown::usage(
            what,
            match option {
                "secrets" => "secrets need BuildKit: use an engine that has it (Docker 18.09 or later on Linux), reached over its unix socket or tcp://",
                _ => "leave `builder` (and --builder) at \"auto\" to fall back to the classic builder, or use \"classic\"",
            },
        )
        .with_code("shakedown::build::unsupported"),
    }
}

/// A failed build, pointing at the Dockerfile instruction the engine was
/// running, with the last lines of its output. A `FROM` whose image could
/// not be pulled says what the registry answered.
fn build_failure(request: &BuildRequest, failure: &BuildFailure) -> Thrown {
    let dockerfile = request.dockerfile.as_path();
    if let Ok(parsed) = Dockerfile::read(dockerfile) {
        let from = failure
            .step
            .and_then(|n| parsed.step(n))
            .filter(|i| i.kind == "FROM")
            .or_else(|| {
                let image = failure.base_image.as_deref()?;
                base_pull::from_naming(&parsed, image, &request.args)
            });
        if let (Some(from), Some(answer)) = (from, base_pull::Answer::of(&failure.message)) {
            return base_pull::failure(
                &parsed,
                &dockerfile.display().to_string(),
                from,
                answer,
                unwrapped(&failure.message),
                &request.args,
            );
        }
    }
    let step = failure
        .step
        .map(|n| format!(" at step {n}"))
        .unwrap_or_default();
    let mut thrown = Thrown::new(
        ThrownKind::Failure,
        "shakedown::build::failed",
        format!(
            "building {} failed{step}: {}",
            dockerfile.display(),
            condense(&failure.message)
        ),
    )
    .help("fix the instruction shown; the build cache keeps the steps before it")
    .label("this build failed");
    let engine_line = line_in_message(&failure.message);
    let read = input_file::read_text(dockerfile, limits::MAX_READ_BYTES).ok();
    let parsed = read
        .clone()
        .and_then(|text| Dockerfile::parse(dockerfile, text).ok());
    if let Some(parsed) = parsed {
        let instruction = failure.step.and_then(|n| parsed.step(n)).or_else(|| {
            engine_line.and_then(|line| parsed.instructions.iter().find(|i| i.line == line))
        });
        if let Some(instruction) = instruction {
            thrown = thrown.span(FileSpan {
                name: dockerfile.display().to_string(),
                text: parsed.source.clone().into(),
                offset: instruction.span.start,
                len: instruction.span.len(),
                label: match exit_code(&failure.message) {
                    Some(code) => format!("this {} exited with code {code}", instruction.kind),
                    None => format!("this {} failed", instruction.kind),
                },
            });
        }
    } else if let (Some(line), Some(text)) = (engine_line, read) {
        // The engine's parser refused a Dockerfile ours cannot read either:
        // label the line it named.
        let file = TextFile::new(dockerfile.display().to_string(), text);
        thrown = thrown
            .span(file.line_span(line.saturating_sub(1), "the engine cannot parse this line"));
    }
    if !failure.tail.is_empty() {
        thrown = thrown.detail(format!(
            "last lines of the build output:\n  {}",
            failure.tail.join("\n  ")
        ));
    }
    thrown
}

/// "The command '/bin/sh -c …' returned a non-zero code: 1" (classic) or
/// "executor failed running [/bin/sh -c …]: exit code: 1" (BuildKit) →
/// "its command exited with code 1" (the instruction is labelled in the
/// Dockerfile). BuildKit's chain of wrappers ("failed to solve with
/// frontend dockerfile.v0: failed to create LLB definition: …") is left
/// out: it names BuildKit's internals, not the user's mistake.
fn condense(message: &str) -> String {
    if let Some(code) = exit_code(message) {
        return format!("its command exited with code {code}");
    }
    unwrapped(message).to_owned()
}

/// The message without BuildKit's wrappers.
fn unwrapped(message: &str) -> &str {
    let mut rest = message.trim();
    loop {
        let before = rest;
        for wrapper in [
            "failed to solve with frontend dockerfile.v0: ",
            "failed to solve: ",
            "failed to create LLB definition: ",
            "rpc error: code = Unknown desc = ",
        ] {
            if let Some(inner) = rest.strip_prefix(wrapper) {
                rest = inner;
            }
        }
        if rest == before {
            return rest;
        }
    }
}

/// The exit code of a failed RUN, from either builder's message.
fn exit_code(message: &str) -> Option<&str> {
    let (head, code) = message
        .rsplit_once("returned a non-zero code: ")
        .or_else(|| message.rsplit_once("]: exit code: "))
        .or_else(|| message.rsplit_once("did not complete successfully: exit code: "))?;
    let code = code.trim();
    (!head.is_empty() && !code.is_empty() && code.chars().all(|c| c.is_ascii_digit()))
        .then_some(code)
}

/// "Dockerfile parse error line 7: unknown instruction: FOO" → 7
fn line_in_message(message: &str) -> Option<usize> {
    let at = message.find("line ")? + 5;
    let digits: String = message[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn image(call: &NativeCallContext, reference: &str) -> RhaiResult<Image> {
    let ctx = ctx(call)?;
    let details = until_cancelled(&ctx, ctx.engine().inspect_image(reference))
        .map_err(|err| thrown(err).at(call.call_position()))?;
    let details_cell = OnceLock::new();
    let id = details.id.clone();
    ctx.task.used_image(reference, &id);
    let _ = details_cell.set(details);
    Ok(Image {
        id,
        tag: reference.to_owned(),
        built: None,
        engine: ctx.engine().name().into(),
        details: Arc::new(details_cell),
        digest: Arc::default(),
    })
}

/// The image's details, asked of the engine once.
pub fn details(call: &NativeCallContext, img: &Image) -> RhaiResult<ImageDetails> {
    if let Some(details) = img.details.get() {
        return Ok(details.clone());
    }
    let ctx = ctx(call)?;
    owner::check(&ctx, &img.engine, &img.label(), true).map_err(|t| t.at(call.call_position()))?;
    let details = until_cancelled(&ctx, ctx.engine().inspect_image(img.reference()))
        .map_err(|err| thrown(err).at(call.call_position()))?;
    let _ = img.details.set(details.clone());
    Ok(details)
}

fn inspect(call: &NativeCallContext, img: &Image) -> RhaiResult<Dynamic> {
    let details = details(call, img)?;
    let origins = img.built.as_deref().and_then(Origins::of);
    let mut map = Dynamic::from_map(to_map(&details, origins.as_ref()));
    size_evidence::mark(img, &details, &mut map);
    Ok(map)
}

fn layer_pairs(d: &ImageDetails) -> Vec<(i64, String)> {
    d.layers
        .iter()
        .map(|l| (l.size, l.created_by.clone()))
        .collect()
}

/// `img.size_report()`: every layer, largest first, with the Dockerfile
/// line that made it.
fn size_report(call: &NativeCallContext, img: &Image) -> RhaiResult<Array> {
    let details = details(call, img)?;
    let origins = img.built.as_deref().and_then(Origins::of);
    let mut rows = layer_maps(&details, origins.as_ref());
    rows.sort_by_key(|(size, _)| std::cmp::Reverse(*size));
    Ok(rows
        .into_iter()
        .map(|(_, m)| Dynamic::from_map(m))
        .collect())
}

/// The image's layers, oldest first, as maps with the Dockerfile line that
/// made each (when the script built the image), and their sizes.
fn layer_maps(d: &ImageDetails, origins: Option<&Origins>) -> Vec<(i64, Map)> {
    let pairs = layer_pairs(d);
    match origins {
        Some(origins) => origins
            .layers(&pairs)
            .iter()
            .map(|l| {
                let made_by = l.instruction.map(|i| (origins.name(), i.line));
                (l.size, layer_map(l.size, l.created_by, made_by))
            })
            .collect(),
        None => pairs
            .iter()
            .map(|(size, by)| (*size, layer_map(*size, by, None)))
            .collect(),
    }
}

fn layer_map(size: i64, created_by: &str, made_by: Option<(&str, usize)>) -> Map {
    let mut layer = Map::new();
    layer.insert("size".into(), Dynamic::from_int(size));
    layer.insert("created_by".into(), Dynamic::from(created_by.to_owned()));
    let (file, line) = made_by.map_or((Dynamic::UNIT, Dynamic::UNIT), |(f, l)| {
        (
            Dynamic::from(f.to_owned()),
            Dynamic::from_int(i64::try_from(l).unwrap_or(i64::MAX)),
        )
    });
    layer.insert("file".into(), file);
    layer.insert("line".into(), line);
    layer
}

/// Strings that remember the instruction that set them, when the image was
/// built by the script.
struct Setter<'a>(Option<&'a Origins>);

impl Setter<'_> {
    fn string(&self, text: &str, kind: &str, key: Option<&str>) -> Dynamic {
        provenance::string(text, self.0.map(|o| o.setting(kind, key)))
    }

    fn strings(&self, items: &[String], kind: &str) -> Dynamic {
        Dynamic::from_array(items.iter().map(|s| self.string(s, kind, None)).collect())
    }

    fn map<'b>(
        &self,
        pairs: impl Iterator<Item = (&'b String, &'b String)>,
        kind: &str,
    ) -> Dynamic {
        Dynamic::from_map(
            pairs
                .map(|(k, v)| (k.as_str().into(), self.string(v, kind, Some(k))))
                .collect(),
        )
    }
}

fn to_map(d: &ImageDetails, origins: Option<&Origins>) -> Map {
    let set = Setter(origins);
    let mut map = Map::new();
    let mut put = |key: &str, value: Dynamic| {
        map.insert(key.into(), value);
    };
    put("id", Dynamic::from(d.id.clone()));
    put("tags", strings(&d.tags));
    put("user", set.string(&d.user, "USER", None));
    put("labels", set.map(d.labels.iter(), "LABEL"));
    put("env", set.map(d.env.iter().map(|(k, v)| (k, v)), "ENV"));
    put("cmd", set.strings(&d.cmd, "CMD"));
    put("entrypoint", set.strings(&d.entrypoint, "ENTRYPOINT"));
    put("workdir", set.string(&d.workdir, "WORKDIR", None));
    put("exposed_ports", set.strings(&d.exposed_ports, "EXPOSE"));
    put("volumes", set.strings(&d.volumes, "VOLUME"));
    put(
        "healthcheck",
        d.healthcheck.as_ref().map_or(Dynamic::UNIT, |h| {
            let mut hc = Map::new();
            hc.insert("test".into(), set.strings(&h.test, "HEALTHCHECK"));
            hc.insert("interval".into(), Dynamic::from_float(h.interval));
            hc.insert("timeout".into(), Dynamic::from_float(h.timeout));
            hc.insert("start_period".into(), Dynamic::from_float(h.start_period));
            hc.insert("retries".into(), Dynamic::from_int(h.retries));
            Dynamic::from_map(hc)
        }),
    );
    put("size", Dynamic::from_int(d.size));
    put("os", Dynamic::from(d.os.clone()));
    put("arch", Dynamic::from(d.arch.clone()));
    put("created", Dynamic::from(d.created.clone()));
    let layers: Array = layer_maps(d, origins)
        .into_iter()
        .map(|(_, m)| Dynamic::from_map(m))
        .collect();
    put("layers", Dynamic::from_array(layers));
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_builders_failed_commands_read_alike() {
        assert_eq!(
            condense("The command '/bin/sh -c false' returned a non-zero code: 1"),
            "its command exited with code 1"
        );
        assert_eq!(
            condense("executor failed running [/bin/sh -c false]: exit code: 1"),
            "its command exited with code 1"
        );
        assert_eq!(
            condense("failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 3: unknown instruction: FOO"),
            "dockerfile parse error line 3: unknown instruction: FOO"
        );
    }

    #[test]
    fn a_parse_error_line_is_found_in_the_message() {
        assert_eq!(
            line_in_message("Dockerfile parse error line 7: unknown instruction: FOO"),
            Some(7)
        );
        assert_eq!(line_in_message("no line here"), None);
    }

    #[test]
    fn env_is_a_map_and_healthcheck_unit_when_absent() {
        let details = ImageDetails {
            env: vec![("A".into(), "b=c".into())],
            ..Default::default()
        };
        let map = to_map(&details, None);
        let env = map["env"].clone().cast::<Map>();
        assert_eq!(env["A"].to_string(), "b=c");
        assert!(map["healthcheck"].is_unit());
    }
}
