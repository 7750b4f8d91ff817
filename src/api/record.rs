//! `record(name, value)`: figures for the report.

use rhai::plugin::*;
use rhai::{Dynamic, Engine, NativeCallContext};

use super::ApiModule;
use crate::host::convert::{ctx, RhaiResult};
use crate::report::humanize::bytes;
use crate::runner::{Record, RecordValue};

pub const MODULE: ApiModule = ApiModule {
    title: "Records",
    intro: "Figures for the report: shown under their task, listed at a checkpoint, and kept in \
the JSON report (a map or an array stays a JSON object or array) and the JUnit report's \
properties. An integer whose name mentions `size` or `bytes` is shown in kB/MB/GB.",
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

    /// Records a figure for the report (an image size, a timing).
    /// `record("CPU image size", img.inspect().size)`
    #[rhai_fn(name = "record", return_raw)]
    pub fn record(call: NativeCallContext, name: &str, value: Dynamic) -> RhaiResult<()> {
        let ctx = ctx(&call)?;
        ctx.task.record(&ctx.run, to_record(name, &value));
        Ok(())
    }
}

fn to_record(name: &str, value: &Dynamic) -> Record {
    let lower = name.to_lowercase();
    let is_size = lower.contains("size") || lower.contains("bytes");
    let (value, display) = if let Ok(i) = value.as_int() {
        let display = if is_size {
            format!("{} ({i} bytes)", bytes(i))
        } else {
            i.to_string()
        };
        (RecordValue::Int(i), display)
    } else if let Ok(f) = value.as_float() {
        (RecordValue::Float(f), format!("{f}"))
    } else if let Ok(b) = value.as_bool() {
        (RecordValue::Bool(b), b.to_string())
    } else if value.is_map() || value.is_array() {
        (RecordValue::Structured(to_json(value)), value.to_string())
    } else {
        let text = value.to_string();
        (RecordValue::Text(text.clone()), text)
    };
    Record {
        name: name.to_owned(),
        value,
        display,
    }
}

/// A script value as JSON: maps are objects, arrays are arrays; values
/// JSON has no word for (a blob's bytes excepted) are their text.
fn to_json(value: &Dynamic) -> serde_json::Value {
    use serde_json::Value;
    if value.is_unit() {
        Value::Null
    } else if let Ok(i) = value.as_int() {
        Value::from(i)
    } else if let Ok(f) = value.as_float() {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    } else if let Ok(b) = value.as_bool() {
        Value::Bool(b)
    } else if let Some(map) = value.read_lock::<rhai::Map>() {
        map.iter()
            .map(|(k, v)| (k.to_string(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    } else if let Some(items) = value.read_lock::<rhai::Array>() {
        items.iter().map(to_json).collect()
    } else if let Some(blob) = value.read_lock::<rhai::Blob>() {
        blob.iter().map(|b| Value::from(*b)).collect()
    } else {
        Value::String(value.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_shown_in_decimal_units() {
        let record = to_record("CPU image size", &Dynamic::from_int(4_080_000_000));
        assert_eq!(record.display, "4.08 GB (4080000000 bytes)");
    }

    #[test]
    fn maps_and_arrays_keep_their_structure() {
        let mut map = rhai::Map::new();
        map.insert("user".into(), Dynamic::from("appuser"));
        map.insert(
            "ports".into(),
            Dynamic::from_array(vec![Dynamic::from_int(8000), Dynamic::from_bool(true)]),
        );
        let record = to_record("settings", &Dynamic::from_map(map));
        let RecordValue::Structured(json) = record.value else {
            panic!("not structured: {:?}", record.value);
        };
        assert_eq!(
            json,
            serde_json::json!({"user": "appuser", "ports": [8000, true]})
        );
    }

    #[test]
    fn other_integers_are_shown_as_they_are() {
        assert_eq!(to_record("retries", &Dynamic::from_int(3)).display, "3");
    }
}
