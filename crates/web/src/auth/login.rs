//! Checking a username and password, with throttling per account and per address. Shared by
//! the login page and the token endpoint, so both refuse the same way and audit the same way.

use presidio_domain::access::Principal;
use presidio_domain::audit::Action;
use presidio_domain::throttle::{self, Counter, Limits};
use presidio_domain::time::UtcMillis;

use super::{Visitor, password};
use crate::AppState;

/// Why a login was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Wrong username or password, or a disabled account (never told apart).
    BadCredentials,
    /// Too many failures: the account or the address is locked until then.
    Locked(UtcMillis),
    /// The database did not answer.
    Unavailable,
}

impl From<presidio_db::DbError> for Refusal {
    fn from(err: presidio_db::DbError) -> Self {
        tracing::error!(error = %err, "storage error during login");
        Self::Unavailable
    }
}

/// The longest username worth looking up or writing in the audit trail.
const USERNAME_MAX: usize = 64;

/// Checks the credentials; on success returns the user (the caller starts a session or issues a
/// token and audits the login with it). Failures and lockouts are audited here.
pub async fn check(
    state: &AppState,
    visitor: &Visitor,
    username: &str,
    password: &str,
) -> Result<Principal, Refusal> {
    let username: String = username
        .trim()
        .to_lowercase()
        .chars()
        .take(USERNAME_MAX)
        .collect();
    let now = presidio_db::now();
    let account_key = format!("account:{username}");
    let address_key = format!("address:{}", visitor.client_ip);
    let account = state.db.throttle(&account_key).await?;
    let address = state.db.throttle(&address_key).await?;
    if let Some(until) = account.locked_at(now).max(address.locked_at(now)) {
        let entry = visitor
            .entry(Action::LoginFailed)
            .record("user", &username)
            .reason("locked");
        state.db.audit(&with_actor(entry, &username)).await?;
        return Err(Refusal::Locked(until));
    }
    let credentials = state.db.credentials(&username).await?;
    let active = credentials.filter(|c| c.disabled_at.is_none());
    let ok = password::verify(
        password.to_owned(),
        active.as_ref().map(|c| c.password_hash.clone()),
    )
    .await;
    let principal = match (&active, ok) {
        (Some(c), true) => state.db.principal(c.id).await?,
        _ => None,
    };
    let Some(principal) = principal else {
        let actor_id = active.as_ref().map(|c| c.id);
        fail(
            state,
            visitor,
            &username,
            actor_id,
            &account_key,
            account,
            throttle::ACCOUNT,
            now,
        )
        .await?;
        fail(
            state,
            visitor,
            &username,
            actor_id,
            &address_key,
            address,
            throttle::ADDRESS,
            now,
        )
        .await?;
        let mut entry = visitor.entry(Action::LoginFailed).record("user", &username);
        entry.actor_id = actor_id;
        state.db.audit(&with_actor(entry, &username)).await?;
        return Err(Refusal::BadCredentials);
    };
    state.db.clear_throttle(&account_key).await?;
    Ok(principal)
}

fn with_actor(
    mut entry: presidio_domain::audit::Entry,
    username: &str,
) -> presidio_domain::audit::Entry {
    if entry.actor.is_empty() {
        username.clone_into(&mut entry.actor);
    }
    entry
}

/// Counts one failure against `key`, auditing the lockout it may start.
#[allow(clippy::too_many_arguments)]
async fn fail(
    state: &AppState,
    visitor: &Visitor,
    username: &str,
    actor_id: Option<i64>,
    key: &str,
    counter: Counter,
    limits: Limits,
    now: UtcMillis,
) -> Result<(), Refusal> {
    let (next, locked) = counter.after_failure(now, limits);
    let lockout = locked.then(|| {
        let mut e = visitor.entry(Action::Lockout).record("login_throttle", key);
        e.actor_id = actor_id;
        with_actor(e, username)
    });
    state.db.save_throttle(key, next, lockout.as_ref()).await?;
    Ok(())
}
