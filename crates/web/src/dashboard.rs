//! The planning dashboard: its figures for a period, laid out once as titled tables that the
//! page (with a chart each), the API, the CSV and the XLSX exports all use, with the small
//! counts of protected groups hidden from whoever may not read cases.

use std::collections::BTreeMap;

use presidio_domain::stats::activity::Activity;
use presidio_domain::stats::dashboard::{Percentiles, Shown, protected_resource, shown};

use crate::i18n::{Arg, Tr};

pub use presidio_app::stats::{Figures, Place, figures, suppressed};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Count(u64),
    /// A small count of a protected group, shown as "<5".
    Hidden,
    /// Two decimals.
    Decimal(f64),
    Euros(i64),
    /// Nothing to show (no cases).
    Empty,
}

impl Cell {
    fn count(n: u64, protected: bool, suppress: bool) -> Self {
        match shown(n, protected, suppress) {
            Shown::Exact(n) => Self::Count(n),
            Shown::FewerThanFive => Self::Hidden,
        }
    }

    /// As on screen, in Italian.
    pub fn show(&self, t: Tr<'_>) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Count(n) => t.number(i64::try_from(*n).unwrap_or(i64::MAX)),
            Self::Hidden => "<5".into(),
            Self::Decimal(x) => decimal(*x),
            Self::Euros(cents) => t.euro(*cents),
            Self::Empty => String::new(),
        }
    }

    /// As in a CSV for Italian spreadsheets: no thousands separator, decimal comma.
    pub fn csv(&self) -> String {
        match self {
            Self::Text(s) => csv_text(s),
            Self::Count(n) => n.to_string(),
            Self::Hidden => "<5".into(),
            Self::Decimal(x) => decimal(*x),
            Self::Euros(cents) => format!("{},{:02}", cents / 100, (cents % 100).abs()),
            Self::Empty => String::new(),
        }
    }

    /// The value for a chart: none when hidden or empty.
    pub fn value(&self) -> Option<f64> {
        match self {
            Self::Count(n) => Some(f64::from(u32::try_from(*n).unwrap_or(u32::MAX))),
            Self::Decimal(x) => Some(*x),
            _ => None,
        }
    }
}

/// A text cell of a CSV: quoted, and guarded with a leading `'` when it starts like a formula
/// (`= + - @`, tab, carriage return), so a spreadsheet shows it instead of running it.
pub fn csv_text(text: &str) -> String {
    let guard = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        "'"
    } else {
        ""
    };
    format!("\"{guard}{}\"", text.replace('"', "\"\""))
}

#[cfg(test)]
mod csv_tests {
    use super::csv_text;

    #[test]
    fn text_that_starts_like_a_formula_is_guarded() {
        assert_eq!(csv_text("=cmd|' /C calc'!A0"), "\"'=cmd|' /C calc'!A0\"");
        for risky in ["+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_text(risky).starts_with("\"'"), "{risky:?}");
        }
        assert_eq!(csv_text("Rho \"centro\""), "\"Rho \"\"centro\"\"\"");
        assert_eq!(csv_text("Arese"), "\"Arese\"");
    }
}

fn decimal(x: f64) -> String {
    format!("{x:.2}").replace('.', ",")
}

/// A titled table of the dashboard.
#[derive(Debug, Clone)]
pub struct Table {
    /// The section's anchor and the worksheet's name.
    pub id: &'static str,
    pub title: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// The dashboard's figures as the page, the API and the exports lay them out.
pub struct View<'a>(pub &'a Figures);

impl std::ops::Deref for View<'_> {
    type Target = Figures;
    fn deref(&self) -> &Figures {
        self.0
    }
}

