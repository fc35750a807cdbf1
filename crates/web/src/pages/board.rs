//! The live board, home page of the Centrale: open reports by severity and waiting time, kept
//! current by Server-Sent Events (every change to a report of the user's Ambiti refreshes the
//! rows within a second) and by a refresh each minute for the waiting times.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::State;
use axum::response::Html;
use presidio_db::ReportFilter;
use presidio_domain::access::{CaseAccess, Permission, Principal};
use presidio_domain::time::UtcMillis;

use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::i18n::{Locale, Tr, catalogue};

/// One line of the board.
pub struct BoardRow {
    pub id: i64,
    /// Shown in part only (a reporting organisation's own report).
    pub restricted: bool,
    pub code: String,
    pub href: String,
    /// `emergenza`, `urgenza`, `non_pertinente` or `none`, for the badge.
    pub severity: &'static str,
    pub outcome: String,
    pub status: String,
    pub waiting: String,
    pub received: String,
    pub municipality: String,
    pub target: String,
    pub assigned: String,
    /// "Sul posto da 32 min", or empty.
    pub dispatch: String,
    /// A check-in of the operator on site is overdue.
    pub alarm: bool,
}

/// A line above the rows: a missed check-in (for everyone) or an alert for this user.
pub struct Notice {
    pub href: String,
    pub text: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "board.html")]
pub struct BoardPage {
    page: Layout,
    /// The rendered rows (`board_rows.html`), shared with the live refresh.
    rows: Arc<str>,
    can_write: bool,
    /// "3 notifiche da leggere" (coordinators), or empty.
    unread: String,
    /// The user receives notifications (a link to the list is shown).
    notified: bool,
    /// Who is on call now, for users who read the roster.
    on_call: Option<Vec<OnCall>>,
    /// "2 scoperture nei turni…", or empty.
    gaps: String,
    /// "Protocolli della rete: 1 in scadenza, 0 scaduti." for who keeps them, or empty.
    protocols: String,
    /// "Formazione: 2 formazioni richieste mancanti…", for who keeps the register; or empty.
    training: String,
    /// The alerts and alarms that could not be delivered, in words.
    undelivered: Vec<String>,
}

/// Someone on call now, as the board lists them.
pub struct OnCall {
    pub role: String,
    pub name: String,
    pub phone: String,
    pub tel: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "board_rows.html")]
pub struct BoardRows {
    t: Tr<'static>,
    rows: Vec<BoardRow>,
    /// Missed check-ins, first of all.
    alarms: Vec<Notice>,
    /// This user's alerts not yet acknowledged.
    mine: Vec<Notice>,
    /// Handovers past their deadline (PIS staff), or waiting for this service.
    handovers: Vec<Notice>,
    /// Steps and notes that arrived late from a phone without network, with their tap times.
    arrivals: Vec<Notice>,
}

/// "12 min", "2 h 05 min", "3 g 4 h": how long a report has waited.
fn waiting(t: Tr<'_>, since: UtcMillis, now: UtcMillis) -> String {
    let minutes = ((now.0 - since.0) / 60_000).max(0);
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    if days > 0 {
        t.t_args(
            "board-wait-days",
            &[
                ("days", crate::i18n::Arg::Num(days)),
                ("hours", crate::i18n::Arg::Num(hours)),
            ],
        )
    } else if hours > 0 {
        t.t_args(
            "board-wait-hours",
            &[
                ("hours", crate::i18n::Arg::Num(hours)),
                ("minutes", crate::i18n::Arg::Str(&format!("{mins:02}"))),
            ],
        )
    } else {
        t.t_args(
            "board-wait-minutes",
            &[("minutes", crate::i18n::Arg::Num(mins))],
        )
    }
}

