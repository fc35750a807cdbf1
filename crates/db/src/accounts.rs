//! Organisations, users and their roles: storage, and the [`Principal`] the policy works on.

use presidio_domain::access::{Principal, Role};
use presidio_domain::account::OrganisationKind;
use presidio_domain::audit::Entry;
use presidio_domain::reference::{AmbitoId, IstatCode};
use presidio_domain::validation::{Invalid, Problem};

use crate::audit::append;
use crate::error::is_unique_violation;
use crate::principal::{
    OrganisationChoice, PRINCIPAL_COLUMNS, PrincipalRow, UserToCreate, assemble_principal,
    end_sign_ins, revoke_all_tokens,
};
use crate::{Db, DbError, dispatch, now};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Organisation {
    pub id: i64,
    pub ambito_id: i64,
    pub name: String,
    pub kind: String,
}

/// What login needs to know about an account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub disabled_at: Option<i64>,
}

/// One line of the account list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub organisation: String,
    /// Role codes with their Ambito code, e.g. `operatore_pis@rhodense`.
    pub roles: Vec<String>,
    pub disabled: bool,
    pub totp: bool,
    pub created_at: i64,
}

fn duplicate(field: &'static str) -> impl Fn(sqlx::Error) -> DbError {
    move |err| {
        if is_unique_violation(&err) {
            Invalid::one(field, Problem::Duplicate).into()
        } else {
            err.into()
        }
    }
}

impl Db {
    /// The organisations of an Ambito, by name.
    pub async fn organisations(&self, ambito: AmbitoId) -> Result<Vec<Organisation>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, ambito_id, name, kind FROM organisations
                     WHERE ambito_id = $1 ORDER BY name",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// How many accounts exist (disabled ones included).
    pub async fn count_users(&self) -> Result<i64, DbError> {
        let (n,): (i64,) = dispatch!(
            self,
            read | pool | {
                sqlx::query_as("SELECT COUNT(*) FROM users")
                    .fetch_one(pool)
                    .await
            }
        )?;
        Ok(n)
    }

