//! The intervention on an emergency (domain.md §5): the on-call field operator is alerted,
//! acknowledges, sets off, arrives on site (or acts by phone only), meets the persons, assesses,
//! and ends the intervention. While on site, the operator checks in at a fixed interval; a
//! missed check-in raises an alarm (lone-worker safety).
//!
//! [`procedures`] holds the checklists of the special procedures (MSNA, violence).

pub mod escalation;
pub mod procedures;

use crate::codes;
use crate::report::lifecycle::Status;
use crate::time::UtcMillis;
use crate::validation::{Invalid, Problem, required_text};

/// How often an operator on site checks in, unless configured otherwise.
pub const DEFAULT_CHECK_IN_MINUTES: u32 = 45;

codes!(
    /// A step the operator (or the Centrale for them) records.
    FieldStep {
        Acknowledge = "acknowledge",
        Depart = "depart",
        Arrive = "arrive",
        Remote = "remote",
        CheckIn = "check_in",
        Assess = "assess",
        End = "end",
        Cancel = "cancel",
    }
);

codes!(
    /// Where a dispatch stands, as the board shows it.
    Stage {
        Alerted = "alerted",
        Acknowledged = "acknowledged",
        Departed = "departed",
        OnSite = "on_site",
        Remote = "remote",
        Ended = "ended",
        Cancelled = "cancelled",
    }
);

impl FieldStep {
    /// The report status this step leads to, when the report's lifecycle allows it.
    pub fn report_status(self) -> Option<Status> {
        match self {
            Self::Acknowledge => Some(Status::Accepted),
            Self::Arrive => Some(Status::OnSite),
            Self::Remote => Some(Status::Remote),
            Self::End => Some(Status::InterventionClosed),
            Self::Depart | Self::CheckIn | Self::Assess | Self::Cancel => None,
        }
    }
}

/// What the operator found: how many persons they met and their assessment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub persons_met: u32,
    pub text: String,
}

impl Assessment {
    /// Checks the raw fields `persons_met` and `assessment`.
    pub fn parse(persons_met: Option<i64>, text: &str) -> Result<Self, Invalid> {
        let mut errors = Invalid::default();
        let persons_met = match persons_met {
            None => {
                errors.push("persons_met", Problem::Required);
                0
            }
            Some(n) => u32::try_from(n)
                .ok()
                .filter(|n| *n <= 99)
                .unwrap_or_else(|| {
                    errors.push("persons_met", Problem::OutOfRange);
                    0
                }),
        };
        let text = required_text(&mut errors, "assessment", text, 4000);
        errors.into_result(Self { persons_met, text })
    }
}

/// The alert of one operator for one report, and what happened since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatch {
    pub alerted_at: UtcMillis,
    pub acknowledged_at: Option<UtcMillis>,
    pub departed_at: Option<UtcMillis>,
    pub arrived_at: Option<UtcMillis>,
    pub remote_at: Option<UtcMillis>,
    pub assessed_at: Option<UtcMillis>,
    pub assessment: Option<Assessment>,
    pub last_check_in_at: Option<UtcMillis>,
    pub check_in_minutes: u32,
    pub ended_at: Option<UtcMillis>,
    pub cancelled_at: Option<UtcMillis>,
}

impl Dispatch {
    /// A new alert at `at`.
    pub fn alerted(at: UtcMillis, check_in_minutes: u32) -> Self {
        Self {
            alerted_at: at,
            acknowledged_at: None,
            departed_at: None,
            arrived_at: None,
            remote_at: None,
            assessed_at: None,
            assessment: None,
            last_check_in_at: None,
            check_in_minutes,
            ended_at: None,
            cancelled_at: None,
        }
    }

    /// Where it stands and since when.
    pub fn stage(&self) -> (Stage, UtcMillis) {
        let steps = [
            (self.cancelled_at, Stage::Cancelled),
            (self.ended_at, Stage::Ended),
            (self.remote_at, Stage::Remote),
            (self.arrived_at, Stage::OnSite),
            (self.departed_at, Stage::Departed),
            (self.acknowledged_at, Stage::Acknowledged),
        ];
        steps
            .into_iter()
            .find_map(|(at, stage)| at.map(|at| (stage, at)))
            .unwrap_or((Stage::Alerted, self.alerted_at))
    }

    /// Whether the dispatch is still under way.
    pub fn is_active(&self) -> bool {
        self.ended_at.is_none() && self.cancelled_at.is_none()
    }

    /// The steps that may be recorded now, in the order an operator meets them.
    pub fn allowed(&self) -> Vec<FieldStep> {
        FieldStep::ALL
            .iter()
            .copied()
            .filter(|s| self.check(*s).is_ok())
            .collect()
    }

