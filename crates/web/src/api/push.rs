//! Web Push over the API: the VAPID public key browsers subscribe with, the signed-in user's
//! devices, (admins) a new key pair, and the channels each user chooses for the messages that
//! are not safety messages.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use presidio_domain::time::UtcMillis;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::json::ApiJson;
use super::reports::principal;
use crate::AppState;
use crate::auth::Visitor;
use crate::error::{ApiError, ErrorBody};

/// The VAPID public key.
#[derive(Debug, Serialize, ToSchema)]
pub struct PushKey {
    /// The P-256 public key, uncompressed, base64url: the `applicationServerKey` of
    /// `PushManager.subscribe`.
    pub key: String,
}

/// The key devices subscribe with.
#[utoipa::path(get, path = "/api/v1/push/key", tag = "sistema",
    responses((status = 200, body = PushKey)))]
pub async fn key(State(state): State<AppState>) -> Result<Json<PushKey>, ApiError> {
    Ok(Json(PushKey {
        key: presidio_app::push::public_key(&state).await?,
    }))
}

/// Replaces the key pair (admins): every device must subscribe again. Audited.
#[utoipa::path(post, path = "/api/v1/push/key", tag = "sistema",
    responses((status = 200, body = PushKey), (status = 403, body = ErrorBody)))]
pub async fn rotate(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<PushKey>, ApiError> {
    let who = principal(&visitor)?;
    Ok(Json(PushKey {
        key: presidio_app::push::rotate(&state, visitor.caller(), who).await?,
    }))
}

/// The subscription's keys, as `PushSubscription.toJSON()` gives them.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SubscriptionKeys {
    /// The device's P-256 public key, base64url.
    #[serde(default)]
    pub p256dh: String,
    /// The device's 16-byte secret, base64url.
    #[serde(default)]
    pub auth: String,
}

/// A device's subscription.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SubscriptionBody {
    /// The push service's URL for this device (HTTPS).
    #[serde(default)]
    pub endpoint: String,
    #[serde(default)]
    pub keys: SubscriptionKeys,
    /// A name for the device, e.g. "Telefono di servizio".
    #[serde(default)]
    pub label: String,
}

/// A device subscribed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub id: i64,
    pub label: String,
    pub created_at: String,
}

/// The signed-in user's devices.
#[derive(Debug, Serialize, ToSchema)]
pub struct Subscriptions {
    pub items: Vec<SubscriptionView>,
}

/// A subscription kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionRef {
    pub id: i64,
}

/// Subscribes a device of the signed-in user to push: alerts and alarms reach it, with the
/// report's code and a link only. A device subscribing again replaces its keys. Audited.
#[utoipa::path(post, path = "/api/v1/push/subscriptions", tag = "sistema",
    request_body = SubscriptionBody,
    responses((status = 201, body = SubscriptionRef), (status = 422, body = ErrorBody)))]
pub async fn subscribe(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<SubscriptionBody>,
) -> Result<(StatusCode, Json<SubscriptionRef>), ApiError> {
    let who = principal(&visitor)?;
    let input = presidio_app::push::SubscriptionInput {
        endpoint: &body.endpoint,
        p256dh: &body.keys.p256dh,
        auth: &body.keys.auth,
        label: &body.label,
    };
    let id = presidio_app::push::subscribe(&state, visitor.caller(), who, input)
        .await
        .map_err(|e| ApiError::from(e).labelled(&[("label", "profile-push-label")]))?;
    Ok((StatusCode::CREATED, Json(SubscriptionRef { id })))
}

