//! Municipalities: each belongs to one Ambito and is keyed by its ISTAT code.

use presidio_domain::reference::{
    AmbitoId, BelfioreCode, IstatCode, MonthDay, Municipality, MunicipalityData,
};
use presidio_domain::validation::{Invalid, Problem};

use crate::error::is_unique_violation;
use crate::{Db, DbError, dispatch, now};

#[derive(sqlx::FromRow)]
struct MunicipalityRow {
    istat_code: String,
    ambito_id: i64,
    belfiore_code: String,
    name: String,
    province: String,
    postal_code: Option<String>,
    population: Option<i64>,
    patron_holiday: Option<String>,
    version: i64,
}

impl TryFrom<MunicipalityRow> for Municipality {
    type Error = DbError;

    fn try_from(row: MunicipalityRow) -> Result<Self, DbError> {
        fn corrupt<E>(column: &'static str) -> impl Fn(E) -> DbError {
            move |_| DbError::Corrupt(column)
        }
        Ok(Municipality {
            ambito_id: AmbitoId(row.ambito_id),
            version: row.version,
            data: MunicipalityData {
                istat_code: IstatCode::parse(&row.istat_code).map_err(corrupt("istat_code"))?,
                belfiore_code: BelfioreCode::parse(&row.belfiore_code)
                    .map_err(corrupt("belfiore_code"))?,
                name: row.name,
                province: row.province,
                postal_code: row.postal_code,
                population: row
                    .population
                    .map(u32::try_from)
                    .transpose()
                    .map_err(corrupt("population"))?,
                patron_holiday: row
                    .patron_holiday
                    .as_deref()
                    .map(MonthDay::parse)
                    .transpose()
                    .map_err(corrupt("patron_holiday"))?,
            },
        })
    }
}

fn convert(rows: Vec<MunicipalityRow>) -> Result<Vec<Municipality>, DbError> {
    rows.into_iter().map(Municipality::try_from).collect()
}

fn duplicate_belfiore(err: sqlx::Error) -> DbError {
    if is_unique_violation(&err) {
        Invalid::one("belfiore_code", Problem::Duplicate).into()
    } else {
        err.into()
    }
}

impl Db {
    /// The municipalities of one Ambito, by name.
    pub async fn municipalities_of(&self, ambito: AmbitoId) -> Result<Vec<Municipality>, DbError> {
        let rows = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT istat_code, ambito_id, belfiore_code, name, province, postal_code,
                        population, patron_holiday, version
                 FROM municipalities WHERE ambito_id = $1 ORDER BY name",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?;
        convert(rows)
    }

    pub async fn municipality(&self, istat: &IstatCode) -> Result<Municipality, DbError> {
        let row: Option<MunicipalityRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT istat_code, ambito_id, belfiore_code, name, province, postal_code,
                        population, patron_holiday, version
                 FROM municipalities WHERE istat_code = $1",
                )
                .bind(istat.as_str())
                .fetch_optional(pool)
                .await
            }
        )?;
        row.ok_or(DbError::NotFound)?.try_into()
    }

    /// Changes a municipality if it is still at `version`; otherwise [`DbError::Conflict`].
    /// The ISTAT code is the key and cannot change: `data.istat_code` must equal `istat`.
    pub async fn update_municipality(
        &self,
        istat: &IstatCode,
        version: i64,
        data: &MunicipalityData,
    ) -> Result<Municipality, DbError> {
        if &data.istat_code != istat {
            return Err(Invalid::one("istat_code", Problem::InvalidIstatCode).into());
        }
        let at = now().0;
        let row: Option<MunicipalityRow> = dispatch!(
            self,
            write | pool | {
                sqlx::query_as(
                    "UPDATE municipalities
                 SET belfiore_code = $1, name = $2, province = $3, postal_code = $4,
                     population = $5, patron_holiday = $6, version = version + 1, updated_at = $7
                 WHERE istat_code = $8 AND version = $9
                 RETURNING istat_code, ambito_id, belfiore_code, name, province, postal_code,
                           population, patron_holiday, version",
                )
                .bind(data.belfiore_code.as_str())
                .bind(&data.name)
                .bind(&data.province)
                .bind(data.postal_code.as_deref())
                .bind(data.population.map(i64::from))
                .bind(data.patron_holiday.map(|d| d.to_string()))
                .bind(at)
                .bind(istat.as_str())
                .bind(version)
                .fetch_optional(pool)
                .await
            }
        )
        .map_err(duplicate_belfiore)?;
        match row {
            Some(row) => row.try_into(),
            None => Err(self
                .municipality(istat)
                .await
                .map_or(DbError::NotFound, |_| DbError::Conflict)),
        }
    }
}
