//! Checking a username and password, with throttling per account and per address. Shared by
//! the login page and the token endpoint, so both refuse the same way and audit the same way.

use presidio_domain::access::Principal;
use presidio_domain::audit::Action;
use presidio_domain::throttle::{self, Attempt, Limits};
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

/// A user whose password was right.
#[derive(Debug, Clone)]
pub struct Checked {
    pub principal: Principal,
    /// The user's second factor, when enrolled: a code is still due.
    pub second_factor: Option<presidio_db::SecondFactor>,
    /// The user has no second factor but one of their roles requires it.
    pub must_enrol: bool,
}

impl Checked {
    /// The stage a new session starts at.
    pub fn stage(&self) -> super::Stage {
        if self.second_factor.is_some() {
            super::Stage::Totp
        } else if self.must_enrol {
            super::Stage::Enrol
        } else {
            super::Stage::Full
        }
    }
}

/// Checks the credentials; on success returns the user (the caller starts a session or issues a
/// token and audits the login with it). Failures and lockouts are audited here.
pub async fn check(
    state: &AppState,
    visitor: &Visitor,
    username: &str,
    password: &str,
) -> Result<Checked, Refusal> {
    let username: String = username
        .trim()
        .to_lowercase()
        .chars()
        .take(USERNAME_MAX)
        .collect();
    let account_key = format!("account:{username}");
    let address_key = format!("address:{}", visitor.client_ip);
    // Both counters take this attempt before the password is checked (see `throttle`).
    let refused = match reserve(state, &address_key, throttle::ADDRESS).await? {
        Some(until) => Some(until),
        None => match reserve(state, &account_key, throttle::ACCOUNT).await? {
            Some(until) => {
                release(state, &address_key, false).await?;
                Some(until)
            }
            None => None,
        },
    };
    if let Some(until) = refused {
        return Err(refused_locked(state, visitor, &username, until).await?);
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
        for (key, limits) in [
            (&account_key, throttle::ACCOUNT),
            (&address_key, throttle::ADDRESS),
        ] {
            fail(state, visitor, &username, actor_id, key, limits).await?;
        }
        let mut entry = visitor.entry(Action::LoginFailed).record("user", &username);
        entry.actor_id = actor_id;
        state.db.audit(&with_actor(entry, &username)).await?;
        return Err(Refusal::BadCredentials);
    };
    let second_factor = state.db.second_factor(principal.user_id).await?;
    // Right, but attempts counted in parallel may have locked the account or the address
    // meanwhile: then the lock holds, even for the right password. With a second factor the
    // attempt is not over: the account's earlier failures stay until the code is right too.
    let address_lock = release(state, &address_key, false).await?;
    let account_lock = release(state, &account_key, second_factor.is_none()).await?;
    if let Some(until) = address_lock.max(account_lock) {
        return Err(refused_locked(state, visitor, &username, until).await?);
    }
    let required = state.db.roles_requiring_second_factor().await?;
    let must_enrol =
        second_factor.is_none() && principal.roles().iter().any(|r| required.contains(r));
    Ok(Checked {
        principal,
        second_factor,
        must_enrol,
    })
}

