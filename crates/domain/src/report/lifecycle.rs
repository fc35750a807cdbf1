//! The life of a report (domain.md §5): each status, the statuses it may move to, and the rule
//! that refuses any other move. Every move is stored with who, when and a note.

use crate::codes;
use crate::report::triage::Outcome;

codes!(
    /// Where a report stands.
    Status {
        Received = "received",
        Triaged = "triaged",
        Redirected = "redirected",
        Advice = "advice",
        HandoverQueued = "handover_queued",
        OperatorAlerted = "operator_alerted",
        Accepted = "accepted",
        OnSite = "on_site",
        Remote = "remote",
        ResourcesRequested = "resources_requested",
        ResourcesConfirmed = "resources_confirmed",
        Placed = "placed",
        InterventionClosed = "intervention_closed",
        HandoverSent = "handover_sent",
        HandoverAcknowledged = "handover_acknowledged",
        Closed = "closed",
    }
);

codes!(
    /// How a case ends.
    ClosingOutcome {
        Placed = "placed",
        ReturnedHome = "returned_home",
        RefusedHelp = "refused_help",
        Referred = "referred",
        NoActionNeeded = "no_action_needed",
    }
);

codes!(
    /// What a reporter is told of a report: no more than where it stands.
    ReporterStage {
        Received = "received",
        InProgress = "in_progress",
        HandedOver = "handed_over",
        Closed = "closed",
    }
);

impl ClosingOutcome {
    /// The closing outcome typed in a form or a body, if any: empty is none, an unknown code is
    /// refused on the field `closing_outcome`.
    pub fn from_input(raw: &str) -> Result<Option<Self>, crate::validation::Invalid> {
        match raw.trim() {
            "" => Ok(None),
            code => Self::parse(code).map(Some).ok_or_else(|| {
                crate::validation::Invalid::one(
                    "closing_outcome",
                    crate::validation::Problem::UnknownCode,
                )
            }),
        }
    }
}

impl Status {
    /// Where the report stands for the reporter who sent it.
    pub fn reporter_stage(self) -> ReporterStage {
        use Status as S;
        match self {
            S::Received => ReporterStage::Received,
            S::HandoverSent | S::HandoverAcknowledged => ReporterStage::HandedOver,
            S::Closed => ReporterStage::Closed,
            _ => ReporterStage::InProgress,
        }
    }

    /// Whether the report still needs someone (it shows on the live board).
    pub fn is_open(self) -> bool {
        self != Self::Closed
    }

    /// The statuses a report may move to from this one by an explicit step. Triage (and
    /// re-triage) is its own action and always leads to `triaged`.
    pub fn next(self, outcome: Option<Outcome>) -> &'static [Status] {
        use Status as S;
        match self {
            S::Received | S::Closed => &[],
            S::Triaged => match outcome {
                Some(Outcome::NonPertinente) => &[S::Redirected, S::Closed],
                Some(Outcome::Urgenza) => &[S::Advice, S::HandoverQueued],
                Some(Outcome::Emergenza) => &[S::OperatorAlerted],
                None => &[],
            },
            S::Redirected => &[S::Closed],
            // A service that is not competent gives the case back to be sent elsewhere.
            S::HandoverAcknowledged => &[S::Closed, S::HandoverQueued],
            S::Advice | S::InterventionClosed => &[S::HandoverQueued, S::Closed],
            S::HandoverQueued => &[S::HandoverSent],
            S::OperatorAlerted => &[S::Accepted],
            S::Accepted => &[S::OnSite, S::Remote],
            S::OnSite | S::Remote => &[S::ResourcesRequested, S::InterventionClosed],
            S::ResourcesRequested => &[S::ResourcesConfirmed, S::InterventionClosed],
            S::ResourcesConfirmed => &[S::Placed, S::InterventionClosed],
            S::Placed => &[S::InterventionClosed],
            S::HandoverSent => &[S::HandoverAcknowledged],
        }
    }

    /// Statuses reached only through the handover (sending it, the service's answer), never
    /// by a plain move.
    pub fn by_handover_only(self) -> bool {
        matches!(
            self,
            Self::HandoverQueued | Self::HandoverSent | Self::HandoverAcknowledged
        )
    }

    /// The status a closed report returns to when reopened: triaged if it ever was.
    pub fn reopened(outcome: Option<Outcome>) -> Self {
        if outcome.is_some() {
            Self::Triaged
        } else {
            Self::Received
        }
    }

    /// Whether the report can be (re-)triaged now: any time before it is closed.
    pub fn can_triage(self) -> bool {
        self != Self::Closed
    }
}

