//! A failing check that read an image's `size` shows where the bytes are:
//! the image's largest layers, with the Dockerfile lines that made them
//! when the script built it. What counts as reading the size comes from
//! the code, not the check's name: the check's code reads a `size`
//! property (or `["size"]`) and inspected the image, or it captured a value
//! `inspect()` returned (the map, or its `size` itself).
//!
//! Values are recognised by a Rhai tag that `inspect()` sets on its map and
//! on the map's `size`; copies keep it, arithmetic does not.

use std::collections::BTreeSet;
use std::sync::{LazyLock, Mutex, PoisonError};

use rhai::{Dynamic, FnPtr};

/// What `Dynamic::tag` holds (`i32`, or `i16` on 32-bit targets).
type Tag = i32;

use super::evidence;
use super::image::Image;
use super::image_origin::{history_command, Origins};
use crate::engine::ImageDetails;
use crate::error::Report;
use crate::report::humanize::bytes;
use crate::runner::context;

/// How many layers a report shows.
const SHOWN: usize = 5;

/// The property whose reading asks for the layers.
const SIZE: &str = "size";

struct Inspected {
    image: Image,
    layers: Vec<(i64, String)>,
}

static INSPECTED: LazyLock<Mutex<Vec<Inspected>>> = LazyLock::new(Mutex::default);

fn inspected() -> std::sync::MutexGuard<'static, Vec<Inspected>> {
    INSPECTED.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Forgets every image (a new run starts).
pub fn clear() {
    inspected().clear();
}

/// Marks what `inspect()` returns as coming from `image`, and, inside a
/// check whose code reads `size`, keeps the image's largest layers in case
/// it fails.
pub fn mark(image: &Image, details: &ImageDetails, map: &mut Dynamic) {
    let tag = register(image, details);
    map.set_tag(tag);
    if let Some(mut inner) = map.write_lock::<rhai::Map>() {
        if let Some(size) = inner.get_mut(SIZE) {
            size.set_tag(tag);
        }
    }
    let reads_size = context::current()
        .and_then(|ctx| ctx.check)
        .is_some_and(|check| check.reads(SIZE));
    if reads_size {
        if let Some(report) = report(tag) {
            evidence::keep(report);
        }
    }
}

/// The layers of the images whose size a check's closure captured when it
/// was declared: an inspected `size`, or an inspected map it reads `size`
/// of.
pub fn captured(body: &FnPtr, reads: &BTreeSet<String>) -> Vec<Report> {
    let mut tags: Vec<Tag> = Vec::new();
    for value in body.iter_curry() {
        let tag = value.tag();
        let counts = if value.is_map() {
            reads.contains(SIZE)
        } else {
            value.is_int()
        };
        if tag > 0 && counts && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    tags.into_iter().filter_map(report).collect()
}

fn register(image: &Image, details: &ImageDetails) -> Tag {
    let mut all = inspected();
    let known = all
        .iter()
        .position(|i| i.image.id == image.id && i.image.label() == image.label());
    let index = known.unwrap_or_else(|| {
        all.push(Inspected {
            image: image.clone(),
            layers: details
                .layers
                .iter()
                .map(|l| (l.size, l.created_by.clone()))
                .collect(),
        });
        all.len() - 1
    });
    Tag::try_from(index + 1).unwrap_or(0)
}

/// The largest layers of the image behind `tag`.
fn report(tag: Tag) -> Option<Report> {
    let index = usize::try_from(tag).ok()?.checked_sub(1)?;
    let all = inspected();
    let entry = all.get(index)?;
    let label = entry.image.label();
    match entry.image.built.as_deref().and_then(Origins::of) {
        Some(origins) => Some(origins.largest(&label, &entry.layers, SHOWN)),
        None => Some(unattributed(&label, &entry.layers)),
    }
}

/// The largest layers of an image the script did not build: their sizes
/// and the commands that made them, as `docker history` shows.
fn unattributed(image: &str, layers: &[(i64, String)]) -> Report {
    let mut sorted: Vec<&(i64, String)> = layers.iter().collect();
    sorted.sort_by_key(|(size, _)| std::cmp::Reverse(*size));
    sorted.truncate(SHOWN);
    let lines: Vec<String> = sorted
        .iter()
        .map(|(size, created_by)| format!("{:>9}  {}", bytes(*size), history_command(created_by)))
        .collect();
    Report::new(
        "shakedown::image::layers",
        format!("the {} largest layers of {image}", sorted.len()),
    )
    .with_help(Some(lines.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::LayerDetails;
    use std::sync::{Arc, OnceLock};

    fn image(tag: &str) -> Image {
        Image {
            id: format!("sha256:{tag}"),
            tag: tag.into(),
            built: None,
            engine: "default".into(),
            details: Arc::new(OnceLock::new()),
            digest: Arc::default(),
        }
    }

    fn details(sizes: &[i64]) -> ImageDetails {
        ImageDetails {
            layers: sizes
                .iter()
                .map(|s| LayerDetails {
                    size: *s,
                    created_by: format!("/bin/sh -c #(nop) COPY file:{s} in /"),
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn an_image_found_by_reference_lists_its_largest_layers() {
        let report = unattributed(
            "x:1",
            &details(&[10, 3_000_000, 2_000])
                .layers
                .iter()
                .map(|l| (l.size, l.created_by.clone()))
                .collect::<Vec<_>>(),
        );
        assert_eq!(report.message, "the 3 largest layers of x:1");
        let help = report.help.unwrap_or_default();
        let first = help.lines().next().unwrap_or_default();
        assert!(
            first.contains("3.00 MB") && first.contains("COPY file:3000000 in /"),
            "{help}"
        );
    }

    #[test]
    fn a_captured_size_or_map_brings_its_image() {
        let mut map = Dynamic::from_map(rhai::Map::from([("size".into(), Dynamic::from_int(5))]));
        mark(&image("captured-size-test"), &details(&[5]), &mut map);
        let size = map.read_lock::<rhai::Map>().unwrap()["size"].clone();
        let mut body = FnPtr::new("closure_x").unwrap();
        body.add_curry(size);
        assert_eq!(
            captured(&body, &BTreeSet::new()).len(),
            1,
            "a size is a read"
        );
        let mut body = FnPtr::new("closure_y").unwrap();
        body.add_curry(map.clone());
        assert!(
            captured(&body, &BTreeSet::new()).is_empty(),
            "a map whose size is not read"
        );
        assert_eq!(
            captured(&body, &BTreeSet::from(["size".to_owned()])).len(),
            1
        );
        let mut body = FnPtr::new("closure_z").unwrap();
        body.add_curry(Dynamic::from_int(5));
        assert!(
            captured(&body, &BTreeSet::new()).is_empty(),
            "an untagged number"
        );
    }
}
