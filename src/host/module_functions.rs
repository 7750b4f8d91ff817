//! What an imported module exports: its variables, its own imports, and
//! its public functions, each called in the module's own environment.
//!
//! Rhai runs a module function with the caller's source and, for closures
//! it creates, leaves them bound to nothing a task or check could call
//! later. So every function is exported as a native function that calls
//! the script function with the module as the current source (its imports
//! resolve beside it, its closures find their code, its errors name its
//! file) and notes where it was called from ([`module_calls`]).

use std::any::TypeId;

use rhai::{
    Dynamic, FnAccess, FnPtr, FuncRegistration, GlobalRuntimeState, ImmutableString, Module,
    NativeCallContext, RhaiFunc, Shared, AST,
};

use super::module_calls::{self, Place};

/// The module `ast` (named `name`) makes, given what evaluating it made
/// (`evaluated`: its variables and imports).
pub fn exported(name: &str, ast: &AST, evaluated: &Module) -> Module {
    let env = Shared::new(Environ {
        source: name.into(),
        lib: ast.shared_lib().clone(),
        imports: evaluated
            .iter_sub_modules()
            .map(|(alias, module)| (alias.into(), Shared::clone(module)))
            .collect(),
    });
    let mut module = Module::new();
    module.set_id(name);
    for (alias, value) in evaluated.iter_var() {
        module.set_var(alias, value.clone());
    }
    for (alias, sub) in evaluated.iter_sub_modules() {
        module.set_sub_module(alias, Shared::clone(sub));
    }
    for f in ast.iter_functions() {
        if f.access == FnAccess::Private || f.name.starts_with("anon$") || f.this_type.is_some() {
            continue;
        }
        let fn_name: ImmutableString = f.name.into();
        let env = Shared::clone(&env);
        let call = move |ctx: Option<NativeCallContext>, args: &mut [&mut Dynamic]| {
            let ctx = ctx.ok_or("a module function needs its caller's context")?;
            env.call(&ctx, &fn_name, args)
        };
        let mut params: Vec<String> = f.params.iter().map(|p| (*p).to_owned()).collect();
        params.push("Dynamic".to_owned());
        FuncRegistration::new(f.name)
            .in_internal_namespace()
            .with_params_info(params)
            .with_comments(f.comments.clone())
            .set_into_module_raw(
                &mut module,
                vec![TypeId::of::<Dynamic>(); f.params.len()],
                RhaiFunc::Pure {
                    func: Shared::new(call),
                    has_context: true,
                    is_pure: true,
                    is_volatile: true,
                },
            );
    }
    module.set_doc(evaluated.doc());
    module.build_index();
    module
}

/// Where a module's functions run: its file, its functions, its imports.
struct Environ {
    source: ImmutableString,
    lib: Shared<Module>,
    imports: Vec<(ImmutableString, Shared<Module>)>,
}

impl Environ {
    fn call(
        &self,
        ctx: &NativeCallContext,
        name: &ImmutableString,
        args: &mut [&mut Dynamic],
    ) -> Result<Dynamic, Box<rhai::EvalAltResult>> {
        let caller = ctx.call_position();
        let _entered = module_calls::enter(Place {
            file: ctx.call_source().unwrap_or_default().to_owned(),
            line: caller.line().unwrap_or(0),
            column: caller.position().unwrap_or(0),
        });
        let mut global: GlobalRuntimeState = ctx.global_runtime_state().clone();
        // Rhai counted this native call as a level; the script function it
        // calls counts one more. A module function costs what a script
        // function costs against the call-depth limit.
        global.level = global.level.saturating_sub(1);
        global.lib = std::iter::once(Shared::clone(&self.lib)).collect();
        global.truncate_imports(0);
        for (alias, module) in &self.imports {
            global.push_import(alias.clone(), Shared::clone(module));
        }
        global.source = Some(self.source.clone());
        let inner = NativeCallContext::new_with_all_fields(
            ctx.engine(),
            name,
            Some(&self.source),
            &global,
            caller,
        );
        let values: Vec<Dynamic> = args.iter().map(|a| (**a).clone()).collect();
        FnPtr::new(name.clone())?.call_raw(&inner, None, values)
    }
}
