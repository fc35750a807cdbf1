//! Signing in: checking a username and password, then the second factor, with throttling per
//! account and per address. Shared by the login page and the token endpoint, so both refuse
//! the same way and audit the same way.

use presidio_domain::access::Principal;
use presidio_domain::audit::Action;
use presidio_domain::throttle::{self, Attempt, Limits};
use presidio_domain::time::UtcMillis;

use crate::{App, Caller, password};

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

/// Checks the credentials; on success returns the user (the caller starts a session or issues a
/// token and audits the login with it). Failures and lockouts are audited here.
pub async fn check(
    app: &App,
    caller: Caller<'_>,
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
    let address_key = format!("address:{}", caller.client_ip);
    // Both counters take this attempt before the password is checked (see `throttle`).
    let refused = match reserve(app, &address_key, throttle::ADDRESS).await? {
        Some(until) => Some(until),
        None => match reserve(app, &account_key, throttle::ACCOUNT).await? {
            Some(until) => {
                release(app, &address_key, false).await?;
                Some(until)
            }
            None => None,
        },
    };
    if let Some(until) = refused {
        return Err(refused_locked(app, caller, &username, until).await?);
    }
    let credentials = app.db.credentials(&username).await?;
    let active = credentials.filter(|c| c.disabled_at.is_none());
    let ok = password::verify(
        password.to_owned(),
        active.as_ref().map(|c| c.password_hash.clone()),
    )
    .await;
    let principal = match (&active, ok) {
        (Some(c), true) => app.db.principal(c.id).await?,
        _ => None,
    };
    let Some(principal) = principal else {
        let actor_id = active.as_ref().map(|c| c.id);
        for (key, limits) in [
            (&account_key, throttle::ACCOUNT),
            (&address_key, throttle::ADDRESS),
        ] {
            fail(app, caller, &username, actor_id, key, limits).await?;
        }
        let mut entry = app
            .entry(caller, Action::LoginFailed)
            .record("user", &username);
        entry.actor_id = actor_id;
        app.db.audit(&with_actor(entry, &username)).await?;
        return Err(Refusal::BadCredentials);
    };
    let second_factor = app.db.second_factor(principal.user_id).await?;
    // Right, but attempts counted in parallel may have locked the account or the address
    // meanwhile: then the lock holds, even for the right password. With a second factor the
    // attempt is not over: the account's earlier failures stay until the code is right too.
    let address_lock = release(app, &address_key, false).await?;
    let account_lock = release(app, &account_key, second_factor.is_none()).await?;
    if let Some(until) = address_lock.max(account_lock) {
        return Err(refused_locked(app, caller, &username, until).await?);
    }
    let required = app.db.roles_requiring_second_factor().await?;
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
    app: &App,
    caller: Caller<'_>,
    principal: &Principal,
    factor: &presidio_db::SecondFactor,
    code: &str,
) -> Result<&'static str, Refusal> {
    use presidio_domain::second_factor as sf;
    let now = app.clock.now();
    let account_key = format!("account:{}", principal.username);
    if let Some(until) = reserve(app, &account_key, throttle::ACCOUNT).await? {
        return Err(Refusal::Locked(until));
    }
    let accepted = if sf::is_recovery(code) {
        let hash = crate::secret::stored(&sf::normalise_recovery(code));
        app.db
            .use_recovery_code(principal.user_id, &hash)
            .await?
            .then_some("recovery")
    } else {
        let secs = u64::try_from(now.0 / 1000).unwrap_or(0);
        match sf::from_base32(&factor.totp_secret)
            .and_then(|secret| sf::accept(&secret, code, secs, factor.totp_last_step))
        {
            Some(step) if app.db.use_totp_step(principal.user_id, step).await? => Some("totp"),
            _ => None,
        }
    };
    if let Some(how) = accepted {
        if let Some(until) = release(app, &account_key, true).await? {
            return Err(Refusal::Locked(until));
        }
        return Ok(how);
    }
    let username = principal.username.clone();
    fail(
        app,
        caller,
        &username,
        Some(principal.user_id),
        &account_key,
        throttle::ACCOUNT,
    )
    .await?;
    let mut entry = app
        .entry(caller, Action::LoginFailed)
        .record("user", principal.user_id)
        .reason("second_factor");
    entry.actor_id = Some(principal.user_id);
    app.db.audit(&with_actor(entry, &username)).await?;
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
async fn reserve(app: &App, key: &str, limits: Limits) -> Result<Option<UtcMillis>, Refusal> {
    let started = std::time::Instant::now();
    // Waiting attempts ask again less and less often, so a flood of them cannot turn into a
    // flood of writes.
    let mut pause = std::time::Duration::from_millis(25);
    loop {
        let now = app.clock.now();
        let attempt = app
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
async fn release(app: &App, key: &str, clear: bool) -> Result<Option<UtcMillis>, Refusal> {
    let now = app.clock.now();
    Ok(app
        .db
        .update_throttle(key, |c| match c.locked_at(now) {
            Some(until) => (c, Some(until), None),
            None => (c.after_reserved_success(clear), None, None),
        })
        .await?)
}

/// A refusal because of a lock, audited.
async fn refused_locked(
    app: &App,
    caller: Caller<'_>,
    username: &str,
    until: UtcMillis,
) -> Result<Refusal, Refusal> {
    let entry = app
        .entry(caller, Action::LoginFailed)
        .record("user", username)
        .reason("locked");
    app.db.audit(&with_actor(entry, username)).await?;
    Ok(Refusal::Locked(until))
}

/// Records that a counted attempt against `key` failed, auditing the lockout it may start.
async fn fail(
    app: &App,
    caller: Caller<'_>,
    username: &str,
    actor_id: Option<i64>,
    key: &str,
    limits: Limits,
) -> Result<(), Refusal> {
    let now = app.clock.now();
    let lockout = {
        let mut e = app
            .entry(caller, Action::Lockout)
            .record("login_throttle", key);
        e.actor_id = actor_id;
        with_actor(e, username)
    };
    app.db
        .update_throttle(key, move |c| {
            let (next, locked) = c.after_reserved_failure(now, limits);
            (next, (), locked.then_some(lockout))
        })
        .await?;
    Ok(())
}

/// The user's second factor, when enrolled.
pub async fn second_factor(
    app: &App,
    who: &Principal,
) -> Result<Option<presidio_db::SecondFactor>, crate::AppError> {
    Ok(app.db.second_factor(who.user_id).await?)
}

/// How many unused recovery codes the user has left.
pub async fn recovery_codes_left(app: &App, who: &Principal) -> Result<i64, crate::AppError> {
    Ok(app.db.recovery_codes_left(who.user_id).await?)
}

/// What the code of a session waiting at the second factor came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// Right: the session is complete.
    Accepted,
    /// Wrong, or the account is locked (then the session has ended).
    Refused(Refusal),
    /// The user has no second factor (any more): the session goes back to the password.
    NotEnrolled,
}

/// Checks the code typed at the second factor by the user of session `session`, which is
/// completed when right (the login audited with how) and ended when the account locks.
pub async fn complete_with_code(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    session: &str,
    code: &str,
) -> Result<Code, crate::AppError> {
    let Some(factor) = app.db.second_factor(who.user_id).await? else {
        return Ok(Code::NotEnrolled);
    };
    match check_second_factor(app, caller, who, &factor, code).await {
        Ok(how) => {
            let entry = app
                .entry(caller, Action::LoginOk)
                .record("user", who.user_id)
                .reason(how);
            app.db.complete_session(session, &entry).await?;
            Ok(Code::Accepted)
        }
        Err(refusal) => {
            if matches!(refusal, Refusal::Locked(_)) {
                app.db
                    .end_session(session, &app.entry(caller, Action::Logout))
                    .await?;
            }
            Ok(Code::Refused(refusal))
        }
    }
}

/// Enrols the second factor `secret` of a user without one, if `code` is its current one
/// (refused on `totp_code`); returns the recovery codes, shown once. `pending` is the session
/// waiting for the enrolment, which it completes (the login audited).
pub async fn enrol(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    secret: &[u8],
    code: &str,
    pending: Option<&str>,
) -> Result<Vec<String>, crate::AppError> {
    use presidio_domain::second_factor as sf;
    if app.db.second_factor(who.user_id).await?.is_some() {
        return Err(crate::AppError::Conflict("already_enrolled"));
    }
    let secs = u64::try_from(app.clock.now().0 / 1000).unwrap_or(0);
    let Some(step) = sf::accept(secret, code, secs, None) else {
        return Err(presidio_domain::validation::Invalid::one(
            "totp_code",
            presidio_domain::validation::Problem::WrongCode,
        )
        .into());
    };
    let codes: Vec<String> = (0..sf::RECOVERY_CODES)
        .map(|_| {
            let mut raw = [0u8; 10];
            getrandom::fill(&mut raw).expect("the operating system provides random bytes");
            sf::recovery_code(raw)
        })
        .collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| crate::secret::stored(&sf::normalise_recovery(c)))
        .collect();
    app.db
        .enrol_second_factor(
            who.user_id,
            &sf::to_base32(secret),
            step,
            &hashes,
            pending,
            &app.entry(caller, Action::SecondFactorEnrolled),
        )
        .await?;
    if pending.is_some() {
        let login = app
            .entry(caller, Action::LoginOk)
            .record("user", who.user_id)
            .reason("totp");
        app.db.audit(&login).await?;
    }
    Ok(codes)
}

/// Issues a login token of the API for a user who signed in with `how` (`api`, `api,totp`,
/// `api,recovery`), valid for `ttl_ms`; the login is audited with it. The secret and its expiry.
pub async fn issue_login_token(
    app: &App,
    caller: Caller<'_>,
    principal: &Principal,
    how: &str,
    ttl_ms: i64,
) -> Result<(String, UtcMillis), crate::AppError> {
    let token = crate::secret::new_secret();
    let expires_at = UtcMillis(app.clock.now().0.saturating_add(ttl_ms));
    let signed = Caller {
        principal: Some(principal),
        ..caller
    };
    let mut entry = app.entry(signed, Action::LoginOk);
    how.clone_into(&mut entry.reason);
    app.db
        .create_token(
            &presidio_db::NewToken {
                user_id: principal.user_id,
                name: "login",
                token_hash: &crate::secret::stored(&token),
                kind: "login",
                created_by: None,
                expires_at,
            },
            &entry,
        )
        .await?;
    Ok((token, expires_at))
}