/// Checks a one-time code or a recovery code of a user whose password was right, spending it.
/// A wrong code counts as a failed login (throttled and audited).
pub async fn check_second_factor(
    state: &AppState,
    visitor: &Visitor,
    principal: &Principal,
    factor: &presidio_db::SecondFactor,
    code: &str,
) -> Result<&'static str, Refusal> {
    use presidio_domain::second_factor as sf;
    let now = state.clock.now();
    let account_key = format!("account:{}", principal.username);
    if let Some(until) = reserve(state, &account_key, throttle::ACCOUNT).await? {
        return Err(Refusal::Locked(until));
    }
    let accepted = if sf::is_recovery(code) {
        let hash = super::secret::stored(&sf::normalise_recovery(code));
        state
            .db
            .use_recovery_code(principal.user_id, &hash)
            .await?
            .then_some("recovery")
    } else {
        let secs = u64::try_from(now.0 / 1000).unwrap_or(0);
        match sf::from_base32(&factor.totp_secret)
            .and_then(|secret| sf::accept(&secret, code, secs, factor.totp_last_step))
        {
            Some(step) if state.db.use_totp_step(principal.user_id, step).await? => Some("totp"),
            _ => None,
        }
    };
    if let Some(how) = accepted {
        if let Some(until) = release(state, &account_key, true).await? {
            return Err(Refusal::Locked(until));
        }
        return Ok(how);
    }
    let username = principal.username.clone();
    fail(
        state,
        visitor,
        &username,
        Some(principal.user_id),
        &account_key,
        throttle::ACCOUNT,
    )
    .await?;
    let mut entry = visitor
        .entry(Action::LoginFailed)
        .record("user", principal.user_id)
        .reason("second_factor");
    entry.actor_id = Some(principal.user_id);
    state.db.audit(&with_actor(entry, &username)).await?;
    Err(Refusal::BadCredentials)
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

/// How long an attempt waits for its turn while the attempts being checked fill the limit.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Counts this attempt against `key` before its check (`None`), or refuses it: locked until
/// then. While the attempts being checked in parallel fill the limit, waits for them to end
/// (they lock the key or give their places back).
async fn reserve(
    state: &AppState,
    key: &str,
    limits: Limits,
) -> Result<Option<UtcMillis>, Refusal> {
    let started = std::time::Instant::now();
    // Waiting attempts ask again less and less often, so a flood of them cannot turn into a
    // flood of writes.
    let mut pause = std::time::Duration::from_millis(25);
    loop {
        let now = state.clock.now();
        let attempt = state
            .db
            .update_throttle(key, |c| {
                let (next, attempt) = c.reserve(now, limits);
                (next, attempt, None)
            })
            .await?;
        match attempt {
            Attempt::Counted => return Ok(None),
            Attempt::Refused(until) => return Ok(Some(until)),
            Attempt::Busy if started.elapsed() > TURN_WAIT => {
                return Ok(Some(UtcMillis(now.0 + limits.lock_ms)));
            }
            Attempt::Busy => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(std::time::Duration::from_millis(400));
            }
        }
    }
}

/// Ends a counted attempt that was right (or never checked): `clear` forgets the key's failures
/// (a completed login), otherwise the attempt only gives its place back. Unless the key was
/// locked meanwhile: then until when.
async fn release(state: &AppState, key: &str, clear: bool) -> Result<Option<UtcMillis>, Refusal> {
    let now = state.clock.now();
    Ok(state
        .db
        .update_throttle(key, |c| match c.locked_at(now) {
            Some(until) => (c, Some(until), None),
            None => (c.after_reserved_success(clear), None, None),
        })
        .await?)
}

/// A refusal because of a lock, audited.
async fn refused_locked(
    state: &AppState,
    visitor: &Visitor,
    username: &str,
    until: UtcMillis,
) -> Result<Refusal, Refusal> {
    let entry = visitor
        .entry(Action::LoginFailed)
        .record("user", username)
        .reason("locked");
    state.db.audit(&with_actor(entry, username)).await?;
    Ok(Refusal::Locked(until))
}

/// Records that a counted attempt against `key` failed, auditing the lockout it may start.
async fn fail(
    state: &AppState,
    visitor: &Visitor,
    username: &str,
    actor_id: Option<i64>,
    key: &str,
    limits: Limits,
) -> Result<(), Refusal> {
    let now = state.clock.now();
    let lockout = {
        let mut e = visitor.entry(Action::Lockout).record("login_throttle", key);
        e.actor_id = actor_id;
        with_actor(e, username)
    };
    state
        .db
        .update_throttle(key, move |c| {
            let (next, locked) = c.after_reserved_failure(now, limits);
            (next, (), locked.then_some(lockout))
        })
        .await?;
    Ok(())
}
