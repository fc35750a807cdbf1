//! The escalation sweep: an alert not acknowledged within the Ambito's minutes is handed to
//! the next field operator on call, then the coordinator on call is told; a missed check-in
//! still missing the same minutes after its alarm sends the next field operator on call.
//! Each step is taken once (claimed in the database), kept in the dispatch's history, sent
//! through the outbox in the same transaction, and the boards refresh.

use std::collections::HashMap;

use presidio_db::{DbError, EscalationStep, Notice, StoredDispatch};
use presidio_domain::audit::{Action, Entry};
use presidio_domain::intervention::escalation::{
    Cause, DEFAULT_ACK_MINUTES, Reached, ack_due, next_for_ack, next_for_check_in,
};
use presidio_domain::reference::AmbitoId;
use presidio_domain::roster::RosterRole;
use presidio_domain::time::UtcMillis;
use presidio_i18n::{Arg, Locale, catalogue};

use crate::App;

/// Takes every step of the chains due at `now`; returns how many.
pub async fn sweep(app: &App, now: UtcMillis) -> Result<usize, DbError> {
    let minutes: HashMap<AmbitoId, u32> = app
        .db
        .ack_minutes()
        .await?
        .into_iter()
        .map(|(a, m)| (a, u32::try_from(m).unwrap_or(DEFAULT_ACK_MINUTES)))
        .collect();
    let wait = |a: AmbitoId| minutes.get(&a).copied().unwrap_or(DEFAULT_ACK_MINUTES);
    let mut taken = 0;
    for d in app.db.dispatches_awaiting_ack().await? {
        let ended = d
            .escalations
            .iter()
            .any(|e| e.cause == Cause::NoAck && e.reached != Reached::Operator);
        let last = d.escalated_at.unwrap_or(d.dispatch.alerted_at);
        if ended || !ack_due(last, wait(d.ambito), now) {
            continue;
        }
        taken += usize::from(no_ack(app, &d, wait(d.ambito), now).await?);
    }
    for d in app.db.alarms_to_escalate().await? {
        let Some(alarm) = d.alarm_at else { continue };
        if ack_due(alarm, wait(d.ambito), now) {
            taken += usize::from(check_in(app, &d, now).await?);
        }
    }
    Ok(taken)
}

/// The field operators on call now in `ambito`, in the roster's order.
async fn operators_on_call(
    app: &App,
    ambito: AmbitoId,
    now: UtcMillis,
) -> Result<Vec<i64>, DbError> {
    let stored = app.db.shifts(ambito, now, UtcMillis(now.0 + 1)).await?;
    let shifts: Vec<_> = stored.into_iter().map(|s| s.shift).collect();
    Ok(presidio_domain::roster::on_call(&shifts, now)
        .into_iter()
        .filter(|s| s.role == RosterRole::ProntoIntervento)
        .map(|s| s.user_id)
        .collect())
}

/// The next step of dispatch `d`, not acknowledged `minutes` after it was alerted or last
/// handed on.
async fn no_ack(
    app: &App,
    d: &StoredDispatch,
    minutes: u32,
    now: UtcMillis,
) -> Result<bool, DbError> {
    let on_call = operators_on_call(app, d.ambito, now).await?;
    let mut had: Vec<i64> = d
        .escalations
        .iter()
        .filter(|e| e.cause == Cause::NoAck)
        .filter_map(|e| e.from_user_id)
        .collect();
    had.push(d.operator_id);
    let coordinator =
        crate::roster::on_call_now(app, d.ambito, RosterRole::CoordinatoreReperibile).await?;
    let (reached, to) = next_for_ack(&on_call, &had, coordinator);
    let t = catalogue().tr(Locale::Italian);
    let board = t.t_args(
        &format!("escalation-board-no_ack-{}", reached.code()),
        &[
            ("code", Arg::Str(&d.report_code)),
            ("operator", Arg::Str(&d.operator)),
            ("minutes", Arg::Num(i64::from(minutes))),
        ],
    );
    let key = match reached {
        Reached::Operator => "mail-alert",
        _ => "mail-escalation-no-ack",
    };
    let notice = to.map(|to| message(app, to, key, d));
    let step = EscalationStep {
        dispatch_id: d.id,
        report_id: d.report_id,
        ambito: d.ambito,
        version: d.version,
        cause: Cause::NoAck,
        reached,
        from: Some(d.operator_id),
        to,
        at: now,
        notice: notice.as_ref(),
        board: (reached != Reached::Operator).then_some(board.as_str()),
        audit: &system(now),
    };
    taken(app, d, &step).await
}

/// The second step of the missed check-in of dispatch `d`: a colleague on call is sent.
async fn check_in(app: &App, d: &StoredDispatch, now: UtcMillis) -> Result<bool, DbError> {
    let on_call = operators_on_call(app, d.ambito, now).await?;
    let (reached, to) = next_for_check_in(&on_call, d.operator_id);
    let t = catalogue().tr(Locale::Italian);
    let board = t.t_args(
        "escalation-board-check_in-nobody",
        &[
            ("code", Arg::Str(&d.report_code)),
            ("operator", Arg::Str(&d.operator)),
        ],
    );
    let notice = to.map(|to| message(app, to, "mail-escalation-check-in", d));
    let step = EscalationStep {
        dispatch_id: d.id,
        report_id: d.report_id,
        ambito: d.ambito,
        version: d.version,
        cause: Cause::CheckIn,
        reached,
        from: Some(d.operator_id),
        to,
        at: now,
        notice: notice.as_ref(),
        board: (reached == Reached::Nobody).then_some(board.as_str()),
        audit: &system(now),
    };
    taken(app, d, &step).await
}

fn message(app: &App, to: i64, key: &'static str, d: &StoredDispatch) -> Notice {
    crate::notify::dispatch(app, to, key, d.ambito, d.report_id, &d.report_code)
}

fn system(now: UtcMillis) -> Entry {
    let mut entry = Entry::new(now, Action::Write);
    "sistema".clone_into(&mut entry.actor);
    entry
}

async fn taken(app: &App, d: &StoredDispatch, step: &EscalationStep<'_>) -> Result<bool, DbError> {
    let done = app.db.escalate(step).await?;
    if done {
        tracing::warn!(
            dispatch = d.id,
            cause = step.cause.code(),
            reached = step.reached.code(),
            "dispatch escalated"
        );
        app.changed(d.ambito, d.report_id);
        crate::outbox::flush(app);
    }
    Ok(done)
}
