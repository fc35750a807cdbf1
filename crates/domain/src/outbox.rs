//! The delivery of outgoing messages: when a failed attempt is tried again (exponential
//! backoff), when delivery gives up, and what of a transport's error may be kept.

use crate::codes;

/// The wait before the second attempt, in milliseconds; it doubles at each failure.
pub const FIRST_RETRY_MS: i64 = 15_000;
/// The longest wait between two attempts.
pub const MAX_RETRY_MS: i64 = 15 * 60_000;
/// How long an attempt holds its message before another instance may try it.
pub const LEASE_MS: i64 = 60_000;
/// What a message's last error says when no channel could carry it: the recipient gave no
/// address for any channel there is.
pub const NO_CHANNEL: &str = "no_channel";

/// The first link of a message's text: what a push or an SMS carries beside the subject.
pub fn first_link(body: &str) -> &str {
    body.split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .unwrap_or_default()
}

codes!(
    /// Where a message stands.
    State {
        Queued = "queued",
        Sent = "sent",
        Failed = "failed",
        GaveUp = "gave_up",
    }
);

/// When the attempt after `attempts` failed ones is due, from `now`.
pub fn next_attempt(now: i64, attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let wait = FIRST_RETRY_MS
        .saturating_mul(1_i64 << doublings)
        .min(MAX_RETRY_MS);
    now.saturating_add(wait)
}

/// After a failed attempt at `now` of a message queued at `created_at`: give up once
/// `give_up_ms` have passed since it was queued.
pub fn gives_up(created_at: i64, now: i64, give_up_ms: i64) -> bool {
    now.saturating_sub(created_at) >= give_up_ms
}

/// A transport's error as it may be kept: at most 200 characters, and no word with an `@`
/// (relays echo the address they refused).
pub fn error_text(raw: &str) -> String {
    let words: Vec<&str> = raw
        .split_whitespace()
        .map(|w| if w.contains('@') { "…" } else { w })
        .collect();
    words.join(" ").chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_back_off_exponentially_up_to_a_ceiling() {
        assert_eq!(next_attempt(0, 1), 15_000);
        assert_eq!(next_attempt(0, 2), 30_000);
        assert_eq!(next_attempt(0, 3), 60_000);
        assert_eq!(next_attempt(0, 10), MAX_RETRY_MS);
        assert_eq!(next_attempt(0, i64::MAX), MAX_RETRY_MS);
        assert_eq!(next_attempt(i64::MAX, 1), i64::MAX, "no overflow");
        assert!(!gives_up(0, 59_999, 60_000));
        assert!(gives_up(0, 60_000, 60_000));
    }

    #[test]
    fn an_error_keeps_no_address() {
        let e = error_text("permanent error (550): <mario.rossi@example.it> mailbox unavailable");
        assert_eq!(e, "permanent error (550): … mailbox unavailable");
        assert_eq!(error_text(&"x".repeat(500)).chars().count(), 200);
        assert_eq!(State::parse("gave_up"), Some(State::GaveUp));
    }
}
