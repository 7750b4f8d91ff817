//! `pull`, `image(reference, #{ pull })`, `img.push` and `img.digest`:
//! images to and from registries.

use rhai::plugin::*;
use rhai::{Dynamic, Engine, Map, NativeCallContext};

use super::ApiModule;
use crate::host::convert::RhaiResult;
use crate::host::image::Image;
use crate::host::transfer;

pub const MODULE: ApiModule = ApiModule {
    title: "Registries",
    intro: "Pulls and pushes go through the engine, with the credentials the docker CLI would \
use: those of `$DOCKER_CONFIG/config.json` (default `~/.docker/config.json`), from its \
`credHelpers` or `credsStore` (`docker-credential-NAME get`) or its `auths` entries, so \
`docker login REGISTRY` is how to give them. Progress shows like a build's. A failed pull or \
push names the registry, what it answered (no access, no such image, unreachable) and what to \
do.",
    register,
};

fn register(engine: &mut Engine) {
    engine.register_global_module(exported_module!(script).into());
}

/// The script-facing functions of this concern, with the documentation
/// the reference shows.
#[export_module]
mod script {
    use super::*;

    /// Pulls an image into the engine, with progress, and returns it; a reference without a
    /// tag pulls `latest`. `img.digest` is then the registry's digest.
    /// `let img = pull("127.0.0.1:5000/team/app:1.2");`
    #[rhai_fn(name = "pull", return_raw)]
    pub fn pull(call: NativeCallContext, reference: &str) -> RhaiResult<Image> {
        transfer::pull(&call, reference)
    }

    /// An image by tag or id, pulled first as the option `pull` says: `"never"` (the default:
    /// the engine must have it), `"missing"` (pull when the engine lacks it) or `"always"`.
    /// `let img = image("127.0.0.1:5000/team/app:1.2", #{ pull: "missing" });`
    #[rhai_fn(name = "image", return_raw)]
    pub fn image_options(
        call: NativeCallContext,
        reference: &str,
        options: Map,
    ) -> RhaiResult<Image> {
        transfer::image_with_options(&call, reference, &options)
    }

    /// Tags the image as `reference` (with its tag, `latest` if none) and pushes it, with
    /// progress. Returns the image under its pushed name; both it and `img` then have the
    /// registry's `digest`.
    /// `let pushed = img.push("127.0.0.1:5000/team/app:1.2");`
    #[rhai_fn(name = "push", pure, return_raw)]
    pub fn push(call: NativeCallContext, img: &mut Image, reference: &str) -> RhaiResult<Image> {
        transfer::push(&call, img, reference)
    }

    /// The registry's digest of the image (`"sha256:…"`): after `push` or `pull`, the one that
    /// registry gave; for an image found by a registry reference (`image("host:5000/app:1")`),
    /// the engine's digest for that repository; `()` when there is none (an image built here
    /// and never pushed).
    #[rhai_fn(get = "digest", pure, return_raw)]
    pub fn get_digest(call: NativeCallContext, img: &mut Image) -> RhaiResult<Dynamic> {
        transfer::digest(&call, img)
    }
}
