//! The audit trail: one append-only, hash-chained entry per read or write of personal data and
//! per security event.
//!
//! Each entry's hash covers its sequence number, every field and the previous entry's hash, so
//! changing, deleting or reordering any stored entry breaks the chain from that entry on;
//! [`verify`] names the first entry that does not fit.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::time::UtcMillis;

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened. Stored by its code; new actions are added at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    LoginOk,
    LoginFailed,
    Lockout,
    Logout,
    LogoutEverywhere,
    SessionExpired,
    TokenIssued,
    TokenRevoked,
    SetupCompleted,
    UserCreated,
    UserUpdated,
    UserDisabled,
    UserEnabled,
    RoleChanged,
    PasswordChanged,
    PasswordReset,
    OrganisationCreated,
    OrganisationUpdated,
    AccessDenied,
    Read,
    Write,
    Export,
    BreakGlass,
    AuditSearched,
    SecondFactorEnrolled,
    SecondFactorReset,
    SettingsChanged,
    AuditPurged,
}

impl Action {
    pub const ALL: [Action; 28] = [
        Self::LoginOk,
        Self::LoginFailed,
        Self::Lockout,
        Self::Logout,
        Self::LogoutEverywhere,
        Self::SessionExpired,
        Self::TokenIssued,
        Self::TokenRevoked,
        Self::SetupCompleted,
        Self::UserCreated,
        Self::UserUpdated,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::RoleChanged,
        Self::PasswordChanged,
        Self::PasswordReset,
        Self::OrganisationCreated,
        Self::OrganisationUpdated,
        Self::AccessDenied,
        Self::Read,
        Self::Write,
        Self::Export,
        Self::BreakGlass,
        Self::AuditSearched,
        Self::SecondFactorEnrolled,
        Self::SecondFactorReset,
        Self::SettingsChanged,
        Self::AuditPurged,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::LoginOk => "login_ok",
            Self::LoginFailed => "login_failed",
            Self::Lockout => "lockout",
            Self::Logout => "logout",
            Self::LogoutEverywhere => "logout_everywhere",
            Self::SessionExpired => "session_expired",
            Self::TokenIssued => "token_issued",
            Self::TokenRevoked => "token_revoked",
            Self::SetupCompleted => "setup_completed",
            Self::UserCreated => "user_created",
            Self::UserUpdated => "user_updated",
            Self::UserDisabled => "user_disabled",
            Self::UserEnabled => "user_enabled",
            Self::RoleChanged => "role_changed",
            Self::PasswordChanged => "password_changed",
            Self::PasswordReset => "password_reset",
            Self::OrganisationCreated => "organisation_created",
            Self::OrganisationUpdated => "organisation_updated",
            Self::AccessDenied => "access_denied",
            Self::Read => "read",
            Self::Write => "write",
            Self::Export => "export",
            Self::BreakGlass => "break_glass",
            Self::AuditSearched => "audit_searched",
            Self::SecondFactorEnrolled => "second_factor_enrolled",
            Self::SecondFactorReset => "second_factor_reset",
            Self::SettingsChanged => "settings_changed",
            Self::AuditPurged => "audit_purged",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// One event, as the application describes it. Texts never hold case content: a record is
/// named by its type and id, a reason only for a break-glass or a reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub at: UtcMillis,
    /// The user acting, when known (none for a failed login with an unknown username).
    pub actor_id: Option<i64>,
    /// The username given or known; kept even when the account is later renamed.
    pub actor: String,
    pub organisation: String,
    /// The actor's roles at the time, comma-separated codes.
    pub role: String,
    pub action: String,
    /// The kind of record touched (`user`, `case`, `token`, …), empty for none.
    pub record_type: String,
    pub record_id: String,
    /// The part of the record (e.g. `diary`), empty for the whole.
    pub section: String,
    pub reason: String,
    pub client_ip: String,
}

impl Entry {
    pub fn new(at: UtcMillis, action: Action) -> Self {
        Self {
            at,
            action: action.code().to_owned(),
            ..Self::default()
        }
    }

    #[must_use]
    pub fn record(mut self, record_type: &str, record_id: impl std::fmt::Display) -> Self {
        record_type.clone_into(&mut self.record_type);
        self.record_id = record_id.to_string();
        self
    }

