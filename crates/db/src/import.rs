//! Loading an Ambito and its municipalities from a CSV file, all or nothing.
//!
//! The columns are those of `seed/municipalities.csv`: `istat_code, belfiore_code, name, province,
//! postal_code, population (or population_2011_census), patron_holiday` (MM-DD, may be empty).
//! An installation starts with the Ambito Rhodense; any other Ambito is loaded the same way.

use presidio_domain::reference::{Ambito, AmbitoData, MunicipalityData, MunicipalityInput};
use presidio_domain::validation::Invalid;
use serde::Deserialize;

use crate::{Db, DbError, dispatch, now};

/// The nine municipalities of the Ambito Territoriale Sociale Rhodense.
pub const RHODENSE_CSV: &str = include_str!("../seed/municipalities.csv");

/// The Ambito an empty installation starts with.
pub fn rhodense() -> AmbitoData {
    AmbitoData {
        code: "rhodense".into(),
        name: "Ambito Territoriale Sociale Rhodense".into(),
        report_prefix: "PIS".into(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not readable CSV or lacks a column; `line` counts from 1, the header included.
    #[error("line {line}: {message}")]
    Format { line: u64, message: String },
    /// A row with fields that do not validate.
    #[error("line {line}: {errors}")]
    Row { line: u64, errors: Invalid },
    #[error(transparent)]
    Db(#[from] DbError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub ambito: Ambito,
    pub municipalities: usize,
}

#[derive(Deserialize)]
struct CsvRow {
    istat_code: String,
    belfiore_code: String,
    name: String,
    province: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default, alias = "population_2011_census")]
    population: String,
    #[serde(default)]
    patron_holiday: String,
}

/// Reads and validates every row; nothing is written unless all rows are valid.
pub fn parse_municipalities(csv_text: &str) -> Result<Vec<MunicipalityData>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    for (index, record) in reader.deserialize::<CsvRow>().enumerate() {
        let line = index as u64 + 2;
        let row = record.map_err(|e| ImportError::Format {
            line,
            message: e.to_string(),
        })?;
        let input = MunicipalityInput {
            istat_code: row.istat_code,
            belfiore_code: row.belfiore_code,
            name: row.name,
            province: row.province,
            postal_code: row.postal_code,
            population: row.population,
            patron_holiday: row.patron_holiday,
        };
        out.push(
            input
                .validate()
                .map_err(|errors| ImportError::Row { line, errors })?,
        );
    }
    Ok(out)
}

impl Db {
    /// Creates the Ambito (or renames the one with the same code) and inserts or updates each
    /// municipality, in one transaction.
    pub async fn import_ambito(
        &self,
        ambito: &AmbitoData,
        csv_text: &str,
    ) -> Result<ImportSummary, ImportError> {
        let rows = parse_municipalities(csv_text)?;
        let at = now().0;
        let id: i64 = dispatch!(
            self,
            write
                | pool
                | {
                    let mut tx = pool.begin().await.map_err(DbError::from)?;
                    let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO ambiti (code, name, report_prefix, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $4)
                 ON CONFLICT (code) DO UPDATE
                 SET name = excluded.name, version = ambiti.version + 1, updated_at = excluded.updated_at
                 RETURNING id",
            )
            .bind(&ambito.code)
            .bind(&ambito.name)
            .bind(&ambito.report_prefix)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(crate::ambiti::duplicate_code)?;
                    for m in &rows {
                        sqlx::query(
                    "INSERT INTO municipalities (istat_code, ambito_id, belfiore_code, name, province,
                        postal_code, population, patron_holiday, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
                     ON CONFLICT (istat_code) DO UPDATE
                     SET ambito_id = excluded.ambito_id, belfiore_code = excluded.belfiore_code,
                         name = excluded.name, province = excluded.province,
                         postal_code = excluded.postal_code, population = excluded.population,
                         patron_holiday = excluded.patron_holiday,
                         version = municipalities.version + 1, updated_at = excluded.updated_at",
                )
                .bind(m.istat_code.as_str())
                .bind(id)
                .bind(m.belfiore_code.as_str())
                .bind(&m.name)
                .bind(&m.province)
                .bind(m.postal_code.as_deref())
                .bind(m.population.map(i64::from))
                .bind(m.patron_holiday.map(|d| d.to_string()))
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?;
                        // A patron saint's day becomes a local holiday of the service calendar,
                        // once (later edits are the calendar's).
                        if let Some(day) = m.patron_holiday {
                            sqlx::query(
                                "INSERT INTO local_holidays (istat_code, month, day, name, source,
                                    created_at)
                                 SELECT CAST($1 AS TEXT), CAST($2 AS BIGINT), CAST($3 AS BIGINT),
                                    'Festa patronale', 'Anagrafica dei comuni', CAST($4 AS BIGINT)
                                 WHERE NOT EXISTS (SELECT 1 FROM local_holidays
                                    WHERE istat_code = $1 AND month = $2 AND day = $3)",
                            )
                            .bind(m.istat_code.as_str())
                            .bind(i64::from(day.month))
                            .bind(i64::from(day.day))
                            .bind(at)
                            .execute(&mut *tx)
                            .await
                            .map_err(DbError::from)?;
                        }
                    }
                    tx.commit().await.map_err(DbError::from)?;
                    Ok::<i64, DbError>(id)
                }
        )?;
        let ambito = self
            .ambito(presidio_domain::reference::AmbitoId(id))
            .await?;
        Ok(ImportSummary {
            ambito,
            municipalities: rows.len(),
        })
    }

    /// On a database with no Ambito at all, loads the Ambito Rhodense. Returns whether it did.
    pub async fn seed_if_empty(&self) -> Result<bool, ImportError> {
        let (count,): (i64,) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT COUNT(*) FROM ambiti")
                    .fetch_one(pool)
                    .await
            }
        )
        .map_err(DbError::from)?;
        if count > 0 {
            return Ok(false);
        }
        self.import_ambito(&rhodense(), RHODENSE_CSV).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rhodense_file_has_nine_valid_municipalities() {
        let rows = parse_municipalities(RHODENSE_CSV).unwrap();
        assert_eq!(rows.len(), 9);
        let rho = rows
            .iter()
            .find(|m| m.istat_code.as_str() == "015182")
            .unwrap();
        assert_eq!(
            (rho.name.as_str(), rho.belfiore_code.as_str()),
            ("Rho", "H264")
        );
        assert_eq!(
            rho.patron_holiday.map(|d| d.to_string()).as_deref(),
            Some("05-08")
        );
        assert_eq!(
            rows.iter().filter(|m| m.patron_holiday.is_some()).count(),
            1
        );
    }

    #[test]
    fn a_bad_row_is_reported_with_its_line() {
        let csv =
            "istat_code,belfiore_code,name,province\n015182,H264,Rho,MI\n15009,A389,Arese,MI\n";
        match parse_municipalities(csv) {
            Err(ImportError::Row { line, errors }) => {
                assert_eq!(line, 3);
                assert_eq!(errors.0[0].field, "istat_code");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_missing_column_is_a_format_error() {
        let csv = "istat_code,name\n015182,Rho\n";
        assert!(matches!(
            parse_municipalities(csv),
            Err(ImportError::Format { line: 2, .. })
        ));
    }
}
