//! SMS through any provider that takes an HTTP request: the address, the method, the headers
//! and a body template with `{to}` and `{text}` (escaped for JSON or a form, by the content type
//! the headers name; percent-encoded in the address), and the statuses that mean "sent". The
//! text is the message's subject and link only.

use std::fmt::Write as _;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use presidio_db::StoredMessage;

/// A configured gateway.
#[derive(Debug, Clone)]
pub struct SmsGateway {
    url: String,
    method: hyper::Method,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: String,
    success: Vec<u16>,
}

/// Why a gateway's configuration is refused, naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    #[error("PRESIDIO_SMS_URL: an http:// or https:// address, with {{to}} or {{text}} at most")]
    Url,
    #[error("PRESIDIO_SMS_METHOD: GET, POST or PUT")]
    Method,
    #[error("PRESIDIO_SMS_HEADERS: lines of `Name: value`")]
    Headers,
    #[error("PRESIDIO_SMS_SUCCESS: HTTP statuses such as 200,201,202")]
    Success,
}

impl GatewayError {
    /// The message's id in the catalogue.
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::Url => "cli-bad-sms-url",
            Self::Method => "cli-bad-sms-method",
            Self::Headers => "cli-bad-sms-headers",
            Self::Success => "cli-bad-sms-success",
        }
    }
}

impl SmsGateway {
    /// A gateway from its settings: `headers` one per line (or separated by `|`), `success`
    /// statuses separated by commas (empty: any 2xx).
    pub fn new(
        url: &str,
        method: &str,
        headers: &str,
        body: &str,
        success: &str,
    ) -> Result<Self, GatewayError> {
        let url = url.trim();
        let probe = url.replace("{to}", "0").replace("{text}", "x");
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || probe.parse::<hyper::Uri>().is_err()
        {
            return Err(GatewayError::Url);
        }
        let method = match method.trim().to_ascii_uppercase().as_str() {
            "" | "POST" => hyper::Method::POST,
            "PUT" => hyper::Method::PUT,
            "GET" => hyper::Method::GET,
            _ => return Err(GatewayError::Method),
        };
        let headers = headers
            .split(['\n', '|'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let (name, value) = line.split_once(':').ok_or(GatewayError::Headers)?;
                Ok((
                    HeaderName::from_bytes(name.trim().as_bytes())
                        .map_err(|_| GatewayError::Headers)?,
                    HeaderValue::from_str(value.trim()).map_err(|_| GatewayError::Headers)?,
                ))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let success = success
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<u16>()
                    .ok()
                    .filter(|c| (100..600).contains(c))
                    .ok_or(GatewayError::Success)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            url: url.to_owned(),
            method,
            headers,
            body: body.to_owned(),
            success,
        })
    }

    fn content_type(&self) -> String {
        self.headers
            .iter()
            .find(|(n, _)| *n == CONTENT_TYPE)
            .and_then(|(_, v)| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase()
    }

    /// The request's body for `to` and `text`, each escaped for the body's kind.
    pub fn body_for(&self, to: &str, text: &str) -> String {
        let kind = self.content_type();
        let escape = |v: &str| {
            if kind.contains("json") {
                let quoted = serde_json::Value::String(v.to_owned()).to_string();
                quoted[1..quoted.len() - 1].to_owned()
            } else if kind.contains("x-www-form-urlencoded") {
                percent(v)
            } else {
                v.to_owned()
            }
        };
        self.body
            .replace("{to}", &escape(to))
            .replace("{text}", &escape(text))
    }

    /// Sends `text` to `to`: `Err` with what went wrong (no number, no text).
    pub async fn send(&self, to: &str, text: &str) -> Result<(), String> {
        let url = self
            .url
            .replace("{to}", &percent(to))
            .replace("{text}", &percent(text));
        let mut request = hyper::Request::builder()
            .method(self.method.clone())
            .uri(url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let body = if self.method == hyper::Method::GET {
            String::new()
        } else {
            self.body_for(to, text)
        };
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|_| "SMS gateway request".to_owned())?;
        let answer = tokio::time::timeout(
            Duration::from_secs(15),
            crate::push::CLIENT.request(request),
        )
        .await;
        let response = match answer {
            Err(_) => return Err("SMS gateway timeout".into()),
            Ok(Err(e)) => return Err(format!("SMS gateway: {e}")),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        let _ = response.into_body().collect().await;
        let ok = if self.success.is_empty() {
            status.is_success()
        } else {
            self.success.contains(&status.as_u16())
        };
        if ok {
            Ok(())
        } else {
            Err(format!("SMS gateway answered {status}"))
        }
    }
}

/// The text of message `m` as an SMS: its subject and its first link.
pub fn text(m: &StoredMessage) -> String {
    let link = presidio_domain::outbox::first_link(&m.body);
    format!("{} {link}", m.subject).trim().to_owned()
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn percent(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_escapes_the_number_and_the_text_for_its_kind() {
        let json = SmsGateway::new(
            "https://sms.example.net/send",
            "post",
            "Content-Type: application/json|Authorization: Bearer abc",
            r#"{"to":"{to}","message":"{text}"}"#,
            "200,202",
        )
        .unwrap();
        assert_eq!(
            json.body_for("+393331234567", "Allerta \"PIS\"\n"),
            r#"{"to":"+393331234567","message":"Allerta \"PIS\"\n"}"#
        );
        let form = SmsGateway::new(
            "https://sms.example.net/send",
            "",
            "Content-Type: application/x-www-form-urlencoded",
            "to={to}&text={text}",
            "",
        )
        .unwrap();
        assert_eq!(
            form.body_for("+39 333", "a&b=c è"),
            "to=%2B39%20333&text=a%26b%3Dc%20%C3%A8"
        );
    }

    #[test]
    fn a_wrong_setting_is_named() {
        let new = |url: &str, method: &str, headers: &str, success: &str| {
            SmsGateway::new(url, method, headers, "", success).err()
        };
        assert_eq!(new("ftp://x", "", "", ""), Some(GatewayError::Url));
        assert_eq!(
            new("https://x", "DELETE", "", ""),
            Some(GatewayError::Method)
        );
        assert_eq!(
            new("https://x", "", "senza due punti", ""),
            Some(GatewayError::Headers)
        );
        assert_eq!(new("https://x", "", "", "ok"), Some(GatewayError::Success));
        assert_eq!(new("https://x", "", "", "99"), Some(GatewayError::Success));
        assert_eq!(
            new("https://x/?to={to}&t={text}", "get", "X-Key: 1", "200"),
            None
        );
    }
}
