//! Who is told what, by e-mail through the relay when one is configured: the field operator of
//! an alert, the coordinator on call of a missed check-in, the social service of a handover due
//! or overdue, the team member invited or given a task, the morning summary, the audit anchor.
//! A message carries a link and the
//! report's protocol code, never personal data; a failure is logged without the address.

use presidio_db::{Notice, To};
use presidio_domain::reference::AmbitoId;
use presidio_i18n::{Arg, Locale, catalogue};

use crate::App;

/// Renders the message `key` (`key-subject`, `key-body`) with `args`: what the e-mails say is
/// in the catalogue, and carries codes and links only.
fn render(key: &str, args: &[(&str, Arg<'_>)]) -> (String, String) {
    let t = catalogue().tr(Locale::Italian);
    (
        t.t_args(&format!("{key}-subject"), args),
        t.t_args(&format!("{key}-body"), args),
    )
}

/// The message `key` to user `user_id` about the dispatch of report `code` (id `report_id`)
/// in `ambito`: a safety message, queued by the write that causes it, at the alert address the
/// user gave, when a relay is configured.
pub fn dispatch(
    app: &App,
    user_id: i64,
    key: &'static str,
    ambito: AmbitoId,
    report_id: i64,
    code: &str,
) -> Notice {
    let link = format!("{}/campo", app.public_url);
    let report = format!("{}/segnalazioni/{report_id}", app.public_url);
    let (subject, body) = render(
        key,
        &[
            ("code", Arg::Str(code)),
            ("link", Arg::Str(&link)),
            ("report", Arg::Str(&report)),
        ],
    );
    Notice {
        to: To::User(user_id),
        ambito_id: Some(ambito.0),
        subject,
        body,
        safety: true,
        email: app.field.mailer.is_some(),
        sms: app.field.sms.is_some(),
    }
}

/// Sends the message `key` about handover `h` to `to`, in the background, if a relay is
/// configured: the report's code, the municipality and a link only.
pub fn handover(app: &App, to: String, key: &'static str, h: &presidio_db::StoredHandover) {
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
    text(app, Some(h.ambito_id), to, subject, body);
}

/// Tells whom team membership `member` names (its user, or its organisation's partners) the
/// message `key` about report `code`, with a link to `path`, in the background, if a relay is
/// configured: the code and the link only.
pub fn member(
    app: &App,
    ambito: i64,
    member: i64,
    key: &'static str,
    code: &str,
    path: &'static str,
) {
    if app.field.mailer.is_none() {
        return;
    }
    let link = format!("{}{path}", app.public_url);
    let (subject, body) = render(key, &[("code", Arg::Str(code)), ("link", Arg::Str(&link))]);
    let app = app.clone();
    tokio::spawn(async move {
        match app.db.member_addresses(member).await {
            Ok(addresses) => {
                for to in addresses {
                    text(&app, Some(ambito), to, subject.clone(), body.clone());
                }
            }
            Err(err) => tracing::error!(error = %err, "team addresses not read"),
        }
    });
}

/// Sends the reminder `key` of outcome request `f` to `to`, in the background, if a relay is
/// configured: the report's code, the interval and a link only.
pub fn follow_up(app: &App, to: String, key: &'static str, f: &presidio_db::StoredFollowUp) {
    let link = format!("{}/esiti", app.public_url);
    let (subject, body) = render(
        key,
        &[
            ("code", Arg::Str(&f.report_code)),
            ("days", Arg::Num(f.days)),
            ("link", Arg::Str(&link)),
        ],
    );
    text(app, Some(f.ambito_id), to, subject, body);
}

/// Queues a ready message in the outbox and tries it at once, in the background, if a relay
/// is configured; the outbox tries a failed one again until it gives up.
pub fn text(app: &App, ambito: Option<i64>, to: String, subject: String, body: String) {
    if app.field.mailer.is_none() {
        return;
    }
    let app = app.clone();
    tokio::spawn(async move {
        let message = presidio_db::NewMessage {
            recipient: to,
            ambito_id: ambito,
            subject,
            body,
            ..presidio_db::NewMessage::default()
        };
        crate::outbox::send(&app, message).await;
    });
}

/// Sends the head of the audit chain just anchored to `to`, if a relay is configured: its
/// sequence number, hash and time, so that a copy lives outside the machine.
pub fn anchor(app: &App, to: String, anchor: &presidio_domain::audit::Anchor) {
    let t = catalogue().tr(Locale::Italian);
    let args = [
        ("seq", Arg::Num(anchor.seq)),
        ("hash", Arg::Str(&anchor.hash)),
        (
            "at",
            Arg::Str(&t.date_time(presidio_domain::time::UtcMillis(anchor.at))),
        ),
    ];
    text(
        app,
        None,
        to,
        t.t_args("mail-anchor-subject", &args),
        t.t_args("mail-anchor-body", &args),
    );
}