    fn check(&self, step: FieldStep) -> Result<(), Problem> {
        let (stage, _) = self.stage();
        let ok = match step {
            FieldStep::Acknowledge => stage == Stage::Alerted,
            FieldStep::Depart | FieldStep::Remote => stage == Stage::Acknowledged,
            FieldStep::Arrive => matches!(stage, Stage::Acknowledged | Stage::Departed),
            FieldStep::CheckIn => stage == Stage::OnSite,
            FieldStep::Assess | FieldStep::End => matches!(stage, Stage::OnSite | Stage::Remote),
            FieldStep::Cancel => {
                matches!(
                    stage,
                    Stage::Alerted | Stage::Acknowledged | Stage::Departed
                )
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Problem::BadTransition)
        }
    }

    /// Records `step` at `at`; an assessment needs its content. Refused on the field `step`
    /// when the step does not follow from where the dispatch stands.
    pub fn apply(
        &mut self,
        step: FieldStep,
        at: UtcMillis,
        assessment: Option<Assessment>,
    ) -> Result<(), Invalid> {
        self.check(step).map_err(|p| Invalid::one("step", p))?;
        match step {
            FieldStep::Acknowledge => self.acknowledged_at = Some(at),
            FieldStep::Depart => self.departed_at = Some(at),
            FieldStep::Arrive => self.arrived_at = Some(at),
            FieldStep::Remote => self.remote_at = Some(at),
            FieldStep::CheckIn => self.last_check_in_at = Some(at),
            FieldStep::Assess => {
                let Some(assessment) = assessment else {
                    return Err(Invalid::one("assessment", Problem::Required));
                };
                self.assessed_at = Some(at);
                self.assessment = Some(assessment);
            }
            FieldStep::End => self.ended_at = Some(at),
            FieldStep::Cancel => self.cancelled_at = Some(at),
        }
        Ok(())
    }

    /// When the next check-in is due: only while the operator is on site.
    pub fn check_in_due(&self) -> Option<UtcMillis> {
        let (stage, _) = self.stage();
        if stage != Stage::OnSite {
            return None;
        }
        // A check-in timed on the phone may predate the arrival recorded at the Centrale.
        let from = match (self.last_check_in_at, self.arrived_at) {
            (Some(c), Some(a)) => UtcMillis(c.0.max(a.0)),
            (c, a) => c.or(a)?,
        };
        Some(UtcMillis(
            from.0 + i64::from(self.check_in_minutes) * 60_000,
        ))
    }

    /// Whether the operator has missed a check-in at `now`.
    pub fn check_in_missed(&self, now: UtcMillis) -> bool {
        self.check_in_due().is_some_and(|due| now.0 > due.0)
    }
}

/// How long a phone may keep a step or a note made without network.
pub const OFFLINE_KEPT_MS: i64 = 24 * 3_600_000;
/// How far a phone's clock may run ahead of the server's.
pub const PHONE_CLOCK_AHEAD_MS: i64 = 2 * 60_000;

/// The time a step or a note was tapped on the phone without network (RFC 3339), as sent with
/// it when the network came back: at most a day before `now` and two minutes after it (a
/// phone's clock runs a little off); empty: not made offline.
pub fn tapped_at(raw: &str, now: UtcMillis) -> Result<Option<UtcMillis>, Problem> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let at = raw
        .parse::<jiff::Timestamp>()
        .map_err(|_| Problem::InvalidDateTime)?
        .as_millisecond();
    if at < now.0.saturating_sub(OFFLINE_KEPT_MS) {
        return Err(Problem::OutOfRange);
    }
    if at > now.0.saturating_add(PHONE_CLOCK_AHEAD_MS) {
        return Err(Problem::InFuture);
    }
    Ok(Some(UtcMillis(at)))
}

