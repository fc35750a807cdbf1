//! Escalation of a dispatch nobody answers. An alerted operator who does not acknowledge within
//! the Ambito's minutes hands the dispatch to the next field operator on call who has not had
//! it yet, again and again; when no one is left, the coordinator on call is told. A missed
//! check-in goes up the same chain: the alarm goes to the coordinator on call at once (the
//! operator on site may be in danger), and when the check-in is still missing after the same
//! minutes, the next field operator on call is told to go and see.

use crate::codes;
use crate::time::UtcMillis;
use crate::validation::Problem;

/// Minutes an alert waits for its acknowledgment, unless the Ambito sets otherwise.
pub const DEFAULT_ACK_MINUTES: u32 = 10;

codes!(
    /// Why a dispatch went up the chain.
    Cause {
        NoAck = "no_ack",
        CheckIn = "check_in",
    }
);

codes!(
    /// Who a step of the chain reached.
    Reached {
        /// The next field operator on call (the dispatch is theirs from then on, for `NoAck`).
        Operator = "operator",
        /// The coordinator on call.
        Coordinator = "coordinator",
        /// Nobody on call: the coordinators' board only.
        Nobody = "nobody",
    }
);

/// Checks the minutes an alert waits for its acknowledgment (1 to 120).
pub fn ack_minutes(raw: i64) -> Result<u32, Problem> {
    u32::try_from(raw)
        .ok()
        .filter(|m| (1..=120).contains(m))
        .ok_or(Problem::OutOfRange)
}

/// The next step of the chain of a dispatch not acknowledged: the first of the field
/// operators on call now (in the roster's order) who has not had the dispatch, else the
/// coordinator on call, else nobody. `had` are the operators who had it (the first one and
/// those it was handed to).
pub fn next_for_ack(
    on_call: &[i64],
    had: &[i64],
    coordinator: Option<i64>,
) -> (Reached, Option<i64>) {
    if let Some(next) = on_call.iter().find(|id| !had.contains(id)) {
        return (Reached::Operator, Some(*next));
    }
    match coordinator {
        Some(c) => (Reached::Coordinator, Some(c)),
        None => (Reached::Nobody, None),
    }
}

/// The second step of a missed check-in: the first field operator on call who is not the one
/// on site; nobody when there is none.
pub fn next_for_check_in(on_call: &[i64], on_site: i64) -> (Reached, Option<i64>) {
    match on_call.iter().find(|id| **id != on_site) {
        Some(next) => (Reached::Operator, Some(*next)),
        None => (Reached::Nobody, None),
    }
}

/// Whether a dispatch alerted (or last handed on) at `last` and still not acknowledged
/// escalates at `now`: `minutes` have gone by.
pub fn ack_due(last: UtcMillis, minutes: u32, now: UtcMillis) -> bool {
    now.0 >= last.0.saturating_add(i64::from(minutes) * 60_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_goes_through_the_operators_on_call_then_the_coordinator() {
        let on_call = [7, 8, 9];
        assert_eq!(
            next_for_ack(&on_call, &[7], Some(2)),
            (Reached::Operator, Some(8))
        );
        assert_eq!(
            next_for_ack(&on_call, &[7, 8], Some(2)),
            (Reached::Operator, Some(9))
        );
        assert_eq!(
            next_for_ack(&on_call, &[7, 8, 9], Some(2)),
            (Reached::Coordinator, Some(2))
        );
        assert_eq!(
            next_for_ack(&on_call, &[9, 8, 7], None),
            (Reached::Nobody, None)
        );
        // The alerted operator need not be on call (named by the Centrale).
        assert_eq!(
            next_for_ack(&[], &[4], Some(2)),
            (Reached::Coordinator, Some(2))
        );
        assert_eq!(
            next_for_ack(&on_call, &[4], None),
            (Reached::Operator, Some(7))
        );
    }

    #[test]
    fn a_missed_check_in_sends_a_colleague() {
        assert_eq!(next_for_check_in(&[7, 8], 7), (Reached::Operator, Some(8)));
        assert_eq!(next_for_check_in(&[8, 7], 7), (Reached::Operator, Some(8)));
        assert_eq!(next_for_check_in(&[7], 7), (Reached::Nobody, None));
        assert_eq!(next_for_check_in(&[], 7), (Reached::Nobody, None));
    }

    #[test]
    fn an_alert_escalates_when_its_minutes_have_gone_by() {
        let at = UtcMillis(1_800_000_000_000);
        assert!(!ack_due(at, 10, UtcMillis(at.0 + 599_999)));
        assert!(ack_due(at, 10, UtcMillis(at.0 + 600_000)));
        assert!(
            ack_due(UtcMillis(i64::MAX - 5), 120, UtcMillis(i64::MAX)),
            "no overflow"
        );
        assert_eq!(ack_minutes(0), Err(Problem::OutOfRange));
        assert_eq!(ack_minutes(1), Ok(1));
        assert_eq!(ack_minutes(120), Ok(120));
        assert_eq!(ack_minutes(121), Err(Problem::OutOfRange));
        assert_eq!(ack_minutes(-1), Err(Problem::OutOfRange));
        assert_eq!(ack_minutes(i64::MAX), Err(Problem::OutOfRange));
    }
}
