//! The coordinator's notifications (a break-glass on a protected report, …), shared by the page,
//! the API and the board. Their texts may carry a reason written about a case, so the board
//! shows only how many are unread, and opening the list is audited.

use presidio_db::{DbError, Notification};
use presidio_domain::access::{Principal, Role};
use presidio_domain::audit::Action;
use presidio_domain::reference::AmbitoId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Visitor;

/// The role whose users receive notifications.
const ROLE: Role = Role::Coordinatore;

/// How many notifications one list shows.
const LIST: i64 = 200;

/// The user's notifications, newest first (none for users who are not coordinators).
pub(crate) async fn of(
    state: &AppState,
    who: &Principal,
    unread_only: bool,
    limit: i64,
) -> Result<Vec<Notification>, DbError> {
    state
        .db
        .notifications(&ambiti(who), ROLE.code(), who.user_id, unread_only, limit)
        .await
}

/// How many of the user's notifications are unread.
pub(crate) async fn unread(state: &AppState, who: &Principal) -> Result<i64, DbError> {
    state
        .db
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
pub(crate) async fn audited_list(
    state: &AppState,
    visitor: &Visitor,
    who: &Principal,
    unread_only: bool,
) -> Result<Vec<Notification>, DbError> {
    let list = of(state, who, unread_only, LIST).await?;
    let mut entry = visitor.entry(Action::Read);
    entry.record_type = "notifications".into();
    state.db.audit(&entry).await?;
    Ok(list)
}

#[derive(Deserialize, ToSchema)]
pub struct ReadForm {
    /// Every notification up to this id (included) is marked as read.
    pub up_to: i64,
}
