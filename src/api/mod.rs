//! The script API: one Rhai plugin module per concern, each function with
//! its documentation as `///` comments. The reference (docs/script-api.md),
//! the "did you mean" of diagnostics and `check` all read the metadata these
//! modules register.
//!
//! Adding a function: see "Adding a script function" in docs/architecture.md.

mod assert;
mod compose;
mod container;
mod files;
mod http;
mod image;
mod record;
mod run;
mod r#static;
mod structure;
mod wait;

use rhai::Engine;

/// One concern of the script API: its section of the reference, and the
/// function that registers its plugin module (and the API names of its
/// types) into an engine.
pub struct ApiModule {
    pub title: &'static str,
    pub intro: &'static str,
    pub register: fn(&mut Engine),
}

/// The script API, in the order the reference documents it.
pub const MODULES: &[ApiModule] = &[
    structure::MODULE,
    record::MODULE,
    assert::MODULE,
    image::MODULE,
    run::MODULE,
    r#static::MODULE,
    compose::MODULE,
    files::MODULE,
    container::MODULE,
    wait::MODULE,
    http::MODULE,
];

/// Seconds given to a function (an integer or a float); the reference
/// shows it as `number`.
pub type Number = rhai::Dynamic;

/// Registers the whole script API into an engine.
pub fn register_all(engine: &mut Engine) {
    for module in MODULES {
        (module.register)(engine);
    }
}

/// What the reference calls values a function hands over as Rhai holds
/// them (a `Dynamic`: a string that remembers its origin, a map with a
/// tag, a value or `()`). The reference shows `shown::Map` as `Map`.
pub mod shown {
    pub type Map = rhai::Dynamic;
    pub type Array = rhai::Dynamic;
    pub type String = rhai::Dynamic;
    pub type Stage = rhai::Dynamic;
}
