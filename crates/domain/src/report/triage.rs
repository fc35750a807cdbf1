//! Triage (domain.md §3): the outcome, why, and a checklist that suggests an outcome while the
//! operator decides. The decision is always the operator's; every decision is kept.

use serde::Deserialize;

use crate::codes;
use crate::validation::{Invalid, Problem};

codes!(
    /// The outcome of a triage.
    Outcome {
        NonPertinente = "non_pertinente",
        Urgenza = "urgenza",
        Emergenza = "emergenza",
    }
);

impl Outcome {
    /// Order on the board: emergencies first.
    pub fn severity(self) -> u8 {
        match self {
            Self::Emergenza => 3,
            Self::Urgenza => 2,
            Self::NonPertinente => 1,
        }
    }
}

codes!(
    /// Why a report is not for the service (the seed's two kinds).
    NotPertinentReason {
        /// Not social: health (112/118), public order, outside the Ambito or the target groups.
        Casistica = "casistica",
        /// The request is not appropriate, or the ordinary service can handle it.
        Richiesta = "richiesta",
    }
);

codes!(
    /// The questions of the checklist.
    Criterion {
        DangerNow = "pericolo_immediato",
        NoSupportNetwork = "nessuna_rete",
        MinorAlone = "minore_solo",
        NoShelterTonight = "senza_riparo_stanotte",
        CanWaitForOffice = "puo_attendere",
        HealthOnly = "solo_sanitario",
        PublicOrderOnly = "solo_ordine_pubblico",
        OutsideAmbito = "fuori_ambito",
    }
);

/// The outcome the checklist suggests: any sign of "not ours" (and nothing urgent) suggests
/// non pertinente; danger, a minor alone, or no shelter tonight without a network suggests an
/// emergency; anything else an urgency.
pub fn suggest(checked: &[Criterion]) -> Outcome {
    use Criterion as C;
    let has = |c: Criterion| checked.contains(&c);
    let emergency = has(C::DangerNow)
        || has(C::MinorAlone)
        || (has(C::NoShelterTonight) && has(C::NoSupportNetwork));
    let not_ours = has(C::HealthOnly) || has(C::PublicOrderOnly) || has(C::OutsideAmbito);
    if emergency {
        Outcome::Emergenza
    } else if not_ours {
        Outcome::NonPertinente
    } else {
        Outcome::Urgenza
    }
}

/// A triage as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TriageInput {
    pub outcome: String,
    #[serde(deserialize_with = "crate::validation::null_as_default")]
    pub not_pertinent_reason: String,
    #[serde(deserialize_with = "crate::validation::null_as_default")]
    pub redirected_to: String,
    pub rationale: String,
    #[serde(deserialize_with = "crate::validation::null_as_default")]
    pub criteria: Vec<String>,
}

/// A checked triage decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Triage {
    pub outcome: Outcome,
    pub not_pertinent_reason: Option<NotPertinentReason>,
    pub redirected_to: Option<String>,
    pub rationale: String,
    pub criteria: Vec<Criterion>,
}

impl TriageInput {
    /// Outcome and rationale are required; a non-pertinent outcome also needs its reason and
    /// where the request was redirected.
    pub fn validate(&self) -> Result<Triage, Invalid> {
        let mut errors = Invalid::default();
        let outcome = if self.outcome.trim().is_empty() {
            errors.push("outcome", Problem::Required);
            None
        } else {
            let o = Outcome::parse(&self.outcome);
            if o.is_none() {
                errors.push("outcome", Problem::UnknownCode);
            }
            o
        };
        let reason = if self.not_pertinent_reason.trim().is_empty() {
            None
        } else {
            let r = NotPertinentReason::parse(&self.not_pertinent_reason);
            if r.is_none() {
                errors.push("not_pertinent_reason", Problem::UnknownCode);
            }
            r
        };
        let redirected_to = Some(self.redirected_to.trim().to_owned()).filter(|s| !s.is_empty());
        if redirected_to
            .as_ref()
            .is_some_and(|s| s.chars().count() > 200)
        {
            errors.push("redirected_to", Problem::TooLong { max: 200 });
        }
        if outcome == Some(Outcome::NonPertinente) {
            if self.not_pertinent_reason.trim().is_empty() {
                errors.push("not_pertinent_reason", Problem::Required);
            }
            if redirected_to.is_none() {
                errors.push("redirected_to", Problem::Required);
            }
        }
        let rationale = self.rationale.trim();
        if rationale.is_empty() {
            errors.push("rationale", Problem::Required);
        } else if rationale.chars().count() > 4000 {
            errors.push("rationale", Problem::TooLong { max: 4000 });
        }
        let mut criteria = Vec::new();
        for raw in self.criteria.iter().take(Criterion::ALL.len() + 1) {
            match Criterion::parse(raw) {
                Some(c) if !criteria.contains(&c) => criteria.push(c),
                Some(_) => {}
                None => errors.push("criteria", Problem::UnknownCode),
            }
        }
        match outcome {
            Some(outcome) if errors.is_empty() => Ok(Triage {
                outcome,
                not_pertinent_reason: reason.filter(|_| outcome == Outcome::NonPertinente),
                redirected_to: redirected_to.filter(|_| outcome == Outcome::NonPertinente),
                rationale: rationale.to_owned(),
                criteria,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checklist_suggests() {
        use Criterion as C;
        assert_eq!(suggest(&[C::DangerNow]), Outcome::Emergenza);
        assert_eq!(
            suggest(&[C::MinorAlone, C::OutsideAmbito]),
            Outcome::Emergenza
        );
        assert_eq!(
            suggest(&[C::NoShelterTonight, C::NoSupportNetwork]),
            Outcome::Emergenza
        );
        assert_eq!(suggest(&[C::NoShelterTonight]), Outcome::Urgenza);
        assert_eq!(suggest(&[C::HealthOnly]), Outcome::NonPertinente);
        assert_eq!(suggest(&[]), Outcome::Urgenza);
    }

    #[test]
    fn a_non_pertinent_outcome_needs_its_reason_and_destination() {
        let err = TriageInput {
            outcome: "non_pertinente".into(),
            rationale: "Solo sanitario".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["not_pertinent_reason", "redirected_to"]);
        let ok = TriageInput {
            outcome: "non_pertinente".into(),
            not_pertinent_reason: "casistica".into(),
            redirected_to: "118".into(),
            rationale: "Solo sanitario".into(),
            criteria: vec!["solo_sanitario".into()],
        }
        .validate()
        .unwrap();
        assert_eq!(ok.not_pertinent_reason, Some(NotPertinentReason::Casistica));
    }

    #[test]
    fn outcome_and_rationale_are_required_and_codes_checked() {
        let err = TriageInput {
            outcome: "gravissimo".into(),
            criteria: vec!["boh".into()],
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| (e.field, e.problem)).collect();
        assert_eq!(
            fields,
            [
                ("outcome", Problem::UnknownCode),
                ("rationale", Problem::Required),
                ("criteria", Problem::UnknownCode),
            ]
        );
        // Reason and destination are dropped for other outcomes.
        let t = TriageInput {
            outcome: "emergenza".into(),
            not_pertinent_reason: "casistica".into(),
            redirected_to: "x".into(),
            rationale: "Pericolo".into(),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!((t.not_pertinent_reason, t.redirected_to), (None, None));
    }
}
