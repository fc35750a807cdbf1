//! Every periodic job of the server, in one place: each round is a function of the [`App`] and
//! the time, that tests call with the time they want; [`start`] runs them for as long as the
//! server runs. A failed round is logged and tried again at the next one.
//!
//! - every 30 seconds, the field round: the missed lone-worker check-ins, the handovers' reminders
//!   and escalation, the morning summary when due, the holds that lapsed, the overdue tasks'
//!   escalation, the outcome requests' reminders and the protocols' expiry reminders;
//! - every 10 seconds, the outbox: the messages whose earlier attempt failed, tried again;
//! - every six hours (and at start), maintenance: audit retention, the retention of person
//!   records, the delivered and given-up messages older than 30 days, and the removal of ended
//!   sessions and old failed-login counters;
//! - at the configured interval, the audit chain anchored outside the database.

use std::time::Duration;

use presidio_db::DbError;
use presidio_domain::audit::{Action, Entry};
use presidio_domain::time::UtcMillis;

use crate::App;
use crate::anchors::AnchorConfig;

/// How often the field round runs.
pub const FIELD_ROUND: Duration = Duration::from_secs(30);
/// How often the outbox's due messages are tried again.
pub const OUTBOX_ROUND: Duration = Duration::from_secs(10);
/// How often maintenance runs.
pub const MAINTENANCE_ROUND: Duration = Duration::from_secs(6 * 3600);

/// What the periodic jobs need besides the [`App`].
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Where and how often to anchor the audit chain; none: never.
    pub anchors: Option<AnchorConfig>,
    /// Months the audit trail is kept.
    pub audit_retention_months: u32,
    /// A session unused for this long has ended.
    pub session_idle: Duration,
    /// A session this old has ended, however used.
    pub session_max_age: Duration,
}

/// Starts every periodic job in the background.
pub fn start(app: &App, schedule: Schedule) {
    // The push key pair, made at the first start.
    let first = app.clone();
    tokio::spawn(async move {
        if let Err(err) = crate::push::ensure_key(&first).await {
            tracing::error!(error = %err, "push key not made");
        }
    });
    every(app, FIELD_ROUND, |app| async move {
        let now = app.clock.now();
        field_round(&app, now).await;
    });
    every(app, OUTBOX_ROUND, |app| async move {
        let now = app.clock.now();
        if let Err(err) = crate::outbox::deliver(&app, now).await {
            tracing::error!(error = %err, "outbox round failed");
        }
    });
    let kept = schedule.clone();
    every(app, MAINTENANCE_ROUND, move |app| {
        let schedule = kept.clone();
        async move {
            let now = app.clock.now();
            maintenance_round(&app, &schedule, now).await;
        }
    });
    if let Some(config) = schedule.anchors {
        every(app, config.every, move |app| {
            let config = config.clone();
            async move {
                let now = app.clock.now();
                anchor_round(&app, &config, now).await;
            }
        });
    } else {
        tracing::warn!(
            "PRESIDIO_AUDIT_ANCHOR_DIR is not set: the audit chain is not anchored outside the \
             database"
        );
    }
}

/// Runs `round` now and then every `period`.
fn every<F, Fut>(app: &App, period: Duration, round: F)
where
    F: Fn(App) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let app = app.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        loop {
            ticks.tick().await;
            round(app.clone()).await;
        }
    });
}

/// The field round at `now`.
pub async fn field_round(app: &App, now: UtcMillis) {
    if let Err(err) = crate::interventions::sweep(app, now).await {
        tracing::error!(error = %err, "lone-worker sweep failed");
    }
    if let Err(err) = crate::escalation::sweep(app, now).await {
        tracing::error!(error = %err, "dispatch escalation failed");
    }
    if let Err(err) = crate::handovers::sweep(app, now).await {
        tracing::error!(error = %err, "handover escalation failed");
    }
    if let Err(err) = crate::summary::mail_due(app, now).await {
        tracing::error!(error = %err, "morning summary not sent");
    }
    if let Err(err) = crate::interventions::expire_holds(app, now).await {
        tracing::error!(error = %err, "lapsed holds not released");
    }
    if let Err(err) = crate::conferences::escalate(app, now, app.field.task_grace_days).await {
        tracing::error!(error = %err, "overdue tasks not escalated");
    }
    if let Err(err) = crate::follow_ups::chase(app, now).await {
        tracing::error!(error = %err, "outcome requests not chased");
    }
    if let Err(err) = crate::protocols::remind(app, now).await {
        tracing::error!(error = %err, "protocol expiry reminders not sent");
    }
}

/// Maintenance at `now`: audit retention, then ended sessions and old counters.
pub async fn maintenance_round(app: &App, schedule: &Schedule, now: UtcMillis) {
    if let Err(err) = purge_audit(app, schedule.audit_retention_months, now).await {
        tracing::error!(error = %err, "audit retention failed");
    }
    match crate::persons::apply_retention(app, now).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(records = n, "person records anonymised by retention"),
        Err(err) => tracing::error!(error = %err, "person retention failed"),
    }
    let kept_from = now.0 - crate::outbox::KEPT_DAYS * 86_400_000;
    if let Err(err) = app.db.purge_outbox(kept_from).await {
        tracing::error!(error = %err, "outbox clean-up failed");
    }
    if let Err(err) = crate::idempotency::purge(app, now).await {
        tracing::error!(error = %err, "idempotency keys clean-up failed");
    }
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let (idle, max_age) = (ms(schedule.session_idle), ms(schedule.session_max_age));
    let day = 86_400_000;
    let swept = app
        .db
        .housekeeping(
            // Idle sessions are ended (and audited) when their user comes back; the sweep only
            // removes those nobody came back to within a shift.
            UtcMillis(now.0.saturating_sub(max_age.max(idle))),
            UtcMillis(now.0.saturating_sub(max_age)),
            UtcMillis(now.0 - day),
        )
        .await;
    if let Err(err) = swept {
        tracing::error!(error = %err, "session clean-up failed");
    }
}

/// Removes the audit entries older than `months` before `now`, auditing the removal; returns
/// how many. Also run by `presidio audit purge`.
pub async fn purge_audit(app: &App, months: u32, now: UtcMillis) -> Result<u64, DbError> {
    let before = presidio_domain::time::months_before(now, months);
    let mut entry = Entry::new(now, Action::AuditPurged);
    entry.actor = "sistema".into();
    entry.record_type = "audit_log".into();
    app.db.purge_audit(before, &entry).await
}

/// Writes an anchor of the audit chain at `now`, and e-mails it when an address is configured.
pub async fn anchor_round(app: &App, config: &AnchorConfig, now: UtcMillis) {
    match crate::anchors::write(&app.db, &config.dir, now).await {
        Ok(anchor) => {
            if let Some(to) = &config.email {
                let notice = crate::notify::anchor(app, to.clone(), &anchor);
                crate::outbox::send(app, &notice).await;
            }
        }
        Err(err) => tracing::error!(error = %err, "audit anchor not written"),
    }
}