    #[must_use]
    pub fn reason(mut self, reason: &str) -> Self {
        reason.clone_into(&mut self.reason);
        self
    }
}

/// The hash of entry number `seq`, chained to `prev`. Every field is length-prefixed, so no two
/// different entries encode to the same bytes.
pub fn chain_hash(prev: &str, seq: i64, entry: &Entry) -> String {
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    field(prev.as_bytes());
    field(&seq.to_be_bytes());
    field(&entry.at.0.to_be_bytes());
    field(
        entry
            .actor_id
            .map_or(String::new(), |id| id.to_string())
            .as_bytes(),
    );
    for text in [
        &entry.actor,
        &entry.organisation,
        &entry.role,
        &entry.action,
        &entry.record_type,
        &entry.record_id,
        &entry.section,
        &entry.reason,
        &entry.client_ip,
    ] {
        field(text.as_bytes());
    }
    hex(&h.finalize())
}

/// A stored entry with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stored {
    pub seq: i64,
    pub entry: Entry,
    pub prev_hash: String,
    pub hash: String,
}

/// Why verification stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Broken {
    #[error("entry {seq}: expected number {expected} (an entry is missing or out of order)")]
    Sequence { seq: i64, expected: i64 },
    #[error("entry {seq}: does not follow the previous entry's hash")]
    Link { seq: i64 },
    #[error("entry {seq}: its content does not match its hash (it was changed)")]
    Content { seq: i64 },
    #[error(
        "the last entry is {last}, but {head} entries were written (entries at the end were removed)"
    )]
    Tail { last: i64, head: i64 },
}

impl Broken {
    /// The number of the first bad entry (for a gap, the first missing number).
    pub fn seq(&self) -> i64 {
        match self {
            Self::Sequence { expected, .. } => *expected,
            Self::Link { seq } | Self::Content { seq } => *seq,
            Self::Tail { last, .. } => last + 1,
        }
    }
}

/// Follows a chain entry by entry, in storage order.
#[derive(Debug, Clone)]
pub struct Verifier {
    expected: i64,
    prev: String,
    count: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            expected: 1,
            prev: GENESIS.to_owned(),
            count: 0,
        }
    }
}

impl Verifier {
    /// A verifier for a chain whose older entries were removed by retention: it starts at entry
    /// `first_seq`, whose previous hash must be `prev`.
    pub fn starting_at(first_seq: i64, prev: &str) -> Self {
        Self {
            expected: first_seq,
            prev: prev.to_owned(),
            count: 0,
        }
    }

    /// Checks the next entry.
    pub fn push(&mut self, stored: &Stored) -> Result<(), Broken> {
        if stored.seq != self.expected {
            return Err(Broken::Sequence {
                seq: stored.seq,
                expected: self.expected,
            });
        }
        if stored.prev_hash != self.prev {
            return Err(Broken::Link { seq: stored.seq });
        }
        if chain_hash(&self.prev, stored.seq, &stored.entry) != stored.hash {
            return Err(Broken::Content { seq: stored.seq });
        }
        stored.hash.clone_into(&mut self.prev);
        self.expected += 1;
        self.count += 1;
        Ok(())
    }

    /// Ends the check: `head` is the number of the last entry ever written. Returns how many
    /// entries were checked.
    pub fn finish(self, head: i64) -> Result<u64, Broken> {
        let last = self.expected - 1;
        if last == head {
            Ok(self.count)
        } else {
            Err(Broken::Tail { last, head })
        }
    }
}

/// Checks a whole chain from its first entry; see [`Verifier`].
pub fn verify(entries: impl IntoIterator<Item = Stored>, head: i64) -> Result<u64, Broken> {
    let mut verifier = Verifier::default();
    for stored in entries {
        verifier.push(&stored)?;
    }
    verifier.finish(head)
}

