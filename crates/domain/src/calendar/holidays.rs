//! Italian national holidays (L. 260/1949 as amended) and Easter by the Gregorian computus.
//! A holiday that falls on a Sunday is not moved.

use jiff::civil::{Date, date};

/// Easter Sunday of `year` (Gregorian calendar; the anonymous "Meeus/Jones/Butcher" computus,
/// whose customary one-letter names are kept).
#[allow(clippy::many_single_char_names)]
pub fn easter(year: i16) -> Date {
    let y = i32::from(year);
    let (a, b, c) = (y % 19, y / 100, y % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    // Month 3 or 4, day 1..=31: both fit an i8.
    date(
        year,
        i8::try_from(n / 31).unwrap_or(4),
        i8::try_from(n % 31 + 1).unwrap_or(1),
    )
}

/// A national holiday. Stable codes; the screens show Italian names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NationalHoliday {
    Capodanno,
    Epifania,
    Pasqua,
    LunediDellAngelo,
    Liberazione,
    FestaDelLavoro,
    FestaDellaRepubblica,
    Ferragosto,
    SanFrancesco,
    Ognissanti,
    Immacolata,
    Natale,
    SantoStefano,
}

impl NationalHoliday {
    pub const ALL: [Self; 13] = [
        Self::Capodanno,
        Self::Epifania,
        Self::Pasqua,
        Self::LunediDellAngelo,
        Self::Liberazione,
        Self::FestaDelLavoro,
        Self::FestaDellaRepubblica,
        Self::Ferragosto,
        Self::SanFrancesco,
        Self::Ognissanti,
        Self::Immacolata,
        Self::Natale,
        Self::SantoStefano,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Capodanno => "capodanno",
            Self::Epifania => "epifania",
            Self::Pasqua => "pasqua",
            Self::LunediDellAngelo => "lunedi_dell_angelo",
            Self::Liberazione => "liberazione",
            Self::FestaDelLavoro => "festa_del_lavoro",
            Self::FestaDellaRepubblica => "festa_della_repubblica",
            Self::Ferragosto => "ferragosto",
            Self::SanFrancesco => "san_francesco",
            Self::Ognissanti => "ognissanti",
            Self::Immacolata => "immacolata",
            Self::Natale => "natale",
            Self::SantoStefano => "santo_stefano",
        }
    }

    /// The day of this holiday in `year`, if it is a holiday that year: Epiphany was not one
    /// from 1977 to 1985, 2 June from 1977 to 2000 (L. 54/1977), and 4 October (San Francesco,
    /// patron saint of Italy) is one from 2026 (law of October 2025).
    pub fn date_in(self, year: i16) -> Option<Date> {
        let fixed = |month, day| Some(date(year, month, day));
        match self {
            Self::Capodanno => fixed(1, 1),
            Self::Epifania if !(1977..=1985).contains(&year) => fixed(1, 6),
            Self::Pasqua => Some(easter(year)),
            Self::LunediDellAngelo => easter(year).tomorrow().ok(),
            Self::Liberazione => fixed(4, 25),
            Self::FestaDelLavoro => fixed(5, 1),
            Self::FestaDellaRepubblica if !(1977..=2000).contains(&year) => fixed(6, 2),
            Self::Ferragosto => fixed(8, 15),
            Self::SanFrancesco if year >= 2026 => fixed(10, 4),
            Self::Ognissanti => fixed(11, 1),
            Self::Immacolata => fixed(12, 8),
            Self::Natale => fixed(12, 25),
            Self::SantoStefano => fixed(12, 26),
            Self::Epifania | Self::FestaDellaRepubblica | Self::SanFrancesco => None,
        }
    }

    /// The national holiday falling on `day`, if any.
    pub fn on(day: Date) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|h| h.date_in(day.year()) == Some(day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_2024_to_2040() {
        let expected = [
            "2024-03-31",
            "2025-04-20",
            "2026-04-05",
            "2027-03-28",
            "2028-04-16",
            "2029-04-01",
            "2030-04-21",
            "2031-04-13",
            "2032-03-28",
            "2033-04-17",
            "2034-04-09",
            "2035-03-25",
            "2036-04-13",
            "2037-04-05",
            "2038-04-25",
            "2039-04-10",
            "2040-04-01",
        ];
        for (year, day) in (2024..=2040).zip(expected) {
            assert_eq!(easter(year).to_string(), day, "{year}");
            assert_eq!(easter(year).weekday(), jiff::civil::Weekday::Sunday);
            let monday = easter(year).tomorrow().unwrap();
            assert_eq!(
                NationalHoliday::on(monday),
                Some(NationalHoliday::LunediDellAngelo)
            );
        }
        // The extremes of the computus.
        assert_eq!(easter(1818).to_string(), "1818-03-22");
        assert_eq!(easter(1943).to_string(), "1943-04-25");
    }

    #[test]
    fn every_holiday_of_2026() {
        let expected = [
            ("2026-01-01", NationalHoliday::Capodanno),
            ("2026-01-06", NationalHoliday::Epifania),
            ("2026-04-05", NationalHoliday::Pasqua),
            ("2026-04-06", NationalHoliday::LunediDellAngelo),
            ("2026-04-25", NationalHoliday::Liberazione),
            ("2026-05-01", NationalHoliday::FestaDelLavoro),
            ("2026-06-02", NationalHoliday::FestaDellaRepubblica),
            ("2026-08-15", NationalHoliday::Ferragosto),
            ("2026-10-04", NationalHoliday::SanFrancesco),
            ("2026-11-01", NationalHoliday::Ognissanti),
            ("2026-12-08", NationalHoliday::Immacolata),
            ("2026-12-25", NationalHoliday::Natale),
            ("2026-12-26", NationalHoliday::SantoStefano),
        ];
        let mut found = Vec::new();
        let mut day = date(2026, 1, 1);
        while day.year() == 2026 {
            if let Some(h) = NationalHoliday::on(day) {
                found.push((day.to_string(), h));
            }
            day = day.tomorrow().unwrap();
        }
        let expected: Vec<_> = expected
            .iter()
            .map(|(d, h)| ((*d).to_owned(), *h))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn san_francesco_only_from_2026_and_sundays_are_not_moved() {
        assert_eq!(NationalHoliday::on(date(2025, 10, 4)), None);
        assert_eq!(
            NationalHoliday::on(date(2026, 10, 4)),
            Some(NationalHoliday::SanFrancesco)
        );
        // 4 October 2026 is a Sunday: no holiday on Monday 5.
        assert_eq!(date(2026, 10, 4).weekday(), jiff::civil::Weekday::Sunday);
        assert_eq!(NationalHoliday::on(date(2026, 10, 5)), None);
        // 25 April 2027 is a Sunday too.
        assert_eq!(NationalHoliday::on(date(2027, 4, 26)), None);
        assert_eq!(NationalHoliday::on(date(1980, 1, 6)), None);
        assert_eq!(NationalHoliday::on(date(1990, 6, 2)), None);
        assert_eq!(
            NationalHoliday::on(date(2001, 6, 2)),
            Some(NationalHoliday::FestaDellaRepubblica)
        );
    }
}
