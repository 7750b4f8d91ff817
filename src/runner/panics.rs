//! A panic (a bug in shakedown) is never the user's answer and never a
//! pass: the code a check or task runs is caught, and its panic becomes an
//! internal-error failure of that check or task, with the message and the
//! place in shakedown's source, while the rest of the run goes on.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// What a panic said, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    pub message: String,
    /// `src/engine/container.rs:42:9`
    pub location: Option<String>,
}

impl Panic {
    /// "called `Option::unwrap()` on a `None` value (at src/x.rs:1:2)"
    pub fn describe(&self) -> String {
        match &self.location {
            Some(location) => format!("{} (at {location})", self.message),
            None => self.message.clone(),
        }
    }
}

thread_local! {
    /// Set while `catch` runs code on this thread: its panics are reported
    /// as diagnostics, so the default message would only repeat them.
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    /// The last panic of this thread, as the hook saw it.
    static LAST: RefCell<Option<Panic>> = const { RefCell::new(None) };
}

/// Installs the hook that records where a panic happened (once per
/// process). Panics outside `catch` still print the default message.
pub fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let caught = CATCHING.with(Cell::get);
            LAST.with(|last| {
                *last.borrow_mut() = Some(Panic {
                    message: message(info.payload()),
                    location: info.location().map(ToString::to_string),
                });
            });
            if !caught || std::env::var_os("RUST_BACKTRACE").is_some() {
                default(info);
            }
        }));
    });
}

/// Runs `f`, turning a panic into an `Err` that says what and where.
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, Panic> {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            CATCHING.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CATCHING.with(|c| c.replace(true)));
    panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        LAST.with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| Panic {
                message: message(payload.as_ref()),
                location: None,
            })
    })
}

/// The last panic the hook saw on this thread (for a panic that escaped to
/// the top, caught by `std::panic::catch_unwind` there).
pub fn last(payload: &(dyn Any + Send)) -> Panic {
    LAST.with(|last| last.borrow_mut().take())
        .unwrap_or_else(|| Panic {
            message: message(payload),
            location: None,
        })
}

fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Where to report a bug, for the help of an internal-error diagnostic.
pub fn report_help() -> String {
    format!(
        "this is a bug in shakedown {}, not in your script: please report it to shakedown's \
         maintainers with this message and the script that ran into it (run with \
         RUST_BACKTRACE=1 to add a backtrace)",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_is_caught_with_its_message_and_place() {
        install_hook();
        let caught = catch(|| -> u8 { panic!("boom {}", 7) }).unwrap_err();
        assert_eq!(caught.message, "boom 7");
        assert!(
            caught
                .location
                .as_deref()
                .is_some_and(|l| l.contains("panics.rs")),
            "{caught:?}"
        );
        assert!(caught
            .describe()
            .contains("boom 7 (at src/runner/panics.rs"));
    }

    #[test]
    fn no_panic_is_the_value() {
        assert_eq!(catch(|| 5), Ok(5));
    }
}
