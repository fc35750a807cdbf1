//! The service calendar: when a municipality's social service is open, and so when the PIS is
//! active for it (whenever that service is closed), in Europe/Rome time with its
//! daylight-saving changes.
//!
//! A service is closed on national holidays ([`holidays`]), on the municipality's local holidays
//! (rules with a validity in years and a source note), during ad-hoc closures (a strike, a staff
//! assembly, a pre-holiday afternoon: a date and optional hours) and outside its weekly opening
//! hours ([`hours`]). Every answer comes from the same merged "open blocks", so the state at an
//! instant, the next change and the next opening can never disagree.

pub mod holidays;
pub mod hours;
pub mod input;

use jiff::ToSpan;
use jiff::civil::Date;

use crate::reference::MonthDay;
use crate::time::{UtcMillis, rome, rome_day_start};
pub use holidays::{NationalHoliday, easter};
pub use hours::{DAY, Minute, WeeklyHours};

/// How far ahead answers look: beyond this a service never changes state (always open, or
/// never open) and the answer is "no change".
pub const HORIZON_DAYS: i32 = 800;

/// A municipality's own holiday, every year within its validity (e.g. Rho, 8 May, San Vittore).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalHoliday {
    pub day: MonthDay,
    pub name: String,
    /// First and last year it applies; none: no limit.
    pub from_year: Option<i16>,
    pub to_year: Option<i16>,
    /// Where the rule comes from (a council resolution, the statute, …).
    pub source: String,
}

impl LocalHoliday {
    pub fn applies_on(&self, day: Date) -> bool {
        i8::try_from(self.day.month).ok() == Some(day.month())
            && i8::try_from(self.day.day).ok() == Some(day.day())
            && self.from_year.is_none_or(|y| day.year() >= y)
            && self.to_year.is_none_or(|y| day.year() <= y)
    }
}

/// An ad-hoc closure of the service on one day: all day, or from `start` to `end`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Closure {
    pub date: Date,
    /// Minutes since midnight; none: the whole day.
    pub hours: Option<(Minute, Minute)>,
    pub reason: String,
}

/// Why the service is open or closed at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Open,
    OutsideHours,
    NationalHoliday(NationalHoliday),
    LocalHoliday(String),
    Closure(String),
}

/// The state of a municipality's service at an instant, and what comes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub open: bool,
    pub reason: Reason,
    /// When the service next opens or closes; none within [`HORIZON_DAYS`].
    pub next_change: Option<UtcMillis>,
    /// The next instant after this one at which the service opens.
    pub next_opening: Option<UtcMillis>,
}

impl Status {
    /// The PIS is active whenever the municipality's service is closed.
    pub fn pis_active(&self) -> bool {
        !self.open
    }
}

/// Everything that decides when one municipality's social service is open.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ServiceCalendar {
    pub hours: WeeklyHours,
    pub local_holidays: Vec<LocalHoliday>,
    pub closures: Vec<Closure>,
}

/// A span of time `[start, end)` when the service is open; `end` none: open beyond the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Block {
    start: UtcMillis,
    end: Option<UtcMillis>,
}

/// The instant a wall-clock minute of `day` happens in Rome; at a daylight-saving gap the hour
/// that does not exist moves forward, at the repeated hour the first one counts.
fn instant(day: Date, minute: Minute) -> UtcMillis {
    if minute >= DAY {
        return day.tomorrow().map_or(UtcMillis(i64::MAX), rome_day_start);
    }
    let (h, m) = (i8::try_from(minute / 60), i8::try_from(minute % 60));
    let (Ok(h), Ok(m)) = (h, m) else {
        return UtcMillis(i64::MAX);
    };
    day.at(h, m, 0, 0)
        .to_zoned(rome())
        .map_or(UtcMillis(i64::MAX), |z| {
            UtcMillis(z.timestamp().as_millisecond())
        })
}

fn rome_date(at: UtcMillis) -> Date {
    at.in_rome().date()
}

/// Removes `[a, b)` from sorted, apart intervals.
fn subtract(intervals: Vec<(Minute, Minute)>, a: Minute, b: Minute) -> Vec<(Minute, Minute)> {
    let mut out = Vec::with_capacity(intervals.len() + 1);
    for (s, e) in intervals {
        if e <= a || s >= b {
            out.push((s, e));
            continue;
        }
        if s < a {
            out.push((s, a));
        }
        if e > b {
            out.push((b, e));
        }
    }
    out
}

impl ServiceCalendar {
    /// Why the whole of `day` is closed, if it is a holiday.
    pub fn holiday(&self, day: Date) -> Option<Reason> {
        if let Some(h) = NationalHoliday::on(day) {
            return Some(Reason::NationalHoliday(h));
        }
        self.local_holidays
            .iter()
            .find(|l| l.applies_on(day))
            .map(|l| Reason::LocalHoliday(l.name.clone()))
    }

