use std::cell::RefCell;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::run::Run;
use super::script::Script;
use super::task::{CheckSlot, Task};

/// Where the code running on this thread belongs: which run, script, task
/// and check. Primitives read it; the runner sets it around every script
/// evaluation (Rhai is synchronous and every task or check has a thread).
#[derive(Clone)]
pub struct Ctx {
    pub run: Arc<Run>,
    pub script: Arc<Script>,
    pub task: Arc<Task>,
    pub check: Option<Arc<CheckSlot>>,
    /// Fires when this task or check must stop (timeout, Ctrl-C, fail-fast).
    pub cancel: CancellationToken,
}

thread_local! {
    static CURRENT: RefCell<Option<Ctx>> = const { RefCell::new(None) };
}

/// Runs `f` with `ctx` as this thread's context, restoring the previous one
/// afterwards (with `--jobs 1` tasks and checks nest on one thread).
pub fn enter<R>(ctx: Ctx, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Ctx>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|c| c.borrow_mut().replace(ctx));
    let _restore = Restore(previous);
    f()
}

/// This thread's context, if a script is running on it.
pub fn current() -> Option<Ctx> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Whether the code on this thread has been told to stop (checked by Rhai's
/// progress callback, so a script stuck in a loop ends too). A script's top
/// level is not stopped by `--fail-fast`: it goes on declaring tasks, which
/// are reported as not run, while its primitives stop (they watch
/// `cancel`).
pub fn is_cancelled() -> bool {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .is_some_and(|ctx| ctx.cancel.is_cancelled() && !ctx.keeps_declaring())
    })
}

impl Ctx {
    /// The engine the task on this thread runs on.
    pub fn engine(&self) -> &Arc<crate::engine::Client> {
        &self.task.engine
    }

    fn keeps_declaring(&self) -> bool {
        self.check.is_none() && self.task.implicit && self.run.stopped_by_fail_fast_only()
    }
}
