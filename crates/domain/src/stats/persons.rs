//! Statistics by person for a period: distinct persons by sex and age band, persons reported
//! more than once (repeat), and the persons handed to a social service who were reported again
//! within 90 days. A count is "protected" when a person it counts appears in a protected
//! record of the period, so that its small values are hidden like a protected group's.

use crate::report::{AgeBand, Sex};

/// Days after a handover within which a new report counts as a re-report.
pub const REREPORT_DAYS: i64 = 90;

/// The persons seen in the period alike in sex, age band, repeat and protection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub sex: Sex,
    pub age_band: Option<AgeBand>,
    /// Named in more than one report of the period.
    pub repeat: bool,
    /// Named in a protected record of the period.
    pub protected: bool,
    pub persons: u64,
}

/// The persons handed to a social service in the period alike in re-report and protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandedOver {
    /// Reported again within [`REREPORT_DAYS`] after the handover.
    pub rereported: bool,
    pub protected: bool,
    pub persons: u64,
}

/// A count, and whether a person it counts is in a protected record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cell {
    pub count: u64,
    pub protected: bool,
}

impl Cell {
    fn add(&mut self, n: u64, protected: bool) {
        self.count += n;
        self.protected |= protected && n > 0;
    }
}

/// The statistics by person of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonStats {
    pub distinct: Cell,
    /// Every sex, zero included, in the order of the codes.
    pub by_sex: Vec<(Sex, Cell)>,
    /// Every age band, zero included, then the persons of no known band (`None`).
    pub by_band: Vec<(Option<AgeBand>, Cell)>,
    /// Persons with more than one report in the period.
    pub repeat: Cell,
    pub handed_over: Cell,
    /// Of those, reported again within 90 days.
    pub rereported: Cell,
}

impl PersonStats {
    /// The share (0–1) of the persons handed over who were reported again; none when no one
    /// was handed over.
    pub fn rereported_share(&self) -> Option<f64> {
        let all = u32::try_from(self.handed_over.count).ok()?;
        let again = u32::try_from(self.rereported.count).ok()?;
        (all > 0).then(|| f64::from(again) / f64::from(all))
    }
}

/// The statistics of the persons `seen` and `handed` in a period.
pub fn person_stats(seen: &[Seen], handed: &[HandedOver]) -> PersonStats {
    let mut s = PersonStats {
        by_sex: Sex::ALL.iter().map(|x| (*x, Cell::default())).collect(),
        by_band: AgeBand::ALL
            .iter()
            .map(|b| (Some(*b), Cell::default()))
            .chain(std::iter::once((None, Cell::default())))
            .collect(),
        ..PersonStats::default()
    };
    for p in seen {
        let (n, protected) = (p.persons, p.protected);
        s.distinct.add(n, protected);
        if let Some((_, c)) = s.by_sex.iter_mut().find(|(x, _)| *x == p.sex) {
            c.add(n, protected);
        }
        if let Some((_, c)) = s.by_band.iter_mut().find(|(b, _)| *b == p.age_band) {
            c.add(n, protected);
        }
        if p.repeat {
            s.repeat.add(n, protected);
        }
    }
    for h in handed {
        s.handed_over.add(h.persons, h.protected);
        if h.rereported {
            s.rereported.add(h.persons, h.protected);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(sex: Sex, band: Option<AgeBand>, repeat: bool, protected: bool) -> Seen {
        Seen {
            sex,
            age_band: band,
            repeat,
            protected,
            persons: 1,
        }
    }

    #[test]
    fn persons_are_counted_once_by_sex_and_band_and_repeats_apart() {
        let s = person_stats(
            &[
                seen(Sex::M, Some(AgeBand::Da30a64), true, false),
                seen(Sex::F, Some(AgeBand::Da30a64), false, true),
                seen(Sex::F, None, true, false),
            ],
            &[
                HandedOver {
                    rereported: true,
                    protected: false,
                    persons: 1,
                },
                HandedOver {
                    rereported: false,
                    protected: false,
                    persons: 1,
                },
                HandedOver {
                    rereported: false,
                    protected: true,
                    persons: 1,
                },
            ],
        );
        assert_eq!(
            s.distinct,
            Cell {
                count: 3,
                protected: true
            }
        );
        let f = s.by_sex.iter().find(|(x, _)| *x == Sex::F).unwrap().1;
        assert_eq!(
            f,
            Cell {
                count: 2,
                protected: true
            }
        );
        let m = s.by_sex.iter().find(|(x, _)| *x == Sex::M).unwrap().1;
        assert_eq!(
            m,
            Cell {
                count: 1,
                protected: false
            }
        );
        assert_eq!(s.by_sex.len(), Sex::ALL.len(), "every sex, zero included");
        let adults = s
            .by_band
            .iter()
            .find(|(b, _)| *b == Some(AgeBand::Da30a64))
            .unwrap()
            .1;
        assert_eq!(adults.count, 2);
        assert_eq!(
            s.by_band.last().unwrap(),
            &(
                None,
                Cell {
                    count: 1,
                    protected: false
                }
            )
        );
        assert_eq!(
            s.repeat,
            Cell {
                count: 2,
                protected: false
            }
        );
        assert_eq!(
            s.handed_over,
            Cell {
                count: 3,
                protected: true
            }
        );
        assert_eq!(s.rereported.count, 1);
        let share = s.rereported_share().unwrap();
        assert!((share - 1.0 / 3.0).abs() < 1e-9, "{share}");
        assert_eq!(person_stats(&[], &[]).rereported_share(), None);
    }
}
