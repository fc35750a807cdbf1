//! Ambiti: the tenants of an installation.

use presidio_domain::reference::{Ambito, AmbitoData, AmbitoId};
use presidio_domain::validation::{Invalid, Problem};

use crate::error::is_unique_violation;
use crate::{Db, DbError, dispatch, now};

#[derive(sqlx::FromRow)]
struct AmbitoRow {
    id: i64,
    code: String,
    name: String,
    report_prefix: String,
    version: i64,
}

impl From<AmbitoRow> for Ambito {
    fn from(row: AmbitoRow) -> Self {
        Ambito {
            id: AmbitoId(row.id),
            code: row.code,
            name: row.name,
            report_prefix: row.report_prefix,
            version: row.version,
        }
    }
}

/// The columns of [`AmbitoRow`].
pub(crate) const AMBITO_COLUMNS: &str = "id, code, name, report_prefix, version";

/// A code or a protocol prefix already taken, refused on its field.
pub(crate) fn duplicate_code(err: sqlx::Error) -> DbError {
    if is_unique_violation(&err) {
        let field = if err
            .as_database_error()
            .is_some_and(|e| e.message().contains("report_prefix"))
        {
            "report_prefix"
        } else {
            "code"
        };
        Invalid::one(field, Problem::Duplicate).into()
    } else {
        err.into()
    }
}

impl Db {
    /// Every Ambito, by name.
    pub async fn list_ambiti(&self) -> Result<Vec<Ambito>, DbError> {
        let rows: Vec<AmbitoRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {AMBITO_COLUMNS} FROM ambiti ORDER BY name"
                )))
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows.into_iter().map(Ambito::from).collect())
    }

    pub async fn ambito(&self, id: AmbitoId) -> Result<Ambito, DbError> {
        let row: Option<AmbitoRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {AMBITO_COLUMNS} FROM ambiti WHERE id = $1"
                )))
                .bind(id.0)
                .fetch_optional(pool)
                .await
            }
        )?;
        row.map(Ambito::from).ok_or(DbError::NotFound)
    }

    pub async fn ambito_by_code(&self, code: &str) -> Result<Ambito, DbError> {
        let row: Option<AmbitoRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {AMBITO_COLUMNS} FROM ambiti WHERE code = $1"
                )))
                .bind(code)
                .fetch_optional(pool)
                .await
            }
        )?;
        row.map(Ambito::from).ok_or(DbError::NotFound)
    }

    /// Creates an Ambito; a code already in use is refused on the `code` field.
    pub async fn create_ambito(&self, data: &AmbitoData) -> Result<Ambito, DbError> {
        let at = now().0;
        let row: AmbitoRow = dispatch!(
            self,
            write | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO ambiti (code, name, report_prefix, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $4) RETURNING {AMBITO_COLUMNS}"
                )))
                .bind(&data.code)
                .bind(&data.name)
                .bind(&data.report_prefix)
                .bind(at)
                .fetch_one(pool)
                .await
            }
        )
        .map_err(duplicate_code)?;
        Ok(row.into())
    }

    /// Changes an Ambito if it is still at `version`; otherwise [`DbError::Conflict`].
    pub async fn update_ambito(
        &self,
        id: AmbitoId,
        version: i64,
        data: &AmbitoData,
    ) -> Result<Ambito, DbError> {
        let at = now().0;
        let row: Option<AmbitoRow> = dispatch!(
            self,
            write | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "UPDATE ambiti SET code = $1, name = $2, version = version + 1, updated_at = $3
                     WHERE id = $4 AND version = $5
                     RETURNING {AMBITO_COLUMNS}"
                )))
                .bind(&data.code)
                .bind(&data.name)
                .bind(at)
                .bind(id.0)
                .bind(version)
                .fetch_optional(pool)
                .await
            }
        )
        .map_err(duplicate_code)?;
        match row {
            Some(row) => Ok(row.into()),
            None => Err(self
                .ambito(id)
                .await
                .map_or(DbError::NotFound, |_| DbError::Conflict)),
        }
    }
}
