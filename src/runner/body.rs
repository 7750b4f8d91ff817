//! The closure of a task or check, with the context it was declared in.
//!
//! A closure is a function of the file that made it: the script, or a
//! module whose function declared the task or check. It is called later,
//! on another thread, in the environment of its declaration (that file's
//! functions, its imports, its name as the source of `import` paths and
//! errors), not in the script's.
#![allow(deprecated)] // `NativeCallContextStore` is volatile, not deprecated: the way to keep a call's context

use rhai::{Dynamic, Engine, EvalAltResult, FnPtr, NativeCallContext, NativeCallContextStore};

/// A task or check body, ready to be called.
#[derive(Clone)]
pub struct Body {
    pub ptr: FnPtr,
    declared: NativeCallContextStore,
}

impl Body {
    /// `ptr`, declared by the call `call` (of `task` or `check`).
    pub fn new(ptr: FnPtr, call: &NativeCallContext) -> Self {
        let mut declared = call.store_data();
        // Called later from the runner, it starts a call stack of its own.
        declared.global.level = 0;
        Self { ptr, declared }
    }

    /// Calls the body where it was declared.
    pub fn call(&self, engine: &Engine) -> Result<Dynamic, Box<EvalAltResult>> {
        let context = self.declared.create_context(engine);
        self.ptr.call_raw(&context, None, [])
    }

    /// The functions of the file that declared it (its closures among them).
    pub fn functions(&self) -> rhai::AST {
        match self.declared.global.lib.last() {
            Some(lib) => rhai::AST::new_from_module(rhai::Shared::clone(lib)),
            None => rhai::AST::empty(),
        }
    }
}
