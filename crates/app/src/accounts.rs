//! Accounts: a new user, created by an administrator on the users' page or on the command line
//! (`presidio user add`), with the same checks and the same audit entry.
//!
//! Fields are refused by the names the users' form gives them (`username`, `name`, `role`,
//! `password`, `ambito`, `organisation`, `organisation_kind`, `municipalities`).

use presidio_db::{OrganisationChoice, UserSummary, UserToCreate};
use presidio_domain::access::{Permission, Principal, Role};
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
    let mut bound =
        municipalities_in(app, ambito.as_ref(), &input.municipalities, &mut errors).await?;
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

/// What the users' page offers to choose from in the Ambiti the administrator manages: the
/// Ambiti, the names of their organisations, their municipalities (each with its Ambito), and
/// the roles whose users must use the second factor.
#[derive(Debug)]
pub struct Choices {
    pub ambiti: Vec<Ambito>,
    pub organisations: Vec<String>,
    pub municipalities: Vec<(Ambito, presidio_domain::reference::Municipality)>,
    pub second_factor_roles: Vec<Role>,
}

/// The choices of the users' page for `who`.
pub async fn choices(app: &App, who: &Principal) -> Result<Choices, AppError> {
    let ambiti = ambiti_for(app, Creator::Admin(who)).await?;
    let mut organisations = Vec::new();
    let mut municipalities = Vec::new();
    for a in &ambiti {
        organisations.extend(
            app.db
                .organisations(a.id)
                .await?
                .into_iter()
                .map(|o| o.name),
        );
        for m in app.db.municipalities_of(a.id).await? {
            municipalities.push((a.clone(), m));
        }
    }
    organisations.sort();
    organisations.dedup();
    Ok(Choices {
        ambiti,
        organisations,
        municipalities,
        second_factor_roles: app.db.roles_requiring_second_factor().await?,
    })
}

/// The roles of the account `username` (one the administrator manages; not found otherwise).
pub async fn grants(
    app: &App,
    who: &Principal,
    username: &str,
) -> Result<Vec<presidio_db::GrantSummary>, AppError> {
    let user = managed(app, Creator::Admin(who), username).await?;
    Ok(app.db.grants_of(user.id).await?)
}

/// The account `username` as stored, if the administrator manages it and it exists.
async fn target(
    app: &App,
    who: &Principal,
    username: &str,
) -> Result<presidio_db::Credentials, AppError> {
    managed(app, Creator::Admin(who), username).await?;
    app.db
        .credentials(username)
        .await?
        .ok_or(AppError::NotFound)
}

/// Sets a new initial password for the account `username` (one who forgot theirs); their
/// sessions end. A weak password is refused on `password`.
pub async fn reset_password(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    username: &str,
    password: String,
) -> Result<(), AppError> {
    let target = target(app, who, username).await?;
    if let Err(problem) = presidio_domain::password::check(&password, &target.username) {
        return Err(Invalid::one("password", problem).into());
    }
    let hash = crate::password::hash(password).await;
    app.db
        .set_password(
            target.id,
            &hash,
            None,
            &app.entry(caller, Action::PasswordReset),
        )
        .await?;
    Ok(())
}

/// Removes the second factor of the account `username` (a lost phone): they set it up again
/// at the next sign-in.
pub async fn reset_second_factor(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    username: &str,
) -> Result<(), AppError> {
    managed(app, Creator::Admin(who), username).await?;
    app.db
        .reset_second_factor(username, &app.entry(caller, Action::SecondFactorReset))
        .await?;
    Ok(())
}

/// A role to give, as typed: its code, the Ambito's code and, for the social service, the
/// ISTAT codes of the municipalities it covers.
#[derive(Debug, Default)]
pub struct NewGrant {
    pub role: String,
    pub ambito: String,
    pub municipalities: Vec<String>,
}

