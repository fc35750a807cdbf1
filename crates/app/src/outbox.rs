//! Delivering the outbox: a message is queued in the database, tried at once, and tried again
//! with exponential backoff until it is delivered or, after the configured time, given up. Each
//! attempt claims the message in the database, so several instances never send it twice. A
//! safety message (an alert, an alarm) that failed is shown on the coordinator's and the
//! Centrale's board until it is delivered.

use presidio_db::{DbError, StoredMessage, Undelivered};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::outbox::{State, error_text, gives_up, next_attempt};
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};

use crate::{App, AppError, Caller};

/// Days the delivered and given-up messages are kept (then removed by maintenance).
pub const KEPT_DAYS: i64 = 30;

/// How many messages one round tries at most.
const ROUND: i64 = 200;

/// Queues `notice` and tries it at once, for a message no write causes; a failure is left to
/// the next rounds.
pub async fn send(app: &App, notice: &presidio_db::Notice) {
    let now = app.clock.now();
    match app.db.queue_notice(notice, now.0).await {
        Ok(_) => {
            if let Err(err) = deliver(app, now).await {
                tracing::error!(error = %err, "outbox round failed");
            }
        }
        Err(err) => tracing::error!(error = %err, "message not queued"),
    }
}

/// Tries the messages due now, in the background: called after a write has queued some.
pub fn flush(app: &App) {
    let app = app.clone();
    tokio::spawn(async move {
        if let Err(err) = deliver(&app, app.clock.now()).await {
            tracing::error!(error = %err, "outbox round failed");
        }
    });
}

/// One attempt at message `id` at `now`, if this sender claims it: true when delivered.
async fn attempt(app: &App, id: i64, now: i64) -> Result<bool, DbError> {
    let Some(m) = app.db.claim_message(id, now).await? else {
        return Ok(false);
    };
    let outcome = match m.channel.as_str() {
        "push" => crate::push::deliver(app, &m).await,
        "sms" => match &app.field.sms {
            Some(gateway) => gateway
                .send(&m.recipient, &crate::sms::text(&m))
                .await
                .map_err(crate::push::Undelivered::Failed),
            None => Err(crate::push::Undelivered::Failed("no SMS gateway".into())),
        },
        _ => match app.field.mailer.clone() {
            Some(mailer) => mailer
                .send(&m.recipient, &m.subject, m.body.clone())
                .await
                .map_err(crate::push::Undelivered::Failed),
            None => Err(crate::push::Undelivered::Failed("no mail relay".into())),
        },
    };
    match outcome {
        Ok(()) => {
            app.db.settle_message(id, app.clock.now().0, None).await?;
            Ok(true)
        }
        Err(crate::push::Undelivered::Gone) => {
            tracing::info!(message = id, "push subscription gone");
            app.db
                .settle_message(id, now, Some(("subscription_gone", now, true)))
                .await?;
            Ok(false)
        }
        Err(crate::push::Undelivered::Failed(err)) => {
            let error = error_text(&err);
            let give_up_ms = i64::from(app.field.outbox_give_up_minutes) * 60_000;
            let gave_up = gives_up(m.created_at, now, give_up_ms);
            tracing::warn!(
                message = id,
                channel = %m.channel,
                attempts = m.attempts,
                gave_up,
                "message not delivered"
            );
            app.db
                .settle_message(
                    id,
                    now,
                    Some((&error, next_attempt(now, m.attempts), gave_up)),
                )
                .await?;
            Ok(false)
        }
    }
}

/// Tries every message due at `now`; returns how many were delivered.
pub async fn deliver(app: &App, now: UtcMillis) -> Result<usize, DbError> {
    let mut sent = 0;
    for id in app.db.due_messages(now.0, ROUND).await? {
        if attempt(app, id, now.0).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// How many messages the queue lists at most.
const LISTED: i64 = 500;

/// The queue for the admins of their Ambiti (the messages about them), newest first; `state` one of `queued`, `sent`, `failed`, `gave_up`.
/// Audited.
pub async fn list(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    state: Option<&str>,
) -> Result<Vec<StoredMessage>, AppError> {
    if !who.may(Permission::ManageAccounts) {
        return Err(AppError::Forbidden);
    }
    let state = match state.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => Some(
            State::parse(code)
                .ok_or_else(|| Invalid::one("state", Problem::UnknownCode))?
                .code(),
        ),
    };
    let ambiti = who.ambiti_with(Permission::ManageAccounts);
    let mut list = Vec::new();
    for ambito in &ambiti {
        list.extend(app.db.outbox(state, Some(*ambito), LISTED).await?);
    }
    list.sort_by_key(|m| std::cmp::Reverse(m.id));
    list.truncate(usize::try_from(LISTED).unwrap_or(500));
    let mut entry = app
        .entry(caller, Action::Read)
        .record("outbox", ambiti.first().map_or(0, |a| a.0));
    "outbox".clone_into(&mut entry.section);
    app.audit.append(entry).await?;
    Ok(list)
}

/// The safety messages of the user's Ambiti not delivered in the last 7 days: for the board of
/// whoever follows the cases. Names and subjects (codes) only, so not audited.
pub async fn undelivered(app: &App, who: &Principal) -> Result<Vec<Undelivered>, DbError> {
    let ambiti = who.ambiti_with(Permission::WriteCases);
    if ambiti.is_empty() {
        return Ok(Vec::new());
    }
    let since = app.clock.now().0 - 7 * 86_400_000;
    app.db.undelivered_safety(&ambiti, since).await
}
