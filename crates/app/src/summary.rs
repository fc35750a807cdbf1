//! The morning summary: the reports of the last hours, how the closed cases ended, the
//! handovers waiting and late, the roster's gaps — on screen for the coordinator and, scoped to
//! their municipalities, for each social service; and once a day by e-mail (counts and a link,
//! never personal data).

use presidio_db::{DbError, ReportFilter};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::handover::is_overdue;
use presidio_domain::outbox::Kind;
use presidio_domain::reference::AmbitoId;
use presidio_domain::time::UtcMillis;

use crate::App;
use crate::handovers::HandoverLine;
use presidio_i18n::{Arg, Locale, Tr, catalogue};

/// One report of the period.
pub struct SummaryLine {
    pub id: i64,
    pub code: String,
    pub received: String,
    pub municipality: String,
    pub severity: &'static str,
    pub outcome: String,
    pub status: String,
    pub received_at: UtcMillis,
    pub status_code: String,
}

/// What the summary shows.
pub struct Summary {
    pub hours: i64,
    pub from: UtcMillis,
    pub to: UtcMillis,
    /// (outcome code, count), as `by_outcome`.
    pub counts: Vec<(&'static str, i64)>,
    /// (closing outcome code, count), as `closed`.
    pub closed_counts: Vec<(String, i64)>,
    pub period: String,
    pub reports: Vec<SummaryLine>,
    /// (label, count) by triage outcome, in the order of the activity table.
    pub by_outcome: Vec<(String, i64)>,
    /// (label, count) by closing outcome of the cases closed in the period.
    pub closed: Vec<(String, i64)>,
    pub waiting: Vec<HandoverLine>,
    pub overdue: usize,
    /// "3 passaggi in attesa, 1 in ritardo".
    pub handover_text: String,
    /// Gaps in the roster ahead, for those who read it.
    pub gaps: Option<usize>,
    /// "2 scoperture nei turni…" or "Nessuna scopertura…", for those who read the roster.
    pub gaps_text: Option<String>,
    /// "2 persone senza una formazione richiesta", for those who keep the training register.
    pub training_text: Option<String>,
}

fn line(t: Tr<'_>, l: presidio_db::ReportLine) -> SummaryLine {
    let severity = match l.outcome.as_deref() {
        Some("emergenza") => "emergenza",
        Some("urgenza") => "urgenza",
        Some("non_pertinente") => "non_pertinente",
        _ => "none",
    };
    SummaryLine {
        id: l.id,
        code: l.code,
        received: t.date_time(UtcMillis(l.received_at)),
        municipality: l.municipality_name.unwrap_or_default(),
        severity,
        outcome: t.t(&format!("outcome-{severity}")),
        status: t.t(&format!("status-{}", l.status)),
        received_at: UtcMillis(l.received_at),
        status_code: l.status,
    }
}

const OUTCOMES: [&str; 4] = ["emergenza", "urgenza", "non_pertinente", "none"];

/// The summary of the last `hours` (1 to 168) as `who` may see it.
pub async fn build(
    app: &App,
    who: &Principal,
    hours: i64,
    now: UtcMillis,
) -> Result<Summary, DbError> {
    let t = catalogue().tr(Locale::Italian);
    let hours = hours.clamp(1, 168);
    let from = UtcMillis(now.0 - hours * 3_600_000);
    let filter = ReportFilter {
        ambiti: crate::cases::readable_ambiti(who),
        from: Some(from),
        to: Some(UtcMillis(now.0 + 1)),
        limit: 500,
        ..ReportFilter::default()
    };
    let lines = crate::cases::visible(who, app.db.reports(&filter).await?);
    let reports: Vec<SummaryLine> = lines.into_iter().map(|(l, _)| line(t, l)).collect();
    let counts: Vec<(&'static str, i64)> = OUTCOMES
        .iter()
        .map(|o| {
            let n = reports.iter().filter(|r| r.severity == *o).count();
            (*o, i64::try_from(n).unwrap_or(i64::MAX))
        })
        .collect();
    let by_outcome = counts
        .iter()
        .map(|(o, n)| (t.t(&format!("outcome-{o}")), *n))
        .collect();
    let closed_counts = app
        .db
        .closed_between(&who.ambiti_with(Permission::WriteCases), from, now)
        .await?;
    let closed = closed_counts
        .iter()
        .map(|(code, n)| (t.t(&format!("closing-outcome-{code}")), *n))
        .collect();
    let waiting: Vec<HandoverLine> = crate::handovers::waiting(app, who)
        .await?
        .iter()
        .map(|h| crate::handovers::line(t, who, h, now))
        .collect();
    let overdue = waiting.iter().filter(|h| h.overdue).count();
    let gaps = match crate::roster::ambito_of(who) {
        Some(ambito) => Some(crate::roster::summary(app, ambito).await?.gaps.len()),
        None => None,
    };
    let handover_text = t.t_args(
        "summary-handover-count",
        &[
            (
                "waiting",
                Arg::Num(i64::try_from(waiting.len()).unwrap_or(0)),
            ),
            ("late", Arg::Num(i64::try_from(overdue).unwrap_or(0))),
        ],
    );
    let gaps_text = gaps.map(|n| {
        t.t_args(
            "summary-gap-count",
            &[("count", Arg::Num(i64::try_from(n).unwrap_or(0)))],
        )
    });
    let training_text = crate::training::gap_count(app, who).await?.map(|n| {
        t.t_args(
            "summary-training-count",
            &[("count", Arg::Num(i64::try_from(n).unwrap_or(0)))],
        )
    });
    Ok(Summary {
        training_text,
        from,
        to: now,
        counts,
        closed_counts,
        handover_text,
        gaps_text,
        hours,
        period: t.t_args(
            "summary-period",
            &[
                ("from", Arg::Str(&t.date_time(from))),
                ("to", Arg::Str(&t.date_time(now))),
            ],
        ),
        reports,
        by_outcome,
        closed,
        waiting,
        overdue,
        gaps,
    })
}

/// Once a day, from the configured time (Rome): the summary's counts by e-mail to the
/// coordinators of each Ambito, and to each municipality's social service its handovers
/// waiting. Each Ambito's day is claimed once in the database. Returns the e-mails queued.
pub async fn mail_due(app: &App, now: UtcMillis) -> Result<usize, DbError> {
    let Some(at_minute) = app.field.summary_at_minute else {
        return Ok(0);
    };
    let local = now.in_rome();
    let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
    if minute < i32::from(at_minute) {
        return Ok(0);
    }
    let day = local.date().to_string();
    let t = catalogue().tr(Locale::Italian);
    let mut sent = 0;
    for ambito in app.db.list_ambiti().await? {
        if app.db.summary_claimed(&day, ambito.id).await? {
            continue;
        }
        let mail = mail_ambito(app, t, ambito.id, now).await?;
        if let Some(queued) = app.db.claim_summary(&day, ambito.id, &mail).await? {
            sent += usize::try_from(queued).unwrap_or(usize::MAX);
        }
    }
    if sent > 0 {
        crate::outbox::flush(app);
    }
    Ok(sent)
}

/// The summary's messages for `ambito` at `now`: to its coordinators, and to each social
/// service with handovers waiting.
async fn mail_ambito(
    app: &App,
    t: Tr<'static>,
    ambito: AmbitoId,
    now: UtcMillis,
) -> Result<Vec<presidio_db::Notice>, DbError> {
    let from = UtcMillis(now.0 - 24 * 3_600_000);
    let filter = ReportFilter {
        ambiti: vec![ambito],
        from: Some(from),
        to: Some(now),
        limit: 500,
        ..ReportFilter::default()
    };
    let lines = app.db.reports(&filter).await?;
    let count = |o: Option<&str>| {
        Arg::Num(
            i64::try_from(lines.iter().filter(|l| l.outcome.as_deref() == o).count()).unwrap_or(0),
        )
    };
    let waiting = app.db.waiting_handovers(&[ambito], None).await?;
    let late = |list: &[&presidio_db::StoredHandover]| {
        list.iter()
            .filter(|h| is_overdue(h.status(), UtcMillis(h.due_at), now))
            .count()
    };
    let all: Vec<&presidio_db::StoredHandover> = waiting.iter().collect();
    let body = t.t_args(
        "mail-summary-body",
        &[
            ("reports", Arg::Num(i64::try_from(lines.len()).unwrap_or(0))),
            ("emergencies", count(Some("emergenza"))),
            ("urgencies", count(Some("urgenza"))),
            ("waiting", Arg::Num(i64::try_from(all.len()).unwrap_or(0))),
            ("late", Arg::Num(i64::try_from(late(&all)).unwrap_or(0))),
            (
                "training",
                Arg::Num(
                    i64::try_from(crate::training::ambito_gap_count(app, ambito).await?)
                        .unwrap_or(0),
                ),
            ),
            ("link", Arg::Str(&format!("{}/riepilogo", app.public_url))),
        ],
    );
    let mut mail = Vec::new();
    for to in app.db.role_users(ambito, "coordinatore").await? {
        mail.push(crate::notify::text(
            app,
            to,
            ambito.0,
            Kind::Summary,
            t.t("mail-summary-subject"),
            body.clone(),
        ));
    }
    let mut municipalities: Vec<&str> = waiting.iter().map(|h| h.municipality.as_str()).collect();
    municipalities.sort_unstable();
    municipalities.dedup();
    for m in municipalities {
        let theirs: Vec<&presidio_db::StoredHandover> =
            waiting.iter().filter(|h| h.municipality == m).collect();
        let text = t.t_args(
            "mail-summary-service-body",
            &[
                ("municipality", Arg::Str(&theirs[0].municipality_name)),
                (
                    "waiting",
                    Arg::Num(i64::try_from(theirs.len()).unwrap_or(0)),
                ),
                ("late", Arg::Num(i64::try_from(late(&theirs)).unwrap_or(0))),
                ("link", Arg::Str(&format!("{}/passaggi", app.public_url))),
            ],
        );
        for to in app.db.service_users(m).await? {
            mail.push(crate::notify::text(
                app,
                to,
                ambito.0,
                Kind::Summary,
                t.t("mail-summary-subject"),
                text.clone(),
            ));
        }
    }
    Ok(mail)
}
