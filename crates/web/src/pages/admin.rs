//! Administration: accounts (create, disable, enable), API tokens (issue, revoke) and the audit
//! trail (search). Only users whose role grants the matching permission reach these pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::access::Role;
use presidio_domain::account::OrganisationKind;
use presidio_domain::audit::Action;
use presidio_domain::time::UtcMillis;
use serde::Deserialize;

use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::{AuditQuery, FormErrors};
use presidio_app::AppError;
use presidio_app::accounts::{self, Creator, NewAccount};

pub use crate::forms::Choice;

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub organisation: String,
    pub roles: String,
    pub state: String,
    pub disabled: bool,
    /// The signed-in admin's own row: no disable button (they would lock themselves out).
    pub is_self: bool,
    /// The user has set up the second factor.
    pub totp: bool,
    pub toggle_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    page: Layout,
    users: Vec<UserRow>,
    roles: Vec<Choice>,
    kinds: Vec<Choice>,
    organisations: Vec<String>,
    municipalities: Vec<Choice>,
    /// The Ambiti the admin administers: where the new account's role may be given.
    ambiti: Vec<Choice>,
    form: UserForm,
    errors: FormErrors,
    created: Option<String>,
    /// Roles with the "second factor required" box, ticked when it is.
    totp_roles: Vec<Choice>,
}

/// The fields of the new-account form.
#[derive(Debug, Clone, Default)]
pub struct UserForm {
    pub username: String,
    pub name: String,
    pub organisation: String,
    pub organisation_kind: String,
    pub role: String,
    /// The code of the Ambito the role is given in.
    pub ambito: String,
    pub municipalities: Vec<String>,
    pub password: String,
}

impl UserForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = Self::default();
        for (k, v) in pairs {
            match k.as_str() {
                "username" => f.username = v,
                "name" => f.name = v,
                "organisation" => f.organisation = v,
                "organisation_kind" => f.organisation_kind = v,
                "role" => f.role = v,
                "ambito" => f.ambito = v,
                "municipalities" => f.municipalities.push(v),
                "password" => f.password = v,
                _ => {}
            }
        }
        f
    }
}

#[derive(Deserialize, Default)]
pub struct CreatedQuery {
    #[serde(default)]
    creato: String,
    #[serde(default)]
    salvato: String,
}

async fn users_page(
    state: &AppState,
    visitor: &Visitor,
    form: UserForm,
    errors: FormErrors,
    created: Option<String>,
) -> Result<UsersPage, PageError> {
    let page = Layout::new(visitor, "admin-users-title", "admin");
    let t = page.t;
    let who = admin(visitor)?;
    let choices = accounts::choices(state, who).await?;
    let ambiti = &choices.ambiti;
    let users = accounts::users(state, Creator::Admin(who))
        .await?
        .into_iter()
        .map(|u| UserRow {
            state: t.t(if u.disabled {
                "user-disabled"
            } else {
                "user-active"
            }),
            toggle_label: t.t1(
                if u.disabled {
                    "user-enable"
                } else {
                    "user-disable"
                },
                "username",
                &u.username,
            ),
            roles: u
                .roles
                .iter()
                .map(|r| {
                    let code = r.split('@').next().unwrap_or(r);
                    t.t(&format!("role-{code}"))
                })
                .collect::<Vec<_>>()
                .join(", "),
            is_self: visitor
                .principal()
                .is_some_and(|p| p.username == u.username),
            id: u.id,
            totp: u.totp,
            username: u.username,
            name: u.name,
            organisation: u.organisation,
            disabled: u.disabled,
        })
        .collect();
    let kinds = OrganisationKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().into(),
            label: t.t(&format!("organisation-kind-{}", k.code())),
            selected: form.organisation_kind == k.code(),
        })
        .collect();
    let municipalities = municipality_choices(&choices, &form.municipalities);
    let required = &choices.second_factor_roles;
    Ok(UsersPage {
        ambiti: ambito_choices(ambiti, &form.ambito),
        totp_roles: role_choices(t, |r| required.contains(&r)),
        roles: role_choices(t, |r| form.role == r.code()),
        page,
        users,
        kinds,
        organisations: choices.organisations.clone(),
        municipalities,
        form,
        errors,
        created,
    })
}

/// Every role as a choice, in Italian, selected where `selected` says.
fn role_choices(t: crate::i18n::Tr<'_>, selected: impl Fn(Role) -> bool) -> Vec<Choice> {
    Role::ALL
        .iter()
        .map(|r| Choice {
            value: r.code().into(),
            label: t.t(&format!("role-{}", r.code())),
            selected: selected(*r),
        })
        .collect()
}

