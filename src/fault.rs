//! Test-only fault injection: panics at chosen places, so that tests can
//! prove a panic is never a pass and never leaves a container behind. It
//! exists in debug builds only (what `cargo test` runs), and only acts when
//! `SHAKEDOWN_TEST_PANIC` names the place; release builds have none of it.

/// The environment variable that arms injection points (comma-separated).
pub const ENV: &str = "SHAKEDOWN_TEST_PANIC";

/// Where a panic can be injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    /// Scripts get `test_panic(message)`, which panics in whatever thread
    /// calls it (a check's, a task's, the main thread at the top level).
    Script,
    /// The main thread panics after a script's top level has run and before
    /// its containers are removed: a panic that escapes the runner.
    BeforeCleanup,
}

impl Point {
    fn name(self) -> &'static str {
        match self {
            Self::Script => "script",
            Self::BeforeCleanup => "before-cleanup",
        }
    }
}

/// Whether `point` is armed.
pub fn armed(point: Point) -> bool {
    cfg!(debug_assertions)
        && std::env::var(ENV).is_ok_and(|v| v.split(',').any(|p| p.trim() == point.name()))
}

/// Panics when `point` is armed.
pub fn point(point: Point) {
    if armed(point) {
        panic!("injected panic ({ENV}={})", point.name());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_armed_without_the_variable() {
        if std::env::var_os(ENV).is_none() {
            assert!(!armed(Point::Script));
            point(Point::BeforeCleanup);
        }
    }
}
