//! Web Push (RFC 8030) to the phones of the field operators and coordinators: the VAPID key
//! pair (RFC 8292) made at the first start and kept in the database, replaced by an admin; each
//! device's subscription; and the delivery of an outbox message, encrypted for the device
//! (RFC 8291), carrying the report's code and a link only. A subscription the push service says
//! is gone (404, 410) is removed.

use std::sync::LazyLock;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use p256::ecdsa::signature::Signer as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use presidio_db::{DbError, NewSubscription, StoredMessage, StoredSubscription};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::validation::{Invalid, Problem, required_text};

use crate::{App, AppError, Caller};

/// How long a push waits at the push service for a device that is off.
const TTL: Duration = Duration::from_secs(4 * 3600);
/// The longest endpoint taken.
const ENDPOINT_MAX: usize = 2000;

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// One HTTP client for the push services (and the SMS gateway): HTTPS with the web's roots, or
/// plain HTTP where allowed.
pub(crate) static CLIENT: LazyLock<HttpsClient> = LazyLock::new(|| {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new()).build(https)
});

/// A new key pair: (private, public), base64url (the public key uncompressed, as browsers take
/// it in `applicationServerKey`).
fn new_pair() -> (String, String) {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the system's random source works");
        if let Ok(secret) = p256::SecretKey::from_slice(&bytes) {
            let public = secret.public_key().to_encoded_point(false);
            return (B64.encode(bytes), B64.encode(public.as_bytes()));
        }
    }
}

/// Makes the key pair at the first start; returns the public key in use.
pub async fn ensure_key(app: &App) -> Result<String, DbError> {
    if let Some((_, public)) = app.db.vapid_key().await? {
        return Ok(public);
    }
    let (private, public) = new_pair();
    app.db
        .put_vapid_key(&private, &public, app.clock.now().0, true)
        .await?;
    Ok(app.db.vapid_key().await?.map_or(public, |(_, p)| p))
}

/// The public key browsers subscribe with (base64url), for any signed-in user.
pub async fn public_key(app: &App) -> Result<String, AppError> {
    Ok(ensure_key(app).await?)
}

/// Replaces the key pair (admins): every device subscribes again. Audited.
pub async fn rotate(app: &App, caller: Caller<'_>, who: &Principal) -> Result<String, AppError> {
    if !who.may(Permission::ManageAccounts) {
        return Err(AppError::Forbidden);
    }
    let (private, public) = new_pair();
    let now = app.clock.now().0;
    let key = app.db.put_vapid_key(&private, &public, now, false).await?;
    let entry = app.entry(caller, Action::Write).record("push_key", 0);
    app.audit.append(entry).await?;
    Ok(key)
}

/// A device's subscription as the browser gives it (`PushSubscription.toJSON()`), with the
/// name the user gives the device.
#[derive(Debug, Clone, Copy)]
pub struct SubscriptionInput<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub label: &'a str,
}

/// Checks a subscription: an HTTPS endpoint (plain HTTP only where configured, for a local
/// push service), a P-256 public key and a 16-byte secret, both base64url.
fn checked(app: &App, s: &SubscriptionInput<'_>) -> Result<(String, String), Invalid> {
    let mut errors = Invalid::default();
    let endpoint = required_text(&mut errors, "endpoint", s.endpoint, ENDPOINT_MAX);
    let scheme_ok = endpoint.starts_with("https://")
        || (app.field.push_allow_http && endpoint.starts_with("http://"));
    if !endpoint.is_empty() && (!scheme_ok || endpoint.parse::<hyper::Uri>().is_err()) {
        errors.push("endpoint", Problem::InvalidCode);
    }
    let key = B64.decode(s.p256dh.trim()).ok();
    if key
        .and_then(|k| p256::PublicKey::from_sec1_bytes(&k).ok())
        .is_none()
    {
        errors.push("p256dh", Problem::InvalidCode);
    }
    if B64.decode(s.auth.trim()).ok().is_none_or(|a| a.len() != 16) {
        errors.push("auth", Problem::InvalidCode);
    }
    let label = required_text(&mut errors, "label", s.label, 80);
    errors.into_result((endpoint, label))
}

/// Keeps a subscription of the signed-in user's device; returns its id. Audited.
pub async fn subscribe(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    s: SubscriptionInput<'_>,
) -> Result<i64, AppError> {
    let (endpoint, label) = checked(app, &s)?;
    let new = NewSubscription {
        endpoint: &endpoint,
        p256dh: s.p256dh.trim(),
        auth: s.auth.trim(),
        label: &label,
    };
    let id = app
        .db
        .add_subscription(who.user_id, &new, app.clock.now().0)
        .await?;
    let entry = app
        .entry(caller, Action::Write)
        .record("push_subscription", id);
    app.audit.append(entry).await?;
    Ok(id)
}

