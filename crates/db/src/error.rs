//! Storage errors. Callers map them to HTTP statuses: `NotFound` 404, `Conflict` and `Refused`
//! 409, `Invalid` 422, everything else 503 (the database is unreachable or broken).

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
    /// The database refused the write by one of its constraints (unique, foreign key, check)
    /// that no caller check caught first: nothing was written, and retrying will not help.
    /// Carries the constraint's name (or the database's message) for the log, never for people.
    #[error("write refused by constraint {0}")]
    Refused(String),
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
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

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        let refused = err.as_database_error().and_then(|e| match e.kind() {
            ErrorKind::UniqueViolation
            | ErrorKind::ForeignKeyViolation
            | ErrorKind::NotNullViolation
            | ErrorKind::CheckViolation => Some(
                e.constraint()
                    .map_or_else(|| e.message().to_owned(), str::to_owned),
            ),
            _ => None,
        });
        match refused {
            Some(constraint) => Self::Refused(constraint),
            None => Self::Unavailable(err),
        }
    }
}

/// True when `err` is a violation of a unique constraint, on either backend.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(sqlx::error::DatabaseError::is_unique_violation)
}