/// Checks the configured check-in interval (minutes, 5 to 240).
pub fn check_in_minutes(raw: i64) -> Result<u32, Problem> {
    u32::try_from(raw)
        .ok()
        .filter(|m| (5..=240).contains(m))
        .ok_or(Problem::OutOfRange)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    fn at(minutes: i64) -> UtcMillis {
        UtcMillis(1_800_000_000_000 + minutes * MIN)
    }

    #[test]
    fn a_tap_made_offline_is_taken_within_a_day_and_a_phone_clock_a_little_ahead() {
        let now = at(0);
        let iso = |m: i64| {
            jiff::Timestamp::from_millisecond(at(m).0)
                .unwrap()
                .to_string()
        };
        assert_eq!(tapped_at("", now), Ok(None));
        assert_eq!(tapped_at("  ", now), Ok(None));
        assert_eq!(tapped_at(&iso(-30), now), Ok(Some(at(-30))));
        assert_eq!(tapped_at(&iso(-24 * 60), now), Ok(Some(at(-24 * 60))));
        assert_eq!(tapped_at(&iso(-24 * 60 - 1), now), Err(Problem::OutOfRange));
        assert_eq!(tapped_at(&iso(2), now), Ok(Some(at(2))));
        assert_eq!(tapped_at(&iso(3), now), Err(Problem::InFuture));
        assert_eq!(
            tapped_at("0001-01-01T00:00:00Z", now),
            Err(Problem::OutOfRange)
        );
        assert_eq!(
            tapped_at("2999-01-01T00:00:00Z", now),
            Err(Problem::InFuture)
        );
        assert_eq!(tapped_at("ieri sera", now), Err(Problem::InvalidDateTime));
        assert_eq!(
            tapped_at("2026-12-07T23:00:00\0Z", now),
            Err(Problem::InvalidDateTime)
        );
        assert_eq!(
            tapped_at("2026-12-07 23:00", now),
            Err(Problem::InvalidDateTime)
        );
        let late = UtcMillis(i64::MAX);
        assert_eq!(
            tapped_at(&iso(0), late),
            Err(Problem::OutOfRange),
            "no overflow"
        );
    }

    #[test]
    fn a_check_in_tapped_before_the_arrival_was_recorded_counts_from_the_arrival() {
        let mut d = Dispatch::alerted(at(0), 45);
        d.apply(FieldStep::Acknowledge, at(1), None).unwrap();
        d.apply(FieldStep::Arrive, at(20), None).unwrap();
        d.apply(FieldStep::CheckIn, at(15), None).unwrap();
        assert_eq!(d.check_in_due(), Some(at(65)));
    }

    #[test]
    fn an_operator_goes_on_site_checks_in_and_ends() {
        let mut d = Dispatch::alerted(at(0), 45);
        assert_eq!(d.stage(), (Stage::Alerted, at(0)));
        assert_eq!(d.allowed(), vec![FieldStep::Acknowledge, FieldStep::Cancel]);
        d.apply(FieldStep::Acknowledge, at(3), None).unwrap();
        d.apply(FieldStep::Depart, at(5), None).unwrap();
        assert_eq!(d.check_in_due(), None, "no timer while travelling");
        d.apply(FieldStep::Arrive, at(25), None).unwrap();
        assert_eq!(d.stage(), (Stage::OnSite, at(25)));
        assert_eq!(d.check_in_due(), Some(at(70)));
        assert!(!d.check_in_missed(at(70)));
        assert!(d.check_in_missed(at(71)));
        d.apply(FieldStep::CheckIn, at(60), None).unwrap();
        assert_eq!(d.check_in_due(), Some(at(105)));
        let found = Assessment::parse(Some(2), "Madre e figlio, nessuna ferita").unwrap();
        d.apply(FieldStep::Assess, at(80), Some(found.clone()))
            .unwrap();
        assert_eq!(d.assessment, Some(found));
        d.apply(FieldStep::End, at(120), None).unwrap();
        assert_eq!(d.stage(), (Stage::Ended, at(120)));
        assert!(!d.is_active());
        assert_eq!(d.check_in_due(), None, "no alarm after the end");
        assert!(d.allowed().is_empty());
    }

    #[test]
    fn steps_out_of_order_are_refused_on_the_step_field() {
        let mut d = Dispatch::alerted(at(0), 45);
        for step in [
            FieldStep::Depart,
            FieldStep::Arrive,
            FieldStep::CheckIn,
            FieldStep::End,
        ] {
            let err = d.apply(step, at(1), None).unwrap_err();
            assert_eq!(err.0[0].field, "step", "{step}");
        }
        d.apply(FieldStep::Acknowledge, at(1), None).unwrap();
        d.apply(FieldStep::Remote, at(2), None).unwrap();
        assert_eq!(d.check_in_due(), None, "by phone: no lone-worker timer");
        assert!(d.apply(FieldStep::Arrive, at(3), None).is_err());
        assert!(d.apply(FieldStep::Cancel, at(3), None).is_err());
        let err = d.apply(FieldStep::Assess, at(3), None).unwrap_err();
        assert_eq!(err.0[0].field, "assessment");
        assert_eq!(d.assessed_at, None, "nothing changes on a refusal");
    }

    #[test]
    fn an_alert_not_yet_on_site_can_be_withdrawn() {
        let mut d = Dispatch::alerted(at(0), 45);
        d.apply(FieldStep::Acknowledge, at(1), None).unwrap();
        d.apply(FieldStep::Cancel, at(2), None).unwrap();
        assert_eq!(d.stage().0, Stage::Cancelled);
        assert!(d.allowed().is_empty());
    }

    #[test]
    fn steps_name_the_report_status_they_lead_to() {
        assert_eq!(
            FieldStep::Acknowledge.report_status(),
            Some(Status::Accepted)
        );
        assert_eq!(FieldStep::Arrive.report_status(), Some(Status::OnSite));
        assert_eq!(FieldStep::CheckIn.report_status(), None);
    }

    #[test]
    fn the_assessment_and_interval_are_checked() {
        let err = Assessment::parse(None, " ").unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["persons_met", "assessment"]);
        assert!(Assessment::parse(Some(-1), "x").is_err());
        assert!(Assessment::parse(Some(100), "x").is_err());
        assert_eq!(check_in_minutes(45), Ok(45));
        assert_eq!(check_in_minutes(4), Err(Problem::OutOfRange));
        assert_eq!(check_in_minutes(241), Err(Problem::OutOfRange));
    }
}
