//! Sign-in state: browser sessions, API tokens, the first-run set-up links and the counters of
//! failed logins. Secrets are never stored: only their SHA-256, computed by the caller.

use presidio_domain::audit::Entry;
use presidio_domain::throttle::Counter;
use presidio_domain::time::UtcMillis;

use presidio_domain::access::Principal;

use crate::audit::append;
use crate::principal::{
    PRINCIPAL_COLUMNS, PrincipalRow, UserToCreate, assemble_principal, end_sign_ins,
};
use crate::{Db, DbError, dispatch, now};

/// A stored browser session.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub user_id: i64,
    /// `full`, or `totp` / `enrol` while the second factor is still due.
    pub stage: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub last_seen_at: i64,
}

/// A new browser session.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub client_ip: &'a str,
    pub user_agent: &'a str,
    /// `full`, `totp` or `enrol`.
    pub stage: &'a str,
}

/// An API token, as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub kind: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// A new API token.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub token_hash: &'a str,
    /// `login` (from the token endpoint) or `integration` (issued by an admin).
    pub kind: &'a str,
    pub created_by: Option<i64>,
    pub expires_at: UtcMillis,
}

/// Why a set-up link could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Unknown, expired, already used, or an account exists already.
    #[error("set-up link not valid")]
    Invalid,
    #[error(transparent)]
    Db(#[from] DbError),
}

const TOKEN_COLUMNS: &str = "t.id, t.user_id, u.username, t.name, t.kind, t.created_at,
    t.expires_at, t.revoked_at, t.last_used_at";

