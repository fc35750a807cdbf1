//! E-mail through an SMTP relay (lettre), when one is configured. A message carries a link and
//! the report's protocol code, never personal data; a failure is logged without the address.

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use presidio_db::StoredDispatch;

use crate::App;
use presidio_i18n::{Arg, Locale, catalogue};

/// The SMTP relay and the sender.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// From an SMTP URL (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`) and the sender address.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| e.to_string())?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| e.to_string())?;
        Ok(Self { transport, from })
    }

    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| e.to_string())?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Renders the message `key` (`key-subject`, `key-body`) with `args`: what the e-mails say is
/// in the catalogue, and carries codes and links only.
fn render(key: &str, args: &[(&str, Arg<'_>)]) -> (String, String) {
    let t = catalogue().tr(Locale::Italian);
    (
        t.t_args(&format!("{key}-subject"), args),
        t.t_args(&format!("{key}-body"), args),
    )
}

/// Tells user `user_id` about dispatch `d` with the message `key`, in the background, if a
/// relay is configured and the user gave an address for alerts.
pub fn tell(app: &App, user_id: i64, key: &'static str, d: &StoredDispatch) {
    if app.field.mailer.is_none() {
        return;
    }
    let link = format!("{}/campo", app.public_url);
    let report = format!("{}/segnalazioni/{}", app.public_url, d.report_id);
    let (subject, body) = render(
        key,
        &[
            ("code", Arg::Str(&d.report_code)),
            ("link", Arg::Str(&link)),
            ("report", Arg::Str(&report)),
        ],
    );
    let app = app.clone();
    tokio::spawn(async move {
        match app.db.alert_email(user_id).await {
            Ok(Some(to)) => send_text(&app, to, subject, body),
            Ok(None) => {}
            Err(err) => tracing::error!(error = %err, "alert address not read"),
        }
    });
}

/// Sends the message `key` about handover `h` to `to`, in the background, if a relay is
/// configured: the report's code, the municipality and a link only.
pub fn send_to(app: &App, to: String, key: &'static str, h: &presidio_db::StoredHandover) {
    let link = format!("{}/passaggi", app.public_url);
    let report = format!("{}/segnalazioni/{}", app.public_url, h.report_id);
    let (subject, body) = render(
        key,
        &[
            ("code", Arg::Str(&h.report_code)),
            ("municipality", Arg::Str(&h.municipality_name)),
            ("link", Arg::Str(&link)),
            ("report", Arg::Str(&report)),
        ],
    );
    send_text(app, to, subject, body);
}

/// Sends a ready message in the background, if a relay is configured; a failure is logged
/// without the address.
pub fn send_text(app: &App, to: String, subject: String, body: String) {
    let Some(mailer) = app.field.mailer.clone() else {
        return;
    };
    tokio::spawn(async move {
        if let Err(err) = mailer.send(&to, &subject, body).await {
            tracing::warn!(error = %err, "e-mail not sent");
        }
    });
}
