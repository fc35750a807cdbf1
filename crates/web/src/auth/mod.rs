//! Who is asking: sessions (browser), bearer tokens (API), login with throttling, and the
//! audit entries that name the actor. The [`crate::policy`] middleware resolves every request
//! into a [`Visitor`] before any handler runs.

pub use presidio_app::password;
pub use presidio_app::secret;
pub use presidio_app::sign_in as login;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use presidio_domain::access::Principal;
use presidio_domain::audit::{Action, Entry};

use crate::AppState;

/// The cookie that holds the session secret.
pub const SESSION_COOKIE: &str = "presidio_session";
/// The cookie that holds the CSRF token of visitors not signed in (login and set-up forms).
pub const CSRF_COOKIE: &str = "presidio_csrf";
/// The form field (or `x-csrf-token` header) that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

/// How sign-in behaves; from the configuration.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// A session unused for this long ends (default 30 minutes).
    pub idle: Duration,
    /// A session ends this long after login whatever happens (default 14 hours: a night shift).
    pub max_age: Duration,
    /// Lifetime of a token obtained from `POST /api/v1/auth/token` (default 12 hours).
    pub token_ttl: Duration,
    /// Cookies get `Secure` (set when the public address is `https://`).
    pub secure_cookies: bool,
    /// The address users reach Presidio at, for links printed or mailed.
    pub public_url: String,
    /// Presidio runs behind a reverse proxy that appends the client's address to
    /// `X-Forwarded-For`: take the client address from there (the last entry), not from the
    /// connection (which would be the proxy's, and lock everybody out together).
    pub trust_forwarded_for: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(30 * 60),
            max_age: Duration::from_secs(14 * 3600),
            token_ttl: Duration::from_secs(12 * 3600),
            secure_cookies: false,
            public_url: "http://127.0.0.1:8080".into(),
            trust_forwarded_for: false,
        }
    }
}

/// How a signed-in request proved who it is.
#[derive(Debug, Clone)]
pub enum Via {
    Session { id_hash: String, csrf: String },
    Token { id: i64 },
}

/// A signed-in user.
#[derive(Debug, Clone)]
pub struct Auth {
    pub principal: Arc<Principal>,
    pub via: Via,
}

/// How far a browser session has got through signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Full,
    /// The password was right; the one-time code is awaited.
    Totp,
    /// The password was right; the user's role requires a second factor they have not set up.
    Enrol,
}

impl From<&login::Checked> for Stage {
    /// The stage a new session starts at.
    fn from(checked: &login::Checked) -> Self {
        if checked.second_factor.is_some() {
            Self::Totp
        } else if checked.must_enrol {
            Self::Enrol
        } else {
            Self::Full
        }
    }
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Totp => "totp",
            Self::Enrol => "enrol",
        }
    }

    pub fn parse(code: &str) -> Self {
        match code {
            "full" => Self::Full,
            "enrol" => Self::Enrol,
            // Anything unexpected counts as not signed in yet.
            _ => Self::Totp,
        }
    }

    /// Where a session at this stage is sent to finish signing in.
    pub fn page(self) -> &'static str {
        match self {
            Self::Full => "/",
            Self::Totp => "/accesso/codice",
            Self::Enrol => "/profilo/due-fattori",
        }
    }
}

/// Every request's view of who is asking; put in the request extensions by the policy layer.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    /// The signed-in user; `None` while a second factor is still due (see `pending`).
    pub auth: Option<Auth>,
    /// A session whose password was right but whose second factor is still due.
    pub pending: Option<(Auth, Stage)>,
    /// The token forms must carry back (the session's, or the anonymous cookie's).
    pub csrf: String,
    /// A new anonymous CSRF cookie to set on the response, when the visitor had none.
    pub new_csrf_cookie: bool,
    /// The session cookie to clear on the response (the session had expired).
    pub clear_session: bool,
    pub client_ip: String,
    /// The application's clock, that stamps the visitor's audit entries.
    pub clock: presidio_app::Clock,
}

impl Visitor {
    pub fn principal(&self) -> Option<&Principal> {
        self.auth.as_ref().map(|a| a.principal.as_ref())
    }

    /// The user behind the session, signed in fully or still at the second factor.
    pub fn actor(&self) -> Option<&Principal> {
        self.principal()
            .or_else(|| self.pending.as_ref().map(|(a, _)| a.principal.as_ref()))
    }

    /// The session's id hash, fully signed in or not.
    pub fn session_id(&self) -> Option<&str> {
        let auth = self.auth.as_ref().or(self.pending.as_ref().map(|(a, _)| a));
        match auth.map(|a| &a.via) {
            Some(Via::Session { id_hash, .. }) => Some(id_hash),
            _ => None,
        }
    }

    /// An audit entry for `action` by this visitor, now.
    /// Who asks, for the use cases' audit entries.
    pub fn caller(&self) -> presidio_app::Caller<'_> {
        presidio_app::Caller {
            principal: self.actor(),
            client_ip: &self.client_ip,
            actor: "",
        }
    }

    pub fn entry(&self, action: Action) -> Entry {
        self.caller().entry(self.clock.now(), action)
    }
}

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: `HttpOnly`, `SameSite=Lax`, path `/`, `Secure` behind TLS; `None`
/// clears it.
pub fn set_cookie(state: &AppState, name: &str, value: Option<&str>) -> HeaderValue {
    let secure = if state.auth.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text = match value {
        Some(v) => format!("{name}={v}; Path=/; HttpOnly; SameSite=Lax{secure}"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).expect("cookie values are hex digits")
}

/// The bearer token of the request, if it has one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Starts a browser session for `user_id` at `stage`: stores it (with the login's audit entry
/// when the stage is full) and returns the secret for the cookie.
pub async fn start_session(
    state: &AppState,
    visitor: &Visitor,
    principal: &Principal,
    user_agent: &str,
    sign_in_stage: Stage,
) -> Result<String, presidio_db::DbError> {
    let secret = secret::new_secret();
    let id_hash = secret::stored(&secret);
    let csrf = secret::new_secret();
    let signed = Visitor {
        auth: Some(Auth {
            principal: Arc::new(principal.clone()),
            via: Via::Session {
                id_hash: id_hash.clone(),
                csrf: csrf.clone(),
            },
        }),
        ..visitor.clone()
    };
    let entry = signed
        .entry(Action::LoginOk)
        .record("user", principal.user_id);
    let ua: String = user_agent.chars().take(200).collect();
    state
        .db
        .create_session(
            &presidio_db::NewSession {
                id_hash: &id_hash,
                user_id: principal.user_id,
                csrf_token: &csrf,
                client_ip: &visitor.client_ip,
                user_agent: &ua,
                stage: sign_in_stage.code(),
            },
            (sign_in_stage == Stage::Full).then_some(&entry),
        )
        .await?;
    Ok(secret)
}
