//! Protocols and agreements of the network: the coordinators keep them (parties among the
//! Ambito's organisations, scope, validity, renewals, the procedures they govern, the signed
//! PDF checked by content); whoever reads the directory reads them; the coordinators are
//! reminded 60 and 30 days before their last day, once each, in the app and by e-mail.

use presidio_db::{DbError, StoredProtocol};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::protocol::{ProtocolInput, Standing, check_document, reminder_due, standing};
use presidio_domain::reference::AmbitoId;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};

use crate::{App, AppError, Caller};

fn today(app: &App) -> jiff::civil::Date {
    app.clock.now().in_rome().date()
}

/// The protocols of the user's Ambiti, soonest to end first; with `expiring_within`, only those
/// ending within that many days (the expired ones too). Audited.
pub async fn list(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    expiring_within: Option<i64>,
) -> Result<Vec<StoredProtocol>, AppError> {
    let ambiti = who.ambiti_with(Permission::ReadNetwork);
    if ambiti.is_empty() {
        return Err(AppError::Forbidden);
    }
    if expiring_within.is_some_and(|d| !(0..=3650).contains(&d)) {
        return Err(Invalid::one("expiring_within_days", Problem::OutOfRange).into());
    }
    let today = today(app);
    let mut out = Vec::new();
    for ambito in &ambiti {
        for p in app.db.protocols(*ambito, None).await? {
            let until = presidio_domain::time::parse_date(&p.valid_until)
                .ok_or(DbError::Corrupt("protocol.valid_until"))?;
            let left = presidio_domain::protocol::days_left(until, today);
            if expiring_within.is_none_or(|d| left <= d) {
                out.push(p);
            }
        }
    }
    let mut entry = app
        .entry(caller, Action::Read)
        .record("protocols", ambiti[0].0);
    "network".clone_into(&mut entry.section);
    app.audit.append(entry).await?;
    Ok(out)
}