/// The ISTAT codes of `typed` if every one is a municipality of `ambito`; refused on
/// `municipalities` otherwise (nothing is checked while no Ambito is chosen).
pub async fn municipalities_in(
    app: &App,
    ambito: Option<&Ambito>,
    typed: &[String],
    errors: &mut Invalid,
) -> Result<Vec<IstatCode>, AppError> {
    let known = match ambito {
        Some(a) => app.db.municipalities_of(a.id).await?,
        None => Vec::new(),
    };
    let mut bound = Vec::new();
    for code in typed {
        match IstatCode::parse(code) {
            Ok(c) if known.iter().any(|m| m.data.istat_code == c) => bound.push(c),
            _ if ambito.is_none() => {}
            _ => {
                errors.push("municipalities", Problem::UnknownMunicipality);
                break;
            }
        }
    }
    Ok(bound)
}

/// Gives the account `username` one more role in an Ambito the administrator manages (with its
/// municipalities, for the social service). Refused on `role`, `ambito` and `municipalities`.
pub async fn add_role(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    username: &str,
    grant: &NewGrant,
) -> Result<(), AppError> {
    let target = target(app, who, username).await?;
    let mut errors = Invalid::default();
    let role = Role::parse(&grant.role);
    if role.is_none() {
        errors.push("role", Problem::UnknownRole);
    }
    let allowed = ambiti_for(app, Creator::Admin(who)).await?;
    let ambito = chosen_ambito(&allowed, &grant.ambito, &mut errors);
    let mut bound =
        municipalities_in(app, ambito.as_ref(), &grant.municipalities, &mut errors).await?;
    if role.is_some_and(Role::needs_municipalities) && bound.is_empty() {
        errors.push("municipalities", Problem::Required);
    } else if !role.is_some_and(Role::needs_municipalities) {
        bound.clear();
    }
    let (Some(role), Some(ambito), true) = (role, ambito, errors.is_empty()) else {
        return Err(errors.into());
    };
    let mut entry = app.entry(caller, Action::RoleChanged);
    entry.reason = format!("+{}@{}", role.code(), ambito.code);
    app.db
        .grant_role(target.id, role, ambito.id, &bound, &entry)
        .await?;
    Ok(())
}

/// Takes role `grant` away from the account `username`: only a role in an Ambito the
/// administrator manages (not found otherwise); never their own administrator role
/// (`self_disable`).
pub async fn remove_role(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    username: &str,
    grant: i64,
) -> Result<(), AppError> {
    let target = target(app, who, username).await?;
    let allowed = ambiti_for(app, Creator::Admin(who)).await?;
    let grants = app.db.grants_of(target.id).await?;
    let Some(removed) = grants
        .iter()
        .find(|g| g.id == grant && allowed.iter().any(|a| a.code == g.ambito_code))
    else {
        return Err(AppError::NotFound);
    };
    if who.user_id == target.id && removed.role == Role::Admin.code() {
        return Err(AppError::Conflict("self_disable"));
    }
    let mut entry = app.entry(caller, Action::RoleChanged);
    entry.reason = format!("-{}@{}", removed.role, removed.ambito_code);
    app.db.revoke_role(target.id, grant, &entry).await?;
    Ok(())
}

/// Sets the roles whose users must use the second factor.
pub async fn require_second_factor(
    app: &App,
    caller: Caller<'_>,
    roles: &[Role],
) -> Result<(), AppError> {
    let mut entry = app
        .entry(caller, Action::SettingsChanged)
        .record("role_settings", "totp_required");
    entry.reason = roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",");
    app.db.require_second_factor(roles, &entry).await?;
    Ok(())
}

/// The API tokens of the accounts the administrator manages, newest first.
pub async fn tokens(app: &App, who: &Principal) -> Result<Vec<presidio_db::ApiToken>, AppError> {
    let users = users(app, Creator::Admin(who)).await?;
    Ok(app
        .db
        .tokens()
        .await?
        .into_iter()
        .filter(|t| users.iter().any(|u| u.id == t.user_id))
        .collect())
}

/// The longest validity of an integration token, in days.
pub const TOKEN_MAX_DAYS: i64 = 366;
/// The longest name of a token.
pub const TOKEN_NAME_MAX: usize = 80;