/// The signed-in administrator.
fn admin(visitor: &Visitor) -> Result<&presidio_domain::access::Principal, PageError> {
    visitor
        .principal()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "unauthorized"))
}

/// The Ambiti as choices of a form's `ambito` select, `selected` marked (or the only one).
pub(super) fn ambito_choices(
    allowed: &[presidio_domain::reference::Ambito],
    selected: &str,
) -> Vec<Choice> {
    allowed
        .iter()
        .map(|a| Choice {
            value: a.code.clone(),
            label: a.name.clone(),
            selected: a.code == selected || allowed.len() == 1,
        })
        .collect()
}

/// The municipalities of `allowed` as checkboxes, each named with its Ambito when there are
/// several.
fn municipality_choices(choices: &accounts::Choices, selected: &[String]) -> Vec<Choice> {
    let several = choices.ambiti.len() > 1;
    choices
        .municipalities
        .iter()
        .map(|(a, m)| {
            let code = m.data.istat_code.as_str().to_owned();
            Choice {
                selected: selected.contains(&code),
                label: if several {
                    format!("{} · {}", m.data.name, a.name)
                } else {
                    m.data.name.clone()
                },
                value: code,
            }
        })
        .collect()
}

pub async fn users(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<CreatedQuery>,
) -> Result<UsersPage, PageError> {
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let created = if !q.creato.is_empty() {
        Some(t.t1("user-created", "username", &q.creato))
    } else if !q.salvato.is_empty() {
        Some(t.t("settings-saved"))
    } else {
        None
    };
    let form = UserForm {
        organisation_kind: "cooperativa".into(),
        ..UserForm::default()
    };
    users_page(&state, &visitor, form, FormErrors::default(), created).await
}

