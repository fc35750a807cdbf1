//! The special procedures of a case by target group (domain.md §8), as a checklist: for an
//! unaccompanied minor (MSNA, L. 47/2017) the notices to the Procura presso il Tribunale per i
//! minorenni, to the Tribunale per i minorenni and to the Ministry of Labour, the interview with a
//! cultural mediator and the placement in a community; for a woman fleeing violence, the contact
//! with the anti-violence centre and the placement through it (recorded only as "struttura
//! protetta tramite CAV"). Each step records who did it, when and, for notices, the protocol
//! number; a step not done by its deadline is overdue.

use crate::codes;
use crate::report::TargetGroup;
use crate::time::UtcMillis;
use crate::validation::{Invalid, Problem, required_text};

codes!(
    /// One step of a special procedure.
    ProcedureStep {
        ProcuraMinori = "procura_minori",
        TribunaleMinori = "tribunale_minori",
        MinisteroLavoro = "ministero_lavoro",
        ColloquioMediatore = "colloquio_mediatore",
        CollocamentoComunita = "collocamento_comunita",
        ContattoCav = "contatto_cav",
        CollocamentoCav = "collocamento_cav",
    }
);

impl ProcedureStep {
    /// Whether the step is a formal notice, which has a protocol number.
    pub fn needs_protocol(self) -> bool {
        matches!(
            self,
            Self::ProcuraMinori | Self::TribunaleMinori | Self::MinisteroLavoro
        )
    }

    /// Hours from the report within which the step is due. The law asks the notices
    /// "immediately": the first working day is the outer limit the service holds itself to.
    pub fn due_hours(self) -> i64 {
        match self {
            Self::ContattoCav => 12,
            Self::ProcuraMinori | Self::TribunaleMinori | Self::CollocamentoComunita => 24,
            Self::MinisteroLavoro | Self::CollocamentoCav => 48,
            Self::ColloquioMediatore => 72,
        }
    }
}

/// The checklist of a target group (empty for groups without a special procedure).
pub fn checklist(group: TargetGroup) -> &'static [ProcedureStep] {
    use ProcedureStep as P;
    match group {
        TargetGroup::Msna => &[
            P::ProcuraMinori,
            P::TribunaleMinori,
            P::MinisteroLavoro,
            P::ColloquioMediatore,
            P::CollocamentoComunita,
        ],
        TargetGroup::ViolenzaGenere => &[P::ContattoCav, P::CollocamentoCav],
        _ => &[],
    }
}

/// A step as typed: `done_at` is Rome wall-clock time (`AAAA-MM-GGTHH:MM`) or RFC 3339.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct StepInput {
    pub step: String,
    pub done_at: String,
    pub done_by: String,
    pub protocol: String,
    pub note: String,
}

/// A step as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub step: ProcedureStep,
    pub done_at: UtcMillis,
    /// Who did it: a person or an office (the police sometimes send a notice themselves).
    pub done_by: String,
    pub protocol: Option<String>,
    pub note: String,
}

/// Five minutes of clock difference between a phone and the server are not "the future".
const CLOCK_SLACK_MS: i64 = 5 * 60_000;

