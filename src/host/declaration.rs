//! What `task` and `check` keep of the call that declared them: the
//! closure with its context ([`Body`]), and, when a module function
//! declared it, the module and the script line that called into it
//! ([`Origin`]).

use rhai::{FnPtr, NativeCallContext};

use super::{module_calls, module_sources};
use crate::runner::context::Ctx;
use crate::runner::{Body, Origin};

/// The closure `body` declared by `call`, its captured variables copied so
/// that it sees the values they had when it was declared (Rhai captures
/// by reference).
pub fn body(call: &NativeCallContext, mut body: FnPtr) -> Body {
    for value in body.iter_curry_mut() {
        *value = value.flatten_clone();
    }
    Body::new(body, call)
}

/// Where `call` is when a module declared it (else `None`: the script).
pub fn origin(call: &NativeCallContext, ctx: &Ctx) -> Option<Origin> {
    let file = call.call_source()?;
    if file == ctx.script.file.name {
        return None;
    }
    let file = module_sources::find(file)?;
    let via = module_calls::outermost_from(&ctx.script.file.name)
        .map(|p| (p.line, p.column))
        .or_else(|| ctx.task.origin.as_ref().and_then(|o| o.via))
        .or_else(|| {
            ctx.check
                .as_ref()
                .and_then(|c| c.origin.as_ref())
                .and_then(|o| o.via)
        });
    Some(Origin { file, via })
}