pub async fn create_user(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut form = UserForm::from_pairs(pairs);
    let who = visitor
        .principal()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "unauthorized"))?;
    let input = NewAccount {
        username: form.username.clone(),
        name: form.name.clone(),
        role: form.role.clone(),
        password: std::mem::take(&mut form.password),
        ambito: form.ambito.clone(),
        organisation: form.organisation.clone(),
        organisation_kind: form.organisation_kind.clone(),
        municipalities: form.municipalities.clone(),
    };
    match accounts::create_user(&state, visitor.caller(), Creator::Admin(who), &input).await {
        Ok(created) => Ok(Redirect::to(&format!(
            "/amministrazione/utenti?creato={}",
            super::encode_component(&created.username)
        ))
        .into_response()),
        Err(AppError::Invalid(invalid)) => {
            let page = users_page(&state, &visitor, form, FormErrors::from(&invalid), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
pub struct StateForm {
    /// `disable` or `enable`.
    action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_user.html")]
pub struct UserPage {
    page: Layout,
    user: UserRow,
    second_factor: bool,
    grants: Vec<GrantRow>,
    roles: Vec<Choice>,
    municipalities: Vec<Choice>,
    ambiti: Vec<Choice>,
    errors: FormErrors,
    done: Option<String>,
}

/// One role of the user on their page, with the button that takes it away.
pub struct GrantRow {
    pub id: i64,
    pub label: String,
    pub remove_label: String,
}

async fn user_page(
    state: &AppState,
    visitor: &Visitor,
    username: &str,
    errors: FormErrors,
    done: Option<&str>,
) -> Result<UserPage, PageError> {
    let page = users_page(
        state,
        visitor,
        UserForm::default(),
        FormErrors::default(),
        None,
    )
    .await?;
    let (roles, municipalities, ambiti) = (page.roles, page.municipalities, page.ambiti);
    let Some(user) = page.users.into_iter().find(|u| u.username == username) else {
        return Err(PageError::new(StatusCode::NOT_FOUND, "not_found"));
    };
    let (_id, second_factor) = (user.id, user.totp);
    let t = page.page.t;
    let grants = accounts::grants(state, admin(visitor)?, username)
        .await?
        .into_iter()
        .map(|g| {
            let mut label = format!("{} ({})", t.t(&format!("role-{}", g.role)), g.ambito_code);
            if !g.municipalities.is_empty() {
                label = format!("{label}: {}", g.municipalities.join(", "));
            }
            GrantRow {
                id: g.id,
                remove_label: t.t1("role-remove", "role", &label),
                label,
            }
        })
        .collect();
    let layout = Layout::titled(visitor, user.name.clone(), "admin");
    let done = done.map(|id| layout.t.t(id));
    Ok(UserPage {
        page: layout,
        user,
        second_factor,
        grants,
        roles,
        municipalities,
        ambiti,
        errors,
        done,
    })
}

/// The user's page with the message `message_id` saying what was just done.
async fn user_done(
    state: &AppState,
    visitor: &Visitor,
    username: &str,
    message_id: &str,
) -> Result<Response, PageError> {
    let page = user_page(
        state,
        visitor,
        username,
        FormErrors::default(),
        Some(message_id),
    )
    .await?;
    Ok(page.into_response())
}

pub async fn user(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(username): Path<String>,
) -> Result<UserPage, PageError> {
    user_page(&state, &visitor, &username, FormErrors::default(), None).await
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
}

/// Sets a new initial password for a user who forgot theirs; their sessions end.
pub async fn reset_password(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(username): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    let who = admin(&visitor)?;
    match accounts::reset_password(&state, visitor.caller(), who, &username, form.password).await {
        Ok(()) => {}
        Err(AppError::Invalid(errors)) => {
            let page =
                user_page(&state, &visitor, &username, FormErrors::from(&errors), None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(e) => return Err(e.into()),
    }
    user_done(&state, &visitor, &username, "user-password-reset").await
}

/// Removes a user's second factor (lost phone); they set it up again at the next login.
pub async fn reset_second_factor(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(username): Path<String>,
) -> Result<Response, PageError> {
    accounts::reset_second_factor(&state, visitor.caller(), admin(&visitor)?, &username).await?;
    user_done(&state, &visitor, &username, "user-2fa-reset").await
}

/// Gives a user one more role (with its municipalities, for the social service).
pub async fn add_role(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(username): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let form = UserForm::from_pairs(pairs);
    let grant = accounts::NewGrant {
        role: form.role,
        ambito: form.ambito,
        municipalities: form.municipalities,
    };
    match accounts::add_role(
        &state,
        visitor.caller(),
        admin(&visitor)?,
        &username,
        &grant,
    )
    .await
    {
        Ok(()) => user_done(&state, &visitor, &username, "role-added").await,
        Err(AppError::Invalid(invalid)) => {
            let page = user_page(
                &state,
                &visitor,
                &username,
                FormErrors::from(&invalid),
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// Takes a role away from a user; an admin cannot take away their own admin role.
pub async fn remove_role(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((username, grant)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    let who = admin(&visitor)?;
    accounts::remove_role(&state, visitor.caller(), who, &username, grant).await?;
    // Without a role in the administrator's Ambiti, the account is no longer theirs to see.
    match accounts::managed(&state, Creator::Admin(who), &username).await {
        Err(AppError::NotFound) => Ok(Redirect::to("/amministrazione/utenti").into_response()),
        _ => user_done(&state, &visitor, &username, "role-removed").await,
    }
}

/// Sets the roles whose users must use the second factor.
pub async fn require_second_factor(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut roles = Vec::new();
    for (key, value) in &pairs {
        if key == "roles" {
            let Some(role) = Role::parse(value) else {
                return Err(PageError::new(StatusCode::BAD_REQUEST, "bad_request"));
            };
            roles.push(role);
        }
    }
    accounts::require_second_factor(&state, visitor.caller(), &roles).await?;
    Ok(Redirect::to("/amministrazione/utenti?salvato=1").into_response())
}

pub async fn set_user_state(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(username): Path<String>,
    Form(form): Form<StateForm>,
) -> Result<Response, PageError> {
    let disable = match form.action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(PageError::new(StatusCode::BAD_REQUEST, "bad_request")),
    };
    let who = visitor
        .principal()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "unauthorized"))?;
    accounts::set_disabled(
        &state,
        visitor.caller(),
        Creator::Admin(who),
        &username,
        disable,
    )
    .await?;
    Ok(Redirect::to("/amministrazione/utenti").into_response())
}

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub username: String,
    pub kind: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub live: bool,
    pub state: String,
    pub revoke_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_tokens.html")]
pub struct TokensPage {
    page: Layout,
    tokens: Vec<TokenRow>,
    users: Vec<Choice>,
    token_name: String,
    days: String,
    errors: FormErrors,
    /// The secret of a token just issued: shown once, never again.
    issued: Option<String>,
}

async fn tokens_page(
    state: &AppState,
    visitor: &Visitor,
    name: String,
    days: String,
    errors: FormErrors,
    issued: Option<String>,
) -> Result<TokensPage, PageError> {
    let page = Layout::new(visitor, "admin-tokens-title", "admin");
    let t = page.t;
    let now = state.clock.now();
    let who = admin(visitor)?;
    let tokens = accounts::tokens(state, who)
        .await?
        .into_iter()
        .map(|tk| {
            let live = tk.revoked_at.is_none() && tk.expires_at > now.0;
            TokenRow {
                id: tk.id,
                revoke_label: t.t1("token-revoke", "name", &tk.name),
                name: tk.name,
                username: tk.username,
                kind: t.t(&format!("token-kind-{}", tk.kind)),
                created: t.date_time(UtcMillis(tk.created_at)),
                expires: t.date_time(UtcMillis(tk.expires_at)),
                last_used: tk
                    .last_used_at
                    .map_or_else(|| t.t("token-never-used"), |at| t.date_time(UtcMillis(at))),
                live,
                state: t.t(if tk.revoked_at.is_some() {
                    "token-revoked"
                } else if live {
                    "token-live"
                } else {
                    "token-expired"
                }),
            }
        })
        .collect();
    let users = accounts::users(state, Creator::Admin(who))
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| Choice {
            label: format!("{} ({})", u.name, u.username),
            value: u.username,
            selected: false,
        })
        .collect();
    Ok(TokensPage {
        page,
        tokens,
        users,
        token_name: name,
        days,
        errors,
        issued,
    })
}

pub async fn tokens(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<TokensPage, PageError> {
    tokens_page(
        &state,
        &visitor,
        String::new(),
        "90".into(),
        FormErrors::default(),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    days: String,
}

pub async fn issue_token(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let input = accounts::NewToken {
        name: &form.name,
        username: &form.username,
        days: &form.days,
    };
    let token =
        match accounts::issue_token(&state, visitor.caller(), admin(&visitor)?, &input).await {
            Ok(token) => token,
            Err(AppError::Invalid(errors)) => {
                let page = tokens_page(
                    &state,
                    &visitor,
                    form.name,
                    form.days,
                    FormErrors::from(&errors),
                    None,
                )
                .await?;
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            Err(e) => return Err(e.into()),
        };
    let page = tokens_page(
        &state,
        &visitor,
        String::new(),
        "90".into(),
        FormErrors::default(),
        Some(token),
    )
    .await?;
    Ok((StatusCode::CREATED, page).into_response())
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    accounts::revoke_token(&state, visitor.caller(), admin(&visitor)?, id).await?;
    Ok(Redirect::to("/amministrazione/token").into_response())
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub record: String,
    pub reason: String,
    pub client_ip: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_audit.html")]
pub struct AuditPage {
    page: Layout,
    q: AuditQuery,
    actions: Vec<Choice>,
    rows: Vec<AuditRow>,
    errors: FormErrors,
}

/// How many entries one page of the audit search shows.
const AUDIT_PAGE: i64 = 200;

pub async fn audit(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let page = Layout::new(&visitor, "admin-audit-title", "admin");
    let t = page.t;
    let actions = Action::ALL
        .iter()
        .map(|a| Choice {
            value: a.code().into(),
            label: t.t(&format!("audit-action-{}", a.code())),
            selected: q.action == a.code(),
        })
        .collect();
    let (rows, errors, status) = match q.filter(AUDIT_PAGE) {
        Ok(filter) => {
            let rows = presidio_app::audit_trail::search(
                &state,
                visitor.caller(),
                admin(&visitor)?,
                &filter,
            )
            .await?
            .into_iter()
            .map(|s| AuditRow {
                seq: s.seq,
                at: t.date_time(s.entry.at),
                role: super::audit_labels::roles(t, &s.entry.role),
                action: Action::parse(&s.entry.action).map_or(s.entry.action.clone(), |a| {
                    t.t(&format!("audit-action-{}", a.code()))
                }),
                record: super::audit_labels::record(
                    t,
                    &s.entry.record_type,
                    &s.entry.record_id,
                    &s.entry.section,
                ),
                reason: super::audit_labels::reason(t, &s.entry.reason),
                actor: s.entry.actor,
                client_ip: s.entry.client_ip,
            })
            .collect();
            (rows, FormErrors::default(), StatusCode::OK)
        }
        Err(invalid) => (
            Vec::new(),
            FormErrors::from(&invalid),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    };
    Ok((
        status,
        AuditPage {
            page,
            q,
            actions,
            rows,
            errors,
        },
    )
        .into_response())
}
