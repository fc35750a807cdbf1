//! What accounts and sessions both need: the rows a [`Principal`] is built from, a new account,
//! and the statements that end a user's sign-ins. `accounts.rs` and `sessions.rs` use this and
//! never each other.

use presidio_domain::access::{Grant, Principal, Role};
use presidio_domain::account::{NewUser, OrganisationKind};
use presidio_domain::reference::{AmbitoId, IstatCode};

use crate::DbError;

/// The organisation a new account joins.
#[derive(Debug, Clone, Copy)]
pub enum OrganisationChoice<'a> {
    Existing(i64),
    /// By name inside the account's Ambito; created with this kind when there is none.
    Named {
        name: &'a str,
        kind: OrganisationKind,
    },
}

/// A new account with the role it starts with.
#[derive(Debug, Clone)]
pub struct UserToCreate<'a> {
    pub user: &'a NewUser,
    pub organisation: OrganisationChoice<'a>,
    pub ambito: AmbitoId,
    pub municipalities: &'a [IstatCode],
    pub password_hash: &'a str,
}

#[derive(sqlx::FromRow)]
pub(crate) struct PrincipalRow {
    id: Option<i64>,
    username: Option<String>,
    name: Option<String>,
    organisation_id: Option<i64>,
    organisation: Option<String>,
    grant_id: Option<i64>,
    role: Option<String>,
    ambito_id: Option<i64>,
    istat_code: Option<String>,
}

/// The columns of [`PrincipalRow`], from `users u`, `organisations o`, `user_roles r` and
/// `user_role_municipalities m`.
pub(crate) const PRINCIPAL_COLUMNS: &str = "u.id, u.username, u.name, u.organisation_id,
    o.name AS organisation, r.id AS grant_id, r.role, r.ambito_id, m.istat_code";

/// Builds the principal from its rows (one per role and municipality binding, ordered by
/// role); `None` when the rows hold no active user.
pub(crate) fn assemble_principal(
    rows: impl IntoIterator<Item = PrincipalRow>,
) -> Result<Option<Principal>, DbError> {
    let mut principal: Option<Principal> = None;
    let mut last_grant = None;
    for row in rows {
        let (Some(id), Some(username), Some(name), Some(organisation_id), Some(organisation)) = (
            row.id,
            row.username,
            row.name,
            row.organisation_id,
            row.organisation,
        ) else {
            return Ok(None);
        };
        let p = principal.get_or_insert_with(|| Principal {
            user_id: id,
            username,
            name,
            organisation_id,
            organisation,
            grants: Vec::new(),
        });
        let (Some(grant_id), Some(role), Some(ambito)) = (row.grant_id, &row.role, row.ambito_id)
        else {
            continue;
        };
        if last_grant != Some(grant_id) {
            last_grant = Some(grant_id);
            p.grants.push(Grant {
                role: Role::parse(role).ok_or(DbError::Corrupt("user_roles.role"))?,
                ambito: AmbitoId(ambito),
                municipalities: Vec::new(),
            });
        }
        if let (Some(code), Some(grant)) = (row.istat_code, p.grants.last_mut()) {
            grant.municipalities.push(
                IstatCode::parse(&code)
                    .map_err(|_| DbError::Corrupt("user_role_municipalities"))?,
            );
        }
    }
    Ok(principal)
}

/// Inside the open transaction `tx`: ends every session of `user_id` but the one whose id hash
/// is `keep` (`""` for none) and revokes the tokens they got by logging in. Evaluates to
/// `Result<u64, sqlx::Error>`, the sessions ended.
macro_rules! end_sign_ins {
    ($tx:expr, $user_id:expr, $at:expr, $keep:expr) => {
        async {
            let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
                .bind($user_id)
                .bind($keep)
                .execute(&mut *$tx)
                .await?
                .rows_affected();
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $2
                 WHERE user_id = $1 AND kind = 'login' AND revoked_at IS NULL",
            )
            .bind($user_id)
            .bind($at)
            .execute(&mut *$tx)
            .await?;
            Ok::<u64, sqlx::Error>(ended)
        }
    };
}
pub(crate) use end_sign_ins;

/// Inside `tx`: revokes every token of user `$user_id` at `$at`, integration tokens included (a
/// disabled account, or one an administrator reset). Evaluates to `Result<_, sqlx::Error>`.
macro_rules! revoke_all_tokens {
    ($tx:expr, $user_id:expr, $at:expr) => {
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind($user_id)
        .bind($at)
        .execute(&mut *$tx)
    };
}
pub(crate) use revoke_all_tokens;
