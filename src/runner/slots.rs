use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A counting semaphore for blocking threads: at most `--jobs` checks run at
/// once.
#[derive(Debug)]
pub struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

/// A held slot; dropping it frees the slot.
#[derive(Debug)]
pub struct SlotGuard<'a>(&'a Slots);

impl Slots {
    pub fn new(count: usize) -> Self {
        Self {
            free: Mutex::new(count),
            freed: Condvar::new(),
        }
    }

    /// Takes a slot, or `None` if `cancel` fires first.
    pub fn acquire(&self, cancel: &CancellationToken) -> Option<SlotGuard<'_>> {
        let mut free = self.free.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if cancel.is_cancelled() {
                return None;
            }
            if *free > 0 {
                *free -= 1;
                return Some(SlotGuard(self));
            }
            free = self
                .freed
                .wait_timeout(free, Duration::from_millis(50))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl Drop for SlotGuard<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(PoisonError::into_inner) += 1;
        self.0.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_free_again_after_its_guard_drops() {
        let slots = Slots::new(1);
        let cancel = CancellationToken::new();
        let first = slots.acquire(&cancel);
        assert!(first.is_some());
        drop(first);
        assert!(slots.acquire(&cancel).is_some());
    }

    #[test]
    fn acquire_gives_up_when_cancelled() {
        let slots = Slots::new(1);
        let cancel = CancellationToken::new();
        let _held = slots.acquire(&cancel);
        cancel.cancel();
        assert!(slots.acquire(&cancel).is_none());
    }
}