impl View<'_> {
    /// Every table of the dashboard, in the page's order.
    pub fn tables(&self, t: Tr<'_>) -> Vec<Table> {
        vec![
            self.activity(t),
            self.months(t),
            self.municipalities(t),
            self.reporters(t),
            self.partners(t),
            self.groups(t),
            self.bands(t),
            self.response(t),
            self.bookings(t),
            self.persons(t),
            self.efficacy(t),
        ]
    }

    /// Handovers taken in charge and on time, the outcomes asked at each interval and those
    /// told (each outcome a count about persons: small ones hidden), and the ratings.
    fn efficacy(&self, t: Tr<'_>) -> Table {
        let e = &self.efficacy;
        let n = |x: i64| u64::try_from(x).unwrap_or(0);
        let cell = |x: i64| Cell::count(n(x), true, self.suppressed);
        let row = |key: &str, c: Cell| vec![Cell::Text(t.t(key)), c];
        let mut rows = vec![
            row("efficacy-handovers", Cell::Count(n(e.handovers))),
            row("efficacy-taken", cell(e.taken_in_charge)),
            row("efficacy-in-time", cell(e.acknowledged_in_time)),
        ];
        for (days, asked, answered) in &e.asked {
            let args = [("days", Arg::Num(*days))];
            rows.push(vec![
                Cell::Text(t.t_args("efficacy-asked", &args)),
                cell(*asked),
            ]);
            rows.push(vec![
                Cell::Text(t.t_args("efficacy-answered", &args)),
                cell(*answered),
            ]);
            for (d, outcome, count) in e.outcomes.iter().filter(|o| o.0 == *days) {
                let label = t.t(&format!("follow-up-outcome-{outcome}"));
                rows.push(vec![
                    Cell::Text(t.t_args(
                        "efficacy-outcome",
                        &[("days", Arg::Num(*d)), ("outcome", Arg::Str(&label))],
                    )),
                    cell(*count),
                ]);
            }
        }
        rows.push(row("efficacy-ratings", cell(e.ratings)));
        let average = if e.ratings > 0 && !matches!(cell(e.ratings), Cell::Hidden) {
            #[allow(clippy::cast_precision_loss)]
            Cell::Decimal(e.rating_sum as f64 / e.ratings as f64)
        } else {
            Cell::Empty
        };
        rows.push(row("efficacy-rating", average));
        Table {
            id: "efficacia",
            title: t.t("efficacy-title"),
            head: vec![
                t.t("dashboard-persons-measure"),
                t.t("dashboard-persons-count"),
            ],
            rows,
        }
    }

    /// Distinct persons by sex and age band, repeats, and re-reports after a handover.
    fn persons(&self, t: Tr<'_>) -> Table {
        let p = &self.dashboard.persons;
        let cell = |c: presidio_domain::stats::persons::Cell| {
            Cell::count(c.count, c.protected, self.suppressed)
        };
        let mut rows = vec![
            vec![
                Cell::Text(t.t("dashboard-persons-distinct")),
                cell(p.distinct),
            ],
            vec![Cell::Text(t.t("dashboard-persons-repeat")), cell(p.repeat)],
        ];
        rows.extend(p.by_sex.iter().map(|(sex, c)| {
            vec![
                Cell::Text(t.t1(
                    "dashboard-persons-sex",
                    "sex",
                    &t.t(&format!("sex-{}", sex.code())),
                )),
                cell(*c),
            ]
        }));
        rows.extend(p.by_band.iter().map(|(band, c)| {
            let label = band.map_or_else(
                || t.t("dashboard-persons-band-none"),
                |b| {
                    t.t1(
                        "dashboard-persons-band",
                        "band",
                        &t.t(&format!("age-band-{}", b.code())),
                    )
                },
            );
            vec![Cell::Text(label), cell(*c)]
        }));
        let (handed, again) = (cell(p.handed_over), cell(p.rereported));
        let share = match (&handed, &again, p.rereported_share()) {
            (Cell::Count(_), Cell::Count(_), Some(x)) => Cell::Decimal(x * 100.0),
            _ => Cell::Empty,
        };
        rows.push(vec![Cell::Text(t.t("dashboard-persons-handed")), handed]);
        rows.push(vec![Cell::Text(t.t("dashboard-persons-again")), again]);
        rows.push(vec![Cell::Text(t.t("dashboard-persons-share")), share]);
        Table {
            id: "persone",
            title: t.t("dashboard-persons"),
            head: vec![
                t.t("dashboard-persons-measure"),
                t.t("dashboard-persons-count"),
            ],
            rows,
        }
    }

    fn activity(&self, t: Tr<'_>) -> Table {
        activity_table(t, &self.dashboard.activity, self.suppressed)
    }

    fn months(&self, t: Tr<'_>) -> Table {
        let rows = self
            .dashboard
            .months
            .iter()
            .map(|m| {
                vec![
                    Cell::Text(month_name(t, &m.month)),
                    Cell::Count(m.reports),
                    Cell::Count(m.not_pertinent),
                    Cell::Count(m.urgencies),
                    Cell::Count(m.emergencies),
                ]
            })
            .collect();
        Table {
            id: "mesi",
            title: t.t("dashboard-months"),
            head: [
                "dashboard-month",
                "dashboard-reports",
                "dashboard-not-pertinent",
                "dashboard-urgencies",
                "dashboard-emergencies",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows,
        }
    }

    fn municipalities(&self, t: Tr<'_>) -> Table {
        let rows = self
            .places
            .iter()
            .map(|p| {
                let name = if p.code.is_empty() {
                    t.t("dashboard-no-municipality")
                } else if p.name.is_empty() {
                    p.code.clone()
                } else {
                    p.name.clone()
                };
                vec![
                    Cell::Text(name),
                    Cell::Count(p.reports),
                    p.population
                        .map_or(Cell::Empty, |n| Cell::Count(u64::from(n))),
                    p.per_thousand().map_or(Cell::Empty, Cell::Decimal),
                ]
            })
            .collect();
        Table {
            id: "comuni",
            title: t.t("dashboard-municipalities"),
            head: [
                "dashboard-municipality",
                "dashboard-reports",
                "dashboard-population",
                "dashboard-per-thousand",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows,
        }
    }

    fn reporters(&self, t: Tr<'_>) -> Table {
        let rows = self
            .dashboard
            .reporter_kinds
            .iter()
            .map(|(k, n)| {
                vec![
                    Cell::Text(t.t(&format!("reporter-kind-{}", k.code()))),
                    Cell::Count(*n),
                ]
            })
            .collect();
        Table {
            id: "segnalanti",
            title: t.t("dashboard-reporters"),
            head: vec![t.t("dashboard-reporter"), t.t("dashboard-reports")],
            rows,
        }
    }

    /// Reports by reporting partner of the directory: a partner's small count hides when some
    /// of its reports are protected records.
    fn partners(&self, t: Tr<'_>) -> Table {
        let mut rows: Vec<Vec<Cell>> = self
            .partners
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.name.clone()),
                    Cell::count(p.reports, p.protected > 0, self.suppressed),
                ]
            })
            .collect();
        if rows.is_empty() {
            rows.push(vec![
                Cell::Text(t.t("dashboard-no-partner")),
                Cell::Count(0),
            ]);
        }
        Table {
            id: "enti",
            title: t.t("dashboard-partners"),
            head: vec![t.t("dashboard-partner"), t.t("dashboard-reports")],
            rows,
        }
    }

    fn groups(&self, t: Tr<'_>) -> Table {
        let rows = self
            .dashboard
            .target_groups
            .iter()
            .map(|(g, n)| {
                vec![
                    Cell::Text(t.t(&format!("target-{}", g.code()))),
                    Cell::count(*n, g.is_protected(), self.suppressed),
                ]
            })
            .collect();
        Table {
            id: "gruppi",
            title: t.t("dashboard-groups"),
            head: vec![t.t("field-target_group"), t.t("dashboard-reports")],
            rows,
        }
    }

    fn bands(&self, t: Tr<'_>) -> Table {
        let rows = self
            .dashboard
            .time_bands
            .iter()
            .map(|(b, n)| {
                vec![
                    Cell::Text(t.t(&format!("time-band-{}", b.code()))),
                    Cell::Count(*n),
                ]
            })
            .collect();
        Table {
            id: "fasce",
            title: t.t("dashboard-bands"),
            head: vec![t.t("dashboard-band"), t.t("dashboard-reports")],
            rows,
        }
    }

    fn response(&self, t: Tr<'_>) -> Table {
        let d = &self.dashboard;
        let row = |key: &str, p: Option<Percentiles>| {
            let mut row = vec![Cell::Text(t.t(key))];
            match p {
                Some(p) => row.extend([
                    Cell::Count(p.cases),
                    Cell::Count(u64::try_from(p.median).unwrap_or(0)),
                    Cell::Count(u64::try_from(p.p90).unwrap_or(0)),
                ]),
                None => row.extend([Cell::Count(0), Cell::Empty, Cell::Empty]),
            }
            row
        };
        Table {
            id: "tempi",
            title: t.t("dashboard-response"),
            head: [
                "dashboard-step",
                "dashboard-cases",
                "dashboard-median",
                "dashboard-p90",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows: vec![
                row("dashboard-to-triage", d.to_triage),
                row("dashboard-to-on-site", d.to_on_site),
                row("dashboard-to-placement", d.to_placement),
            ],
        }
    }

    fn bookings(&self, t: Tr<'_>) -> Table {
        let mut rows = Vec::new();
        let (mut activations, mut nights, mut cost) = (0, 0, 0);
        for b in &self.dashboard.bookings {
            activations += b.activations;
            nights += b.nights;
            cost += b.cost_cents;
            let protected = protected_resource(&b.kind);
            let count = Cell::count(b.activations, protected, self.suppressed);
            let hidden = count == Cell::Hidden;
            rows.push(vec![
                Cell::Text(t.t(&format!("resource-kind-{}", b.kind))),
                count,
                if hidden {
                    Cell::Hidden
                } else {
                    Cell::Count(b.nights)
                },
                if hidden {
                    Cell::Empty
                } else {
                    Cell::Euros(b.cost_cents)
                },
            ]);
        }
        rows.push(vec![
            Cell::Text(t.t("dashboard-total")),
            Cell::Count(activations),
            Cell::Count(nights),
            Cell::Euros(cost),
        ]);
        Table {
            id: "accoglienze",
            title: t.t("dashboard-bookings"),
            head: [
                "dashboard-resource",
                "dashboard-activations",
                "dashboard-nights",
                "dashboard-cost",
            ]
            .iter()
            .map(|k| t.t(k))
            .collect(),
            rows,
        }
    }

    /// The chart of a table, as SVG; empty for the tables shown without one.
    pub fn chart(&self, t: Tr<'_>, table: &Table) -> String {
        match table.id {
            "mesi" => {
                let months: Vec<String> = self
                    .dashboard
                    .months
                    .iter()
                    .map(|m| m.month.clone())
                    .collect();
                let series =
                    |key: &str, f: fn(&presidio_domain::stats::dashboard::MonthRow) -> u64| {
                        (t.t(key), self.dashboard.months.iter().map(f).collect())
                    };
                crate::charts::lines(
                    &months,
                    &[
                        series("dashboard-reports", |m| m.reports),
                        series("dashboard-urgencies", |m| m.urgencies),
                        series("dashboard-emergencies", |m| m.emergencies),
                    ],
                )
            }
            "comuni" => self.map(t),
            "enti" if self.partners.is_empty() => String::new(),
            "segnalanti" | "enti" | "gruppi" | "fasce" => {
                let rows: Vec<(String, Option<f64>)> = table
                    .rows
                    .iter()
                    .map(|r| (r[0].show(t), r[1].value()))
                    .collect();
                crate::charts::bars(&rows)
            }
            _ => String::new(),
        }
    }

    /// The class of each drawable municipality on the map, by reports per 1,000 inhabitants.
    pub fn map_classes(&self) -> BTreeMap<String, (String, Option<usize>)> {
        let max = self
            .places
            .iter()
            .filter_map(Place::per_thousand)
            .fold(0.0_f64, f64::max);
        self.places
            .iter()
            .filter(|p| !p.code.is_empty())
            .map(|p| {
                let class = p.per_thousand().map(|v| crate::charts::class_of(v, max));
                (p.code.clone(), (p.name.clone(), class))
            })
            .collect()
    }

    fn map(&self, t: Tr<'_>) -> String {
        crate::charts::map(&self.map_classes(), &t.t("dashboard-map-attribution"))
    }
}

