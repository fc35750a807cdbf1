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

codes!(
    /// What a message is about, for the channels it takes: a safety message (an alert, an
    /// alarm, an escalation) takes every channel the user has; for the others each user
    /// chooses.
    Kind {
        Safety = "safety",
        /// An invitation to a team, a task given at a conference.
        Team = "team",
        /// A handover due or overdue: to the social service, then to the coordinator on call.
        Handover = "handover",
        /// An outcome at 30 or 90 days asked, then reminded, to the social service.
        FollowUp = "follow_up",
        /// The morning summary.
        Summary = "summary",
        /// A protocol about to expire.
        Protocol = "protocol",
        /// The audit chain's anchor, to the address configured for it (no user's choice).
        Audit = "audit",
    }
);

codes!(
    /// A way a message reaches a user.
    Channel {
        Email = "email",
        Push = "push",
        Sms = "sms",
    }
);

impl Kind {
    /// The kinds a user chooses channels for.
    pub const CHOSEN: [Kind; 5] = [
        Kind::Team,
        Kind::Handover,
        Kind::FollowUp,
        Kind::Summary,
        Kind::Protocol,
    ];
}

/// Whether a message of `kind` goes by `channel` to a user who made no choice: safety
/// messages by every channel, the others by e-mail.
pub fn unchosen(kind: Kind, channel: Channel) -> bool {
    kind == Kind::Safety || channel == Channel::Email
}

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

    #[test]
    fn safety_takes_every_channel_the_others_e_mail_until_chosen() {
        for c in Channel::ALL {
            assert!(unchosen(Kind::Safety, *c));
        }
        for k in Kind::CHOSEN {
            assert!(unchosen(k, Channel::Email));
            assert!(!unchosen(k, Channel::Push));
            assert!(!unchosen(k, Channel::Sms));
        }
        assert!(!Kind::CHOSEN.contains(&Kind::Safety));
        assert!(!Kind::CHOSEN.contains(&Kind::Audit));
        assert_eq!(Kind::CHOSEN.len() + 2, Kind::ALL.len());
    }
}
