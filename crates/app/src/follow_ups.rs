//! Outcomes after a handover: the receiving social service answers, on its list, what became
//! of the person at each interval of its Ambito, and how appropriate the PIS response was; an
//! unanswered request is reminded once, then told to the coordinators; the dashboard's
//! *Efficacia* section counts it all.

use presidio_db::{DbError, Efficacy, StoredFollowUp};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::follow_up::{AnswerInput, Chase, Chased, chase as next_chase};
use presidio_domain::reference::{AmbitoId, IstatCode};
use presidio_domain::time::UtcMillis;

use crate::team_access::today;
use crate::{App, AppError, Caller};

fn ids(ambiti: &[AmbitoId]) -> Vec<i64> {
    ambiti.iter().map(|a| a.0).collect()
}

/// The outcome requests `who` sees: a social service those of its municipalities, the PIS
/// staff those of their Ambiti; `pending`: due and unanswered only. A read of each case listed,
/// audited.
pub async fn list(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    pending: bool,
) -> Result<Vec<StoredFollowUp>, AppError> {
    let today = today(app).to_string();
    let pis = who.ambiti_with(Permission::WriteCases);
    let list = if pis.is_empty() {
        let services = who.ambiti_with(Permission::ReceiveHandovers);
        if services.is_empty() {
            return Err(AppError::Forbidden);
        }
        let municipalities: Vec<String> = who
            .receiving_municipalities()
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect();
        app.db
            .follow_ups(&ids(&services), Some(&municipalities), pending, &today)
            .await?
    } else {
        app.db.follow_ups(&ids(&pis), None, pending, &today).await?
    };
    let mut reports: Vec<i64> = list.iter().map(|f| f.report_id).collect();
    reports.sort_unstable();
    reports.dedup();
    for report in reports {
        app.read_section(caller, report, "follow_ups").await?;
    }
    Ok(list)
}

/// Whether `who` answers for the service that received request `f`.
pub fn answers_for(who: &Principal, f: &StoredFollowUp) -> bool {
    IstatCode::parse(&f.municipality).is_ok_and(|m| who.receives_for(AmbitoId(f.ambito_id), &m))
}

/// Answers request `id` for the receiving service, once it is due. Audited.
pub async fn answer(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: &AnswerInput,
) -> Result<(), AppError> {
    let stored = app.db.follow_up(id).await?;
    if !answers_for(who, &stored) {
        return Err(AppError::NotFound);
    }
    let answer = input.validate()?;
    if stored.due_day > today(app).to_string() {
        return Err(AppError::Conflict("not_due"));
    }
    match app
        .db
        .answer_follow_up(id, &answer, who.user_id, &app.entry(caller, Action::Write))
        .await
    {
        Err(DbError::Conflict) => Err(AppError::Conflict("already_answered")),
        other => Ok(other?),
    }
}

/// Chases the unanswered requests at `now`: the service is asked on the day a request falls
/// due and reminded once a week later; later, once, the coordinators are told. Returns how
/// many steps were taken.
pub async fn chase(app: &App, now: UtcMillis) -> Result<usize, DbError> {
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let today = now.in_rome().date();
    let mut taken = 0;
    for f in app.db.follow_ups_to_chase(&today.to_string()).await? {
        let Some(due) = presidio_domain::time::parse_date(&f.due_day) else {
            continue;
        };
        let done = Chased {
            asked: f.asked_at.is_some(),
            reminded: f.reminded_at.is_some(),
            escalated: f.escalated_at.is_some(),
        };
        let Some(step) = next_chase(due, today, done) else {
            continue;
        };
        let notice = t.t_args(
            "notice-follow-up-overdue",
            &[
                ("code", presidio_i18n::Arg::Str(&f.report_code)),
                (
                    "municipality",
                    presidio_i18n::Arg::Str(&f.municipality_name),
                ),
                ("days", presidio_i18n::Arg::Num(f.days)),
            ],
        );
        let key = match step {
            Chase::Ask => Some("mail-follow-up-ask"),
            Chase::Reminder => Some("mail-follow-up-reminder"),
            Chase::Coordinator => None,
        };
        let mut mail = Vec::new();
        if let Some(key) = key {
            for to in app.db.service_users(&f.municipality).await? {
                mail.push(crate::notify::follow_up(app, to, key, &f));
            }
        }
        if !app
            .db
            .mark_follow_up_chase(f.id, step, &notice, &mail)
            .await?
        {
            continue;
        }
        taken += 1;
    }
    if taken > 0 {
        crate::outbox::flush(app);
    }
    Ok(taken)
}

/// The *Efficacia* figures of the reports received from `from` to `to` in the Ambiti whose
/// aggregates `who` reads.
pub async fn efficacy(
    app: &App,
    who: &Principal,
    from: UtcMillis,
    to: UtcMillis,
) -> Result<Efficacy, AppError> {
    let ambiti = who.ambiti_with(Permission::ReadAggregates);
    if ambiti.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok(app.db.efficacy(&ids(&ambiti), from, to).await?)
}
