//! Case conferences and shared tasks: coordinators plan a conference of a case's team and
//! record its minutes, whose decisions become tasks of team members; participants read the
//! conference; a task's owner, the case's responsible and the coordinators follow and move it;
//! an overdue task is escalated to the coordinators after the configured grace.

use std::sync::Arc;

use presidio_db::{DbError, StoredConference, StoredTask, TaskScope};
use presidio_domain::access::{CaseAccess, Permission, Principal, Role};
use presidio_domain::audit::Action;
use presidio_domain::conference::{
    ConferenceInput, MinutesInput, TaskStatus, is_overdue, is_to_escalate,
};
use presidio_domain::team::{CaseRole, MemberStatus};
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::{Invalid, Problem};

use crate::team_access::{Membership, membership, today};
use crate::teams::{is_mine, managed};
use crate::{App, AppError, Caller};

/// A task as a list shows it.
#[derive(Debug, Clone)]
pub struct Task {
    pub task: StoredTask,
    pub status: TaskStatus,
    pub overdue: bool,
    /// Whether the viewer may move it.
    pub movable: bool,
}

/// A conference as its page shows it.
#[derive(Debug, Clone)]
pub struct Conference {
    pub conference: StoredConference,
    pub participants: Vec<Membership>,
    pub tasks: Vec<Task>,
    /// Whether the viewer may record the minutes (once).
    pub may_record: bool,
    /// The running memberships of the case, to choose tasks' owners from.
    pub members: Vec<Membership>,
}

/// Plans a conference of the team of report `id`. Returns its id. Audited.
pub async fn plan(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: &ConferenceInput,
) -> Result<i64, AppError> {
    let report = managed(app, who, id).await?;
    let conference = input.validate(app.clock.now())?;
    Ok(app
        .db
        .create_conference(
            report.ambito,
            id,
            &conference,
            who.user_id,
            &today(app).to_string(),
            &app.entry(caller, Action::Write),
        )
        .await?)
}

/// Records the minutes of conference `id`, once; each decision becomes a task. Returns the
/// tasks' ids. Audited.
pub async fn record_minutes(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    input: &MinutesInput,
) -> Result<Vec<i64>, AppError> {
    let conference = app.db.conference(id).await?;
    managed(app, who, conference.report_id).await?;
    let today = today(app);
    let minutes = input.validate(today)?;
    let mail = crate::notify::member(
        app,
        conference.ambito_id,
        "mail-task-assigned",
        &conference.report_code,
        "/equipe#compiti",
    );
    let tasks = match app
        .db
        .record_minutes(
            id,
            &minutes,
            who.user_id,
            &today.to_string(),
            &app.entry(caller, Action::Write),
            &mail,
        )
        .await
    {
        Err(DbError::Conflict) => return Err(AppError::Conflict("minutes_recorded")),
        other => other?,
    };
    crate::outbox::flush(app);
    Ok(tasks)
}

/// The running memberships of report `report` that are `who`'s.
async fn running_mine(
    app: &App,
    who: &Principal,
    report: i64,
) -> Result<Vec<Membership>, AppError> {
    let today = today(app);
    Ok(app
        .db
        .team_grants(report, who.user_id, who.organisation_id)
        .await?
        .into_iter()
        .filter(|m| is_mine(who, m))
        .map(|m| membership(app, m))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|m| m.status == MemberStatus::Accepted && !m.expired && running(m, today))
        .collect())
}

fn running(m: &Membership, today: jiff::civil::Date) -> bool {
    presidio_domain::time::parse_date(&m.member.until_day)
        .is_some_and(|u| presidio_domain::team::is_running(m.status, u, today))
}

/// Whether `who` reads report `report` whole (and so its conferences and tasks).
async fn reads_whole(app: &App, who: &Principal, report: i64) -> Result<bool, AppError> {
    Ok(matches!(
        crate::cases::load(app, who, report).await?,
        Some((_, CaseAccess::Full))
    ))
}

fn task(app: &App, who: &Principal, stored: StoredTask, mine: &[i64]) -> Result<Task, AppError> {
    let status = TaskStatus::parse(&stored.status).ok_or(DbError::Corrupt("tasks.status"))?;
    let due =
        presidio_domain::time::parse_date(&stored.due_day).ok_or(DbError::Corrupt("tasks.due"))?;
    let movable = who.may_in(
        Permission::ManageTeams,
        presidio_domain::reference::AmbitoId(stored.ambito_id),
    ) || mine.contains(&stored.owner_member_id);
    Ok(Task {
        overdue: is_overdue(status, due, today(app)),
        status,
        movable,
        task: stored,
    })
}

