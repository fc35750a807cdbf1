//! Throttling of failed logins, per account and per client address.
//!
//! Each key (an account or an address) counts its failures inside a window; when the count
//! reaches the limit the key is locked for a while, and every attempt is refused until the lock
//! ends, even with the right password. A success clears the account's counter.
//!
//! An attempt is counted *before* the password is checked ([`Counter::reserve`]), as a failure
//! until it proves right: attempts sent in parallel each take their own place in the count, so
//! no more than the limit are ever checked in a window, however many arrive at once.
//! [`Counter::after_reserved_failure`] then locks the key when a counted attempt failed and the
//! limit is reached; a success gives its place back.

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
    /// Failed attempts inside the window.
    pub failures: u32,
    /// Attempts counted and being checked right now.
    pub pending: u32,
    pub window_start: UtcMillis,
    pub locked_until: Option<UtcMillis>,
}

/// Whether an attempt may go on to the password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted: check the password, then report the outcome.
    Counted,
    /// Refused unchecked: the key is locked until then.
    Refused(UtcMillis),
    /// Not counted yet: the failures and the attempts being checked right now fill the limit.
    /// Ask again once those are over: they either lock the key or give their places back.
    Busy,
}

impl Counter {
    /// Until when the key is locked, if it is at `now`.
    pub fn locked_at(&self, now: UtcMillis) -> Option<UtcMillis> {
        self.locked_until.filter(|until| until.0 > now.0)
    }

    /// The counter with one more attempt counted at `now`, or why the attempt may not be
    /// checked now.
    #[must_use]
    pub fn reserve(self, now: UtcMillis, limits: Limits) -> (Self, Attempt) {
        if let Some(until) = self.locked_at(now) {
            return (self, Attempt::Refused(until));
        }
        let idle = self.failures == 0 && self.pending == 0;
        if idle || now.0 - self.window_start.0 >= limits.window_ms {
            // A new window: what an attempt lost in a crash left pending ends with the old one.
            let next = Self {
                failures: 0,
                pending: 1,
                window_start: now,
                locked_until: None,
            };
            return (next, Attempt::Counted);
        }
        if self.failures + self.pending >= limits.max_failures {
            return (self, Attempt::Busy);
        }
        let next = Self {
            pending: self.pending + 1,
            locked_until: None,
            ..self
        };
        (next, Attempt::Counted)
    }

    /// The counter after a counted attempt failed at `now`, and whether this failure started a
    /// lock (the failures have reached the limit). During a lock a failure neither counts nor
    /// extends it.
    #[must_use]
    pub fn after_reserved_failure(self, now: UtcMillis, limits: Limits) -> (Self, bool) {
        let pending = self.pending.saturating_sub(1);
        if self.locked_at(now).is_some() {
            return (Self { pending, ..self }, false);
        }
        let failures = self.failures + 1;
        if failures >= limits.max_failures {
            let locked = Self {
                failures: 0,
                pending,
                window_start: now,
                locked_until: Some(UtcMillis(now.0 + limits.lock_ms)),
            };
            return (locked, true);
        }
        (
            Self {
                failures,
                pending,
                ..self
            },
            false,
        )
    }

    /// The counter after a counted attempt succeeded (or was not checked after all): its place
    /// is given back; `clear` also forgets the failures (a completed login).
    #[must_use]
    pub fn after_reserved_success(self, clear: bool) -> Self {
        Self {
            failures: if clear { 0 } else { self.failures },
            pending: self.pending.saturating_sub(1),
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Counter {
        /// One attempt counted and failed at `now`, as a login one after the other.
        fn after_failure(self, now: UtcMillis, limits: Limits) -> (Self, bool) {
            match self.reserve(now, limits) {
                (counted, Attempt::Counted) => counted.after_reserved_failure(now, limits),
                (same, _) => (same, false),
            }
        }
    }

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

    #[test]
    fn attempts_in_parallel_are_counted_before_the_check() {
        // Sixty attempts arrive before any has been checked: five are counted, the rest wait.
        let now = UtcMillis(1_000_000);
        let mut c = Counter::default();
        let mut counted = 0;
        for _ in 0..60 {
            let (next, attempt) = c.reserve(now, ACCOUNT);
            c = next;
            match attempt {
                Attempt::Counted => counted += 1,
                Attempt::Busy => {}
                Attempt::Refused(_) => panic!("nothing is locked yet"),
            }
        }
        assert_eq!(counted, 5);
        // The counted ones fail: the fifth failure locks.
        let mut locks = 0;
        for _ in 0..5 {
            let (next, locked) = c.after_reserved_failure(now, ACCOUNT);
            locks += u32::from(locked);
            c = next;
        }
        assert_eq!(locks, 1);
        assert_eq!(c.locked_at(now), Some(UtcMillis(now.0 + 15 * MINUTE)));
        assert_eq!(c.pending, 0);
        assert!(matches!(c.reserve(now, ACCOUNT).1, Attempt::Refused(_)));
    }

    #[test]
    fn a_success_gives_its_place_back_and_a_new_window_starts_fresh() {
        let t0 = UtcMillis(0);
        let (c, _) = Counter::default().reserve(t0, ACCOUNT);
        let (c, _) = c.after_reserved_failure(t0, ACCOUNT);
        let (c, _) = c.reserve(UtcMillis(1000), ACCOUNT);
        assert_eq!((c.failures, c.pending), (1, 1));
        assert_eq!(c.after_reserved_success(false), Counter { pending: 0, ..c });
        assert_eq!(c.after_reserved_success(true).failures, 0);
        let (c, attempt) = c.reserve(UtcMillis(16 * MINUTE), ACCOUNT);
        assert_eq!((c.failures, c.pending, attempt), (0, 1, Attempt::Counted));
        let (c, locked) = c.after_reserved_failure(UtcMillis(16 * MINUTE), ACCOUNT);
        assert!(!locked);
        assert_eq!((c.failures, c.pending, c.locked_until), (1, 0, None));
    }
}
