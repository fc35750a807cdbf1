//! The time a use case runs at: the system's, or one a test sets and moves.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use presidio_domain::time::UtcMillis;

/// The clock of an [`crate::App`]. Clones share it: moving a test clock moves it everywhere.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Set: the instant a test holds the clock at; none: the system's time.
    fixed: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock held at `at` until moved.
    pub fn fixed(at: UtcMillis) -> Self {
        Self {
            fixed: Some(Arc::new(AtomicI64::new(at.0))),
        }
    }

    pub fn now(&self) -> UtcMillis {
        match &self.fixed {
            Some(at) => UtcMillis(at.load(Ordering::SeqCst)),
            None => presidio_db::now(),
        }
    }

    /// Moves a fixed clock by `minutes` (a system clock cannot be moved: nothing happens).
    pub fn advance_minutes(&self, minutes: i64) {
        if let Some(at) = &self.fixed {
            at.fetch_add(minutes.saturating_mul(60_000), Ordering::SeqCst);
        }
    }

    /// Sets a fixed clock to `at` (a system clock cannot be set: nothing happens).
    pub fn set(&self, at: UtcMillis) {
        if let Some(fixed) = &self.fixed {
            fixed.store(at.0, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told_and_everywhere_at_once() {
        let clock = Clock::fixed(UtcMillis(1_000));
        let shared = clock.clone();
        assert_eq!(clock.now(), UtcMillis(1_000));
        shared.advance_minutes(2);
        assert_eq!(clock.now(), UtcMillis(121_000));
        clock.set(UtcMillis(5));
        assert_eq!(shared.now(), UtcMillis(5));
    }

    #[test]
    fn the_system_clock_follows_the_system_and_ignores_moves() {
        let clock = Clock::system();
        let before = presidio_db::now();
        clock.advance_minutes(60);
        let read = clock.now();
        assert!(read >= before && read.0 - before.0 < 60_000, "{read:?}");
    }
}