    /// The opening intervals of `day`, in minutes, after holidays and closures.
    pub fn day_minutes(&self, day: Date) -> Vec<(Minute, Minute)> {
        if self.holiday(day).is_some() {
            return Vec::new();
        }
        let weekday = usize::try_from(day.weekday().to_monday_zero_offset()).unwrap_or(0);
        let mut open = self.hours.day(weekday).to_vec();
        for c in self.closures.iter().filter(|c| c.date == day) {
            let (a, b) = c.hours.unwrap_or((0, DAY));
            open = subtract(open, a, b);
        }
        open
    }

    /// The open block containing `at`, or else the first one after it (merged across days when
    /// one day's hours run into the next's).
    fn block_from(&self, at: UtcMillis) -> Option<Block> {
        let first = rome_date(at);
        let mut current: Option<Block> = None;
        for offset in 0..HORIZON_DAYS {
            let Ok(day) = first.checked_add(offset.days()) else {
                break;
            };
            for (a, b) in self.day_minutes(day) {
                let (start, end) = (instant(day, a), instant(day, b));
                match current {
                    None if end > at => {
                        current = Some(Block {
                            start,
                            end: Some(end),
                        });
                    }
                    None => {}
                    Some(Block {
                        start: s,
                        end: Some(e),
                    }) if start <= e => {
                        current = Some(Block {
                            start: s,
                            end: Some(end.max(e)),
                        });
                    }
                    Some(block) => return Some(block),
                }
            }
            // A block that ends before the next day starts cannot grow any more.
            if let Some(Block { end: Some(e), .. }) = current {
                let next_day = day.tomorrow().map_or(UtcMillis(i64::MAX), rome_day_start);
                if e < next_day {
                    return current;
                }
            }
        }
        // Still open at the horizon: the end is beyond it.
        current.map(|b| Block {
            start: b.start,
            end: None,
        })
    }

    /// Whether the service is open at `at`, why, when that changes and when it next opens.
    pub fn status(&self, at: UtcMillis) -> Status {
        let block = self.block_from(at);
        let open = block.is_some_and(|b| b.start <= at);
        let (next_change, next_opening) = match block {
            Some(b) if b.start > at => (Some(b.start), Some(b.start)),
            Some(Block { end: Some(e), .. }) => (Some(e), self.block_from(e).map(|n| n.start)),
            // Never open, or open beyond the horizon.
            _ => (None, None),
        };
        let reason = if open {
            Reason::Open
        } else {
            self.closed_reason(at)
        };
        Status {
            open,
            reason,
            next_change,
            next_opening,
        }
    }

    /// Why the service is closed at `at` (it is).
    fn closed_reason(&self, at: UtcMillis) -> Reason {
        let zoned = at.in_rome();
        let day = zoned.date();
        if let Some(reason) = self.holiday(day) {
            return reason;
        }
        let minute =
            Minute::try_from(i32::from(zoned.hour()) * 60 + i32::from(zoned.minute())).unwrap_or(0);
        self.closures
            .iter()
            .find(|c| c.date == day && c.hours.is_none_or(|(a, b)| (a..b).contains(&minute)))
            .map_or(Reason::OutsideHours, |c| Reason::Closure(c.reason.clone()))
    }

    /// The spans within `[from, to)` when the service is closed (the PIS is active).
    pub fn closed_spans(&self, from: UtcMillis, to: UtcMillis) -> Vec<(UtcMillis, UtcMillis)> {
        let mut out = Vec::new();
        let mut at = from;
        while at < to {
            match self.block_from(at) {
                // Never open again: closed to the end.
                None => {
                    out.push((at, to));
                    break;
                }
                Some(b) if b.start > at => {
                    out.push((at, b.start.min(to)));
                    match b.end {
                        Some(end) => at = end,
                        None => break,
                    }
                }
                Some(Block { end: Some(end), .. }) => at = end,
                Some(Block { end: None, .. }) => break,
            }
        }
        out
    }

    /// Whether the service is open at `at` (the PIS is then not active).
    pub fn is_open(&self, at: UtcMillis) -> bool {
        self.block_from(at).is_some_and(|b| b.start <= at)
    }

    /// The instant at which `minutes` of opening time have passed since `from` (counting only
    /// while the service is open): "four working hours after". None beyond the horizon.
    pub fn after_open_minutes(&self, from: UtcMillis, minutes: u32) -> Option<UtcMillis> {
        let mut left = i64::from(minutes) * 60_000;
        let mut at = from;
        loop {
            let block = self.block_from(at)?;
            let start = block.start.max(at);
            let Some(end) = block.end else {
                return Some(UtcMillis(start.0 + left));
            };
            if end.0 - start.0 >= left {
                return Some(UtcMillis(start.0 + left));
            }
            left -= end.0 - start.0;
            at = end;
        }
    }

    /// The open intervals of `day` as instants, for the month view.
    pub fn open_intervals(&self, day: Date) -> Vec<(UtcMillis, UtcMillis)> {
        self.day_minutes(day)
            .into_iter()
            .map(|(a, b)| (instant(day, a), instant(day, b)))
            .collect()
    }
}

#[cfg(test)]
mod tests;
