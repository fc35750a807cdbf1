//! Second-factor storage: the TOTP secret and last accepted step of each user, recovery codes,
//! and the roles for which an admin made the second factor mandatory.

use presidio_domain::access::Role;
use presidio_domain::audit::Entry;

use crate::audit::append;
use crate::principal::end_sign_ins;
use crate::{Db, DbError, dispatch, now};

/// A user's second factor, when enrolled.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SecondFactor {
    /// Base32.
    pub totp_secret: String,
    pub totp_last_step: Option<i64>,
}

impl Db {
    /// The user's enrolled second factor, if any.
    pub async fn second_factor(&self, user_id: i64) -> Result<Option<SecondFactor>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT totp_secret, totp_last_step FROM users
                     WHERE id = $1 AND totp_secret IS NOT NULL AND totp_enabled_at IS NOT NULL",
                )
                .bind(user_id)
                .fetch_optional(pool)
                .await
            }
        )?)
    }

    /// Records that the code of `step` was used; false when that step (or a later one) already
    /// was, so the same code never opens two sessions.
    pub async fn use_totp_step(&self, user_id: i64, step: i64) -> Result<bool, DbError> {
        let changed = dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "UPDATE users SET totp_last_step = $2
                     WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                )
                .bind(user_id)
                .bind(step)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            }
        )?;
        Ok(changed == 1)
    }

    /// Spends a recovery code (by its hash); false when unknown or already used.
    pub async fn use_recovery_code(&self, user_id: i64, code_hash: &str) -> Result<bool, DbError> {
        let at = now().0;
        let changed = dispatch!(
            self,
            write | pool | {
                sqlx::query(
                    "UPDATE recovery_codes SET used_at = $3
                     WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
                )
                .bind(user_id)
                .bind(code_hash)
                .bind(at)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
            }
        )?;
        Ok(changed == 1)
    }

    /// How many unused recovery codes the user has.
    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64, DbError> {
        let (n,): (i64,) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
                )
                .bind(user_id)
                .fetch_one(pool)
                .await
            }
        )?;
        Ok(n)
    }

    /// Turns the second factor on with a verified secret, replaces the recovery codes, and marks
    /// the session (if any) fully signed in, all in one transaction with its audit entry.
    pub async fn enrol_second_factor(
        &self,
        user_id: i64,
        secret_base32: &str,
        step: i64,
        recovery_hashes: &[String],
        session_id_hash: Option<&str>,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "UPDATE users SET totp_secret = $2, totp_enabled_at = $3, totp_last_step = $4,
                        version = version + 1, updated_at = $3
                     WHERE id = $1",
                )
                .bind(user_id)
                .bind(secret_base32)
                .bind(at)
                .bind(step)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                for hash in recovery_hashes {
                    sqlx::query(
                        "INSERT INTO recovery_codes (user_id, code_hash, created_at)
                         VALUES ($1, $2, $3)",
                    )
                    .bind(user_id)
                    .bind(hash)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                }
                if let Some(id) = session_id_hash {
                    sqlx::query("UPDATE sessions SET stage = 'full' WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                append!(tx, &audit.clone().record("user", user_id)).await?;
                tx.commit().await?;
                Ok::<(), sqlx::Error>(())
            }
        )?;
        Ok(())
    }

    /// Marks a session fully signed in after its second factor, with the login's audit entry.
    pub async fn complete_session(&self, id_hash: &str, audit: &Entry) -> Result<(), DbError> {
        self.one_audited(
            "UPDATE sessions SET stage = 'full' WHERE id = $1",
            id_hash,
            audit,
        )
        .await
        .map(drop)
    }

    /// Removes a user's second factor (lost phone) and ends their sessions and login tokens;
    /// `NotFound` for an unknown username.
    pub async fn reset_second_factor(&self, username: &str, audit: &Entry) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let id: Option<(i64,)> = sqlx::query_as(
                    "UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL,
                        version = version + 1, updated_at = $2
                     WHERE username = $1 RETURNING id",
                )
                .bind(username)
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((id,)) = id else {
                    return Err(DbError::NotFound);
                };
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                end_sign_ins!(tx, id, at, "").await?;
                append!(tx, &audit.clone().record("user", id)).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// Sets a new password hash, ends every session and login token of the user but `keep`
    /// (the session changing its own password), with its audit entry. `NotFound` for an
    /// unknown user.
    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep: Option<&str>,
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let changed = sqlx::query(
                    "UPDATE users SET password_hash = $2, password_changed_at = $3,
                        version = version + 1, updated_at = $3
                     WHERE id = $1",
                )
                .bind(user_id)
                .bind(password_hash)
                .bind(at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 0 {
                    return Err(DbError::NotFound);
                }
                end_sign_ins!(tx, user_id, at, keep.unwrap_or("")).await?;
                if keep.is_none() {
                    // A reset by an administrator: the account may be in the wrong hands, so
                    // its integration tokens end too (a change by the user keeps them).
                    crate::principal::revoke_all_tokens!(tx, user_id, at).await?;
                }
                append!(tx, &audit.clone().record("user", user_id)).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// The roles whose users must use a second factor.
    pub async fn roles_requiring_second_factor(&self) -> Result<Vec<Role>, DbError> {
        let rows: Vec<(String,)> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT role FROM role_settings WHERE totp_required = 1 ORDER BY role",
                )
                .fetch_all(pool)
                .await
            }
        )?;
        Ok(rows.iter().filter_map(|(r,)| Role::parse(r)).collect())
    }

    /// Makes the second factor mandatory for exactly these roles, with its audit entry.
    pub async fn require_second_factor(
        &self,
        roles: &[Role],
        audit: &Entry,
    ) -> Result<(), DbError> {
        let at = now().0;
        dispatch!(
            self,
            write
                | pool
                | {
                    let mut tx = pool.begin().await?;
                    for role in Role::ALL {
                        sqlx::query(
                        "INSERT INTO role_settings (role, totp_required, updated_at)
                         VALUES ($1, $2, $3)
                         ON CONFLICT (role) DO UPDATE
                         SET totp_required = excluded.totp_required, updated_at = excluded.updated_at",
                    )
                    .bind(role.code())
                    .bind(i64::from(roles.contains(&role)))
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    }
                    append!(tx, audit).await?;
                    tx.commit().await?;
                    Ok::<(), sqlx::Error>(())
                }
        )?;
        Ok(())
    }
}
