//! Aggregates for planning: counted in the database, never a row per person.

use presidio_domain::reference::AmbitoId;
use presidio_domain::report::{AgeBand, Sex};
use presidio_domain::stats::dashboard::{Booking, Tally};
use presidio_domain::stats::persons::{HandedOver, REREPORT_DAYS, Seen};
use presidio_domain::time::UtcMillis;

use crate::{Db, DbError, dispatch};

/// The day in Rome (`AAAA-MM-GG`) and the time band of a report's arrival, stored with it for
/// the running totals of `report_tallies`.
pub(crate) fn arrival(at: UtcMillis) -> (String, &'static str) {
    use presidio_domain::stats::dashboard::time_band;
    (at.in_rome().date().to_string(), time_band(at).code())
}

/// What the dashboard adds to the running totals: per report, minutes from arrival to the
/// first operator on site and to the first confirmed placement; the nights and costs booked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interventions {
    pub to_on_site: Vec<i64>,
    pub to_placement: Vec<i64>,
    pub bookings: Vec<Booking>,
}

/// The reports of a period that came from one reporting partner of the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerCount {
    pub organisation_id: i64,
    pub name: String,
    pub reports: u64,
    /// Of them, protected records (a small count then hides).
    pub protected: u64,
}

/// Sex, age band, birth year, repeat, protected, persons.
type PersonsRow = (String, Option<String>, Option<i64>, i64, i64, i64);

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Db {
    /// The rows of `sql`, whose `$1` and `$2` are the first and the last day of a period.
    async fn over_days<T>(&self, sql: String, from: &str, to: &str) -> Result<Vec<T>, DbError>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(from)
                    .bind(to)
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Gives the reports stored before the running totals their day and time band (the
    /// triggers then count them); returns how many there were.
    pub(crate) async fn fill_arrivals(&self) -> Result<usize, DbError> {
        let missing: Vec<(i64, i64)> = dispatch!(
            self,
            write | pool | {
                sqlx::query_as("SELECT id, received_at FROM reports WHERE received_day IS NULL")
                    .fetch_all(pool)
                    .await
            }
        )?;
        if missing.is_empty() {
            return Ok(0);
        }
        for chunk in missing.chunks(5_000) {
            dispatch!(
                self,
                write | pool | {
                    let mut tx = pool.begin().await?;
                    for (id, at) in chunk {
                        let (day, band) = arrival(UtcMillis(*at));
                        sqlx::query(
                            "UPDATE reports SET received_day = $2, time_band = $3 WHERE id = $1",
                        )
                        .bind(id)
                        .bind(&day)
                        .bind(band)
                        .execute(&mut *tx)
                        .await?;
                    }
                    tx.commit().await
                }
            )?;
        }
        Ok(missing.len())
    }

    /// The running totals of these Ambiti from day `from` to day `to` (`AAAA-MM-GG`, Rome,
    /// both included), summed by month.
    pub async fn tallies(
        &self,
        ambiti: &[AmbitoId],
        from: &str,
        to: &str,
    ) -> Result<Vec<Tally>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT substr(day, 1, 7), dimension, value, CAST(SUM(n) AS BIGINT) FROM report_tallies
             WHERE ambito_id IN ({}) AND day >= $1 AND day <= $2
             GROUP BY substr(day, 1, 7), dimension, value
             HAVING SUM(n) <> 0",
            crate::ambito_list(ambiti)
        );
        let rows: Vec<(String, String, String, i64)> = self.over_days(sql, from, to).await?;
        Ok(rows
            .into_iter()
            .map(|(month, dimension, value, n)| Tally {
                month,
                dimension,
                value,
                count: count(n),
            })
            .collect())
    }

    /// The reports of these Ambiti that arrived from day `from` to day `to` (Rome, both
    /// included) from each reporting partner of the directory, most first.
    pub async fn partners_between(
        &self,
        ambiti: &[AmbitoId],
        from: &str,
        to: &str,
    ) -> Result<Vec<PartnerCount>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT o.id, o.name, COUNT(*), CAST(SUM(r.protected) AS BIGINT)
             FROM reports r JOIN organisations o ON o.id = r.partner_id
             WHERE r.partner_id IS NOT NULL AND r.ambito_id IN ({})
               AND r.received_day >= $1 AND r.received_day <= $2
             GROUP BY o.id, o.name ORDER BY COUNT(*) DESC, o.name",
            crate::ambito_list(ambiti)
        );
        let rows: Vec<(i64, String, i64, i64)> = self.over_days(sql, from, to).await?;
        Ok(rows
            .into_iter()
            .map(|(organisation_id, name, n, protected)| PartnerCount {
                organisation_id,
                name,
                reports: count(n),
                protected: count(protected),
            })
            .collect())
    }

    /// Response times after triage and the bookings of the reports of these Ambiti that
    /// arrived from day `from` to day `to` (Rome, both included).
    pub async fn interventions_between(
        &self,
        ambiti: &[AmbitoId],
        from: &str,
        to: &str,
    ) -> Result<Interventions, DbError> {
        if ambiti.is_empty() {
            return Ok(Interventions::default());
        }
        let list = crate::ambito_list(ambiti);
        // From the few dispatches and activations to their reports (CROSS JOIN keeps SQLite
        // from scanning every report of the Ambito first).
        let on_site = format!(
            "SELECT (MIN(d.arrived_at) - r.received_at) / 60000 FROM dispatches d
             CROSS JOIN reports r
             WHERE r.id = d.report_id AND r.ambito_id IN ({list}) AND r.received_day >= $1 AND r.received_day <= $2
                AND d.arrived_at IS NOT NULL
             GROUP BY r.id, r.received_at"
        );
        let placement = format!(
            "SELECT (MIN(a.confirmed_at) - r.received_at) / 60000 FROM activations a
             CROSS JOIN reports r
             WHERE r.id = a.report_id AND r.ambito_id IN ({list}) AND r.received_day >= $1 AND r.received_day <= $2
                AND a.confirmed_at IS NOT NULL
             GROUP BY r.id, r.received_at"
        );
        let bookings = format!(
            "SELECT s.kind, COUNT(*), CAST(SUM(a.nights * a.places) AS BIGINT),
                CAST(SUM(a.cost_cents) AS BIGINT)
             FROM activations a CROSS JOIN reports r
             JOIN resources s ON s.id = a.resource_id
             WHERE r.id = a.report_id AND r.ambito_id IN ({list}) AND r.received_day >= $1 AND r.received_day <= $2
                AND a.status IN ('confirmed', 'started', 'ended')
             GROUP BY s.kind ORDER BY s.kind"
        );
        let minutes = |sql: String| async move {
            let rows: Vec<(i64,)> = self.over_days(sql, from, to).await?;
            Ok::<_, DbError>(rows.into_iter().map(|(m,)| m).collect::<Vec<_>>())
        };
        let to_on_site = minutes(on_site).await?;
        let to_placement = minutes(placement).await?;
        let rows: Vec<(String, i64, i64, i64)> = self.over_days(bookings, from, to).await?;
        Ok(Interventions {
            to_on_site,
            to_placement,
            bookings: rows
                .into_iter()
                .map(|(kind, n, nights, cost)| Booking {
                    kind,
                    activations: count(n),
                    nights: count(nights),
                    cost_cents: cost,
                })
                .collect(),
        })
    }

    /// The persons named in the reports of these Ambiti that arrived from day `from` to day
    /// `to` (Rome, both included), counted once per group of linked records, by sex, age band
    /// (the record's, else from its birth year at `year`), repeat (more than one report) and protection (named in a protected one).
    /// From the persons' side (CROSS JOIN keeps SQLite from scanning every report of the
    /// period first: historical imports name no person record).
    pub async fn persons_between(
        &self,
        ambiti: &[AmbitoId],
        from: &str,
        to: &str,
        year: i16,
    ) -> Result<Vec<Seen>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT sex, age_band, birth_year, CAST(CASE WHEN n > 1 THEN 1 ELSE 0 END AS BIGINT),
                    prot, COUNT(*)
             FROM (SELECT COALESCE(p.group_id, p.id) AS person, MIN(p.sex) AS sex,
                          MIN(p.age_band) AS age_band, MIN(p.birth_year) AS birth_year,
                          COUNT(DISTINCT r.id) AS n, MAX(r.protected) AS prot
                   FROM report_persons rp
                   CROSS JOIN reports r
                   CROSS JOIN persons p
                   WHERE rp.person_id IS NOT NULL AND r.id = rp.report_id AND p.id = rp.person_id
                     AND r.ambito_id IN ({}) AND r.received_day >= $1 AND r.received_day <= $2
                   GROUP BY COALESCE(p.group_id, p.id)) per_person
             GROUP BY sex, age_band, birth_year, CASE WHEN n > 1 THEN 1 ELSE 0 END, prot",
            crate::ambito_list(ambiti)
        );
        let rows: Vec<PersonsRow> = self.over_days(sql, from, to).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(sex, band, born, repeat, protected, n)| {
                let age_band = band.as_deref().and_then(AgeBand::parse).or_else(|| {
                    let age = i64::from(year) - born?;
                    u8::try_from(age).ok().map(AgeBand::of)
                });
                Some(Seen {
                    sex: Sex::parse(&sex)?,
                    age_band,
                    repeat: repeat == 1,
                    protected: protected == 1,
                    persons: count(n),
                })
            })
            .collect())
    }

    /// The persons of the reports of these Ambiti that arrived from day `from` to day `to` and
    /// were handed to a social service, counted by whether a report named them again within
    /// 90 days after a handover, and by protection.
    pub async fn handed_over_between(
        &self,
        ambiti: &[AmbitoId],
        from: &str,
        to: &str,
    ) -> Result<Vec<HandedOver>, DbError> {
        if ambiti.is_empty() {
            return Ok(Vec::new());
        }
        let window = REREPORT_DAYS * 24 * 60 * 60 * 1000;
        let sql = format!(
            "SELECT again, prot, COUNT(*) FROM (
                SELECT COALESCE(p.group_id, p.id) AS person, MAX(r.protected) AS prot,
                    MAX(CASE WHEN EXISTS (SELECT 1 FROM report_persons rp2
                            JOIN reports r2 ON r2.id = rp2.report_id
                            WHERE rp2.person_id IN (SELECT p2.id FROM persons p2
                                    WHERE p2.id = p.id OR p2.group_id = p.group_id)
                              AND r2.received_at > h.sent_at
                              AND r2.received_at <= h.sent_at + {window})
                        THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END) AS again
                FROM handovers h
                CROSS JOIN reports r
                CROSS JOIN report_persons rp
                CROSS JOIN persons p
                WHERE r.id = h.report_id AND rp.report_id = r.id AND p.id = rp.person_id
                  AND r.ambito_id IN ({}) AND r.received_day >= $1 AND r.received_day <= $2
                  AND rp.person_id IS NOT NULL
                GROUP BY COALESCE(p.group_id, p.id)) per_person
             GROUP BY again, prot",
            crate::ambito_list(ambiti)
        );
        let rows: Vec<(i64, i64, i64)> = self.over_days(sql, from, to).await?;
        Ok(rows
            .into_iter()
            .map(|(again, protected, n)| HandedOver {
                rereported: again == 1,
                protected: protected == 1,
                persons: count(n),
            })
            .collect())
    }
}
