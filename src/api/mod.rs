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
pub mod option_keys;
mod record;
mod registry;
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
    registry::MODULE,
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

/// A parameter's or a result's Rust type, as the metadata holds it, by the
/// name the API gives it: the value a function returns rather than its
/// `Result`, and `string`, `int`, `float`, `number`, `any`, `Map`, `Image`, …
/// rather than Rust's names. The reference uses it, and so should anything
/// else that shows the API.
pub fn type_name(rust: &str) -> String {
    let t = rust.trim();
    let t = t
        .strip_prefix("RhaiResult<")
        .and_then(|inner| inner.strip_suffix('>'))
        .unwrap_or(t);
    t.replace("shown::", "")
        .replace("&mut ", "")
        .replace("&str", "string")
        .replace("ImmutableString", "string")
        .replace("String", "string")
        .replace("FnPtr", "Fn")
        .replace("Dynamic", "any")
        .replace("Number", "number")
        .replace("i64", "int")
        .replace("f64", "float")
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, OnceLock};

    use rhai::{Engine, EvalAltResult};

    use crate::host::{new_engine, Container, Image, Response, RunResult};

    /// The engine with a way to make each API value without Docker.
    fn engine() -> Engine {
        let mut engine = new_engine();
        engine.register_fn("an_image", || Image {
            id: "sha256:0123".into(),
            tag: "demo:test".into(),
            built: None,
            engine: "default".into(),
            details: Arc::new(OnceLock::new()),
            digest: Arc::default(),
        });
        engine.register_fn("a_container", || Container {
            id: "0123".into(),
            image: "demo:test".into(),
            built: None,
            ports: Arc::new(BTreeMap::new()),
            requested: Arc::new(Vec::new()),
            max_output: 0,
            engine: "default".into(),
        });
        engine.register_fn("a_response", || Response {
            url: "http://127.0.0.1/".into(),
            status: 200,
            headers: Vec::new(),
            body: Arc::new(Vec::new()),
        });
        engine.register_fn("a_run_result", || RunResult {
            exit_code: 0,
            stdout: "".into(),
            stderr: "".into(),
            out: "".into(),
            stdout_bytes: 0,
            stderr_bytes: 0,
            truncated: false,
            timed_out: false,
            duration: 0.0,
        });
        engine
    }

    fn error_of(script: &str) -> String {
        match engine().eval::<rhai::Dynamic>(script) {
            Ok(value) => panic!("{script} returned {value:?}"),
            Err(err) => match *err {
                EvalAltResult::ErrorFunctionNotFound(signature, _) => signature,
                other => other.to_string(),
            },
        }
    }

    #[test]
    fn a_wrong_typed_call_names_the_api_types() {
        assert_eq!(error_of("an_image().inspect(1)"), "inspect (Image, i64)");
        assert_eq!(error_of("build(an_image())"), "build (Image)");
        assert_eq!(
            error_of("a_container().logs(\"x\")"),
            "logs (Container, &str | ImmutableString | String)"
        );
        assert_eq!(error_of("a_response().json(1)"), "json (Response, i64)");
        assert_eq!(
            error_of("assert_match(a_run_result(), \"x\")"),
            "assert_match (RunResult, &str | ImmutableString | String)"
        );
    }

    #[test]
    fn an_unknown_property_names_the_api_type() {
        let message = error_of("a_run_result().exit_cod");
        assert!(message.contains("'RunResult'"), "{message}");
        assert!(!message.contains("shakedown::"), "{message}");
    }

    /// What the reference shows: no function's parameters or result are
    /// named by a Rust path.
    #[test]
    fn the_metadata_shows_no_rust_paths() {
        let json = engine().gen_fn_metadata_to_json(false).unwrap_or_default();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
        let functions = value["functions"].as_array().cloned().unwrap_or_default();
        assert!(
            functions.iter().any(|f| f["name"] == "get$exit_code"),
            "the API is registered"
        );
        for f in &functions {
            let params = f["params"].as_array().cloned().unwrap_or_default();
            let types = params.iter().map(|p| &p["type"]).chain([&f["returnType"]]);
            for t in types.filter_map(serde_json::Value::as_str) {
                let shown = super::type_name(t);
                assert!(!shown.contains("::"), "{}: {shown}", f["name"]);
            }
        }
    }
}