/// Conference `id`, for a coordinator of its case or a participant whose membership runs:
/// with its participants, the tasks decided and the case's running members. Audited.
pub async fn conference(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<Conference, AppError> {
    let conference = app.db.conference(id).await?;
    let report = conference.report_id;
    let participant_ids = app.db.participants(id).await?;
    let mine: Vec<i64> = running_mine(app, who, report)
        .await?
        .iter()
        .map(|m| m.member.id)
        .collect();
    let whole = reads_whole(app, who, report).await?;
    if !whole && !mine.iter().any(|m| participant_ids.contains(m)) {
        return Err(AppError::NotFound);
    }
    let today = today(app);
    let team: Vec<Membership> = app
        .db
        .team_of(report)
        .await?
        .into_iter()
        .map(|m| membership(app, m))
        .collect::<Result<_, _>>()?;
    let participants = team
        .iter()
        .filter(|m| participant_ids.contains(&m.member.id))
        .cloned()
        .collect();
    let members = team.into_iter().filter(|m| running(m, today)).collect();
    let tasks = app
        .db
        .tasks_of(report)
        .await?
        .into_iter()
        .filter(|t| t.conference_id == id)
        .map(|t| task(app, who, t, &mine))
        .collect::<Result<_, _>>()?;
    let mut entry = app.entry(caller, Action::Read).record("report", report);
    "team".clone_into(&mut entry.section);
    entry.reason = format!("conference={id}");
    app.audit.append(entry).await?;
    Ok(Conference {
        may_record: conference.minutes.is_none()
            && who.may_in(
                Permission::ManageTeams,
                presidio_domain::reference::AmbitoId(conference.ambito_id),
            )
            && whole,
        conference,
        participants,
        tasks,
        members,
    })
}

/// The conferences of report `report`, for who reads it whole.
pub async fn of_report(
    app: &App,
    who: &Principal,
    report: i64,
) -> Result<Vec<StoredConference>, AppError> {
    if !reads_whole(app, who, report).await? {
        return Err(AppError::NotFound);
    }
    Ok(app.db.conferences_of(report).await?)
}

/// The conferences held from `from` to `to` in which user `user` (or their organisation
/// `organisation`) takes part through a running membership.
pub async fn taking_part(
    app: &App,
    user: i64,
    organisation: Option<i64>,
    from: UtcMillis,
    to: UtcMillis,
) -> Result<Vec<StoredConference>, DbError> {
    app.db
        .conferences_for(user, organisation, &today(app).to_string(), from.0, to.0)
        .await
}

/// How long after it began a conference stays on the participants' list.
const LISTED_AFTER_MS: i64 = 86_400_000;
/// How far ahead the participants' list reaches.
const LISTED_AHEAD_MS: i64 = 366 * 86_400_000;

/// The conferences `who` takes part in, from yesterday to a year ahead: for their team list.
pub async fn upcoming(app: &App, who: &Principal) -> Result<Vec<StoredConference>, AppError> {
    if !who.may(Permission::ReadTeamCases) && !who.may(Permission::ManageTeams) {
        return Err(AppError::Forbidden);
    }
    let now = app.clock.now().0;
    Ok(taking_part(
        app,
        who.user_id,
        who.has_role(Role::Partner).then_some(who.organisation_id),
        UtcMillis(now - LISTED_AFTER_MS),
        UtcMillis(now + LISTED_AHEAD_MS),
    )
    .await?)
}

/// The conferences and the tasks of report `report`, for who reads it whole (none for the
/// others): for the case's timeline and its team section.
pub async fn record_of(
    app: &App,
    who: &Principal,
    report: i64,
) -> Result<(Vec<StoredConference>, Vec<StoredTask>), AppError> {
    // The report page has just read the case: the cached read checks access afresh.
    let whole = matches!(
        crate::cases::load_for_reading(app, who, report).await?,
        Some((_, CaseAccess::Full))
    );
    if !whole {
        return Ok((Vec::new(), Vec::new()));
    }
    Ok((
        app.db.conferences_of(report).await?,
        app.db.tasks_of(report).await?,
    ))
}

/// The case's timeline as the API gives it: the status moves and triages of report `id`, its
/// conferences with their minutes and the tasks decided, for who reads it whole. Audited as a
/// read of the section `timeline`. `NotFound` for the others.
pub async fn timeline(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<
    (
        Arc<crate::cache::CachedReport>,
        Vec<StoredConference>,
        Vec<StoredTask>,
    ),
    AppError,
> {
    let Some((cached, CaseAccess::Full)) = crate::cases::load_for_reading(app, who, id).await?
    else {
        return Err(AppError::NotFound);
    };
    let conferences = app.db.conferences_of(id).await?;
    let tasks = app.db.tasks_of(id).await?;
    app.read_section(caller, id, "timeline").await?;
    Ok((cached, conferences, tasks))
}

/// The tasks on `who`'s list: theirs (or their organisation's) while their membership runs;
/// unless `mine_only`, also those of the cases they are responsible for and of the Ambiti they
/// coordinate.
pub async fn tasks(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    mine_only: bool,
) -> Result<Vec<Task>, AppError> {
    if !who.may(Permission::ReadTeamCases) && !who.may(Permission::ManageTeams) {
        return Err(AppError::Forbidden);
    }
    let today = today(app).to_string();
    let coordinated: Vec<i64> = who
        .ambiti_with(Permission::ManageTeams)
        .iter()
        .map(|a| a.0)
        .collect();
    let partner = who.has_role(Role::Partner).then_some(who.organisation_id);
    let stored = app
        .db
        .tasks_for(TaskScope {
            user: who.user_id,
            organisation: partner,
            today: &today,
            mine_only,
            coordinated: &coordinated,
        })
        .await?;
    let mine: Vec<i64> = app
        .db
        .memberships_of(who.user_id, partner)
        .await?
        .into_iter()
        .filter(|m| is_mine(who, m))
        .map(|m| m.id)
        .collect();
    // A task's title may name the person: the list is a read of each case it shows.
    let mut reports: Vec<i64> = stored.iter().map(|t| t.report_id).collect();
    reports.sort_unstable();
    reports.dedup();
    for report in reports {
        app.read_section(caller, report, "tasks").await?;
    }
    stored
        .into_iter()
        .map(|t| task(app, who, t, &mine))
        .collect()
}

/// Moves task `id` to the status coded `status` if it is still at `version`: its owner (or a
/// partner of the owner organisation) while the membership runs, the case's responsible, or
/// a coordinator of its Ambito. Audited.
pub async fn move_task(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
    status: &str,
    version: i64,
) -> Result<(), AppError> {
    let stored = app.db.task(id).await?;
    let mine = running_mine(app, who, stored.report_id).await?;
    let owner = mine.iter().any(|m| m.member.id == stored.owner_member_id);
    let responsible = mine
        .iter()
        .any(|m| CaseRole::parse(&m.member.role_in_case) == Some(CaseRole::Responsabile));
    let coordinator = who.may_in(
        Permission::ManageTeams,
        presidio_domain::reference::AmbitoId(stored.ambito_id),
    );
    if !owner && !responsible && !coordinator {
        return Err(AppError::NotFound);
    }
    let Some(status) = TaskStatus::parse(status) else {
        let problem = if status.trim().is_empty() {
            Problem::Required
        } else {
            Problem::UnknownCode
        };
        return Err(Invalid::one("status", problem).into());
    };
    Ok(app
        .db
        .update_task(
            id,
            status,
            version,
            who.user_id,
            &app.entry(caller, Action::Write),
        )
        .await?)
}

/// Escalates to the coordinators the open tasks more than `grace_days` past their last day
/// at `now`, once each. Returns how many.
pub async fn escalate(app: &App, now: UtcMillis, grace_days: u32) -> Result<usize, DbError> {
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let today = now.in_rome().date();
    let mut done = 0;
    for stored in app.db.tasks_to_escalate(&today.to_string()).await? {
        let (Some(status), Some(due)) = (
            TaskStatus::parse(&stored.status),
            presidio_domain::time::parse_date(&stored.due_day),
        ) else {
            continue;
        };
        if !is_to_escalate(status, due, today, grace_days) {
            continue;
        }
        let notice = t.t_args(
            "notice-task-overdue",
            &[
                ("code", presidio_i18n::Arg::Str(&stored.report_code)),
                ("owner", presidio_i18n::Arg::Str(&stored.owner_name)),
                ("due", presidio_i18n::Arg::Str(&t.date(due))),
            ],
        );
        if app.db.escalate_task(stored.id, &notice).await? {
            done += 1;
        }
    }
    Ok(done)
}
