//! Accounts: a new user, created by an administrator on the users' page or on the command line
//! (`presidio user add`), with the same checks and the same audit entry.
//!
//! Fields are refused by the names the users' form gives them (`username`, `name`, `role`,
//! `password`, `ambito`, `organisation`, `organisation_kind`, `municipalities`).

use presidio_db::{OrganisationChoice, UserSummary, UserToCreate};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::account::{NewUserInput, OrganisationKind};
use presidio_domain::audit::Action;
use presidio_domain::reference::{Ambito, IstatCode};
use presidio_domain::validation::{Invalid, Problem};

use crate::{App, AppError, Caller};

/// A new account as typed.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub username: String,
    pub name: String,
    pub role: String,
    pub password: String,
    /// The Ambito's code; empty when the creator may choose only one.
    pub ambito: String,
    /// Empty: the Ambito's managing body, by the Ambito's name.
    pub organisation: String,
    /// The organisation's kind, when it has to be created.
    pub organisation_kind: String,
    /// ISTAT codes of the municipalities the role covers (required by `servizio_sociale`).
    pub municipalities: Vec<String>,
}

/// A user created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub id: i64,
    pub username: String,
}

/// Who creates the account: an administrator, in the Ambiti where they manage accounts, or the
/// machine's operator on the command line, in any Ambito.
#[derive(Debug, Clone, Copy)]
pub enum Creator<'a> {
    Admin(&'a Principal),
    CommandLine,
}

/// The Ambiti `creator` may create accounts in.
pub async fn ambiti_for(app: &App, creator: Creator<'_>) -> Result<Vec<Ambito>, AppError> {
    let all = app.db.list_ambiti().await?;
    Ok(match creator {
        Creator::CommandLine => all,
        Creator::Admin(who) => {
            let allowed = who.ambiti_with(Permission::ManageAccounts);
            all.into_iter()
                .filter(|a| allowed.contains(&a.id))
                .collect()
        }
    })
}

/// The accounts `creator` manages: every one for the command line; for an administrator, those
/// with a role in an Ambito where they manage accounts, and those left with no role at all.
pub async fn users(app: &App, creator: Creator<'_>) -> Result<Vec<UserSummary>, AppError> {
    let all = app.db.users().await?;
    if matches!(creator, Creator::CommandLine) {
        return Ok(all);
    }
    let codes: Vec<String> = ambiti_for(app, creator)
        .await?
        .into_iter()
        .map(|a| a.code)
        .collect();
    Ok(all
        .into_iter()
        .filter(|u| {
            u.roles.is_empty()
                || u.roles.iter().any(|r| {
                    r.rsplit_once('@')
                        .is_some_and(|(_, code)| codes.iter().any(|c| c == code))
                })
        })
        .collect())
}

/// The account `username`, if `creator` manages it (see [`users`]); not found otherwise, so
/// that an administrator of one Ambito does not learn of another's accounts.
pub async fn managed(
    app: &App,
    creator: Creator<'_>,
    username: &str,
) -> Result<UserSummary, AppError> {
    users(app, creator)
        .await?
        .into_iter()
        .find(|u| u.username == username)
        .ok_or(AppError::NotFound)
}

/// Disables (or enables again) the account `username`, ending its sessions and tokens when
/// disabling. Not found when the creator does not manage it; an administrator may not disable
/// their own account (`self_disable`).
pub async fn set_disabled(
    app: &App,
    caller: Caller<'_>,
    creator: Creator<'_>,
    username: &str,
    disable: bool,
) -> Result<(), AppError> {
    if let Creator::Admin(who) = creator
        && disable
        && who.username == username
    {
        return Err(AppError::Conflict("self_disable"));
    }
    if !users(app, creator)
        .await?
        .iter()
        .any(|u| u.username == username)
    {
        return Err(AppError::NotFound);
    }
    let action = if disable {
        Action::UserDisabled
    } else {
        Action::UserEnabled
    };
    app.db
        .set_user_disabled(username, disable, &app.entry(caller, action))
        .await?;
    Ok(())
}

/// The Ambito chosen among `allowed` by its code; with only one allowed, that one. A missing
/// or foreign choice is refused on `ambito`.
pub fn chosen_ambito(allowed: &[Ambito], code: &str, errors: &mut Invalid) -> Option<Ambito> {
    let code = code.trim();
    let found = match (code.is_empty(), allowed) {
        (true, [only]) => Some(only.clone()),
        (true, _) => {
            errors.push("ambito", Problem::Required);
            return None;
        }
        (false, _) => allowed.iter().find(|a| a.code == code).cloned(),
    };
    if found.is_none() {
        errors.push("ambito", Problem::UnknownCode);
    }
    found
}

/// Creates the account, its organisation if new (audited too), and its grant in the Ambito.
/// Every field is checked before anything is written; a taken username is refused on
/// `username`.
pub async fn create_user(
    app: &App,
    caller: Caller<'_>,
    creator: Creator<'_>,
    input: &NewAccount,
) -> Result<Created, AppError> {
    let allowed = ambiti_for(app, creator).await?;
    if allowed.is_empty() && matches!(creator, Creator::Admin(_)) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Invalid::default();
    let ambito = chosen_ambito(&allowed, &input.ambito, &mut errors);
    let user = NewUserInput {
        username: input.username.clone(),
        name: input.name.clone(),
        role: input.role.clone(),
        password: input.password.clone(),
    }
    .validate();
    if let Err(e) = &user {
        errors.0.extend(e.0.iter().cloned());
    }
    let kind = if input.organisation_kind.trim().is_empty() {
        errors.push("organisation_kind", Problem::Required);
        None
    } else {
        let kind = OrganisationKind::parse(input.organisation_kind.trim());
        if kind.is_none() {
            errors.push("organisation_kind", Problem::UnknownCode);
        }
        kind
    };
    let mut bound = Vec::new();
    if let Some(a) = &ambito {
        let known = app.db.municipalities_of(a.id).await?;
        for code in &input.municipalities {
            match IstatCode::parse(code) {
                Ok(c) if known.iter().any(|m| m.data.istat_code == c) => bound.push(c),
                _ => {
                    errors.push("municipalities", Problem::UnknownMunicipality);
                    break;
                }
            }
        }
    }
    if let Ok(u) = &user {
        if u.role.needs_municipalities() && input.municipalities.is_empty() {
            errors.push("municipalities", Problem::Required);
        } else if !u.role.needs_municipalities() {
            bound.clear();
        }
    }
    let (Ok(user), Some(kind), Some(ambito), true) = (user, kind, ambito, errors.is_empty()) else {
        return Err(errors.into());
    };
    let organisation = match input.organisation.trim() {
        "" => ambito.name.clone(),
        named => named.to_owned(),
    };
    let hash = crate::password::hash(input.password.clone()).await;
    let id = app
        .db
        .create_user(
            &UserToCreate {
                user: &user,
                organisation: OrganisationChoice::Named {
                    name: &organisation,
                    kind,
                },
                ambito: ambito.id,
                municipalities: &bound,
                password_hash: &hash,
            },
            &app.entry(caller, Action::UserCreated),
        )
        .await?;
    Ok(Created {
        id,
        username: user.username,
    })
}