/// The signed-in user's subscribed devices, newest first.
#[utoipa::path(get, path = "/api/v1/push/subscriptions", tag = "sistema",
    responses((status = 200, body = Subscriptions)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Subscriptions>, ApiError> {
    let who = principal(&visitor)?;
    let items = presidio_app::push::subscriptions(&state, who)
        .await?
        .into_iter()
        .map(|s| SubscriptionView {
            id: s.id,
            label: s.label,
            created_at: UtcMillis(s.created_at).timestamp().to_string(),
        })
        .collect();
    Ok(Json(Subscriptions { items }))
}

/// Unsubscribes one of the signed-in user's devices. Audited.
#[utoipa::path(delete, path = "/api/v1/push/subscriptions/{id}", tag = "sistema",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn unsubscribe(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let who = principal(&visitor)?;
    presidio_app::push::unsubscribe(&state, visitor.caller(), who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A kind of message the user chooses channels for: `team` (invitations and tasks),
/// `handover` (handovers due or overdue), `follow_up` (outcomes at 30 and 90 days), `summary`
/// (the morning summary), `protocol` (protocols about to expire).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)] // The schema of the `kind` fields, read as text to name a wrong one.
pub enum MessageKind {
    Team,
    Handover,
    FollowUp,
    Summary,
    Protocol,
}

/// The channels one kind of message takes to the user.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    #[schema(value_type = MessageKind)]
    pub kind: String,
    /// The kind as the profile names it.
    pub label: String,
    /// By e-mail, to the address for alerts.
    pub email: bool,
    /// By push, to every device subscribed.
    pub push: bool,
    /// By SMS, to the mobile number, where a gateway is configured.
    pub sms: bool,
}

/// The channels of every kind of message the user chooses for. Safety messages (alerts,
/// missed check-ins, escalations) are not listed: they take every channel the user has.
#[derive(Debug, Serialize, ToSchema)]
pub struct Channels {
    pub channels: Vec<ChannelView>,
}

/// The channels chosen for one kind; a channel left out is not taken.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChannelChoiceBody {
    #[serde(default)]
    #[schema(value_type = MessageKind, required = true)]
    pub kind: String,
    #[serde(default)]
    pub email: bool,
    #[serde(default)]
    pub push: bool,
    #[serde(default)]
    pub sms: bool,
}

/// The kinds whose channels change; the kinds not listed keep theirs.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ChannelChoices {
    #[serde(deserialize_with = "super::json::object_items")]
    pub channels: Vec<ChannelChoiceBody>,
}

fn channels_view(list: &[presidio_app::profile::ChannelChoice]) -> Channels {
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    Channels {
        channels: list
            .iter()
            .map(|c| ChannelView {
                kind: c.kind.code().into(),
                label: t.t(&format!("message-kind-{}", c.kind.code())),
                email: c.email,
                push: c.push,
                sms: c.sms,
            })
            .collect(),
    }
}

/// The channels the signed-in user chose; a kind never chosen goes by e-mail only.
#[utoipa::path(get, path = "/api/v1/me/channels", tag = "accesso",
    responses((status = 200, body = Channels)))]
pub async fn channels(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Json<Channels>, ApiError> {
    let who = principal(&visitor)?;
    let list = presidio_app::profile::channels(&state, who).await?;
    Ok(Json(channels_view(&list)))
}

/// Sets the channels of the kinds listed (the others keep theirs); answers with all of them.
/// Audited; 422 naming `channels[i].kind` (unknown or twice) with nothing changed.
#[utoipa::path(put, path = "/api/v1/me/channels", tag = "accesso",
    request_body = ChannelChoices,
    responses((status = 200, body = Channels), (status = 422, body = ErrorBody)))]
pub async fn set_channels(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    ApiJson(body): ApiJson<ChannelChoices>,
) -> Result<Json<Channels>, ApiError> {
    let who = principal(&visitor)?;
    let given: Vec<presidio_app::profile::ChannelInput<'_>> = body
        .channels
        .iter()
        .map(|c| presidio_app::profile::ChannelInput {
            kind: &c.kind,
            email: c.email,
            push: c.push,
            sms: c.sms,
        })
        .collect();
    let list = presidio_app::profile::set_channels(&state, visitor.caller(), who, &given).await?;
    Ok(Json(channels_view(&list)))
}