/// Protocol `id` and its Ambito, for who reads the directory there.
async fn readable(
    app: &App,
    who: &Principal,
    id: i64,
) -> Result<(StoredProtocol, AmbitoId), AppError> {
    let ambito = match app.db.protocol_ambito(id).await {
        Err(DbError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    if !who.may_in(Permission::ReadNetwork, ambito) {
        return Err(AppError::NotFound);
    }
    let p = app
        .db
        .protocols(ambito, Some(id))
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok((p, ambito))
}

/// Protocol `id`. Audited.
pub async fn get(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<StoredProtocol, AppError> {
    let (p, _) = readable(app, who, id).await?;
    let mut entry = app.entry(caller, Action::Read).record("protocol", id);
    "network".clone_into(&mut entry.section);
    app.audit.append(entry).await?;
    Ok(p)
}

/// Saves a new protocol (`target` none, in the Ambito of code `ambito` when the user keeps
/// several) or protocol `id` read at `version` (409 when it changed since; a new last day is
/// kept as a renewal). Coordinators; refused on the field at fault, writing nothing. Audited.
pub async fn save(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    target: Option<(i64, i64)>,
    ambito: &str,
    input: &ProtocolInput,
) -> Result<i64, AppError> {
    let ambito = match target {
        Some((id, _)) => readable(app, who, id).await?.1,
        None => crate::network::chosen_ambito(app, who, ambito).await?,
    };
    if !who.may_in(Permission::ManageNetwork, ambito) {
        return Err(AppError::Forbidden);
    }
    let organisations = app.db.organisations(ambito).await?;
    let municipalities = app.db.municipalities_of(ambito).await?;
    let protocol = input.validate(
        |id| organisations.iter().any(|o| o.id == id),
        |code| {
            municipalities
                .iter()
                .any(|m| m.data.istat_code.as_str() == code)
        },
    )?;
    match app
        .db
        .save_protocol(
            ambito,
            target,
            &protocol,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await
    {
        Err(DbError::Conflict) => Err(AppError::Conflict("stale_version")),
        other => Ok(other?),
    }
}

/// Keeps the signed document of protocol `id` (coordinators): a PDF by its content, at most
/// 10 MB, stored with its SHA-256. Refused on `document` otherwise. Audited.
pub async fn upload(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    name: &str,
    content: &[u8],
) -> Result<i64, AppError> {
    let (_, ambito) = readable(app, who, id).await?;
    if !who.may_in(Permission::ManageNetwork, ambito) {
        return Err(AppError::Forbidden);
    }
    check_document(content).map_err(|p| Invalid::one("document", p))?;
    let sha = presidio_domain::audit::sha256_hex(content);
    let name = presidio_domain::protocol::document_name(name);
    Ok(app
        .db
        .add_protocol_document(
            id,
            &name,
            content,
            &sha,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await?)
}

/// Document `document` of protocol `id`: its name and content, for who reads the protocol.
/// Every download is audited.
pub async fn document(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    document: i64,
) -> Result<(String, Vec<u8>), AppError> {
    readable(app, who, id).await?;
    let found = match app.db.protocol_document(id, document).await {
        Err(DbError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    let mut entry = app.entry(caller, Action::Read).record("protocol", id);
    "document".clone_into(&mut entry.section);
    entry.reason = format!("document={document}");
    app.audit.append(entry).await?;
    Ok(found)
}

/// How many protocols of `ambito` end within 60 days, and how many have ended: for the
/// coordinator's board.
pub async fn standing_of(app: &App, ambito: AmbitoId) -> Result<(usize, usize), AppError> {
    let today = today(app);
    let mut expiring = 0;
    let mut expired = 0;
    for p in app.db.protocols(ambito, None).await? {
        match presidio_domain::time::parse_date(&p.valid_until).map(|u| standing(u, today)) {
            Some(Standing::Expiring(_)) => expiring += 1,
            Some(Standing::Expired) => expired += 1,
            _ => {}
        }
    }
    Ok((expiring, expired))
}

/// Sends the reminders due at `now`: each protocol ending within 60 days is announced to the
/// coordinators of its Ambito at 60 and at 30 days, once each (several instances claim it in
/// the database), in their notifications and by e-mail to whoever gave an address. Returns how
/// many were sent.
pub async fn remind(app: &App, now: UtcMillis) -> Result<usize, DbError> {
    let today = now.in_rome().date();
    let latest = today
        .checked_add(jiff::Span::new().days(presidio_domain::protocol::REMINDERS[0]))
        .unwrap_or(today);
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let mut sent = 0;
    for p in app
        .db
        .protocols_ending(&today.to_string(), &latest.to_string())
        .await?
    {
        let Some(until) = presidio_domain::time::parse_date(&p.valid_until) else {
            continue;
        };
        let Some(days) = reminder_due(until, today) else {
            continue;
        };
        let done = if days <= 30 {
            p.reminded_30_at.is_some()
        } else {
            p.reminded_60_at.is_some()
        };
        if done {
            continue;
        }
        let args = [
            ("title", presidio_i18n::Arg::Str(&p.title)),
            ("day", presidio_i18n::Arg::Str(&t.date(until))),
            (
                "days",
                presidio_i18n::Arg::Num(presidio_domain::protocol::days_left(until, today)),
            ),
        ];
        let notice = t.t_args("notice-protocol-expiring", &args);
        let link = format!("{}/rete/protocolli/{}", app.public_url, p.id);
        let subject = t.t_args("mail-protocol-expiring-subject", &args);
        let mut with_link = args.to_vec();
        with_link.push(("link", presidio_i18n::Arg::Str(&link)));
        let body = t.t_args("mail-protocol-expiring-body", &with_link);
        let mail: Vec<presidio_db::Notice> = app
            .db
            .role_users(AmbitoId(p.ambito_id), "coordinatore")
            .await?
            .into_iter()
            .map(|to| {
                crate::notify::text(
                    app,
                    to,
                    p.ambito_id,
                    presidio_domain::outbox::Kind::Protocol,
                    subject.clone(),
                    body.clone(),
                )
            })
            .collect();
        if !app
            .db
            .claim_protocol_reminder(p.id, days, &p.valid_until, &notice, &mail)
            .await?
        {
            continue;
        }
        sent += 1;
    }
    if sent > 0 {
        crate::outbox::flush(app);
    }
    Ok(sent)
}

/// The organisations that may sign a protocol: those of the Ambiti whose directory the user
/// reads, by name.
pub async fn parties(
    app: &App,
    who: &Principal,
) -> Result<Vec<presidio_db::Organisation>, AppError> {
    let mut out = Vec::new();
    for ambito in who.ambiti_with(Permission::ReadNetwork) {
        out.extend(app.db.organisations(ambito).await?);
    }
    Ok(out)
}

/// The protocols still running that govern the special procedure of `group` where
/// `municipality` is (or the whole Ambito): for the report page's procedure section. Titles
/// and last days only, so not audited.
pub async fn governing(
    app: &App,
    who: &Principal,
    group: presidio_domain::report::TargetGroup,
    municipality: Option<&str>,
) -> Result<Vec<StoredProtocol>, AppError> {
    let today = today(app);
    let mut out = Vec::new();
    for ambito in who.ambiti_with(Permission::ReadNetwork) {
        for p in app.db.protocols(ambito, None).await? {
            let governs = p.procedures.split(',').any(|c| c == group.code());
            let here = p.municipalities.is_empty()
                || municipality.is_some_and(|m| p.municipalities.iter().any(|c| c == m));
            let running = presidio_domain::time::parse_date(&p.valid_until)
                .is_some_and(|u| standing(u, today) != Standing::Expired);
            if governs && here && running {
                out.push(p);
            }
        }
    }
    Ok(out)
}
