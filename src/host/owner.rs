//! An image or a container belongs to the engine it was built, found or
//! started on: a task on another engine cannot use it (the id may mean
//! nothing there, or another copy). `img.to(NAME)` is the way across.

use crate::error::Thrown;
use crate::runner::context::Ctx;

/// Fails unless `owner` (the engine `what` is on) is the engine of the
/// task on this thread.
pub fn check(ctx: &Ctx, owner: &str, what: &str, is_image: bool) -> Result<(), Thrown> {
    let here = ctx.engine().name();
    if owner == here {
        return Ok(());
    }
    let task = if ctx.task.implicit {
        "the script's top level".to_owned()
    } else {
        format!("task \"{}\"", ctx.task.name)
    };
    let help = if is_image {
        format!(
            "copy it to engine \"{here}\" first: `let there = img.to(\"{here}\");` (the same image, streamed from engine \"{owner}\"), or use it in a task on engine \"{owner}\""
        )
    } else {
        format!(
            "use it in a task on engine \"{owner}\" (`task(name, #{{ engine: \"{owner}\" }}, || …)`), or start a container of the image on engine \"{here}\" (after `img.to(\"{here}\")`)"
        )
    };
    Err(Thrown::usage(
        format!("{what} is on engine \"{owner}\", but {task} runs on engine \"{here}\""),
        help,
    )
    .with_code("shakedown::engine::wrong_engine"))
}

/// `NAME` is no engine of this run: what the run has, and how to add one.
pub fn unknown_engine(ctx: &Ctx, name: &str, what: &str) -> Thrown {
    let names = ctx.run.engines.names();
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    Thrown::usage(
        format!(
            "{what} names engine \"{name}\", but this run has no engine of that name (it has {})",
            quoted.join(", ")
        ),
        format!(
            "give it on the command line: `--engine {name}=tcp://HOST:2376` or `--engine {name}=context:CONTEXT`; or use one of {}",
            names.join(", ")
        ),
    )
    .with_code("shakedown::engine::unknown")
}