/// The SHA-256 of `bytes`, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(64), |mut out, b| {
        use std::fmt::Write;
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<Stored> {
        let mut prev = GENESIS.to_owned();
        (1..=n)
            .map(|seq| {
                let mut entry = Entry::new(UtcMillis(seq * 1000), Action::LoginOk);
                entry.actor = format!("utente{seq}");
                let hash = chain_hash(&prev, seq, &entry);
                let stored = Stored {
                    seq,
                    entry,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify(chain(5), 5), Ok(5));
        assert_eq!(verify(vec![], 0), Ok(0));
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut c = chain(5);
        c[2].entry.actor = "altro".into();
        assert_eq!(verify(c, 5), Err(Broken::Content { seq: 3 }));
    }

    #[test]
    fn a_deleted_entry_is_named() {
        let mut c = chain(5);
        c.remove(1);
        let err = verify(c, 5).unwrap_err();
        assert_eq!(err.seq(), 2);
    }

    #[test]
    fn reordered_entries_are_named() {
        let mut c = chain(5);
        c.swap(1, 2);
        assert_eq!(verify(c, 5).unwrap_err().seq(), 2);
    }

    #[test]
    fn a_rehashed_entry_breaks_the_next_link() {
        let mut c = chain(5);
        c[1].entry.actor = "altro".into();
        c[1].hash = chain_hash(&c[1].prev_hash, 2, &c[1].entry);
        assert_eq!(verify(c, 5), Err(Broken::Link { seq: 3 }));
    }

    #[test]
    fn removed_tail_entries_are_noticed() {
        let mut c = chain(5);
        c.truncate(3);
        assert_eq!(verify(c, 5), Err(Broken::Tail { last: 3, head: 5 }));
    }

    #[test]
    fn a_chain_cut_by_retention_verifies_from_its_anchor() {
        let c = chain(5);
        let anchor = c[1].hash.clone();
        let mut v = Verifier::starting_at(3, &anchor);
        for stored in &c[2..] {
            v.push(stored).unwrap();
        }
        assert_eq!(v.finish(5), Ok(3));
        let mut wrong = Verifier::starting_at(3, GENESIS);
        assert_eq!(wrong.push(&c[2]), Err(Broken::Link { seq: 3 }));
    }

    #[test]
    fn action_codes_round_trip() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.code()), Some(a));
        }
    }
}

/// A copy of the chain's head kept outside the database: a rewrite of the whole chain (every
/// hash recomputed) verifies on its own, but no longer matches the anchors written before it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    /// The last entry's number when the anchor was written.
    pub seq: i64,
    /// That entry's hash.
    pub hash: String,
    /// When the anchor was written (milliseconds since the epoch, UTC).
    pub at: i64,
    /// The first entry the chain held then (retention removes the older ones).
    pub first_seq: i64,
}

/// What the chain says of one anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorCheck {
    /// The anchored entry is there with the anchored hash.
    Held,
    /// The anchored entry was removed by the retention purge since: nothing left to compare.
    Purged,
    /// The chain is shorter than the anchor: entries at the end were removed.
    Missing,
    /// The anchored entry's hash differs: the chain was rewritten.
    Rewritten,
}

impl Anchor {
    /// Compares the anchor with the chain, whose first held entry is `first_seq`, whose last is
    /// `head_seq`, and whose entry at the anchor's number has `stored` as hash, if any.
    pub fn check(&self, first_seq: i64, head_seq: i64, stored: Option<&str>) -> AnchorCheck {
        if self.seq == 0 {
            return AnchorCheck::Held;
        }
        if self.seq > head_seq {
            return AnchorCheck::Missing;
        }
        if self.seq < first_seq {
            return AnchorCheck::Purged;
        }
        match stored {
            Some(hash) if hash == self.hash => AnchorCheck::Held,
            Some(_) => AnchorCheck::Rewritten,
            None => AnchorCheck::Missing,
        }
    }
}

#[cfg(test)]
mod anchor_tests {
    use super::*;

    fn anchor(seq: i64) -> Anchor {
        Anchor {
            seq,
            hash: "abc".into(),
            at: 0,
            first_seq: 1,
        }
    }

    #[test]
    fn an_anchor_holds_only_where_the_chain_still_has_its_hash() {
        assert_eq!(anchor(5).check(1, 9, Some("abc")), AnchorCheck::Held);
        assert_eq!(anchor(5).check(1, 9, Some("abd")), AnchorCheck::Rewritten);
        assert_eq!(anchor(5).check(1, 4, None), AnchorCheck::Missing);
        assert_eq!(anchor(5).check(1, 9, None), AnchorCheck::Missing);
        assert_eq!(anchor(5).check(6, 9, None), AnchorCheck::Purged);
        assert_eq!(
            anchor(0).check(1, 0, None),
            AnchorCheck::Held,
            "an empty chain"
        );
    }
}
