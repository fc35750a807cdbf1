//! The `WaaS` e-service INPS polls for the SIUSS flows (INPS's `api-comuni.yaml`): its only way
//! in is the PDND voucher, a JWT signed by the platform (RS256), verified against the
//! configured key set, issuer and audience, with a minute of clock skew allowed. A voucher
//! opens this e-service and nothing else; every poll and every outcome is audited.

use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Bytes;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use presidio_db::{FlowOutcome, StoredFlow};
use presidio_domain::audit::{Action, Entry};

use crate::{App, AppError};

/// Seconds of difference allowed between the platform's clock and ours.
pub const LEEWAY_SECONDS: u64 = 60;

/// How the e-service checks a voucher.
pub struct Voucher {
    keys: Vec<(Option<String>, DecodingKey)>,
    validation: Validation,
}

impl std::fmt::Debug for Voucher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voucher")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

/// Who a valid voucher names: the PDND client (`client_id`, else `sub`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client(pub String);

#[derive(serde::Deserialize)]
struct Claims {
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    sub: Option<String>,
}

impl Voucher {
    /// From a JWKS document (`{"keys": [...]}`), the issuer and the audience; an error names
    /// what is wrong with the key set.
    pub fn new(jwks: &str, issuer: &str, audience: &str) -> Result<Self, String> {
        let set: JwkSet =
            serde_json::from_str(jwks).map_err(|e| format!("key set not readable: {e}"))?;
        let keys: Vec<(Option<String>, DecodingKey)> = set
            .keys
            .iter()
            .filter_map(|k| Some((k.common.key_id.clone(), DecodingKey::from_jwk(k).ok()?)))
            .collect();
        if keys.is_empty() {
            return Err("the key set holds no usable key".into());
        }
        if issuer.trim().is_empty() || audience.trim().is_empty() {
            return Err("issuer and audience are both needed".into());
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_issuer(&[issuer.trim()]);
        validation.set_audience(&[audience.trim()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        Ok(Self { keys, validation })
    }

    /// The key set from `source` (a file, or an `https://` address read once at start).
    pub async fn load(source: &str, issuer: &str, audience: &str) -> Result<Self, String> {
        let text = if source.starts_with("https://") || source.starts_with("http://") {
            fetch(source).await?
        } else {
            std::fs::read_to_string(source).map_err(|e| format!("{source}: {e}"))?
        };
        Self::new(&text, issuer, audience)
    }

    /// The client a bearer `token` names, when it is a valid voucher; none otherwise (bad
    /// signature, unknown key, wrong issuer or audience, expired, not yet valid, not RS256).
    pub fn verify(&self, token: &str) -> Option<Client> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let candidates = self
            .keys
            .iter()
            .filter(|(kid, _)| header.kid.is_none() || kid.is_none() || *kid == header.kid);
        for (_, key) in candidates {
            if let Ok(data) = jsonwebtoken::decode::<Claims>(token, key, &self.validation) {
                let name = data
                    .claims
                    .client_id
                    .or(data.claims.sub)
                    .unwrap_or_default();
                return Some(Client(name));
            }
        }
        None
    }
}

async fn fetch(url: &str) -> Result<String, String> {
    let request = hyper::Request::get(url)
        .body(http_body_util::Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let response = tokio::time::timeout(
        Duration::from_secs(15),
        crate::push::CLIENT.request(request),
    )
    .await
    .map_err(|_| format!("{url}: no answer"))?
    .map_err(|e| format!("{url}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("{url}: {}", response.status()));
    }
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    String::from_utf8(body.to_vec()).map_err(|e| e.to_string())
}

fn entry(app: &App, client: &Client, action: Action) -> Entry {
    let mut entry = Entry::new(app.clock.now(), action);
    entry.actor = format!("pdnd:{}", client.0.chars().take(100).collect::<String>());
    entry.section = "siuss".into();
    entry
}

/// The flows after `since` (milliseconds), oldest first, at most `limit` (0 to 100), for the
/// voucher's client; the poll is audited.
pub async fn poll(
    app: &App,
    client: &Client,
    since: i64,
    limit: i64,
) -> Result<Vec<StoredFlow>, AppError> {
    let flows = app.db.flows_since(since, limit.clamp(0, 100)).await?;
    let mut e = entry(app, client, Action::Read).record("siuss_flow", "flussi");
    e.reason = format!("since={since} limit={limit} flows={}", flows.len());
    app.audit.append(e).await?;
    Ok(flows)
}

/// Records INPS's `outcomes` (idempotent); audited. Returns how many named a flow kept here.
pub async fn outcomes(
    app: &App,
    client: &Client,
    outcomes: &[FlowOutcome],
) -> Result<u64, AppError> {
    Ok(app
        .db
        .record_outcomes(outcomes, &entry(app, client, Action::Write))
        .await?)
}

/// A flow's XML as an entry carries it (`flusso`: base64).
pub fn encoded(xml: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(xml)
}