async fn rows(state: &AppState, who: &Principal) -> Result<BoardRows, PageError> {
    let t = catalogue().tr(Locale::Italian);
    let ambiti = presidio_app::cases::readable_ambiti(who);
    let dispatches = presidio_app::interventions::under_way(state, &ambiti).await?;
    let filter = ReportFilter {
        ambiti,
        open_only: true,
        limit: 200,
        ..ReportFilter::default()
    };
    let lines = presidio_app::cases::lines(state, who, filter).await?;
    let now = state.clock.now();
    let rows: Vec<BoardRow> = lines
        .items
        .into_iter()
        .map(|(l, access)| {
            let restricted = access != CaseAccess::Full;
            let severity = match l.outcome.as_deref() {
                Some("emergenza") => "emergenza",
                Some("urgenza") => "urgenza",
                Some("non_pertinente") => "non_pertinente",
                _ => "none",
            };
            let (dispatch, alarm) = dispatches
                .iter()
                .find(|d| d.report_id == l.id)
                .map(|d| presidio_app::interventions::stage_text(t, d, now))
                .unwrap_or_default();
            BoardRow {
                id: l.id,
                restricted,
                dispatch,
                alarm,
                href: format!("/segnalazioni/{}", l.id),
                code: l.code,
                severity,
                outcome: t.t(&format!("outcome-{severity}")),
                // A reporting organisation sees only where its report stands, in four steps.
                status: match presidio_domain::report::lifecycle::Status::parse(&l.status) {
                    Some(s) if access == CaseAccess::Limited => {
                        t.t(&format!("reporter-stage-{}", s.reporter_stage().code()))
                    }
                    _ => t.t(&format!("status-{}", l.status)),
                },
                waiting: waiting(t, UtcMillis(l.received_at), now),
                received: t.date_time(UtcMillis(l.received_at)),
                municipality: l.municipality_name.unwrap_or_else(|| t.t("board-outside")),
                target: if restricted {
                    t.t("board-restricted")
                } else {
                    t.t(&format!("target-{}", l.target_group))
                },
                assigned: if restricted {
                    String::new()
                } else {
                    l.assigned_name.unwrap_or_default()
                },
            }
        })
        .collect();
    let alarms = dispatches
        .iter()
        .filter(|d| d.dispatch.check_in_missed(now))
        .map(|d| Notice {
            href: format!("/segnalazioni/{}", d.report_id),
            text: t.t_args(
                "dispatch-alarm-text",
                &[
                    ("operator", crate::i18n::Arg::Str(&d.operator)),
                    ("code", crate::i18n::Arg::Str(&d.report_code)),
                ],
            ),
        })
        .collect();
    let mine = dispatches
        .iter()
        .filter(|d| {
            d.operator_id == who.user_id
                && d.dispatch.stage().0 == presidio_domain::intervention::Stage::Alerted
        })
        .map(|d| Notice {
            href: "/campo".into(),
            text: t.t1("dispatch-mine-row", "code", &d.report_code),
        })
        .collect();
    let handovers = handover_notices(state, who, t, now).await?;
    let arrivals = arrivals(state, t, &rows, now).await?;
    // The board holds no personal data (see `api::reports::list`); opening a report is audited.
    Ok(BoardRows {
        t,
        rows,
        alarms,
        mine,
        handovers,
        arrivals,
    })
}

/// What arrived late from the phones without network on the rows the board shows whole, with
/// the tap times.
async fn arrivals(
    state: &AppState,
    t: Tr<'static>,
    rows: &[BoardRow],
    now: UtcMillis,
) -> Result<Vec<Notice>, PageError> {
    let whole: Vec<(i64, String)> = rows
        .iter()
        .filter(|r| !r.restricted)
        .map(|r| (r.id, r.code.clone()))
        .collect();
    let ids: Vec<i64> = whole.iter().map(|(id, _)| *id).collect();
    Ok(
        presidio_app::interventions::offline_arrivals(state, &ids, now)
            .await?
            .into_iter()
            .map(|(report, what, tapped, received)| {
                let code = whole
                    .iter()
                    .find(|(id, _)| *id == report)
                    .map(|(_, c)| c.as_str())
                    .unwrap_or_default();
                let what = if what == "note" {
                    t.t("field-view-diary")
                } else {
                    t.t(&format!("dispatch-step-{what}"))
                };
                Notice {
                    href: format!("/segnalazioni/{report}"),
                    text: t.t_args(
                        "board-offline-arrival",
                        &[
                            ("code", crate::i18n::Arg::Str(code)),
                            ("what", crate::i18n::Arg::Str(&what)),
                            ("at", crate::i18n::Arg::Str(&t.time(tapped))),
                            ("received", crate::i18n::Arg::Str(&t.time(received))),
                        ],
                    ),
                }
            })
            .collect(),
    )
}

/// Overdue handovers for the PIS staff (they stay until the service answers); for a social
/// service, every handover waiting for it, overdue ones first.
async fn handover_notices(
    state: &AppState,
    who: &Principal,
    t: Tr<'static>,
    now: UtcMillis,
) -> Result<Vec<Notice>, PageError> {
    let pis = who.may(Permission::WriteCases);
    Ok(presidio_app::handovers::waiting(state, who)
        .await?
        .iter()
        .filter_map(|h| {
            let overdue =
                presidio_domain::handover::is_overdue(h.status(), UtcMillis(h.due_at), now);
            let key = match (pis, overdue) {
                (true, false) => return None,
                (true, true) => "board-handover-late",
                (false, true) => "board-handover-late-service",
                (false, false) => "board-handover-waiting",
            };
            Some(Notice {
                href: format!("/segnalazioni/{}#passaggio", h.report_id),
                text: t.t_args(
                    key,
                    &[
                        ("code", crate::i18n::Arg::Str(&h.report_code)),
                        ("municipality", crate::i18n::Arg::Str(&h.municipality_name)),
                        (
                            "due",
                            crate::i18n::Arg::Str(&t.date_time(UtcMillis(h.due_at))),
                        ),
                    ],
                ),
            })
        })
        .collect())
}

