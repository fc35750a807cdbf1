//! Throttling of failed logins, per account and per client address.
//!
//! Each key (an account or an address) counts its failures inside a window; when the count
//! reaches the limit the key is locked for a while, and every attempt is refused until the lock
//! ends, even with the right password. A success clears the account's counter.

use crate::time::UtcMillis;

/// The limits of one kind of key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failures allowed inside `window_ms` before the lock.
    pub max_failures: u32,
    pub window_ms: i64,
    pub lock_ms: i64,
}

const MINUTE: i64 = 60_000;

/// Five wrong passwords in 15 minutes lock an account for 15 minutes.
pub const ACCOUNT: Limits = Limits {
    max_failures: 5,
    window_ms: 15 * MINUTE,
    lock_ms: 15 * MINUTE,
};

/// Twenty failures from one address in 15 minutes lock the address for 15 minutes.
pub const ADDRESS: Limits = Limits {
    max_failures: 20,
    window_ms: 15 * MINUTE,
    lock_ms: 15 * MINUTE,
};

/// The stored state of one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    pub failures: u32,
    pub window_start: UtcMillis,
    pub locked_until: Option<UtcMillis>,
}

impl Counter {
    /// Until when the key is locked, if it is at `now`.
    pub fn locked_at(&self, now: UtcMillis) -> Option<UtcMillis> {
        self.locked_until.filter(|until| until.0 > now.0)
    }

    /// The counter after one more failure at `now`, and whether this failure started a lock.
    #[must_use]
    pub fn after_failure(self, now: UtcMillis, limits: Limits) -> (Self, bool) {
        if self.locked_at(now).is_some() {
            // Attempts during a lock are refused unseen; they neither count nor extend it.
            return (self, false);
        }
        let fresh = self.failures == 0 || now.0 - self.window_start.0 >= limits.window_ms;
        let failures = if fresh { 1 } else { self.failures + 1 };
        let window_start = if fresh { now } else { self.window_start };
        if failures >= limits.max_failures {
            let locked = Self {
                failures: 0,
                window_start: now,
                locked_until: Some(UtcMillis(now.0 + limits.lock_ms)),
            };
            return (locked, true);
        }
        let next = Self {
            failures,
            window_start,
            locked_until: None,
        };
        (next, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fifth_failure_locks_for_fifteen_minutes() {
        let mut c = Counter::default();
        let t0 = UtcMillis(1_000_000);
        for i in 0..4 {
            let (next, locked) = c.after_failure(UtcMillis(t0.0 + i * 1000), ACCOUNT);
            assert!(!locked);
            c = next;
        }
        let (c, locked) = c.after_failure(UtcMillis(t0.0 + 5000), ACCOUNT);
        assert!(locked);
        assert_eq!(
            c.locked_at(UtcMillis(t0.0 + 6000)),
            Some(UtcMillis(t0.0 + 5000 + 15 * MINUTE))
        );
        assert_eq!(c.locked_at(UtcMillis(t0.0 + 5000 + 15 * MINUTE)), None);
    }

    #[test]
    fn failures_outside_the_window_start_again() {
        let t0 = UtcMillis(0);
        let (c, _) = Counter::default().after_failure(t0, ACCOUNT);
        let (c, _) = c.after_failure(UtcMillis(1000), ACCOUNT);
        assert_eq!(c.failures, 2);
        let (c, _) = c.after_failure(UtcMillis(16 * MINUTE), ACCOUNT);
        assert_eq!(c.failures, 1);
    }

    #[test]
    fn failures_during_a_lock_do_not_lock_again() {
        let mut c = Counter::default();
        let mut locks = 0;
        for i in 0..12 {
            let (next, locked) = c.after_failure(UtcMillis(i * 1000), ACCOUNT);
            locks += u32::from(locked);
            c = next;
        }
        assert_eq!(locks, 1);
    }
}
