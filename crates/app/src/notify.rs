//! Who is told what: the field operator of an alert, the coordinator on call of a missed
//! check-in, the social service of a handover due or overdue, the team member invited or given
//! a task, the morning summary, the audit anchor. Each message is a `Notice` that the write
//! causing it queues in its own transaction; it carries a link and the report's protocol code,
//! never personal data. A safety message takes every channel the user has, the others the
//! channels the user chose for their kind.

use presidio_db::{Notice, To};
use presidio_domain::outbox::Kind;
use presidio_domain::reference::AmbitoId;
use presidio_i18n::{Arg, Locale, catalogue};

use crate::App;

/// The message `key` (`key-subject`, `key-body`) with `args`, of `kind`, to `to`: what the
/// messages say is in the catalogue, and carries codes and links only.
fn notice(
    app: &App,
    to: To,
    ambito: Option<i64>,
    kind: Kind,
    key: &str,
    args: &[(&str, Arg<'_>)],
) -> Notice {
    let t = catalogue().tr(Locale::Italian);
    Notice {
        to,
        ambito_id: ambito,
        subject: t.t_args(&format!("{key}-subject"), args),
        body: t.t_args(&format!("{key}-body"), args),
        kind,
        email: app.field.mailer.is_some(),
        sms: app.field.sms.is_some(),
    }
}

/// The message `key` to user `user_id` about the dispatch of report `code` (id `report_id`)
/// in `ambito`: a safety message.
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
    notice(
        app,
        To::User(user_id),
        Some(ambito.0),
        Kind::Safety,
        key,
        &[
            ("code", Arg::Str(code)),
            ("link", Arg::Str(&link)),
            ("report", Arg::Str(&report)),
        ],
    )
}

/// The message `key` about handover `h` to `to`: the report's code, the municipality and a
/// link only.
pub fn handover(app: &App, to: To, key: &'static str, h: &presidio_db::StoredHandover) -> Notice {
    let link = format!("{}/passaggi", app.public_url);
    let report = format!("{}/segnalazioni/{}", app.public_url, h.report_id);
    notice(
        app,
        to,
        Some(h.ambito_id),
        Kind::Handover,
        key,
        &[
            ("code", Arg::Str(&h.report_code)),
            ("municipality", Arg::Str(&h.municipality_name)),
            ("link", Arg::Str(&link)),
            ("report", Arg::Str(&report)),
        ],
    )
}

/// The message `key` about report `code`, with a link to `path`, to whom a team membership
/// names (the write that makes the membership or the task sets `to`).
pub fn member(app: &App, ambito: i64, key: &'static str, code: &str, path: &str) -> Notice {
    let link = format!("{}{path}", app.public_url);
    notice(
        app,
        To::Member(0),
        Some(ambito),
        Kind::Team,
        key,
        &[("code", Arg::Str(code)), ("link", Arg::Str(&link))],
    )
}

/// The reminder `key` of outcome request `f` to user `to`: the report's code, the interval
/// and a link only.
pub fn follow_up(app: &App, to: i64, key: &'static str, f: &presidio_db::StoredFollowUp) -> Notice {
    let link = format!("{}/esiti", app.public_url);
    notice(
        app,
        To::User(to),
        Some(f.ambito_id),
        Kind::FollowUp,
        key,
        &[
            ("code", Arg::Str(&f.report_code)),
            ("days", Arg::Num(f.days)),
            ("link", Arg::Str(&link)),
        ],
    )
}

/// A message of `kind` already written (`subject`, `body`) to user `to`.
pub fn text(app: &App, to: i64, ambito: i64, kind: Kind, subject: String, body: String) -> Notice {
    Notice {
        to: To::User(to),
        ambito_id: Some(ambito),
        subject,
        body,
        kind,
        email: app.field.mailer.is_some(),
        sms: app.field.sms.is_some(),
    }
}

/// The head of the audit chain just anchored, to `to`: its sequence number, hash and time, so
/// that a copy lives outside the machine.
pub fn anchor(app: &App, to: String, anchor: &presidio_domain::audit::Anchor) -> Notice {
    let t = catalogue().tr(Locale::Italian);
    let at = t.date_time(presidio_domain::time::UtcMillis(anchor.at));
    notice(
        app,
        To::Address(to),
        None,
        Kind::Audit,
        "mail-anchor",
        &[
            ("seq", Arg::Num(anchor.seq)),
            ("hash", Arg::Str(&anchor.hash)),
            ("at", Arg::Str(&at)),
        ],
    )
}