impl Db {
    /// Stores a new session and, when given, the login's audit entry, in one transaction.
    pub async fn create_session(
        &self,
        s: &NewSession<'_>,
        audit: Option<&Entry>,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at,
                        client_ip, user_agent, stage)
                     VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
                )
                .bind(s.id_hash)
                .bind(s.user_id)
                .bind(s.csrf_token)
                .bind(at)
                .bind(s.client_ip)
                .bind(s.user_agent)
                .bind(s.stage)
                .execute(&mut *tx)
                .await?;
                if let Some(entry) = audit {
                    append!(tx, entry).await?;
                }
                tx.commit().await?;
                Ok::<(), sqlx::Error>(())
            }
        )?;
        Ok(())
    }

    pub async fn session(&self, id_hash: &str) -> Result<Option<Session>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT user_id, stage, csrf_token, created_at, last_seen_at
                     FROM sessions WHERE id = $1",
                )
                .bind(id_hash)
                .fetch_optional(pool)
                .await
            }
        )?)
    }

    /// A session with its user's principal, in one query (every page request needs both); the
    /// principal is `None` when the user is disabled or gone.
    pub async fn session_with_principal(
        &self,
        id_hash: &str,
    ) -> Result<Option<(Session, Option<Principal>)>, DbError> {
        #[derive(sqlx::FromRow)]
        struct Row {
            user_id: i64,
            stage: String,
            csrf_token: String,
            created_at: i64,
            last_seen_at: i64,
            #[sqlx(flatten)]
            principal: PrincipalRow,
        }
        let sql = format!(
            "SELECT s.user_id, s.stage, s.csrf_token, s.created_at, s.last_seen_at,
                {PRINCIPAL_COLUMNS}
             FROM sessions s
             LEFT JOIN users u ON u.id = s.user_id AND u.disabled_at IS NULL
             LEFT JOIN organisations o ON o.id = u.organisation_id
             LEFT JOIN user_roles r ON r.user_id = u.id
             LEFT JOIN user_role_municipalities m ON m.user_role_id = r.id
             WHERE s.id = $1
             ORDER BY r.id, m.istat_code"
        );
        let rows: Vec<Row> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id_hash)
                    .fetch_all(pool)
                    .await
            }
        )?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let session = Session {
            user_id: first.user_id,
            stage: first.stage.clone(),
            csrf_token: first.csrf_token.clone(),
            created_at: first.created_at,
            last_seen_at: first.last_seen_at,
        };
        let principal = assemble_principal(rows.into_iter().map(|r| r.principal))?;
        Ok(Some((session, principal)))
    }

    /// Records activity on a session (the idle timeout counts from here).
    pub async fn touch_session(&self, id_hash: &str, at: UtcMillis) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
                    .bind(id_hash)
                    .bind(at.0)
                    .execute(pool)
                    .await
                    .map(drop)
            }
        )?;
        Ok(())
    }

    /// Ends one session, with its audit entry (logout, or expiry when `audit` says so).
    pub async fn end_session(&self, id_hash: &str, audit: &Entry) -> Result<(), DbError> {
        self.one_audited("DELETE FROM sessions WHERE id = $1", id_hash, audit)
            .await
            .map(drop)
    }

    /// Runs one statement with one text parameter and appends its audit entry, in one
    /// transaction; returns how many rows the statement touched.
    pub(crate) async fn one_audited(
        &self,
        sql: &'static str,
        key: &str,
        audit: &Entry,
    ) -> Result<u64, DbError> {
        let touched = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let touched = sqlx::query(sql)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                append!(tx, audit).await?;
                tx.commit().await?;
                Ok::<u64, sqlx::Error>(touched)
            }
        )?;
        Ok(touched)
    }

    /// Ends every session of a user and revokes the tokens obtained by logging in ("log out
    /// everywhere"); integration tokens stay. Returns how many sessions ended.
    pub async fn end_sessions_of(&self, user_id: i64, audit: &Entry) -> Result<u64, DbError> {
        let at = now().0;
        let ended = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let ended = end_sign_ins!(tx, user_id, at, "").await?;
                append!(tx, audit).await?;
                tx.commit().await?;
                Ok::<u64, sqlx::Error>(ended)
            }
        )?;
        Ok(ended)
    }

    /// How many sessions a user has open.
    pub async fn session_count(&self, user_id: i64) -> Result<i64, DbError> {
        let (n,): (i64,) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE user_id = $1")
                    .bind(user_id)
                    .fetch_one(pool)
                    .await
            }
        )?;
        Ok(n)
    }

    /// Stores a new API token and audits its issue; returns its id.
    pub async fn create_token(&self, t: &NewToken<'_>, audit: &Entry) -> Result<i64, DbError> {
        let at = now().0;
        let id = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO api_tokens (user_id, name, token_hash, kind, created_by,
                        created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(t.user_id)
                .bind(t.name)
                .bind(t.token_hash)
                .bind(t.kind)
                .bind(t.created_by)
                .bind(at)
                .bind(t.expires_at.0)
                .fetch_one(&mut *tx)
                .await?;
                append!(tx, &audit.clone().record("token", id)).await?;
                tx.commit().await?;
                Ok::<i64, sqlx::Error>(id)
            }
        )?;
        Ok(id)
    }

    /// The token with this hash when it is neither revoked nor expired at `at`.
    pub async fn live_token(
        &self,
        token_hash: &str,
        at: UtcMillis,
    ) -> Result<Option<ApiToken>, DbError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2"
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(token_hash)
                    .bind(at.0)
                    .fetch_optional(pool)
                    .await
            }
        )?)
    }

    /// Records that a token was used (at most the caller's chosen frequency).
    pub async fn touch_token(&self, id: i64, at: UtcMillis) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(at.0)
                    .execute(pool)
                    .await
                    .map(drop)
            }
        )?;
        Ok(())
    }

    /// Every token ever issued, newest first.
    pub async fn tokens(&self) -> Result<Vec<ApiToken>, DbError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
             ORDER BY t.id DESC"
        );
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .fetch_all(pool)
                    .await
            }
        )?)
    }

    /// Revokes a token and audits it; `NotFound` when there is no live token with this id.
    pub async fn revoke_token(&self, id: i64, audit: &Entry) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let changed = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
                )
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(DbError::NotFound);
                }
                append!(tx, &audit.clone().record("token", id)).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// Stores a one-time set-up link (its hash), valid until `expires_at`.
    pub async fn create_setup_token(
        &self,
        token_hash: &str,
        expires_at: UtcMillis,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "INSERT INTO setup_tokens (token_hash, created_at, expires_at)
                     VALUES ($1, $2, $3)",
                )
                .bind(token_hash)
                .bind(at)
                .bind(expires_at.0)
                .execute(pool)
                .await
                .map(drop)
            }
        )?;
        Ok(())
    }

    /// Whether the set-up link is usable now: known, unused, unexpired, and no account exists.
    pub async fn setup_token_valid(&self, token_hash: &str) -> Result<bool, DbError> {
        let (n,): (i64,) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT COUNT(*) FROM setup_tokens
                     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
                       AND NOT EXISTS (SELECT 1 FROM users)",
                )
                .bind(token_hash)
                .bind(now().0)
                .fetch_one(pool)
                .await
            }
        )?;
        Ok(n > 0)
    }

    /// Uses the set-up link to create the first account, all in one transaction: the link is
    /// spent, the organisation and the account created, and both audited.
    pub async fn complete_setup(
        &self,
        token_hash: &str,
        organisation: &str,
        user: &UserToCreate<'_>,
        audit: &Entry,
    ) -> Result<i64, SetupError> {
        let at = now().0;
        let created = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await.map_err(DbError::from)?;
                let spent = sqlx::query(
                    "UPDATE setup_tokens SET used_at = $2
                     WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
                       AND NOT EXISTS (SELECT 1 FROM users)",
                )
                .bind(token_hash)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?
                .rows_affected();
                if spent == 0 {
                    return Err(SetupError::Invalid);
                }
                let (org,): (i64,) = sqlx::query_as(
                    "INSERT INTO organisations (ambito_id, name, kind, created_at, updated_at)
                     VALUES ($1, $2, 'ente_gestore', $3, $3)
                     ON CONFLICT (ambito_id, name) DO UPDATE SET updated_at = excluded.updated_at
                     RETURNING id",
                )
                .bind(user.ambito.0)
                .bind(organisation)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(DbError::from)?;
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO users (username, name, organisation_id, password_hash,
                        password_changed_at, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id",
                )
                .bind(&user.user.username)
                .bind(&user.user.name)
                .bind(org)
                .bind(user.password_hash)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(DbError::from)?;
                sqlx::query(
                    "INSERT INTO user_roles (user_id, role, ambito_id) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(user.user.role.code())
                .bind(user.ambito.0)
                .execute(&mut *tx)
                .await
                .map_err(DbError::from)?;
                let mut entry = audit.clone().record("user", id);
                entry.actor_id = Some(id);
                entry.actor.clone_from(&user.user.username);
                entry.organisation = organisation.to_owned();
                append!(tx, &entry).await.map_err(DbError::from)?;
                tx.commit().await.map_err(DbError::from)?;
                Ok::<i64, SetupError>(id)
            }
        )?;
        Ok(created)
    }

    /// Deletes sessions unused since `idle_before` or started before `started_before`, and
    /// failed-login counters with no failure or lock after `throttle_before`. Returns how many
    /// sessions ended.
    pub async fn housekeeping(
        &self,
        idle_before: UtcMillis,
        started_before: UtcMillis,
        throttle_before: UtcMillis,
    ) -> Result<u64, DbError> {
        let ended = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let ended =
                    sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
                        .bind(idle_before.0)
                        .bind(started_before.0)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                sqlx::query(
                    "DELETE FROM login_throttle
                     WHERE window_start < $1 AND (locked_until IS NULL OR locked_until < $1)",
                )
                .bind(throttle_before.0)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok::<u64, sqlx::Error>(ended)
            }
        )?;
        Ok(ended)
    }

    /// Changes the counter of `key` atomically: `change` sees the counter as it is once this
    /// transaction holds the row, so attempts made in parallel are counted one after the other,
    /// none lost. `change` gives the new counter, its answer, and an audit entry to append with
    /// it when one is due (a lockout).
    pub async fn update_throttle<T>(
        &self,
        key: &str,
        change: impl FnOnce(Counter) -> (Counter, T, Option<Entry>),
    ) -> Result<T, DbError> {
        let answer = dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO login_throttle (key, failures, window_start, locked_until)
                     VALUES ($1, 0, 0, NULL) ON CONFLICT (key) DO NOTHING",
                )
                .bind(key)
                .execute(&mut *tx)
                .await?;
                // An update that changes nothing takes the row's lock (PostgreSQL) and reads the
                // latest committed counter; SQLite's one writer already runs these one by one.
                let (failures, pending, start, until): (i64, i64, i64, Option<i64>) =
                    sqlx::query_as(
                        "UPDATE login_throttle SET failures = failures WHERE key = $1
                         RETURNING failures, pending, window_start, locked_until",
                    )
                    .bind(key)
                    .fetch_one(&mut *tx)
                    .await?;
                let current = Counter {
                    failures: u32::try_from(failures).unwrap_or(u32::MAX),
                    pending: u32::try_from(pending).unwrap_or(u32::MAX),
                    window_start: UtcMillis(start),
                    locked_until: until.map(UtcMillis),
                };
                let (next, answer, audit) = change(current);
                sqlx::query(
                    "UPDATE login_throttle SET failures = $2, pending = $3, window_start = $4,
                        locked_until = $5
                     WHERE key = $1",
                )
                .bind(key)
                .bind(i64::from(next.failures))
                .bind(i64::from(next.pending))
                .bind(next.window_start.0)
                .bind(next.locked_until.map(|t| t.0))
                .execute(&mut *tx)
                .await?;
                if let Some(entry) = &audit {
                    append!(tx, entry).await?;
                }
                tx.commit().await?;
                Ok::<T, sqlx::Error>(answer)
            }
        )?;
        Ok(answer)
    }
}
