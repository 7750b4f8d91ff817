//! `record(name, value)`: figures for the report.

use rhai::{Dynamic, Engine, FuncRegistration, NativeCallContext};

use super::convert::{ctx, RhaiResult};
use super::ApiModule;
use crate::report::humanize::bytes;
use crate::runner::{Record, RecordValue};

pub const MODULE: ApiModule = ApiModule {
    title: "Records",
    intro: "Figures for the report: shown under their task, listed at a checkpoint, and kept in \
the JSON report. An integer whose name mentions `size` or `bytes` is shown in kB/MB/GB.",
    register,
};

fn register(engine: &mut Engine) {
    FuncRegistration::new("record")
        .with_params_info(["name: &str", "value: Dynamic", "()"])
        .with_comments(["/// Records a figure for the report (an image size, a timing).\n/// `record(\"CPU image size\", img.inspect().size)`"])
        .register_into_engine(engine, |call: NativeCallContext, name: &str, value: Dynamic| -> RhaiResult<()> {
            let ctx = ctx(&call)?;
            ctx.task.record(&ctx.run, to_record(name, &value));
            Ok(())
        });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_shown_in_decimal_units() {
        let record = to_record("CPU image size", &Dynamic::from_int(4_080_000_000));
        assert_eq!(record.display, "4.08 GB (4080000000 bytes)");
    }

    #[test]
    fn other_integers_are_shown_as_they_are() {
        assert_eq!(to_record("retries", &Dynamic::from_int(3)).display, "3");
    }
}