    /// Creates an account with its first role, and its audit entry, in one transaction.
    /// A username already taken is refused on the `username` field.
    pub async fn create_user(&self, new: &UserToCreate<'_>, audit: &Entry) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let organisation_id = match new.organisation {
                    OrganisationChoice::Existing(id) => {
                        let found: Option<(i64,)> = sqlx::query_as(
                            "SELECT id FROM organisations WHERE id = $1 AND ambito_id = $2",
                        )
                        .bind(id)
                        .bind(new.ambito.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                        found
                            .ok_or_else(|| {
                                Invalid::one("organisation", Problem::UnknownOrganisation)
                            })?
                            .0
                    }
                    OrganisationChoice::Named { name, kind } => {
                        let found: Option<(i64,)> = sqlx::query_as(
                            "SELECT id FROM organisations WHERE ambito_id = $1 AND name = $2",
                        )
                        .bind(new.ambito.0)
                        .bind(name)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if let Some((id,)) = found {
                            id
                        } else {
                            let (id,): (i64,) = sqlx::query_as(
                                "INSERT INTO organisations (ambito_id, name, kind, created_at,
                                    updated_at)
                                 VALUES ($1, $2, $3, $4, $4) RETURNING id",
                            )
                            .bind(new.ambito.0)
                            .bind(name)
                            .bind(kind.code())
                            .bind(at)
                            .fetch_one(&mut *tx)
                            .await?;
                            let mut entry = audit.clone().record("organisation", id);
                            presidio_domain::audit::Action::OrganisationCreated
                                .code()
                                .clone_into(&mut entry.action);
                            append!(tx, &entry).await?;
                            id
                        }
                    }
                };
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO users (username, name, organisation_id, password_hash,
                        password_changed_at, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $5, $5) RETURNING id",
                )
                .bind(&new.user.username)
                .bind(&new.user.name)
                .bind(organisation_id)
                .bind(new.password_hash)
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(duplicate("username"))?;
                let (grant_id,): (i64,) = sqlx::query_as(
                    "INSERT INTO user_roles (user_id, role, ambito_id) VALUES ($1, $2, $3)
                     RETURNING id",
                )
                .bind(id)
                .bind(new.user.role.code())
                .bind(new.ambito.0)
                .fetch_one(&mut *tx)
                .await?;
                for m in new.municipalities {
                    sqlx::query(
                        "INSERT INTO user_role_municipalities (user_role_id, istat_code)
                         VALUES ($1, $2)",
                    )
                    .bind(grant_id)
                    .bind(m.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                let entry = audit
                    .clone()
                    .record("user", id)
                    .reason(new.user.role.code());
                append!(tx, &entry).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }

    /// The credentials of the account named `username`, if there is one.
    pub async fn credentials(&self, username: &str) -> Result<Option<Credentials>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT id, username, password_hash, totp_secret, disabled_at
                     FROM users WHERE username = $1",
                )
                .bind(username.trim().to_lowercase())
                .fetch_optional(pool)
                .await
            }
        )?)
    }

    /// The active user `id` with organisation and roles; `None` when missing or disabled.
    /// One query (every request resolves its user): a row per role and municipality binding.
    pub async fn principal(&self, id: i64) -> Result<Option<Principal>, DbError> {
        let sql = format!(
            "SELECT {PRINCIPAL_COLUMNS}
             FROM users u JOIN organisations o ON o.id = u.organisation_id
             LEFT JOIN user_roles r ON r.user_id = u.id
             LEFT JOIN user_role_municipalities m ON m.user_role_id = r.id
             WHERE u.id = $1 AND u.disabled_at IS NULL
             ORDER BY r.id, m.istat_code"
        );
        let rows: Vec<PrincipalRow> = dispatch!(
            self,
            read | pool | {
                sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_all(pool)
                    .await
            }
        )?;
        assemble_principal(rows)
    }

    /// Every account, by username.
    pub async fn users(&self) -> Result<Vec<UserSummary>, DbError> {
        type Row = (i64, String, String, String, Option<i64>, Option<i64>, i64);
        let (rows, roles): (Vec<Row>, Vec<(i64, String, String)>) = dispatch!(
            self,
            read | pool | {
                let rows = sqlx::query_as(
                    "SELECT u.id, u.username, u.name, o.name, u.disabled_at, u.totp_enabled_at,
                        u.created_at
                     FROM users u JOIN organisations o ON o.id = u.organisation_id
                     ORDER BY u.username",
                )
                .fetch_all(pool)
                .await?;
                let roles = sqlx::query_as(
                    "SELECT r.user_id, r.role, a.code FROM user_roles r
                     JOIN ambiti a ON a.id = r.ambito_id ORDER BY r.role",
                )
                .fetch_all(pool)
                .await?;
                Ok::<_, sqlx::Error>((rows, roles))
            }
        )?;
        Ok(rows
            .into_iter()
            .map(
                |(id, username, name, organisation, disabled, totp, created_at)| UserSummary {
                    id,
                    username,
                    name,
                    organisation,
                    roles: roles
                        .iter()
                        .filter(|(user, _, _)| *user == id)
                        .map(|(_, role, ambito)| format!("{role}@{ambito}"))
                        .collect(),
                    disabled: disabled.is_some(),
                    totp: totp.is_some(),
                    created_at,
                },
            )
            .collect())
    }

    /// Disables (or enables again) the account `username`, ending its sessions and tokens when
    /// disabling. Returns the account id; `NotFound` for an unknown username.
    pub async fn set_user_disabled(
        &self,
        username: &str,
        disabled: bool,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let id: Option<(i64,)> = sqlx::query_as(
                    "UPDATE users SET disabled_at = $2, version = version + 1, updated_at = $3
                     WHERE username = $1 RETURNING id",
                )
                .bind(username.trim().to_lowercase())
                .bind(disabled.then_some(at))
                .bind(at)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((id,)) = id else {
                    return Err(DbError::NotFound);
                };
                if disabled {
                    end_sign_ins!(tx, id, at, "").await?;
                    // Integration tokens too: a disabled account acts nowhere.
                    revoke_all_tokens!(tx, id, at).await?;
                }
                append!(tx, &audit.clone().record("user", id)).await?;
                tx.commit().await?;
                Ok::<i64, DbError>(id)
            }
        )
    }
}

/// One role of a user, as the admin screens list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantSummary {
    pub id: i64,
    pub role: String,
    pub ambito_code: String,
    pub municipalities: Vec<String>,
}

impl Db {
    /// The roles of user `user_id`, with the municipalities each covers.
    pub async fn grants_of(&self, user_id: i64) -> Result<Vec<GrantSummary>, DbError> {
        // (grant id, role, Ambito code) and (grant id, municipality name).
        type Lines = (Vec<(i64, String, String)>, Vec<(i64, String)>);
        let (grants, bindings): Lines = dispatch!(
            self,
            read | pool | {
                let grants = sqlx::query_as(
                    "SELECT r.id, r.role, a.code FROM user_roles r
                     JOIN ambiti a ON a.id = r.ambito_id WHERE r.user_id = $1 ORDER BY r.id",
                )
                .bind(user_id)
                .fetch_all(pool)
                .await?;
                let bindings = sqlx::query_as(
                    "SELECT m.user_role_id, c.name FROM user_role_municipalities m
                     JOIN user_roles r ON r.id = m.user_role_id
                     JOIN municipalities c ON c.istat_code = m.istat_code
                     WHERE r.user_id = $1 ORDER BY c.name",
                )
                .bind(user_id)
                .fetch_all(pool)
                .await?;
                Ok::<_, sqlx::Error>((grants, bindings))
            }
        )?;
        Ok(grants
            .into_iter()
            .map(|(id, role, ambito_code)| GrantSummary {
                municipalities: bindings
                    .iter()
                    .filter(|(g, _)| *g == id)
                    .map(|(_, name)| name.clone())
                    .collect(),
                id,
                role,
                ambito_code,
            })
            .collect())
    }

