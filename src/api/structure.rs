//! `task`, `check` and `approve`: the structure of a checklist.

use std::sync::Arc;
use std::time::Duration;

use rhai::plugin::*;
use rhai::{Engine, FnPtr, Map, NativeCallContext};

use super::option_keys;
use super::ApiModule;
use crate::engine::Client;
use crate::error::Thrown;
use crate::host::convert::{
    call_site, ctx, known_keys, opt_bool, opt_string, opt_string_array, RhaiResult,
};
use crate::host::owner;
use crate::host::seconds::{opt_seconds, Zero};
use crate::host::{closure_reads, declaration, size_evidence};
use crate::runner::context::Ctx;
use crate::runner::task::{CheckSpec, Deferred};
use crate::runner::Task;

pub const MODULE: ApiModule = ApiModule {
    title: "Structure: tasks, checks, checkpoints",
    intro: "Tasks start as soon as they are declared and run concurrently, except that a task \
waits for every task named in `needs` (and is skipped when one of them failed). Checks are \
scheduled when declared and run concurrently with their siblings, bounded by `--jobs`; reports \
list them in declaration order. `--jobs 1` runs everything strictly in declaration order. \
A closure's captured variables are copied when its task or check is declared, so a loop that \
declares checks hands each its own loop value.",
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

    /// Declares a task: a group of work that starts now, concurrently with other tasks.
    /// `task("build CPU image", || { let img = build("docker/Dockerfile.cpu"); … })`
    #[rhai_fn(name = "task", return_raw)]
    pub fn task_name_body(call: NativeCallContext, name: &str, body: FnPtr) -> RhaiResult<()> {
        task(&call, name, &Map::new(), body)
    }

    /// Declares a task with options: `needs` (array of task names) makes it wait for those
    /// tasks and skips it when one of them failed. `engine` (a name given with `--engine
    /// NAME=URL`, or "default") runs everything it does on that engine, concurrently with
    /// tasks on other engines; without it, a task runs on the engine of the code that declares it.
    /// `task("sign off", #{ needs: ["CPU image", "GPU image"] }, || approve("Review"))`
    #[rhai_fn(name = "task", return_raw)]
    pub fn task_name_options_body(
        call: NativeCallContext,
        name: &str,
        options: Map,
        body: FnPtr,
    ) -> RhaiResult<()> {
        task(&call, name, &options, body)
    }

    /// Declares a gate: it passes when the closure returns `true` (or `()` without throwing),
    /// fails when it returns `false` or throws. A failing check never stops its siblings.
    /// `check("runs as appuser", || img.run("whoami").out == "appuser")`
    #[rhai_fn(name = "check", return_raw)]
    pub fn check_name_body(call: NativeCallContext, name: &str, body: FnPtr) -> RhaiResult<()> {
        check(&call, name, &Map::new(), body)
    }

    /// Declares a check with options: `gate: false` makes it informational (a failure is a
    /// warning, never a failed run); `timeout` (seconds, default 600) ends it, even when it is
    /// stuck in a loop or waiting on the engine.
    /// `check("size under 8 GB", #{ gate: false }, || img.inspect().size < 8 * GB)`
    #[rhai_fn(name = "check", return_raw)]
    pub fn check_name_options_body(
        call: NativeCallContext,
        name: &str,
        options: Map,
        body: FnPtr,
    ) -> RhaiResult<()> {
        check(&call, name, &options, body)
    }

    /// A blocking human checkpoint. Waits for every check scheduled before it, shows their
    /// results, then asks: on a terminal the person types `approved` (anything else rejects and
    /// is recorded as the reason); `--approve` approves without asking. With neither (CI), it
    /// passes when the approvals ledger holds a person's approval of the same message for the
    /// same image ids, and fails otherwise, naming an image whose id changed. Every decision is
    /// appended to the ledger. A rejected checkpoint fails the run and ends the task's body.
    #[rhai_fn(name = "approve", return_raw)]
    pub fn approve_message(call: NativeCallContext, message: &str) -> RhaiResult<()> {
        approve(&call, message)
    }

    /// The value the body of task `name` returned (its last expression, or `return`), in a
    /// task that needs it, directly or through the tasks it needs, and in that task's checks.
    /// It is a copy: changing it changes no other task's. Asking for a task not in `needs` is
    /// an error that says to add it there.
    /// `task("CPU checks", #{ needs: ["CPU image"] }, || { let img = result("CPU image"); … })`
    #[rhai_fn(name = "result", return_raw)]
    pub fn result_name(call: NativeCallContext, name: &str) -> RhaiResult<Dynamic> {
        result(&call, name)
    }
}

