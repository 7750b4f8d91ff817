//! Values every script sees without declaring them: `vars`, `KB`, `MB`, `GB`;
//! and where `print` goes.

use rhai::{Dynamic, EvalContext, Map};

use crate::runner::{context, Event};

/// `KB`, `MB`, `GB`: powers of 1000, as `docker images` shows sizes.
pub const SIZES: &[(&str, i64)] = &[("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000)];

/// Resolves the names shakedown defines, everywhere in a script (top
/// level, closures and functions alike).
#[allow(clippy::unnecessary_wraps)] // the signature Rhai's on_var wants
pub fn resolve(
    name: &str,
    _: usize,
    _: EvalContext,
) -> Result<Option<Dynamic>, Box<rhai::EvalAltResult>> {
    if let Some((_, size)) = SIZES.iter().find(|(n, _)| *n == name) {
        return Ok(Some(Dynamic::from_int(*size)));
    }
    if name == "vars" {
        let vars: Map = context::current()
            .map(|ctx| {
                ctx.run
                    .options
                    .vars
                    .iter()
                    .map(|(k, v)| (k.as_str().into(), Dynamic::from(v.clone())))
                    .collect()
            })
            .unwrap_or_default();
        return Ok(Some(Dynamic::from_map(vars).into_read_only()));
    }
    Ok(None)
}

/// `print` and `debug` become events, so reporters place them.
pub fn print(text: &str) {
    match context::current() {
        Some(ctx) => ctx.run.emit(&Event::ScriptOutput {
            task: ctx.task.id,
            text: text.to_owned(),
        }),
        None => eprintln!("{text}"),
    }
}
