//! The on-call roster: who answers when the PIS is active, in which role, and where nobody does.
//!
//! A shift is a person on call in one role from one instant to another. The coverage check
//! compares the shifts with the service calendar: every interval when the PIS is active for at
//! least one municipality (its social service is closed) must have somebody in each role; what
//! is left uncovered is a gap.

pub mod rota;

use crate::calendar::ServiceCalendar;
use crate::codes;
use crate::time::UtcMillis;
use crate::validation::{Invalid, Problem, required_text};

codes!(
    /// The roles of the roster.
    RosterRole {
        Centrale = "centrale",
        ProntoIntervento = "pronto_intervento",
        CoordinatoreReperibile = "coordinatore_reperibile",
    }
);

/// One person on call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub role: RosterRole,
    pub start: UtcMillis,
    pub end: UtcMillis,
    pub user_id: i64,
    pub phone: String,
}

/// The latest start of a shift: the end of 2200 (a year typed wrong, never a real rota).
pub const LATEST_SHIFT: UtcMillis = UtcMillis(7_289_654_399_000);

/// The longest shift accepted (a whole weekend with its holidays fits).
pub const LONGEST_SHIFT_MS: i64 = 7 * 24 * 3600 * 1000;

/// A shift as typed; the instants are already read (a malformed one is refused by the caller,
/// which then passes `None` and its own error).
#[derive(Debug, Clone, Default)]
pub struct ShiftInput<'a> {
    pub role: &'a str,
    pub user_id: Option<i64>,
    pub phone: &'a str,
    pub start: Option<UtcMillis>,
    pub end: Option<UtcMillis>,
}

impl ShiftInput<'_> {
    /// The shift, or every refused field (added to `errors`, which may already hold some).
    pub fn validate(&self, mut errors: Invalid) -> Result<Shift, Invalid> {
        let role = if self.role.trim().is_empty() {
            errors.push("role", Problem::Required);
            None
        } else {
            let r = RosterRole::parse(self.role);
            if r.is_none() {
                errors.push("role", Problem::UnknownCode);
            }
            r
        };
        if self.user_id.is_none() {
            errors.push("user_id", Problem::Required);
        }
        let phone = required_text(&mut errors, "phone", self.phone, 30);
        if !phone.is_empty() && !crate::validation::is_phone(&phone) {
            errors.push("phone", Problem::InvalidPhone);
        }
        if self
            .start
            .is_some_and(|s| s.0 < crate::time::EARLIEST_REPORT.0 || s.0 > LATEST_SHIFT.0)
        {
            errors.push("start", Problem::OutOfRange);
        }
        if let (Some(start), Some(end)) = (self.start, self.end)
            && (end <= start || end.0 - start.0 > LONGEST_SHIFT_MS)
        {
            errors.push("end", Problem::OutOfRange);
        }
        match (role, self.user_id, self.start, self.end) {
            (Some(role), Some(user_id), Some(start), Some(end)) => errors.into_result(Shift {
                role,
                start,
                end,
                user_id,
                phone,
            }),
            _ => Err(errors),
        }
    }
}

/// An interval `[start, end)`.
pub type Span = (UtcMillis, UtcMillis);

/// Sorts and joins overlapping or touching spans.
pub fn merge(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|(a, b)| a < b);
    spans.sort_unstable();
    let mut out: Vec<Span> = Vec::with_capacity(spans.len());
    for (a, b) in spans {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// `spans` less `minus` (both merged).
pub fn subtract(spans: &[Span], minus: &[Span]) -> Vec<Span> {
    let mut out = Vec::new();
    for &(mut a, b) in spans {
        for &(c, d) in minus {
            if d <= a || c >= b {
                continue;
            }
            if c > a {
                out.push((a, c));
            }
            a = a.max(d);
            if a >= b {
                break;
            }
        }
        if a < b {
            out.push((a, b));
        }
    }
    out
}

/// When the PIS is active for at least one of these municipalities within `[from, to)`.
pub fn pis_active(calendars: &[ServiceCalendar], from: UtcMillis, to: UtcMillis) -> Vec<Span> {
    merge(
        calendars
            .iter()
            .flat_map(|c| c.closed_spans(from, to))
            .collect(),
    )
}

/// A role with nobody on call while the PIS is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    pub role: RosterRole,
    pub start: UtcMillis,
    pub end: UtcMillis,
}

/// Every gap within `[from, to)`, by start then role.
pub fn gaps(
    calendars: &[ServiceCalendar],
    shifts: &[Shift],
    from: UtcMillis,
    to: UtcMillis,
) -> Vec<Gap> {
    let active = pis_active(calendars, from, to);
    let mut out = Vec::new();
    for &role in RosterRole::ALL {
        let covered = merge(
            shifts
                .iter()
                .filter(|s| s.role == role)
                .map(|s| (s.start, s.end))
                .collect(),
        );
        out.extend(
            subtract(&active, &covered)
                .into_iter()
                .map(|(start, end)| Gap { role, start, end }),
        );
    }
    out.sort_by_key(|g| (g.start, g.role.code()));
    out
}

/// The shifts running at `at`, by role.
pub fn on_call(shifts: &[Shift], at: UtcMillis) -> Vec<&Shift> {
    let mut now: Vec<&Shift> = shifts
        .iter()
        .filter(|s| s.start <= at && at < s.end)
        .collect();
    now.sort_by_key(|s| (RosterRole::ALL.iter().position(|r| *r == s.role), s.start));
    now
}

#[cfg(test)]
mod tests;
