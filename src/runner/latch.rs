use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A value set once and awaited by blocking threads (task and check
/// completion: `needs` and `approve` wait on these).
#[derive(Debug, Default)]
pub struct Latch<T> {
    value: Mutex<Option<T>>,
    ready: Condvar,
}

impl<T: Clone> Latch<T> {
    pub fn new() -> Self {
        Self {
            value: Mutex::new(None),
            ready: Condvar::new(),
        }
    }

    pub fn set(&self, value: T) {
        let mut slot = self.value.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(value);
        }
        self.ready.notify_all();
    }

    pub fn get(&self) -> Option<T> {
        self.value
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits for the value; gives up with `None` once `cancel` fires.
    pub fn wait(&self, cancel: &CancellationToken) -> Option<T> {
        let mut slot = self.value.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(value) = slot.as_ref() {
                return Some(value.clone());
            }
            if cancel.is_cancelled() {
                return None;
            }
            slot = self
                .ready
                .wait_timeout(slot, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn wait_returns_the_value_set_on_another_thread() {
        let latch = Arc::new(Latch::new());
        let setter = Arc::clone(&latch);
        let thread = std::thread::spawn(move || setter.set(7));
        assert_eq!(latch.wait(&CancellationToken::new()), Some(7));
        thread.join().unwrap();
    }

    #[test]
    fn wait_gives_up_when_cancelled() {
        let latch: Latch<u8> = Latch::new();
        let cancel = CancellationToken::new();
        cancel.cancel();
        assert_eq!(latch.wait(&cancel), None);
    }

    #[test]
    fn the_first_value_wins() {
        let latch = Latch::new();
        latch.set(1);
        latch.set(2);
        assert_eq!(latch.get(), Some(1));
    }
}
