//! `img.to(NAME)`: the image on another engine of the run, copied there by
//! streaming one engine's export into the other's load.

use std::sync::{Arc, OnceLock};

use rhai::NativeCallContext;

use super::convert::{ctx, until_cancelled, RhaiResult};
use super::engine_errors::thrown;
use super::image::Image;
use super::owner;
use crate::error::Thrown;
use crate::runner::Event;

/// Copies `img` to engine `name` and returns it there: the same id, the
/// same tag (when the image carries it), the same Dockerfile provenance.
/// An image already on that engine is returned as it is.
pub fn to(call: &NativeCallContext, img: &Image, name: &str) -> RhaiResult<Image> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    let target = ctx
        .run
        .engines
        .get(name)
        .cloned()
        .ok_or_else(|| at(owner::unknown_engine(&ctx, name, "to()")))?;
    if *img.engine == *name {
        return Ok(img.clone());
    }
    let source = ctx
        .run
        .engines
        .get(&img.engine)
        .cloned()
        .ok_or_else(|| at(owner::unknown_engine(&ctx, &img.engine, "the image")))?;
    // The tag goes along when the image still carries it (a tag may have
    // moved to a later build; the id never does).
    let details = match img.details.get() {
        Some(details) => details.clone(),
        None => until_cancelled(&ctx, source.inspect_image(img.reference()))
            .map_err(|err| at(thrown(err)))?,
    };
    let tag = (!img.tag.is_empty())
        .then_some(img.tag.as_str())
        .filter(|tag| {
            details
                .tags
                .iter()
                .any(|t| t == tag || *t == format!("{tag}:latest"))
        });
    let task = ctx.task.id;
    let label = img.label();
    let copy = |bytes: u64, done: bool| Event::ImageCopy {
        task,
        image: label.clone(),
        from: source.name().to_owned(),
        to: target.name().to_owned(),
        bytes,
        done,
    };
    let copied = ctx.run.rt.block_on(source.copy_image_to(
        &target,
        img.reference(),
        tag,
        |bytes| ctx.run.emit(&copy(bytes, false)),
        &ctx.cancel,
    ));
    ctx.run.emit(&copy(0, true));
    copied.map_err(|err| {
        let mut t = thrown(err);
        t.message = format!(
            "copying {label} from engine \"{}\" to engine \"{}\" failed: {}",
            source.name(),
            target.name(),
            t.message
        );
        at(t)
    })?;
    ctx.task.used_image(&label, &img.id);
    let cell = OnceLock::new();
    let _ = cell.set(details);
    Ok(Image {
        id: img.id.clone(),
        tag: tag.map(str::to_owned).unwrap_or_default(),
        built: img.built.clone(),
        engine: Arc::from(name),
        details: Arc::new(cell),
        // `docker load` keeps no repo digest: the copy has none until it
        // is pushed or pulled there.
        digest: Arc::default(),
    })
}