/// The activity table (the published rows first), small protected counts hidden when
/// `suppressed`.
pub fn activity_table(t: Tr<'_>, a: &Activity, suppressed: bool) -> Table {
    let rows = presidio_domain::stats::activity::table(a)
        .into_iter()
        .map(|r| {
            vec![
                Cell::Text(t.t(r.label)),
                r.value
                    .map_or(Cell::Empty, |v| Cell::count(v, r.protected, suppressed)),
            ]
        })
        .collect();
    Table {
        id: "attivita",
        title: t.t("stats-title"),
        head: vec![t.t("stats-period-head"), t.t("stats-total")],
        rows,
    }
}

/// `2026-03` → "marzo 2026".
fn month_name(t: Tr<'_>, month: &str) -> String {
    let Some((year, m)) = month.split_once('-') else {
        return month.to_owned();
    };
    format!(
        "{} {year}",
        t.t(&format!("month-{}", m.trim_start_matches('0')))
    )
}

/// The tables as one CSV for Italian spreadsheets: `;` between fields, UTF-8 with a BOM,
/// decimal comma; each table under its title, a blank line between tables.
pub fn csv(tables: &[Table]) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("\u{feff}");
    for table in tables {
        let _ = write!(out, "{}\r\n", csv_text(&table.title));
        let head: Vec<String> = table
            .head
            .iter()
            .map(|h| Cell::Text(h.clone()).csv())
            .collect();
        let _ = write!(out, "{}\r\n", head.join(";"));
        for row in &table.rows {
            let cells: Vec<String> = row.iter().map(Cell::csv).collect();
            let _ = write!(out, "{}\r\n", cells.join(";"));
        }
        out.push_str("\r\n");
    }
    out
}