/// Why a move was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a report in status {from} cannot move to {to}")]
pub struct BadTransition {
    pub from: Status,
    pub to: Status,
}

/// Checks a move; `outcome` is the latest triage, if any.
pub fn check(from: Status, to: Status, outcome: Option<Outcome>) -> Result<(), BadTransition> {
    if from.next(outcome).contains(&to) {
        Ok(())
    } else {
        Err(BadTransition { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closing_outcome_is_read_from_what_was_typed() {
        assert_eq!(ClosingOutcome::from_input(""), Ok(None));
        assert_eq!(ClosingOutcome::from_input("  "), Ok(None));
        assert_eq!(
            ClosingOutcome::from_input(" placed "),
            Ok(Some(ClosingOutcome::Placed))
        );
        let refused = ClosingOutcome::from_input("placed\0").unwrap_err();
        assert_eq!(refused.0[0].field, "closing_outcome");
        assert!(ClosingOutcome::from_input("Placed").is_err());
    }

    #[test]
    fn an_emergency_runs_its_whole_course() {
        let path = [
            Status::Triaged,
            Status::OperatorAlerted,
            Status::Accepted,
            Status::OnSite,
            Status::ResourcesRequested,
            Status::ResourcesConfirmed,
            Status::Placed,
            Status::InterventionClosed,
            Status::HandoverQueued,
            Status::HandoverSent,
            Status::HandoverAcknowledged,
            Status::Closed,
        ];
        for pair in path.windows(2) {
            assert_eq!(
                check(pair[0], pair[1], Some(Outcome::Emergenza)),
                Ok(()),
                "{pair:?}"
            );
        }
    }

    #[test]
    fn the_outcome_decides_the_first_step() {
        assert!(
            check(
                Status::Triaged,
                Status::Redirected,
                Some(Outcome::NonPertinente)
            )
            .is_ok()
        );
        assert!(
            check(
                Status::Triaged,
                Status::OperatorAlerted,
                Some(Outcome::NonPertinente)
            )
            .is_err()
        );
        assert!(check(Status::Triaged, Status::Advice, Some(Outcome::Urgenza)).is_ok());
        assert!(check(Status::Triaged, Status::Advice, None).is_err());
    }

    #[test]
    fn a_reporter_sees_four_stages_only() {
        assert_eq!(Status::Received.reporter_stage(), ReporterStage::Received);
        assert_eq!(Status::OnSite.reporter_stage(), ReporterStage::InProgress);
        assert_eq!(
            Status::HandoverQueued.reporter_stage(),
            ReporterStage::InProgress
        );
        assert_eq!(
            Status::HandoverAcknowledged.reporter_stage(),
            ReporterStage::HandedOver
        );
        assert_eq!(Status::Closed.reporter_stage(), ReporterStage::Closed);
    }

    #[test]
    fn nothing_skips_triage_or_leaves_closed() {
        for to in Status::ALL {
            assert!(check(Status::Received, *to, None).is_err(), "{to}");
            assert!(
                check(Status::Closed, *to, Some(Outcome::Urgenza)).is_err(),
                "{to}"
            );
        }
        assert!(!Status::Closed.can_triage());
        assert!(Status::Placed.can_triage());
        let err = check(Status::Received, Status::Closed, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "a report in status received cannot move to closed"
        );
    }
}
