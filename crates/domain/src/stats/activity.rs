//! The activity report: how many reports, how they were triaged, and which target groups the
//! emergencies concerned — with exactly the rows and labels of the table the service already
//! publishes first, then more.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::report::TargetGroup;
use crate::report::triage::{NotPertinentReason, Outcome};

/// What the activity report needs of one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub outcome: Option<Outcome>,
    pub not_pertinent_reason: Option<NotPertinentReason>,
    pub target_group: TargetGroup,
}

/// The counts of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Activity {
    pub reports: u64,
    pub not_pertinent: u64,
    /// By reason: `casistica`, `richiesta` (and `non_indicata` when none was recorded).
    pub not_pertinent_by_reason: BTreeMap<String, u64>,
    pub urgencies: u64,
    pub emergencies: u64,
    /// Every target group code, zero included.
    pub emergencies_by_target_group: BTreeMap<String, u64>,
    /// Reports not triaged yet.
    pub untriaged: u64,
}

/// Counts the reports of a period.
pub fn activity(rows: impl IntoIterator<Item = Counted>) -> Activity {
    activity_of_groups(rows.into_iter().map(|r| (r, 1)))
}

/// Counts the reports of a period given as groups of equal rows with their sizes (as the
/// database groups them).
pub fn activity_of_groups(groups: impl IntoIterator<Item = (Counted, u64)>) -> Activity {
    let mut a = Activity {
        emergencies_by_target_group: TargetGroup::ALL
            .iter()
            .map(|g| (g.code().to_owned(), 0))
            .collect(),
        not_pertinent_by_reason: NotPertinentReason::ALL
            .iter()
            .map(|r| (r.code().to_owned(), 0))
            .collect(),
        ..Activity::default()
    };
    for (row, n) in groups {
        a.reports += n;
        match row.outcome {
            None => a.untriaged += n,
            Some(Outcome::NonPertinente) => {
                a.not_pertinent += n;
                let reason = row
                    .not_pertinent_reason
                    .map_or("non_indicata", NotPertinentReason::code);
                *a.not_pertinent_by_reason
                    .entry(reason.to_owned())
                    .or_default() += n;
            }
            Some(Outcome::Urgenza) => a.urgencies += n,
            Some(Outcome::Emergenza) => {
                a.emergencies += n;
                *a.emergencies_by_target_group
                    .entry(row.target_group.code().to_owned())
                    .or_default() += n;
            }
        }
    }
    a
}

/// One row of the table: its label's message id, its value (none for a heading such as "di
/// cui:") and whether it is one of the published table's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub label: &'static str,
    pub value: Option<u64>,
    pub published: bool,
    /// A count about a protected group, hidden from analysts when small.
    pub protected: bool,
}

/// The table: the published rows, in their order, then the rest.
pub fn table(a: &Activity) -> Vec<Row> {
    let g = |code: &str| {
        a.emergencies_by_target_group
            .get(code)
            .copied()
            .unwrap_or(0)
    };
    let r = |code: &str| a.not_pertinent_by_reason.get(code).copied().unwrap_or(0);
    let published = |label, value| Row {
        label,
        value,
        published: true,
        protected: false,
    };
    let more = |label, value| Row {
        label,
        value: Some(value),
        published: false,
        protected: false,
    };
    vec![
        published("activity-reports", Some(a.reports)),
        published("activity-of-which", None),
        published("activity-not-pertinent", Some(a.not_pertinent)),
        published("activity-urgencies", Some(a.urgencies)),
        published("activity-emergencies", Some(a.emergencies)),
        published("activity-emergencies-about", None),
        published("activity-calamities", Some(g("emergenza_abitativa"))),
        published(
            "activity-adults-homeless",
            Some(g("senza_dimora") + g("grave_emarginazione")),
        ),
        Row {
            protected: true,
            ..published("activity-msna", Some(g("msna")))
        },
        Row {
            protected: true,
            ..more("activity-violence", g("violenza_genere"))
        },
        more("activity-frail", g("fragilita")),
        more("activity-other", g("altro")),
        more("activity-not-pertinent-case", r("casistica")),
        more("activity-not-pertinent-request", r("richiesta")),
        more("activity-untriaged", a.untriaged),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(outcome: Option<Outcome>, group: TargetGroup, count: usize) -> Vec<Counted> {
        let reason =
            (outcome == Some(Outcome::NonPertinente)).then_some(NotPertinentReason::Casistica);
        vec![
            Counted {
                outcome,
                not_pertinent_reason: reason,
                target_group: group,
            };
            count
        ]
    }

    /// The published table, July 2023 – September 2025: 86 reports, 19 not pertinent, 17
    /// urgencies, 50 emergencies of which 8 calamities, 7 adults or homeless, 21 MSNA.
    #[test]
    fn the_published_table_comes_back_from_its_reports() {
        use Outcome::{Emergenza, NonPertinente, Urgenza};
        use TargetGroup as G;
        let rows = [
            n(Some(NonPertinente), G::Altro, 19),
            n(Some(Urgenza), G::Fragilita, 17),
            n(Some(Emergenza), G::EmergenzaAbitativa, 8),
            n(Some(Emergenza), G::SenzaDimora, 4),
            n(Some(Emergenza), G::GraveEmarginazione, 3),
            n(Some(Emergenza), G::Msna, 21),
            n(Some(Emergenza), G::ViolenzaGenere, 9),
            n(Some(Emergenza), G::Fragilita, 5),
        ]
        .concat();
        let a = activity(rows);
        assert_eq!(
            (
                a.reports,
                a.not_pertinent,
                a.urgencies,
                a.emergencies,
                a.untriaged
            ),
            (86, 19, 17, 50, 0)
        );
        let published: Vec<_> = table(&a)
            .into_iter()
            .filter(|r| r.published)
            .map(|r| (r.label, r.value))
            .collect();
        assert_eq!(
            published,
            [
                ("activity-reports", Some(86)),
                ("activity-of-which", None),
                ("activity-not-pertinent", Some(19)),
                ("activity-urgencies", Some(17)),
                ("activity-emergencies", Some(50)),
                ("activity-emergencies-about", None),
                ("activity-calamities", Some(8)),
                ("activity-adults-homeless", Some(7)),
                ("activity-msna", Some(21)),
            ]
        );
        assert_eq!(
            a.emergencies_by_target_group["altro"], 0,
            "every group listed"
        );
        assert_eq!(a.not_pertinent_by_reason["casistica"], 19);
    }

    #[test]
    fn untriaged_reports_count_apart() {
        let a = activity(n(None, TargetGroup::Msna, 2));
        assert_eq!((a.reports, a.untriaged, a.emergencies), (2, 2, 0));
        let mut unknown = n(Some(Outcome::NonPertinente), TargetGroup::Altro, 1);
        unknown[0].not_pertinent_reason = None;
        assert_eq!(activity(unknown).not_pertinent_by_reason["non_indicata"], 1);
    }
}
