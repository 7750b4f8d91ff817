//! `img.file(path)`, `img.exists(path)`, `img.stat(path)`: files inside an
//! image, even one with no shell (distroless, `FROM scratch`).

use std::sync::Arc;

use rhai::plugin::*;
use rhai::{Dynamic, Engine, Map, NativeCallContext};

use super::ApiModule;
use crate::engine::{EntryKind, PathEntry};
use crate::error::{Thrown, ThrownKind};
use crate::host::convert::{ctx, until_cancelled, RhaiResult};
use crate::host::engine_errors::thrown;
use crate::host::image::Image;
use crate::runner::context::Ctx;

pub const MODULE: ApiModule = ApiModule {
    title: "Files inside images",
    intro:
        "Read through the engine's archive API (what `docker cp` uses) from a container that is \
created and never started, then removed: nothing in the image runs, so an image with no shell \
(distroless, `FROM scratch`) works. Paths are absolute paths in the image.",
    register,
};

/// How many symbolic links a read follows before it gives up (a loop).
const MAX_LINKS: usize = 16;

fn register(engine: &mut Engine) {
    engine.register_global_module(exported_module!(script).into());
}

/// The script-facing functions of this concern, with the documentation
/// the reference shows.
#[export_module]
mod script {
    use super::*;

    /// The content of a file in the image: a string, or a blob when it is not UTF-8 text;
    /// `()` when there is no such path. Symbolic links are followed.
    /// `assert_contains(img.file("/etc/passwd"), "appuser")`
    #[rhai_fn(name = "file", pure, return_raw)]
    pub fn image_file(call: NativeCallContext, img: &mut Image, path: &str) -> RhaiResult<Dynamic> {
        file(&call, img, path)
    }

    /// Whether the path exists in the image (a symbolic link exists, wherever it points).
    /// `assert(!img.exists("/root/.cache/pip"), "pip cache left in the image")`
    #[rhai_fn(name = "exists", pure, return_raw)]
    pub fn image_exists(call: NativeCallContext, img: &mut Image, path: &str) -> RhaiResult<bool> {
        exists(&call, img, path)
    }

    /// The path's metadata, not following a final symbolic link: `size` (bytes; 0 for a
    /// directory), `mode` (permission bits, e.g. `0o755`), `uid`, `gid`, `is_dir`, `link` (a
    /// link's target, "" otherwise). Fails when there is no such path (use `exists` first).
    /// `assert_eq(img.stat("/opt/app/www/cgi-bin/ready").mode, 0o755)`
    #[rhai_fn(name = "stat", pure, return_raw)]
    pub fn image_stat(call: NativeCallContext, img: &mut Image, path: &str) -> RhaiResult<Map> {
        stat(&call, img, path)
    }
}

fn absolute(path: &str, what: &str) -> Result<(), Thrown> {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(Thrown::usage(
            format!("{what}: {path:?} is not an absolute path"),
            "give the path in the image from its root, e.g. \"/etc/passwd\"",
        ))
    }
}

/// Runs `f` on a container of the image created for reading, and removes
/// the container afterwards.
fn with_reader<T>(
    ctx: &Ctx,
    img: &Image,
    f: impl FnOnce(&str) -> Result<T, Thrown>,
) -> Result<T, Thrown> {
    crate::host::owner::check(ctx, &img.engine, &img.label(), true)?;
    let engine = Arc::clone(ctx.engine());
    let id = until_cancelled(ctx, engine.create_reader(img.reference())).map_err(thrown)?;
    let result = f(&id);
    // Within the cleanup deadline, or until the check is cancelled (then
    // the end of the run removes it).
    let _ = until_cancelled(ctx, async {
        engine.remove_container(&id).await;
        Ok(())
    });
    result
}

/// Where a link at `path` pointing at `target` leads.
fn resolve_link(path: &str, target: &str) -> String {
    if target.starts_with('/') {
        return target.to_owned();
    }
    let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    format!("{dir}/{target}")
}

