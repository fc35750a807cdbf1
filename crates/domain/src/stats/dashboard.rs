//! The figures of the planning dashboard that are rules rather than sums: the time band of a
//! report (weekday day, evening, night, weekend, holiday), the suppression of small cells for
//! protected groups, and the median and 90th percentile of response times.

use jiff::civil::Weekday;

use crate::calendar::NationalHoliday;
use crate::codes;
use crate::time::UtcMillis;

codes!(
    /// When a report arrived, in Rome.
    TimeBand {
        /// Monday to Friday, 08:00–20:00.
        WeekdayDay = "giorno_feriale",
        /// Monday to Friday, 20:00–24:00.
        Evening = "sera",
        /// Any night, 00:00–08:00, Monday to Friday.
        Night = "notte",
        /// Saturday and Sunday.
        Weekend = "fine_settimana",
        /// A national holiday on a weekday.
        Holiday = "festivo",
    }
);

/// The time band of an instant, on Rome's calendar and national holidays.
pub fn time_band(at: UtcMillis) -> TimeBand {
    let local = at.in_rome();
    let day = local.date();
    if NationalHoliday::on(day).is_some() {
        return TimeBand::Holiday;
    }
    if matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) {
        return TimeBand::Weekend;
    }
    match local.hour() {
        0..8 => TimeBand::Night,
        8..20 => TimeBand::WeekdayDay,
        _ => TimeBand::Evening,
    }
}

/// Below this, a count about a protected group is shown to analysts only as "<5".
pub const SMALL_CELL: u64 = 5;

/// A count as an analyst may see it: exact, or hidden when small (and not zero) for a
/// protected group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Exact(u64),
    FewerThanFive,
}

pub fn shown(count: u64, protected: bool, suppress: bool) -> Shown {
    if suppress && protected && count > 0 && count < SMALL_CELL {
        Shown::FewerThanFive
    } else {
        Shown::Exact(count)
    }
}

/// The median and the 90th percentile (nearest rank) of durations in minutes; none when
/// there are none.
pub fn median_and_p90(mut minutes: Vec<i64>) -> Option<(i64, i64)> {
    if minutes.is_empty() {
        return None;
    }
    minutes.sort_unstable();
    let rank = |p: usize| {
        // Nearest rank: the smallest value with at least p% of the values at or below it.
        let n = minutes.len();
        let r = (p * n).div_ceil(100).max(1);
        minutes[r - 1]
    };
    Some((rank(50), rank(90)))
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn rome(y: i16, mo: i8, d: i8, h: i8) -> UtcMillis {
        let z = date(y, mo, d)
            .at(h, 30, 0, 0)
            .to_zoned(crate::time::rome())
            .unwrap();
        UtcMillis(z.timestamp().as_millisecond())
    }

    #[test]
    fn bands_follow_rome_time_weekends_and_holidays() {
        assert_eq!(time_band(rome(2026, 11, 18, 10)), TimeBand::WeekdayDay);
        assert_eq!(time_band(rome(2026, 11, 18, 21)), TimeBand::Evening);
        assert_eq!(time_band(rome(2026, 11, 19, 3)), TimeBand::Night);
        assert_eq!(time_band(rome(2026, 11, 21, 10)), TimeBand::Weekend);
        assert_eq!(
            time_band(rome(2026, 12, 8, 10)),
            TimeBand::Holiday,
            "Immacolata, a Tuesday"
        );
        assert_eq!(time_band(rome(2026, 10, 5, 7)), TimeBand::Night);
        // 19:30 UTC on a summer weekday is 21:30 in Rome: evening.
        let summer = UtcMillis(
            "2026-07-15T19:30:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_millisecond(),
        );
        assert_eq!(time_band(summer), TimeBand::Evening);
    }

    #[test]
    fn small_counts_of_protected_groups_are_hidden_from_analysts() {
        assert_eq!(shown(3, true, true), Shown::FewerThanFive);
        assert_eq!(
            shown(0, true, true),
            Shown::Exact(0),
            "nobody is not a small cell"
        );
        assert_eq!(shown(5, true, true), Shown::Exact(5));
        assert_eq!(shown(3, false, true), Shown::Exact(3));
        assert_eq!(
            shown(3, true, false),
            Shown::Exact(3),
            "coordinators see all"
        );
    }

    #[test]
    fn median_and_90th_percentile_by_nearest_rank() {
        assert_eq!(median_and_p90(vec![]), None);
        assert_eq!(median_and_p90(vec![7]), Some((7, 7)));
        assert_eq!(median_and_p90((1..=10).rev().collect()), Some((5, 9)));
        assert_eq!(median_and_p90(vec![30, 10, 20]), Some((20, 30)));
    }
}