impl StepInput {
    /// Checks the step against the checklist of `group`; an empty `done_at` is `now`.
    pub fn validate(&self, group: TargetGroup, now: UtcMillis) -> Result<StepRecord, Invalid> {
        let mut errors = Invalid::default();
        let step = ProcedureStep::parse(&self.step).filter(|s| checklist(group).contains(s));
        if step.is_none() {
            errors.push("step", Problem::UnknownCode);
        }
        let raw = self.done_at.trim();
        let done_at = if raw.is_empty() {
            now
        } else {
            match raw
                .parse::<jiff::Timestamp>()
                .ok()
                .map(UtcMillis::from_timestamp)
                .or_else(|| crate::time::parse_rome_local(raw))
            {
                Some(at) if at.0 > now.0 + CLOCK_SLACK_MS => {
                    errors.push("done_at", Problem::InFuture);
                    now
                }
                Some(at) => at,
                None => {
                    errors.push("done_at", Problem::InvalidDateTime);
                    now
                }
            }
        };
        let done_by = required_text(&mut errors, "done_by", &self.done_by, 200);
        let protocol = self.protocol.trim();
        if step.is_some_and(ProcedureStep::needs_protocol) && protocol.is_empty() {
            errors.push("protocol", Problem::Required);
        } else if protocol.chars().count() > 100 {
            errors.push("protocol", Problem::TooLong { max: 100 });
        }
        let note = self.note.trim();
        if note.chars().count() > 2000 {
            errors.push("note", Problem::TooLong { max: 2000 });
        }
        match step {
            Some(step) if errors.is_empty() => Ok(StepRecord {
                step,
                done_at,
                done_by,
                protocol: (!protocol.is_empty()).then(|| protocol.to_owned()),
                note: note.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

codes!(
    /// Where a step of the checklist stands.
    StepState {
        Done = "done",
        Pending = "pending",
        Overdue = "overdue",
    }
);

/// One line of a case's checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    pub step: ProcedureStep,
    pub due: UtcMillis,
    pub state: StepState,
    pub record: Option<StepRecord>,
}

/// The checklist of a case received at `received_at`, with what has been recorded, at `now`.
pub fn checklist_of(
    group: TargetGroup,
    received_at: UtcMillis,
    records: &[StepRecord],
    now: UtcMillis,
) -> Vec<ChecklistItem> {
    checklist(group)
        .iter()
        .map(|&step| {
            let due = UtcMillis(received_at.0 + step.due_hours() * 3_600_000);
            let record = records.iter().find(|r| r.step == step).cloned();
            let state = match &record {
                Some(_) => StepState::Done,
                None if now.0 > due.0 => StepState::Overdue,
                None => StepState::Pending,
            };
            ChecklistItem {
                step,
                due,
                state,
                record,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;
    const T0: UtcMillis = UtcMillis(1_800_000_000_000);

    fn input(step: &str, protocol: &str) -> StepInput {
        StepInput {
            step: step.into(),
            done_by: "Operatrice di turno".into(),
            protocol: protocol.into(),
            ..StepInput::default()
        }
    }

    #[test]
    fn an_unaccompanied_minor_has_five_steps_and_overdue_ones_show() {
        let sent = input("procura_minori", "PG 2026/1234")
            .validate(TargetGroup::Msna, T0)
            .unwrap();
        assert_eq!(sent.done_at, T0, "an empty time is now");
        let list = checklist_of(TargetGroup::Msna, T0, &[sent], UtcMillis(T0.0 + 25 * H));
        let states: Vec<_> = list.iter().map(|i| (i.step.code(), i.state)).collect();
        assert_eq!(
            states,
            [
                ("procura_minori", StepState::Done),
                ("tribunale_minori", StepState::Overdue),
                ("ministero_lavoro", StepState::Pending),
                ("colloquio_mediatore", StepState::Pending),
                ("collocamento_comunita", StepState::Overdue),
            ]
        );
        assert_eq!(list[1].due, UtcMillis(T0.0 + 24 * H));
        assert!(checklist(TargetGroup::SenzaDimora).is_empty());
        assert_eq!(
            checklist(TargetGroup::ViolenzaGenere),
            &[ProcedureStep::ContattoCav, ProcedureStep::CollocamentoCav]
        );
    }

    #[test]
    fn a_notice_needs_its_protocol_and_a_time_not_in_the_future() {
        let err = input("tribunale_minori", " ")
            .validate(TargetGroup::Msna, T0)
            .unwrap_err();
        assert_eq!(err, Invalid::one("protocol", Problem::Required));
        assert!(
            input("colloquio_mediatore", "")
                .validate(TargetGroup::Msna, T0)
                .is_ok(),
            "an interview has no protocol"
        );
        let mut later = input("procura_minori", "1");
        later.done_at = "2030-01-01T10:00".into();
        assert_eq!(
            later.validate(TargetGroup::Msna, T0).unwrap_err(),
            Invalid::one("done_at", Problem::InFuture)
        );
        let mut local = input("procura_minori", "1");
        local.done_at = "2026-11-21T23:30".into();
        let rec = local
            .validate(TargetGroup::Msna, UtcMillis(1_800_000_000_000))
            .unwrap();
        assert_eq!(
            rec.done_at.timestamp().to_string(),
            "2026-11-21T22:30:00Z",
            "typed in Rome time"
        );
    }

    #[test]
    fn a_step_must_belong_to_the_case_s_procedure() {
        let err = input("contatto_cav", "")
            .validate(TargetGroup::Msna, T0)
            .unwrap_err();
        assert_eq!(err.0[0].field, "step");
        let mut nobody = input("contatto_cav", "");
        nobody.done_by = String::new();
        let err = nobody
            .validate(TargetGroup::ViolenzaGenere, T0)
            .unwrap_err();
        assert_eq!(err, Invalid::one("done_by", Problem::Required));
    }
}