fn result(call: &NativeCallContext, name: &str) -> RhaiResult<Dynamic> {
    let ctx = ctx(call)?;
    crate::runner::needed_value(&ctx.task, name, |n| ctx.run.is_declared(n))
        .map_err(|t| t.at(call.call_position()))
}

/// The default limit of a check: long enough for any real check, short
/// enough that a forgotten loop does not hang CI.
const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(600);

fn not_in_check(ctx: &Ctx, call: &NativeCallContext, what: &str) -> RhaiResult<()> {
    match &ctx.check {
        Some(check) => Err(Thrown::usage(
            format!("{what} cannot be used inside check \"{}\"", check.name),
            "declare it in a task body or at the top level of the script",
        )
        .at(call.call_position())),
        None => Ok(()),
    }
}

fn task(call: &NativeCallContext, name: &str, options: &Map, body: FnPtr) -> RhaiResult<()> {
    let ctx = ctx(call)?;
    not_in_check(&ctx, call, "task()")?;
    let at = |t: Thrown| t.at(call.call_position());
    known_keys(options, &option_keys::TASK, "task()").map_err(at)?;
    let engine = task_engine(&ctx, options).map_err(at)?;
    let need_names = opt_string_array(options, "needs", "task()")
        .map_err(at)?
        .unwrap_or_default();
    let run = Arc::clone(&ctx.run);
    if !run.declare(&ctx.script.path, name) {
        return Err(at(Thrown::usage(
            format!("task \"{name}\" is declared twice in this script"),
            "give each task a name of its own: reports, `needs`, --filter and --skip know tasks by name",
        )
        .with_code("shakedown::script::duplicate_task")));
    }
    if let Some(need) = need_names.iter().find(|need| !run.is_declared(need)) {
        return Err(at(Thrown::usage(
            format!(
                "task \"{name}\" needs \"{need}\", but no task of that name is declared before it"
            ),
            "declare the needed task first, and check the spelling of its name",
        )));
    }
    let origin = declaration::origin(call, &ctx);
    let body = declaration::body(call, body);
    if run.options.selection.partition.is_some() && ctx.task.implicit {
        // Its partition is known when the top level has declared them all.
        run.defer(Deferred {
            name: name.to_owned(),
            needs: need_names,
            call: call_site(call),
            origin,
            body,
            engine,
        });
        return Ok(());
    }
    let needs = need_names
        .iter()
        .filter_map(|need| run.task_named(need))
        .collect();
    let task = Task::new(
        &run,
        name.to_owned(),
        Arc::clone(&ctx.script),
        false,
        (Some(call_site(call)), origin),
        need_names,
        engine,
    );
    task.launch(&run, needs, body);
    Ok(())
}

/// The engine a task's `engine:` names; without one, the engine of the
/// task that declares it (`default` at the top level).
fn task_engine(ctx: &Ctx, options: &Map) -> Result<Arc<Client>, Thrown> {
    let Some(name) = opt_string(options, "engine", "task()")? else {
        return Ok(Arc::clone(ctx.engine()));
    };
    ctx.run
        .engines
        .get(&name)
        .cloned()
        .ok_or_else(|| owner::unknown_engine(ctx, &name, "task()"))
}

fn check(call: &NativeCallContext, name: &str, options: &Map, body: FnPtr) -> RhaiResult<()> {
    let ctx = ctx(call)?;
    not_in_check(&ctx, call, "check()")?;
    let at = |t: Thrown| t.at(call.call_position());
    known_keys(options, &option_keys::CHECK, "check()").map_err(at)?;
    let gate = opt_bool(options, "gate", "check()")
        .map_err(at)?
        .unwrap_or(true);
    let timeout = opt_seconds(options, "timeout", "check()", Zero::Refused)
        .map_err(at)?
        .unwrap_or(DEFAULT_CHECK_TIMEOUT);
    let body = declaration::body(call, body);
    let reads = closure_reads::names_read(&body.functions(), &body.ptr);
    let evidence = size_evidence::captured(&body.ptr, &reads);
    let spec = CheckSpec {
        name: name.to_owned(),
        gate,
        timeout: Some(timeout),
        call: call_site(call),
        origin: declaration::origin(call, &ctx),
        body,
        reads,
        evidence,
    };
    ctx.task.schedule_check(&ctx.run, spec);
    Ok(())
}

fn approve(call: &NativeCallContext, message: &str) -> RhaiResult<()> {
    let ctx = ctx(call)?;
    not_in_check(&ctx, call, "approve()")?;
    let origin = declaration::origin(call, &ctx);
    crate::runner::checkpoint::approve(&ctx, message, (call_site(call), origin))
        .map_err(|t| t.at(call.call_position()))
}
