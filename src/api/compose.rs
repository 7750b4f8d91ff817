//! `compose(path)`: a compose file, read without the engine.

use rhai::plugin::*;
use rhai::{Dynamic, Engine, Map, NativeCallContext};

use super::ApiModule;
use crate::error::{Thrown, ThrownKind};
use crate::host::convert::RhaiResult;
use crate::host::dockerfile_value::to_int;
use crate::host::paths::read_named;
use crate::host::text_file::TextFile;
use crate::static_read::compose::{read, ComposeError, Node, Value};

pub const MODULE: ApiModule = ApiModule {
    title: "Compose files",
    intro: "Read statically, as the user's compose checks did. Strings remember their line.",
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

    /// Reads a compose file: `services` (a map by name; each has its keys as written plus
    /// `image`, `build`, `ports`, `volumes`, `profiles`, `environment` (a map, from either
    /// form), `healthcheck`, `gpus` (the device reservations: `#{ driver, count, capabilities }`)
    /// and `line`), the top-level `volumes` (a map by name), and `has_version` (whether a
    /// `version:` key is present) and `version` (its value, `()` when absent).
    /// `let c = compose("docker-compose.yml");`
    #[rhai_fn(name = "compose", return_raw)]
    pub fn compose_path(call: NativeCallContext, path: &str) -> RhaiResult<Map> {
        compose(&call, path)
    }
}

fn compose(call: &NativeCallContext, path: &str) -> RhaiResult<Map> {
    let (_, text) = read_named(call, path)?;
    let file = TextFile::new(path, text);
    let root = read(file.text()).map_err(|err| {
        let mut span = file.line_span(err.line().saturating_sub(1), "");
        let (code, label) = match &err {
            ComposeError::Syntax(yaml) => {
                span.offset = yaml.offset.min(file.text().len());
                span.len = usize::from(span.offset < file.text().len());
                ("shakedown::compose::parse", yaml.message.clone())
            }
            ComposeError::Shape { label, .. } => {
                ("shakedown::compose::not_compose", (*label).to_owned())
            }
            ComposeError::DuplicateKey { first, .. } => (
                "shakedown::compose::duplicate_key",
                format!("already defined on line {first}"),
            ),
        };
        span.label = label;
        Thrown::new(ThrownKind::Failure, code, format!("{path} {err}"))
            .help("compose files are YAML maps: `services` names each service's map of settings; fix the file at the place shown")
            .span(span)
            .label("this compose file cannot be read")
            .at(call.call_position())
    })?;
    let mut map = Map::new();
    let mut services = Map::new();
    if let Some(node) = root.get("services") {
        for (name, service) in node.entries() {
            services.insert(
                name.as_str().into(),
                Dynamic::from_map(service_map(&file, service)),
            );
        }
    }
    map.insert("services".into(), Dynamic::from_map(services));
    let volumes: Map = root
        .get("volumes")
        .map(|v| {
            v.entries()
                .iter()
                .map(|(k, v)| (k.as_str().into(), to_dynamic(&file, v)))
                .collect()
        })
        .unwrap_or_default();
    map.insert("volumes".into(), Dynamic::from_map(volumes));
    map.insert(
        "has_version".into(),
        Dynamic::from_bool(root.get("version").is_some()),
    );
    let version = root
        .get("version")
        .map_or(Dynamic::UNIT, |v| to_dynamic(&file, v));
    map.insert("version".into(), version);
    Ok(map)
}

fn service_map(file: &TextFile, service: &Node) -> Map {
    let mut map = to_dynamic(file, service)
        .try_cast::<Map>()
        .unwrap_or_default();
    for key in ["image", "build", "healthcheck"] {
        map.entry(key.into()).or_insert(Dynamic::UNIT);
    }
    for key in ["ports", "volumes", "profiles"] {
        map.entry(key.into())
            .or_insert_with(|| Dynamic::from_array(Vec::new()));
    }
    let environment: Map = match service.get("environment") {
        Some(node) => match &node.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| (k.as_str().into(), to_dynamic(file, v)))
                .collect(),
            Value::Seq(items) => items
                .iter()
                .filter_map(|item| {
                    let text = item.text()?;
                    Some(match text.split_once('=') {
                        Some((k, v)) => (
                            k.into(),
                            file.string_at(v, item.line.saturating_sub(1), "set here"),
                        ),
                        None => (text.into(), Dynamic::UNIT),
                    })
                })
                .collect(),
            Value::Scalar { .. } => Map::new(),
        },
        None => Map::new(),
    };
    map.insert("environment".into(), Dynamic::from_map(environment));
    let devices = service
        .get("deploy")
        .and_then(|d| d.get("resources"))
        .and_then(|r| r.get("reservations"))
        .and_then(|r| r.get("devices"));
    let gpus: rhai::Array = devices
        .map(|d| {
            d.items()
                .iter()
                .map(|device| {
                    let mut gpu = Map::new();
                    for key in ["driver", "count", "capabilities"] {
                        gpu.insert(
                            key.into(),
                            device
                                .get(key)
                                .map_or(Dynamic::UNIT, |v| to_dynamic(file, v)),
                        );
                    }
                    Dynamic::from_map(gpu)
                })
                .collect()
        })
        .unwrap_or_default();
    map.insert("gpus".into(), Dynamic::from_array(gpus));
    map.insert("line".into(), Dynamic::from_int(to_int(service.line)));
    map
}

/// YAML as Rhai values: plain `true`/`false`, integers and `null` as YAML
/// reads them, every other scalar a string that remembers its line.
fn to_dynamic(file: &TextFile, node: &Node) -> Dynamic {
    match &node.value {
        Value::Scalar { text, plain } => {
            if *plain {
                match text.as_str() {
                    "true" | "True" | "TRUE" => return Dynamic::from_bool(true),
                    "false" | "False" | "FALSE" => return Dynamic::from_bool(false),
                    "null" | "~" | "" => return Dynamic::UNIT,
                    _ => {}
                }
                if let Ok(n) = text.parse::<i64>() {
                    return Dynamic::from_int(n);
                }
            }
            file.string_at(
                text.clone(),
                node.line.saturating_sub(1),
                "the value comes from here",
            )
        }
        Value::Seq(items) => {
            Dynamic::from_array(items.iter().map(|i| to_dynamic(file, i)).collect())
        }
        Value::Map(entries) => Dynamic::from_map(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().into(), to_dynamic(file, v)))
                .collect(),
        ),
    }
}
