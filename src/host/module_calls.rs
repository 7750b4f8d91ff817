//! Calls into imported modules on this thread, outermost first: where a
//! script (or a module) called a module function. A task or check declared
//! inside a module function keeps the script line that led to it, so its
//! failure can point at the script as well as into the module.

use std::cell::RefCell;

/// A place in a script or module file: its name (the AST source), and
/// Rhai's line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

thread_local! {
    static CALLS: RefCell<Vec<Place>> = const { RefCell::new(Vec::new()) };
}

/// Undoes [`enter`] when dropped (a failing call too).
pub struct Entered(());

impl Drop for Entered {
    fn drop(&mut self) {
        CALLS.with(|c| c.borrow_mut().pop());
    }
}

/// Notes that code at `caller` called a module function, until the guard
/// is dropped.
pub fn enter(caller: Place) -> Entered {
    CALLS.with(|c| c.borrow_mut().push(caller));
    Entered(())
}

/// The outermost call into a module made from `file` on this thread: the
/// script line that led to the code running now.
pub fn outermost_from(file: &str) -> Option<Place> {
    CALLS.with(|c| c.borrow().iter().find(|p| p.file == file).cloned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(file: &str, line: usize) -> Place {
        Place {
            file: file.into(),
            line,
            column: 1,
        }
    }

    #[test]
    fn the_outermost_call_from_a_file_is_found_and_forgotten_after() {
        {
            let _a = enter(place("main.rhai", 3));
            let _b = enter(place("lib.rhai", 7));
            let _c = enter(place("main.rhai", 9));
            assert_eq!(outermost_from("main.rhai"), Some(place("main.rhai", 3)));
            assert_eq!(outermost_from("lib.rhai"), Some(place("lib.rhai", 7)));
        }
        assert_eq!(outermost_from("main.rhai"), None);
    }
}