/// An integration token to issue, as typed.
#[derive(Debug, Default)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub username: &'a str,
    pub days: &'a str,
}

/// Issues an integration token for an active account the administrator manages; returns its
/// secret, shown once. Refused on `name`, `days` (1 to [`TOKEN_MAX_DAYS`]) and `username`.
pub async fn issue_token(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    input: &NewToken<'_>,
) -> Result<String, AppError> {
    let mut errors = Invalid::default();
    let name =
        presidio_domain::validation::required_text(&mut errors, "name", input.name, TOKEN_NAME_MAX);
    let days = input
        .days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=TOKEN_MAX_DAYS).contains(d));
    if days.is_none() {
        errors.push("days", Problem::OutOfRange);
    }
    let user = match managed(app, Creator::Admin(who), input.username).await {
        Ok(u) if !u.disabled => Some(u),
        Ok(_) | Err(AppError::NotFound) => None,
        Err(e) => return Err(e),
    };
    if user.is_none() {
        errors.push("username", Problem::Required);
    }
    let (Some(days), Some(user), true) = (days, user, errors.is_empty()) else {
        return Err(errors.into());
    };
    let token = crate::secret::new_secret();
    let expires_at = presidio_domain::time::UtcMillis(app.clock.now().0 + days * 86_400_000);
    let mut entry = app.entry(caller, Action::TokenIssued);
    entry.reason = format!("integration:{}", user.username);
    app.db
        .create_token(
            &presidio_db::NewToken {
                user_id: user.id,
                name: &name,
                token_hash: &crate::secret::stored(&token),
                kind: "integration",
                created_by: Some(who.user_id),
                expires_at,
            },
            &entry,
        )
        .await?;
    Ok(token)
}

/// Revokes token `id` of an account the administrator manages (not found otherwise).
pub async fn revoke_token(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<(), AppError> {
    if !tokens(app, who).await?.iter().any(|t| t.id == id) {
        return Err(AppError::NotFound);
    }
    app.db
        .revoke_token(id, &app.entry(caller, Action::TokenRevoked))
        .await?;
    Ok(())
}

/// The organisations of each Ambito where the administrator manages accounts.
pub async fn organisations(
    app: &App,
    who: &Principal,
) -> Result<Vec<(Ambito, Vec<presidio_db::OrganisationSummary>)>, AppError> {
    let mut out = Vec::new();
    for ambito in ambiti_for(app, Creator::Admin(who)).await? {
        let list = app.db.organisation_summaries(ambito.id).await?;
        out.push((ambito, list));
    }
    Ok(out)
}

/// The longest name of an organisation.
pub const ORGANISATION_NAME_MAX: usize = 120;

/// An organisation as typed: its name, kind and the code of its Ambito.
#[derive(Debug, Default)]
pub struct OrganisationInput<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub ambito: &'a str,
}

/// Creates an organisation, or renames and re-kinds organisation `id` read at `version`
/// (conflict when it changed since), in an Ambito the administrator manages. Refused on
/// `ambito`, `name` (also when taken) and `kind`.
pub async fn save_organisation(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    target: Option<(i64, i64)>,
    input: &OrganisationInput<'_>,
) -> Result<i64, AppError> {
    let mut errors = Invalid::default();
    let allowed = ambiti_for(app, Creator::Admin(who)).await?;
    let ambito = chosen_ambito(&allowed, input.ambito, &mut errors);
    let name = presidio_domain::validation::required_text(
        &mut errors,
        "name",
        input.name,
        ORGANISATION_NAME_MAX,
    );
    let kind = OrganisationKind::parse(input.kind);
    if kind.is_none() {
        errors.push("kind", Problem::InvalidCode);
    }
    let (Some(kind), Some(ambito), true) = (kind, ambito, errors.is_empty()) else {
        return Err(errors.into());
    };
    let action = if target.is_some() {
        Action::OrganisationUpdated
    } else {
        Action::OrganisationCreated
    };
    Ok(app
        .db
        .save_organisation(ambito.id, target, &name, kind, &app.entry(caller, action))
        .await?)
}
