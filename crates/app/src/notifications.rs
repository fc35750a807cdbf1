//! The coordinator's notifications (a break-glass on a protected report, …), shared by the page,
//! the API and the board. Their texts may carry a reason written about a case, so the board
//! shows only how many are unread, and opening the list is audited.

use presidio_db::{DbError, Notification};
use presidio_domain::access::{Principal, Role};
use presidio_domain::audit::Action;
use presidio_domain::reference::AmbitoId;

use crate::App;

/// The role whose users receive notifications.
const ROLE: Role = Role::Coordinatore;

/// How many notifications one list shows.
const LIST: i64 = 200;

/// The user's notifications, newest first (none for users who are not coordinators).
pub async fn of(
    app: &App,
    who: &Principal,
    unread_only: bool,
    limit: i64,
) -> Result<Vec<Notification>, DbError> {
    app.db
        .notifications(&ambiti(who), ROLE.code(), who.user_id, unread_only, limit)
        .await
}

/// Marks the user's notifications up to id `up_to` as read.
pub async fn mark_read(app: &App, who: &Principal, up_to: i64) -> Result<(), DbError> {
    app.db.mark_notifications_read(who.user_id, up_to).await
}

/// How many of the user's notifications are unread.
pub async fn unread(app: &App, who: &Principal) -> Result<i64, DbError> {
    app.db
        .unread_notifications(&ambiti(who), ROLE.code(), who.user_id)
        .await
}

fn ambiti(who: &Principal) -> Vec<AmbitoId> {
    who.grants
        .iter()
        .filter(|g| g.role == ROLE)
        .map(|g| g.ambito)
        .collect()
}

/// Opening the list reads the texts: audited.
pub async fn audited_list(
    app: &App,
    caller: crate::Caller<'_>,
    who: &Principal,
    unread_only: bool,
) -> Result<Vec<Notification>, DbError> {
    let list = of(app, who, unread_only, LIST).await?;
    let mut entry = app.entry(caller, Action::Read);
    entry.record_type = "notifications".into();
    app.db.audit(&entry).await?;
    Ok(list)
}