/// The board page (the home page of users who read cases).
pub async fn page(
    state: &AppState,
    visitor: &Visitor,
    who: &Principal,
) -> Result<BoardPage, PageError> {
    let rows = rendered_rows(state, who).await?;
    // Only the count: the texts may carry reasons about cases, and a board may be on a wall.
    let unread = presidio_app::notifications::unread(state, who).await?;
    let page = Layout::new(visitor, "board-title", "home");
    let unread = if unread == 0 {
        String::new()
    } else {
        page.t
            .t_args("board-unread", &[("count", crate::i18n::Arg::Num(unread))])
    };
    let (on_call, gaps) = match presidio_app::roster::ambito_of(who) {
        Some(ambito) => {
            let summary = presidio_app::roster::summary(state, ambito).await?;
            let on_call = summary
                .on_call
                .iter()
                .map(|(role, name, phone)| {
                    let digits: String = phone
                        .chars()
                        .filter(|c| c.is_ascii_digit() || *c == '+')
                        .collect();
                    OnCall {
                        role: page.t.t(&format!("roster-role-{}", role.code())),
                        name: name.clone(),
                        phone: phone.clone(),
                        tel: format!("tel:{digits}"),
                    }
                })
                .collect();
            let count = i64::try_from(summary.gaps.len()).unwrap_or(i64::MAX);
            let gaps = if count == 0 {
                String::new()
            } else {
                page.t
                    .t_args("board-gaps", &[("count", crate::i18n::Arg::Num(count))])
            };
            (Some(on_call), gaps)
        }
        None => (None, String::new()),
    };
    let protocols = protocols_line(state, who, page.t).await?;
    let training = match presidio_app::training::gap_count(state, who).await? {
        Some(n) if n > 0 => page.t.t_args(
            "board-training",
            &[(
                "count",
                crate::i18n::Arg::Num(i64::try_from(n).unwrap_or(i64::MAX)),
            )],
        ),
        _ => String::new(),
    };
    let undelivered = presidio_app::outbox::undelivered(state, who)
        .await?
        .iter()
        .map(|u| {
            page.t.t_args(
                "board-undelivered",
                &[
                    (
                        "name",
                        crate::i18n::Arg::Str(u.name.as_deref().unwrap_or_default()),
                    ),
                    ("subject", crate::i18n::Arg::Str(&u.subject)),
                    (
                        "at",
                        crate::i18n::Arg::Str(
                            &page
                                .t
                                .date_time(presidio_domain::time::UtcMillis(u.created_at)),
                        ),
                    ),
                    ("attempts", crate::i18n::Arg::Num(u.attempts)),
                ],
            )
        })
        .collect();
    Ok(BoardPage {
        undelivered,
        training,
        page,
        rows,
        on_call,
        gaps,
        protocols,
        can_write: who.may(Permission::WriteCases) || who.may(Permission::SendReports),
        unread,
        notified: who.has_role(presidio_domain::access::Role::Coordinatore),
    })
}

/// The protocols of the Ambiti whose network the user keeps that end within 60 days or have
/// ended, in words; empty when none.
async fn protocols_line(
    state: &AppState,
    who: &presidio_domain::access::Principal,
    t: crate::i18n::Tr<'_>,
) -> Result<String, PageError> {
    let (mut expiring, mut expired) = (0, 0);
    for ambito in who.ambiti_with(Permission::ManageNetwork) {
        let (a, b) = presidio_app::protocols::standing_of(state, ambito).await?;
        expiring += a;
        expired += b;
    }
    if expiring + expired == 0 {
        return Ok(String::new());
    }
    let n = |x: usize| crate::i18n::Arg::Num(i64::try_from(x).unwrap_or(i64::MAX));
    Ok(t.t_args(
        "board-protocols",
        &[("expiring", n(expiring)), ("expired", n(expired))],
    ))
}

/// The rows alone, for the live refresh.
pub async fn rows_partial(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Html<String>, PageError> {
    let Some(who) = visitor.principal() else {
        return Err(PageError::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "unauthorized",
        ));
    };
    Ok(Html(rendered_rows(&state, who).await?.to_string()))
}

/// The board rows as this user sees them now, from the cache or freshly rendered. Every user
/// of the Centrale refreshes the board on each change, and a wall screen every minute: most
/// requests find their rows there.
async fn rendered_rows(state: &AppState, who: &Principal) -> Result<Arc<str>, PageError> {
    state
        .caches
        .board
        .get_or_fill(&state.caches, who, async || {
            let template = rows(state, who).await?;
            let html = template.render().map_err(|e| {
                tracing::error!(error = %e, "board rows not rendered");
                PageError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal")
            })?;
            Ok(Arc::from(html))
        })
        .await
}
