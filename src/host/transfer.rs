//! Images to and from registries, for the script API: `pull(reference)`,
//! `image(reference, #{ pull })`, `img.push(reference)` and `img.digest`.
//! Progress goes out as events; a failure is a diagnostic at the call
//! that says which registry answered what (`registry_failure`).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rhai::{Dynamic, Map, NativeCallContext};

use super::convert::{ctx, known_keys, opt_string, until_cancelled, RhaiResult};
use super::engine_errors;
use super::image::Image;
use super::owner;
use super::registry_failure;
use crate::api::option_keys;
use crate::engine::registry::{Direction, Reference, RegistryError, TransferEvent};
use crate::engine::OpError;
use crate::error::Thrown;
use crate::runner::context::Ctx;
use crate::runner::Event;

/// When `image()` pulls, like `docker run --pull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullPolicy {
    /// Never: the engine must have the image (the default).
    Never,
    /// When the engine lacks the image.
    Missing,
    /// Every time, so the engine has what the registry has now.
    Always,
}

impl PullPolicy {
    fn parse(text: &str) -> Result<Self, Thrown> {
        match text {
            "never" => Ok(Self::Never),
            "missing" => Ok(Self::Missing),
            "always" => Ok(Self::Always),
            other => Err(Thrown::usage(
                format!("option `pull` of image() must be \"never\", \"missing\" or \"always\", not {other:?}"),
                "e.g. image(\"127.0.0.1:5000/team/app:1\", #{ pull: \"missing\" })",
            )),
        }
    }
}

/// `pull(reference)`: pulls the image into the engine, with progress.
pub fn pull(call: &NativeCallContext, reference: &str) -> RhaiResult<Image> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    let parsed =
        Reference::parse(reference).map_err(|e| at(registry_failure::bad_reference(&e)))?;
    pull_parsed(&ctx, reference, &parsed).map_err(at)
}

/// `image(reference, options)`: an image the engine has, pulled first as
/// `pull` says.
pub fn image_with_options(
    call: &NativeCallContext,
    reference: &str,
    options: &Map,
) -> RhaiResult<Image> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    known_keys(options, &option_keys::IMAGE, "image()").map_err(at)?;
    let policy = match opt_string(options, "pull", "image()").map_err(at)? {
        Some(text) => PullPolicy::parse(&text).map_err(at)?,
        None => PullPolicy::Never,
    };
    let pull = || {
        let parsed =
            Reference::parse(reference).map_err(|e| at(registry_failure::bad_reference(&e)))?;
        pull_parsed(&ctx, reference, &parsed).map_err(at)
    };
    if policy == PullPolicy::Always {
        return pull();
    }
    match until_cancelled(&ctx, ctx.engine().inspect_image(reference)) {
        Ok(details) => Ok(found(&ctx, reference, details.id, None)),
        Err(OpError::NoImage(_)) if policy == PullPolicy::Missing => pull(),
        Err(err) => Err(at(engine_errors::thrown(err))),
    }
}

/// `img.push(reference)`: tags the image as `reference` and pushes it.
/// Returns the image under its pushed name; both it and `img` then know
/// the registry's digest.
pub fn push(call: &NativeCallContext, img: &Image, reference: &str) -> RhaiResult<Image> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    let parsed =
        Reference::parse(reference).map_err(|e| at(registry_failure::bad_reference(&e)))?;
    owner::check(&ctx, &img.engine, &img.label(), true).map_err(at)?;
    if parsed.digest.is_some() {
        return Err(at(Thrown::usage(
            format!("{reference:?} names a digest: a push needs a tag"),
            "push to a tag, e.g. img.push(\"127.0.0.1:5000/team/app:1\"); the registry gives the digest (img.digest)",
        )));
    }
    transfer(&ctx, Direction::Push, reference, |on_event| {
        ctx.run.rt.block_on(
            ctx.engine()
                .push(img.reference(), &parsed, on_event, &ctx.cancel),
        )
    })
    .map_err(at)?;
    let digest = ctx
        .run
        .rt
        .block_on(ctx.engine().repo_digest(img.reference(), &parsed));
    img.set_digest(digest.clone());
    let mut image = found(&ctx, reference, img.id.clone(), digest);
    image.built.clone_from(&img.built);
    Ok(image)
}

/// `img.digest`: the registry's digest of the image (`sha256:…`).
pub fn digest(call: &NativeCallContext, img: &Image) -> RhaiResult<Dynamic> {
    if let Some(digest) = img.known_digest() {
        return Ok(digest.into());
    }
    let Ok(reference) = Reference::parse(&img.tag) else {
        return Ok(Dynamic::UNIT);
    };
    let ctx = ctx(call)?;
    // Asked of the engine the image is on, whichever task asks.
    let Some(engine) = ctx.run.engines.get(&img.engine).cloned() else {
        return Ok(Dynamic::UNIT);
    };
    let digest = ctx
        .run
        .rt
        .block_on(engine.repo_digest(img.reference(), &reference));
    Ok(digest.map_or(Dynamic::UNIT, Dynamic::from))
}

fn pull_parsed(ctx: &Ctx, reference: &str, parsed: &Reference) -> Result<Image, Thrown> {
    let id = transfer(ctx, Direction::Pull, reference, |on_event| {
        ctx.run
            .rt
            .block_on(ctx.engine().pull(parsed, on_event, &ctx.cancel))
    })?;
    let digest = match &parsed.digest {
        Some(digest) => Some(digest.clone()),
        None => ctx.run.rt.block_on(ctx.engine().repo_digest(&id, parsed)),
    };
    Ok(found(ctx, reference, id, digest))
}

/// Runs a pull or push with its progress as events, and says when it ended.
fn transfer<T>(
    ctx: &Ctx,
    direction: Direction,
    reference: &str,
    run: impl FnOnce(&mut dyn FnMut(TransferEvent)) -> Result<T, RegistryError>,
) -> Result<T, Thrown> {
    let task = ctx.task.id;
    let mut on_event = |event: TransferEvent| {
        ctx.run.emit(&Event::Transfer {
            task,
            direction,
            reference: reference.to_owned(),
            status: event.status,
            current: event.current,
            total: event.total,
        });
    };
    let result = run(&mut on_event);
    ctx.run.emit(&Event::TransferFinished {
        task,
        direction,
        reference: reference.to_owned(),
        ok: result.is_ok(),
    });
    result.map_err(registry_failure::thrown)
}

fn found(ctx: &Ctx, reference: &str, id: String, digest: Option<String>) -> Image {
    ctx.task.used_image(reference, &id);
    Image {
        id,
        tag: reference.to_owned(),
        built: None,
        engine: ctx.engine().name().into(),
        details: Arc::new(OnceLock::new()),
        digest: Arc::new(Mutex::new(digest)),
    }
}

impl Image {
    fn set_digest(&self, digest: Option<String>) {
        *self.digest.lock().unwrap_or_else(PoisonError::into_inner) = digest;
    }

    fn known_digest(&self) -> Option<String> {
        self.digest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pull_policy_is_one_of_three_words() {
        assert_eq!(PullPolicy::parse("never").ok(), Some(PullPolicy::Never));
        assert_eq!(PullPolicy::parse("missing").ok(), Some(PullPolicy::Missing));
        assert_eq!(PullPolicy::parse("always").ok(), Some(PullPolicy::Always));
        let err = PullPolicy::parse("if-not-present").unwrap_err();
        assert_eq!(err.code, "shakedown::script::usage");
        assert!(
            err.message.contains("\"if-not-present\""),
            "{}",
            err.message
        );
    }
}
