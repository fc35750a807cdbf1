//! Weekly opening hours of a municipality's social service: for each weekday, none or more
//! intervals such as `08:30-12:30, 14:00-17:00`. The default is Monday–Friday 08:30–17:00.

use crate::validation::Problem;

/// Minutes since midnight; 1440 (`24:00`) ends a day.
pub type Minute = u16;

/// A day's minutes.
pub const DAY: Minute = 1440;

/// Opening intervals `[start, end)` per weekday, Monday first; sorted and apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WeeklyHours {
    days: [Vec<(Minute, Minute)>; 7],
}

impl Default for WeeklyHours {
    /// Monday–Friday 08:30–17:00.
    fn default() -> Self {
        let office = vec![(8 * 60 + 30, 17 * 60)];
        Self {
            days: [
                office.clone(),
                office.clone(),
                office.clone(),
                office.clone(),
                office,
                Vec::new(),
                Vec::new(),
            ],
        }
    }
}

/// `HH:MM` (00:00 to 24:00) as minutes.
pub fn parse_minute(raw: &str) -> Option<Minute> {
    let (h, m) = raw.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let h: Minute = h.parse().ok()?;
    let m: Minute = m.parse().ok()?;
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// Minutes as `HH:MM`.
pub fn format_minute(m: Minute) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

impl WeeklyHours {
    /// Closed every day.
    pub fn closed() -> Self {
        Self {
            days: Default::default(),
        }
    }

    /// Reads one day written as `08:30-12:30, 14:00-17:00` (empty: closed).
    pub fn parse_day(raw: &str) -> Result<Vec<(Minute, Minute)>, Problem> {
        let mut out: Vec<(Minute, Minute)> = Vec::new();
        for part in raw
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let (a, b) = part.split_once('-').ok_or(Problem::InvalidHours)?;
            let (a, b) = (
                parse_minute(a).ok_or(Problem::InvalidHours)?,
                parse_minute(b).ok_or(Problem::InvalidHours)?,
            );
            if a >= b {
                return Err(Problem::InvalidHours);
            }
            out.push((a, b));
        }
        out.sort_unstable();
        if out.windows(2).any(|w| w[1].0 <= w[0].1) {
            return Err(Problem::OverlappingHours);
        }
        Ok(out)
    }

    /// Builds the week from seven days as [`WeeklyHours::parse_day`] reads them, Monday first;
    /// the error names the day (0 = Monday).
    pub fn from_days(days: [&str; 7]) -> Result<Self, (usize, Problem)> {
        let mut out = Self::closed();
        for (i, raw) in days.iter().enumerate() {
            out.days[i] = Self::parse_day(raw).map_err(|p| (i, p))?;
        }
        Ok(out)
    }

    /// The intervals of a weekday (0 = Monday).
    pub fn day(&self, weekday: usize) -> &[(Minute, Minute)] {
        self.days.get(weekday).map_or(&[], Vec::as_slice)
    }

    /// A day as written in forms: `08:30-12:30, 14:00-17:00`, empty when closed.
    pub fn format_day(&self, weekday: usize) -> String {
        self.day(weekday)
            .iter()
            .map(|(a, b)| format!("{}-{}", format_minute(*a), format_minute(*b)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The stored form: the seven days separated by `|`, Monday first.
    pub fn to_storage(&self) -> String {
        (0..7)
            .map(|d| self.format_day(d))
            .collect::<Vec<_>>()
            .join("|")
    }

    /// Reads [`WeeklyHours::to_storage`]'s form.
    pub fn from_storage(raw: &str) -> Result<Self, Problem> {
        let days: Vec<&str> = raw.split('|').collect();
        let days: [&str; 7] = days.try_into().map_err(|_| Problem::InvalidHours)?;
        Self::from_days(days).map_err(|(_, p)| p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_sorted_and_checked() {
        assert_eq!(
            WeeklyHours::parse_day(" 14:00-17:00, 8:30-12:30 "),
            Ok(vec![(510, 750), (840, 1020)])
        );
        assert_eq!(WeeklyHours::parse_day(""), Ok(vec![]));
        assert_eq!(WeeklyHours::parse_day("00:00-24:00"), Ok(vec![(0, 1440)]));
        for bad in [
            "8-17",
            "08:30",
            "17:00-08:30",
            "25:00-26:00",
            "08:60-09:00",
            "24:30-24:45",
        ] {
            assert_eq!(
                WeeklyHours::parse_day(bad),
                Err(Problem::InvalidHours),
                "{bad}"
            );
        }
        assert_eq!(
            WeeklyHours::parse_day("08:00-12:00, 11:00-13:00"),
            Err(Problem::OverlappingHours)
        );
        assert_eq!(
            WeeklyHours::parse_day("08:00-12:00, 12:00-13:00"),
            Err(Problem::OverlappingHours),
            "touching intervals are one interval"
        );
    }

    #[test]
    fn storage_round_trips() {
        let week = WeeklyHours::default();
        assert_eq!(
            week.to_storage(),
            "08:30-17:00|08:30-17:00|08:30-17:00|08:30-17:00|08:30-17:00||"
        );
        assert_eq!(WeeklyHours::from_storage(&week.to_storage()), Ok(week));
        let split = WeeklyHours::from_days([
            "09:00-12:00, 14:00-16:00",
            "",
            "",
            "",
            "",
            "",
            "00:00-24:00",
        ])
        .unwrap();
        assert_eq!(WeeklyHours::from_storage(&split.to_storage()), Ok(split));
        assert_eq!(
            WeeklyHours::from_days(["", "", "x", "", "", "", ""]),
            Err((2, Problem::InvalidHours))
        );
        assert!(WeeklyHours::from_storage("08:30-17:00").is_err());
    }
}
