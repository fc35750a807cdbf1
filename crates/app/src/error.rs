//! The one error of a use case. The web crate turns it into a JSON error or an error page; the
//! command line into a message.

use presidio_db::{DbError, MoveError};
use presidio_domain::validation::{Invalid, Problem};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The record does not exist, or the user may not know that it does.
    #[error("not found")]
    NotFound,
    /// The user knows the record but may not do this to it.
    #[error("forbidden")]
    Forbidden,
    /// The action contradicts the state of things, e.g. `self_disable` (an administrator
    /// disabling their own account): the code names it.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Input refused, field by field (the fields as the API names them).
    #[error(transparent)]
    Invalid(Invalid),
    /// Storage failed or refused the write for a reason the user cannot fix by editing a field.
    #[error(transparent)]
    Db(DbError),
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        Self::Invalid(invalid)
    }
}

impl From<DbError> for AppError {
    fn from(err: DbError) -> Self {
        match err {
            DbError::NotFound => Self::NotFound,
            DbError::Invalid(invalid) => Self::Invalid(invalid),
            other => Self::Db(other),
        }
    }
}

impl From<MoveError> for AppError {
    /// A move the lifecycle does not allow is refused on the field `status`.
    fn from(err: MoveError) -> Self {
        match err {
            MoveError::Transition(_) => Invalid::one("status", Problem::BadTransition).into(),
            MoveError::Db(e) => e.into(),
        }
    }
}
