//! API sign-in: a token for `Authorization: Bearer`, and who the token belongs to.

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::Visitor;
use crate::auth::login::{self, Refusal};
use crate::error::{ApiError, ErrorBody};

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    #[schema(example = "mrossi")]
    pub username: String,
    pub password: String,
    /// The six-digit code of the authenticator app, for accounts with a second factor.
    /// A recovery code is accepted here too.
    #[serde(default)]
    pub totp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// RFC 3339, UTC.
    #[schema(example = "2026-11-23T07:00:00Z")]
    pub expires_at: String,
}

/// Exchanges a username and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "accesso", security(()),
    request_body = TokenRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, description = "Credenziali errate, codice di verifica mancante o errato, \
            accesso sospeso", body = ErrorBody),
        (status = 422, description = "Corpo non valido", body = ErrorBody)))]
pub async fn token(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    crate::api::json::ApiJson(req): crate::api::json::ApiJson<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let refused = |r: Refusal| match r {
        Refusal::BadCredentials => ApiError::unauthenticated("bad_credentials"),
        Refusal::Locked(_) => ApiError::unauthenticated("locked"),
        Refusal::Unavailable => ApiError::from_status(StatusCode::SERVICE_UNAVAILABLE),
    };
    let checked = login::check(&state, visitor.caller(), &req.username, &req.password)
        .await
        .map_err(refused)?;
    let mut how = "api";
    if let Some(factor) = &checked.second_factor {
        let Some(code) = req.totp.as_deref().filter(|c| !c.trim().is_empty()) else {
            return Err(ApiError::unauthenticated("totp_required"));
        };
        let used =
            login::check_second_factor(&state, visitor.caller(), &checked.principal, factor, code)
                .await
                .map_err(|r| match r {
                    // The password was right: say that the code is what failed.
                    Refusal::BadCredentials => ApiError::unauthenticated("totp_invalid"),
                    other => refused(other),
                })?;
        how = if used == "recovery" {
            "api,recovery"
        } else {
            "api,totp"
        };
    } else if checked.must_enrol {
        return Err(ApiError::unauthenticated("totp_enrolment_required"));
    }
    let ttl = i64::try_from(state.auth.token_ttl.as_millis()).unwrap_or(i64::MAX);
    let (token, expires_at) =
        login::issue_login_token(&state, visitor.caller(), &checked.principal, how, ttl).await?;
    Ok(Json(TokenResponse {
        token,
        expires_at: expires_at.timestamp().to_string(),
    }))
}

/// A role of the signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct GrantView {
    #[schema(example = "operatore_pis")]
    pub role: String,
    pub ambito_id: i64,
    /// ISTAT codes, for `servizio_sociale`.
    pub municipalities: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub id: i64,
    pub username: String,
    pub name: String,
    pub organisation: String,
    pub roles: Vec<GrantView>,
}

/// The user the token belongs to, with their roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "accesso",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(Extension(visitor): Extension<Visitor>) -> Result<Json<MeView>, ApiError> {
    let p = visitor
        .principal()
        .ok_or_else(|| ApiError::unauthenticated("unauthenticated"))?;
    Ok(Json(MeView {
        id: p.user_id,
        username: p.username.clone(),
        name: p.name.clone(),
        organisation: p.organisation.clone(),
        roles: p
            .grants
            .iter()
            .map(|g| GrantView {
                role: g.role.code().into(),
                ambito_id: g.ambito.0,
                municipalities: g
                    .municipalities
                    .iter()
                    .map(|m| m.as_str().to_owned())
                    .collect(),
            })
            .collect(),
    }))
}