/// The content of the file at `path` in container `id`, following
/// symbolic links; `None` when there is none. A directory is an error.
pub fn read_followed(ctx: &Ctx, id: &str, path: &str) -> Result<Option<Vec<u8>>, Thrown> {
    let mut current = path.to_owned();
    for _ in 0..MAX_LINKS {
        let entry =
            until_cancelled(ctx, ctx.engine().read_path(id, &current, true)).map_err(thrown)?;
        let Some(entry) = entry else {
            return Ok(None);
        };
        match entry.kind {
            EntryKind::File => return Ok(Some(entry.data.unwrap_or_default())),
            EntryKind::Link => current = resolve_link(&current, &entry.link),
            EntryKind::Dir => {
                return Err(Thrown::new(
                    ThrownKind::Failure,
                    "shakedown::file::is_dir",
                    format!("{path:?} is a directory, not a file"),
                )
                .help("read a file inside it; stat(path).is_dir tells a directory"));
            }
            EntryKind::Other => {
                return Err(Thrown::new(
                    ThrownKind::Failure,
                    "shakedown::file::not_a_file",
                    format!("{path:?} is not a regular file (a device, a pipe or a socket)"),
                )
                .help("stat(path) shows what it is"));
            }
        }
    }
    Err(Thrown::new(
        ThrownKind::Failure,
        "shakedown::file::link_loop",
        format!("{path:?}: more than {MAX_LINKS} symbolic links in a row"),
    )
    .help("the links point at each other; stat(path).link shows the first one's target"))
}

fn file(call: &NativeCallContext, img: &Image, path: &str) -> RhaiResult<Dynamic> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    absolute(path, "file()").map_err(at)?;
    let data = with_reader(&ctx, img, |id| read_followed(&ctx, id, path)).map_err(|mut t| {
        t.message = format!("reading {path} in {} failed: {}", img.label(), t.message);
        at(t)
    })?;
    Ok(match data {
        None => Dynamic::UNIT,
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Dynamic::from(text),
            Err(not_text) => Dynamic::from_blob(not_text.into_bytes()),
        },
    })
}

fn exists(call: &NativeCallContext, img: &Image, path: &str) -> RhaiResult<bool> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    absolute(path, "exists()").map_err(at)?;
    with_reader(&ctx, img, |id| {
        until_cancelled(&ctx, ctx.engine().path_exists(id, path)).map_err(thrown)
    })
    .map_err(at)
}

fn stat(call: &NativeCallContext, img: &Image, path: &str) -> RhaiResult<Map> {
    let ctx = ctx(call)?;
    let at = |t: Thrown| t.at(call.call_position());
    absolute(path, "stat()").map_err(at)?;
    let entry = with_reader(&ctx, img, |id| {
        until_cancelled(&ctx, ctx.engine().read_path(id, path, false)).map_err(thrown)
    })
    .map_err(at)?;
    match entry {
        Some(entry) => Ok(stat_map(&entry)),
        None => Err(at(Thrown::new(
            ThrownKind::Failure,
            "shakedown::file::missing",
            format!("there is no {path:?} in {}", img.label()),
        )
        .help(
            "check the path; img.exists(path) tells whether it is there without failing",
        ))),
    }
}

fn stat_map(entry: &PathEntry) -> Map {
    let mut map = Map::new();
    let int = |v: u64| Dynamic::from_int(i64::try_from(v).unwrap_or(i64::MAX));
    let size = if entry.kind == EntryKind::Dir {
        0
    } else {
        entry.size
    };
    map.insert("size".into(), int(size));
    map.insert("mode".into(), int(u64::from(entry.mode)));
    map.insert("uid".into(), int(entry.uid));
    map.insert("gid".into(), int(entry.gid));
    map.insert(
        "is_dir".into(),
        Dynamic::from_bool(entry.kind == EntryKind::Dir),
    );
    map.insert("link".into(), Dynamic::from(entry.link.clone()));
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_resolve_from_their_directory() {
        assert_eq!(
            resolve_link("/etc/os-release", "../usr/lib/os-release"),
            "/etc/../usr/lib/os-release"
        );
        assert_eq!(resolve_link("/bin/sh", "/bin/busybox"), "/bin/busybox");
        assert_eq!(resolve_link("/sh", "busybox"), "/busybox");
    }

    #[test]
    fn stat_gives_every_field() {
        let entry = PathEntry {
            kind: EntryKind::Link,
            size: 0,
            mode: 0o777,
            uid: 1000,
            gid: 1000,
            link: "/bin/busybox".into(),
            data: None,
        };
        let map = stat_map(&entry);
        for key in ["size", "mode", "uid", "gid", "is_dir", "link"] {
            assert!(map.contains_key(key), "{key}");
        }
        assert_eq!(map["mode"].as_int().unwrap(), 0o777);
        assert_eq!(map["link"].to_string(), "/bin/busybox");
    }
}