    /// Gives user `user_id` a role in an Ambito (bound to `municipalities`), with its audit
    /// entry. A role the user already holds there is refused on the `role` field.
    pub async fn grant_role(
        &self,
        user_id: i64,
        role: Role,
        ambito: AmbitoId,
        municipalities: &[IstatCode],
        audit: &Entry,
    ) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let (grant_id,): (i64,) = sqlx::query_as(
                    "INSERT INTO user_roles (user_id, role, ambito_id) VALUES ($1, $2, $3)
                     RETURNING id",
                )
                .bind(user_id)
                .bind(role.code())
                .bind(ambito.0)
                .fetch_one(&mut *tx)
                .await
                .map_err(duplicate("role"))?;
                for m in municipalities {
                    sqlx::query(
                        "INSERT INTO user_role_municipalities (user_role_id, istat_code)
                         VALUES ($1, $2)",
                    )
                    .bind(grant_id)
                    .bind(m.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                append!(tx, &audit.clone().record("user", user_id)).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }

    /// Takes role `grant_id` away from user `user_id`, with its audit entry; `NotFound` when the
    /// user holds no such role.
    pub async fn revoke_role(
        &self,
        user_id: i64,
        grant_id: i64,
        audit: &Entry,
    ) -> Result<(), DbError> {
        dispatch!(
            self,
            write | pool | {
                let mut tx = pool.begin().await?;
                let gone = sqlx::query("DELETE FROM user_roles WHERE id = $1 AND user_id = $2")
                    .bind(grant_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if gone == 0 {
                    return Err(DbError::NotFound);
                }
                append!(tx, &audit.clone().record("user", user_id)).await?;
                tx.commit().await?;
                Ok::<(), DbError>(())
            }
        )
    }
}

/// An organisation with how many accounts belong to it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrganisationSummary {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub users: i64,
    pub version: i64,
}

impl Db {
    /// The organisations of an Ambito with their number of accounts, by name.
    pub async fn organisation_summaries(
        &self,
        ambito: AmbitoId,
    ) -> Result<Vec<OrganisationSummary>, DbError> {
        Ok(dispatch!(
            self,
            read | pool | {
                sqlx::query_as(
                    "SELECT o.id, o.name, o.kind, o.version,
                        (SELECT COUNT(*) FROM users u WHERE u.organisation_id = o.id) AS users
                     FROM organisations o WHERE o.ambito_id = $1 ORDER BY o.name",
                )
                .bind(ambito.0)
                .fetch_all(pool)
                .await
            }
        )?)
    }

    /// Creates an organisation (or, with `id`, renames it and changes its kind, if it is still at
    /// `version`), with its audit entry. A name already used in the Ambito is refused on `name`.
    pub async fn save_organisation(
        &self,
        ambito: AmbitoId,
        id: Option<(i64, i64)>,
        name: &str,
        kind: OrganisationKind,
        audit: &Entry,
    ) -> Result<i64, DbError> {
        let at = now().0;
        dispatch!(
            self,
            write
                | pool
                | {
                    let mut tx = pool.begin().await?;
                    let saved: Option<(i64,)> = match id {
                    None => Some(
                        sqlx::query_as(
                            "INSERT INTO organisations (ambito_id, name, kind, created_at, updated_at)
                             VALUES ($1, $2, $3, $4, $4) RETURNING id",
                        )
                        .bind(ambito.0)
                        .bind(name)
                        .bind(kind.code())
                        .bind(at)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(duplicate("name"))?,
                    ),
                    Some((id, version)) => sqlx::query_as(
                        "UPDATE organisations SET name = $3, kind = $4, version = version + 1,
                            updated_at = $5
                         WHERE id = $1 AND version = $2 AND ambito_id = $6 RETURNING id",
                    )
                    .bind(id)
                    .bind(version)
                    .bind(name)
                    .bind(kind.code())
                    .bind(at)
                    .bind(ambito.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(duplicate("name"))?,
                };
                    let Some((saved,)) = saved else {
                        return Err(DbError::Conflict);
                    };
                    append!(tx, &audit.clone().record("organisation", saved)).await?;
                    tx.commit().await?;
                    Ok::<i64, DbError>(saved)
                }
        )
    }
}
