//! The modules a run has imported, by file: each is read and evaluated
//! once per run, whichever task imports it first, and shared by every
//! `import` after that. Watch mode starts every run with an empty cache,
//! so an edited module is read again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rhai::{EvalAltResult, Module, Shared};

type Slot = Arc<Mutex<Option<Shared<Module>>>>;

/// One run's modules, by file name.
#[derive(Default)]
pub struct ModuleCache {
    modules: Mutex<HashMap<String, Slot>>,
}

impl ModuleCache {
    /// The module of file `name`, loaded by `load` unless an earlier
    /// import of this run loaded it. Two tasks importing the same module at
    /// once load it once: the second waits for the first. A failed load is
    /// not kept (the next import tries again and fails the same way).
    pub fn get_or_load(
        &self,
        name: &str,
        load: impl FnOnce() -> Result<Shared<Module>, Box<EvalAltResult>>,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let slot = Arc::clone(
            self.modules
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(name.to_owned())
                .or_default(),
        );
        let mut module = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(loaded) = module.as_ref() {
            return Ok(Shared::clone(loaded));
        }
        let loaded = load()?;
        *module = Some(Shared::clone(&loaded));
        Ok(loaded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_is_loaded_once_and_a_failure_is_not_kept() {
        let cache = ModuleCache::default();
        let mut loads = 0;
        for _ in 0..3 {
            cache
                .get_or_load("lib.rhai", || {
                    loads += 1;
                    Ok(Module::new().into())
                })
                .unwrap();
        }
        assert_eq!(loads, 1);
        assert!(cache.get_or_load("bad.rhai", || Err("no".into())).is_err());
        assert!(cache
            .get_or_load("bad.rhai", || Ok(Module::new().into()))
            .is_ok());
    }
}
