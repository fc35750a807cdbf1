//! The handover (*passaggio*) of an urgency or emergency to the social service of the competent
//! municipality (domain.md §1, §5, §6): due at the service's next opening plus a grace of
//! working time; not acknowledged by then, a reminder goes to the service, and after a further
//! stretch of working time an alert to the coordinator. The receiving service acknowledges it
//! and records the outcome of taking charge.

use crate::calendar::ServiceCalendar;
use crate::codes;
use crate::time::UtcMillis;
use crate::validation::{Invalid, Problem};

/// Working minutes after the next opening within which the service acknowledges (4 hours).
pub const DEFAULT_GRACE_MINUTES: u32 = 240;
/// Working minutes after the deadline at which the coordinator is alerted (2 hours).
pub const DEFAULT_ESCALATION_MINUTES: u32 = 120;

codes!(
    /// Where a handover stands.
    HandoverStatus {
        /// Sent, waiting for the service to acknowledge it.
        Sent = "sent",
        /// The service has seen it and is deciding.
        Acknowledged = "acknowledged",
        /// The service took charge of the person.
        TakenInCharge = "taken_in_charge",
        /// Not the competent service: back to the coordinator to send it elsewhere.
        NotCompetent = "not_competent",
        /// Closed by the service with a reason (e.g. already known and followed).
        Closed = "closed",
    }
);

impl HandoverStatus {
    /// Whether the handover still waits for the receiving service.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Sent | Self::Acknowledged)
    }

    /// The outcomes the receiving service may record from here.
    pub fn next(self) -> &'static [HandoverStatus] {
        use HandoverStatus as H;
        match self {
            H::Sent => &[H::Acknowledged],
            H::Acknowledged => &[H::TakenInCharge, H::NotCompetent, H::Closed],
            H::TakenInCharge | H::NotCompetent | H::Closed => &[],
        }
    }
}

/// When a handover is due and when it escalates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// The service acknowledges by then (next opening + grace).
    pub due: UtcMillis,
    /// Still not acknowledged by then: the coordinator is alerted.
    pub escalate: UtcMillis,
}

/// The deadlines of a handover queued at `queued` for a service open by `calendar`; none when
/// the service never opens within the calendar's horizon.
pub fn deadlines(
    calendar: &ServiceCalendar,
    queued: UtcMillis,
    grace_minutes: u32,
    escalation_minutes: u32,
) -> Option<Deadlines> {
    let due = calendar.after_open_minutes(queued, grace_minutes)?;
    let escalate = calendar.after_open_minutes(due, escalation_minutes)?;
    Some(Deadlines { due, escalate })
}

codes!(
    /// A step of the escalation of a handover not acknowledged in time.
    Escalation {
        /// A reminder to the receiving service.
        Reminder = "reminder",
        /// An alert to the coordinator.
        Coordinator = "coordinator",
    }
);

/// What an unacknowledged handover needs at `now`, given what has been sent already.
pub fn escalation(
    status: HandoverStatus,
    deadlines: Deadlines,
    reminded: bool,
    escalated: bool,
    now: UtcMillis,
) -> Option<Escalation> {
    if status != HandoverStatus::Sent {
        return None;
    }
    if now >= deadlines.escalate && !escalated {
        Some(Escalation::Coordinator)
    } else if now >= deadlines.due && !reminded {
        Some(Escalation::Reminder)
    } else {
        None
    }
}

/// Whether a handover is overdue at `now`: still not acknowledged after its deadline.
pub fn is_overdue(status: HandoverStatus, due: UtcMillis, now: UtcMillis) -> bool {
    status == HandoverStatus::Sent && now > due
}

/// Checks an outcome recorded by the receiving service: a move its status allows, and a reason
/// when the service is not competent or closes it.
pub fn check_outcome(
    from: HandoverStatus,
    to: &str,
    reason: &str,
) -> Result<(HandoverStatus, String), Invalid> {
    let mut errors = Invalid::default();
    let to = HandoverStatus::parse(to);
    match to {
        None => errors.push("outcome", Problem::UnknownCode),
        Some(t) if !from.next().contains(&t) => errors.push("outcome", Problem::BadTransition),
        Some(_) => {}
    }
    let reason = reason.trim();
    let needs_reason = matches!(
        to,
        Some(HandoverStatus::NotCompetent | HandoverStatus::Closed)
    );
    if needs_reason && reason.is_empty() {
        errors.push("reason", Problem::Required);
    } else if reason.chars().count() > 2000 {
        errors.push("reason", Problem::TooLong { max: 2000 });
    }
    match to {
        Some(t) if errors.is_empty() => Ok((t, reason.to_owned())),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests;
