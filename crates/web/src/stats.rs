//! The activity report for a period, shared by the page, the API and the command line.

use presidio_db::{Db, DbError};
use presidio_domain::reference::AmbitoId;
use presidio_domain::stats::activity::{Activity, activity_of_groups};
use presidio_domain::validation::{Invalid, Problem, day_range};

/// The activity of these Ambiti from day `from` to day `to`, both included (`AAAA-MM-GG`,
/// Rome); both are required, and `from` may not come after `to`.
pub async fn activity(
    db: &Db,
    ambiti: &[AmbitoId],
    from: &str,
    to: &str,
) -> Result<Activity, DbError> {
    let mut errors = Invalid::default();
    if from.trim().is_empty() {
        errors.push("from", Problem::Required);
    }
    if to.trim().is_empty() {
        errors.push("to", Problem::Required);
    }
    let (start, end) = day_range(&mut errors, from, to);
    let (Some(start), Some(end)) = (start, end) else {
        return Err(errors.into());
    };
    if start.0 >= end.0 {
        return Err(Invalid::one("to", Problem::OutOfRange).into());
    }
    let groups = db.activity_counts(ambiti, start, end).await?;
    Ok(activity_of_groups(groups))
}