/// The signed-in user's devices.
pub async fn subscriptions(
    app: &App,
    who: &Principal,
) -> Result<Vec<StoredSubscription>, AppError> {
    Ok(app.db.subscriptions_of(who.user_id).await?)
}

/// Removes one of the signed-in user's devices (another's is not found). Audited.
pub async fn unsubscribe(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<(), AppError> {
    if !app.db.remove_subscription(id, Some(who.user_id)).await? {
        return Err(AppError::NotFound);
    }
    let entry = app
        .entry(caller, Action::Write)
        .record("push_subscription", id);
    app.audit.append(entry).await?;
    Ok(())
}

/// Why a push was not delivered.
#[derive(Debug)]
pub(crate) enum Undelivered {
    /// The device's subscription is gone (removed now): never again.
    Gone,
    /// Try again later.
    Failed(String),
}

/// The VAPID `Authorization` header for `endpoint`, signed with the key in use.
fn vapid(private: &str, public: &str, endpoint: &hyper::Uri, now_s: i64) -> Option<String> {
    let secret = p256::SecretKey::from_slice(&B64.decode(private).ok()?).ok()?;
    let audience = format!("{}://{}", endpoint.scheme_str()?, endpoint.authority()?);
    let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = B64.encode(
        serde_json::json!({
            "aud": audience,
            "exp": now_s + 12 * 3600,
            "sub": "mailto:pronto-intervento@presidio.invalid",
        })
        .to_string(),
    );
    let signing = format!("{header}.{claims}");
    let signature: p256::ecdsa::Signature =
        p256::ecdsa::SigningKey::from(secret).sign(signing.as_bytes());
    let token = format!("{signing}.{}", B64.encode(signature.to_bytes()));
    Some(format!("vapid t={token}, k={public}"))
}

/// The payload of message `m`: its subject (the report's code) and the first link of its text.
pub fn payload(m: &StoredMessage) -> String {
    let link = presidio_domain::outbox::first_link(&m.body);
    serde_json::json!({"title": m.subject, "url": link}).to_string()
}

/// Sends outbox message `m` (channel `push`, its recipient the subscription's id).
pub(crate) async fn deliver(app: &App, m: &StoredMessage) -> Result<(), Undelivered> {
    let failed = |what: &str| Undelivered::Failed(what.to_owned());
    let id: i64 = m.recipient.parse().map_err(|_| Undelivered::Gone)?;
    let Some(s) = app
        .db
        .subscription(id)
        .await
        .map_err(|e| failed(&e.to_string()))?
    else {
        return Err(Undelivered::Gone);
    };
    let Some((private, public)) = app
        .db
        .vapid_key()
        .await
        .map_err(|e| failed(&e.to_string()))?
    else {
        return Err(failed("no VAPID key"));
    };
    let endpoint: hyper::Uri = s.endpoint.parse().map_err(|_| Undelivered::Gone)?;
    let key = B64
        .decode(&s.p256dh)
        .ok()
        .and_then(|k| web_push_native::p256::PublicKey::from_sec1_bytes(&k).ok())
        .ok_or(Undelivered::Gone)?;
    let auth: [u8; 16] = B64
        .decode(&s.auth)
        .ok()
        .and_then(|a| a.try_into().ok())
        .ok_or(Undelivered::Gone)?;
    let request = web_push_native::WebPushBuilder::new(
        endpoint.clone(),
        key,
        web_push_native::Auth::from(auth),
    )
    .with_valid_duration(TTL)
    .build(payload(m))
    .map_err(|e| failed(&e.to_string()))?;
    let authorization = vapid(&private, &public, &endpoint, app.clock.now().0 / 1000)
        .ok_or_else(|| failed("VAPID signature"))?;
    let (mut parts, body) = request.into_parts();
    parts.headers.insert(
        hyper::header::AUTHORIZATION,
        authorization.parse().map_err(|_| failed("VAPID header"))?,
    );
    parts
        .headers
        .insert("urgency", hyper::header::HeaderValue::from_static("high"));
    let request = hyper::Request::from_parts(parts, Full::new(Bytes::from(body)));
    let sent = tokio::time::timeout(Duration::from_secs(15), CLIENT.request(request)).await;
    let response = match sent {
        Err(_) => return Err(failed("push service timeout")),
        Ok(Err(e)) => return Err(failed(&format!("push service: {e}"))),
        Ok(Ok(r)) => r,
    };
    let status = response.status();
    let _ = response.into_body().collect().await;
    if status.is_success() {
        return Ok(());
    }
    if status.as_u16() == 404 || status.as_u16() == 410 {
        let _ = app.db.remove_subscription(s.id, None).await;
        return Err(Undelivered::Gone);
    }
    Err(failed(&format!("push service answered {status}")))
}
