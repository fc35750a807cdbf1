//! Storage errors. Callers map them to HTTP statuses: `NotFound` 404, `Conflict` 409,
//! `Invalid` 422, everything else 503 (the database is unreachable or broken).

use presidio_domain::validation::Invalid;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("record not found")]
    NotFound,
    /// The record changed since the caller read it (its `version` no longer matches).
    #[error("record changed since it was read")]
    Conflict,
    /// A value the database refused for a reason the caller can fix (e.g. a duplicate code).
    #[error(transparent)]
    Invalid(#[from] Invalid),
    #[error("database unavailable: {0}")]
    Unavailable(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("invalid database URL: {0}")]
    Url(String),
    #[error("file error: {0}")]
    Io(String),
    /// A stored value that no longer parses: the database was edited by hand.
    #[error("stored value is not valid: {0}")]
    Corrupt(&'static str),
    #[error("not supported on this backend: {0}")]
    Unsupported(&'static str),
}

/// True when `err` is a violation of a unique constraint, on either backend.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(sqlx::error::DatabaseError::is_unique_violation)
}