/// The tables as an XLSX workbook, one worksheet each, numbers as numbers.
pub fn xlsx(tables: &[Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let euros = Format::new().set_num_format("#,##0.00 €");
    let decimal = Format::new().set_num_format("0.00");
    for table in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(table.id)?;
        sheet.write_string_with_format(0, 0, &table.title, &bold)?;
        for (c, h) in (0u16..).zip(&table.head) {
            sheet.write_string_with_format(1, c, h, &bold)?;
        }
        for (r, row) in (2u32..).zip(&table.rows) {
            for (c, cell) in (0u16..).zip(row) {
                match cell {
                    Cell::Text(s) => sheet.write_string(r, c, s)?,
                    Cell::Count(n) => sheet.write_number(r, c, u64_to_f64(*n))?,
                    Cell::Hidden => sheet.write_string(r, c, "<5")?,
                    Cell::Decimal(x) => sheet.write_number_with_format(r, c, *x, &decimal)?,
                    Cell::Euros(cents) => {
                        sheet.write_number_with_format(r, c, cents_to_euros(*cents), &euros)?
                    }
                    Cell::Empty => sheet,
                };
            }
        }
        sheet.set_column_width(0, 48)?;
    }
    book.save_to_buffer()
}

fn u64_to_f64(n: u64) -> f64 {
    // Counts of reports stay far below 2^53.
    let high = u32::try_from(n >> 32).unwrap_or(u32::MAX);
    let low = u32::try_from(n & 0xffff_ffff).unwrap_or(0);
    f64::from(high) * 4_294_967_296.0 + f64::from(low)
}

fn cents_to_euros(cents: i64) -> f64 {
    let whole = i32::try_from(cents / 100).unwrap_or(i32::MAX);
    let rest = i32::try_from(cents % 100).unwrap_or(0);
    f64::from(whole) + f64::from(rest) / 100.0
}

/// The activity table as CSV for Italian spreadsheets: `;` between fields, a BOM so that the
/// accents open right, labels quoted; small protected counts as "<5" when `suppressed`.
pub fn activity_csv(t: crate::i18n::Tr<'_>, a: &Activity, suppressed: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("\u{feff}");
    let _ = write!(
        out,
        "{};{}\r\n",
        csv_text(&t.t("stats-period-head")),
        csv_text(&t.t("stats-total"))
    );
    for row in activity_table(t, a, suppressed).rows {
        let cells: Vec<String> = row.iter().map(Cell::csv).collect();
        let _ = write!(out, "{}\r\n", cells.join(";"));
    }
    out
}
