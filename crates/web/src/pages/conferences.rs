//! Case conferences and shared tasks in the pages: plan a conference of the team (from the
//! report page), the conference page with its minutes and the tasks decided, and the moves of
//! a task (from the member's list or the conference page).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_app::AppError;
use presidio_app::teams::Membership;
use presidio_domain::conference::{ConferenceInput, DecisionInput, MinutesInput};
use presidio_domain::team::MemberStatus;
use presidio_domain::time::UtcMillis;

use super::reports::principal;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::{Choice, FormErrors};
use crate::views::conferences::{TaskLine, task_line};

/// Rows of decisions the minutes form offers.
const DECISION_ROWS: usize = 3;

fn member_choices(members: &[Membership], chosen: &[i64]) -> Vec<Choice> {
    members
        .iter()
        .filter(|m| m.status == MemberStatus::Accepted && !m.expired)
        .map(|m| {
            let s = &m.member;
            let name = match (&s.user_name, &s.organisation_name) {
                (Some(u), Some(o)) => format!("{u} · {o}"),
                (Some(u), None) => u.clone(),
                (None, Some(o)) => o.clone(),
                (None, None) => String::new(),
            };
            Choice {
                value: s.id.to_string(),
                label: name,
                selected: chosen.contains(&s.id),
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "conference_new.html")]
pub struct NewConferencePage {
    page: Layout,
    id: i64,
    code: String,
    members: Vec<Choice>,
    at: String,
    place: String,
    agenda: String,
    min_at: String,
    errors: FormErrors,
}

/// The form to plan a conference of the report's team.
pub async fn new(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<NewConferencePage, PageError> {
    new_page(
        &state,
        &visitor,
        id,
        &ConferenceInput::default(),
        FormErrors::default(),
    )
    .await
}

async fn new_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    typed: &ConferenceInput,
    errors: FormErrors,
) -> Result<NewConferencePage, PageError> {
    let who = principal(visitor)?;
    let members = presidio_app::teams::of(state, who, id).await?;
    let code = members
        .first()
        .and_then(|m| m.member.report_code.clone())
        .unwrap_or_default();
    let page = Layout::titled(
        visitor,
        crate::i18n::catalogue()
            .tr(crate::i18n::Locale::Italian)
            .t1("conference-new-title", "code", &code),
        "team",
    );
    Ok(NewConferencePage {
        page,
        id,
        code,
        members: member_choices(&members, &typed.participants),
        at: typed.at.clone(),
        place: typed.place.clone(),
        agenda: typed.agenda.clone(),
        min_at: presidio_domain::time::rome_local_value(state.clock.now()),
        errors,
    })
}

fn conference_input(pairs: &[(String, String)]) -> ConferenceInput {
    let mut input = ConferenceInput::default();
    for (k, v) in pairs {
        match k.as_str() {
            "at" => input.at.clone_from(v),
            "place" => input.place.clone_from(v),
            "agenda" => input.agenda.clone_from(v),
            "participants" => input.participants.extend(v.trim().parse::<i64>().ok()),
            _ => {}
        }
    }
    input
}

/// Plans the conference; then its page.
pub async fn plan(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let input = conference_input(&pairs);
    match presidio_app::conferences::plan(&state, visitor.caller(), who, id, &input).await {
        Ok(conference) => {
            Ok(Redirect::to(&format!("/equipe/riunioni/{conference}")).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            let page = new_page(&state, &visitor, id, &input, FormErrors::from(&invalid)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// One row of the minutes form.
pub struct DecisionRow {
    pub index: usize,
    pub task_name: String,
    pub owner_name: String,
    pub due_name: String,
    pub task_error: String,
    pub owner_error: String,
    pub due_error: String,
    pub task: String,
    pub owners: Vec<Choice>,
    pub due: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "conference.html")]
pub struct ConferencePage {
    page: Layout,
    id: i64,
    /// This page's address, where a task's move comes back to.
    back: String,
    report_id: i64,
    when: String,
    place: String,
    agenda: String,
    participants: Vec<String>,
    minutes: Vec<String>,
    minutes_by: String,
    may_record: bool,
    /// Whether the viewer reads the whole case (a link back to it).
    coordinator: bool,
    text: String,
    rows: Vec<DecisionRow>,
    min_day: String,
    tasks: Vec<TaskLine>,
    errors: FormErrors,
}

async fn conference_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    typed: Option<&MinutesInput>,
    errors: FormErrors,
) -> Result<ConferencePage, PageError> {
    let who = principal(visitor)?;
    let c = presidio_app::conferences::conference(state, visitor.caller(), who, id).await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let page = Layout::titled(
        visitor,
        t.t1("conference-title", "code", &c.conference.report_code),
        "team",
    );
    let name = |m: &Membership| crate::views::teams::member_line(t, m).who;
    let rows = (0..DECISION_ROWS)
        .map(|index| {
            let d = typed.and_then(|m| m.decisions.get(index));
            let field = |f: &str| format!("decisions[{index}].{f}");
            DecisionRow {
                index,
                task_error: errors.get(&field("task")).to_owned(),
                owner_error: errors.get(&field("owner_member_id")).to_owned(),
                due_error: errors.get(&field("due")).to_owned(),
                task_name: field("task"),
                owner_name: field("owner_member_id"),
                due_name: field("due"),
                task: d.map(|d| d.task.clone()).unwrap_or_default(),
                owners: member_choices(
                    &c.members,
                    &d.map(|d| vec![d.owner_member_id]).unwrap_or_default(),
                ),
                due: d.map(|d| d.due.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let conf = &c.conference;
    Ok(ConferencePage {
        id,
        back: format!("/equipe/riunioni/{id}"),
        report_id: conf.report_id,
        when: t.date_time(UtcMillis(conf.at)),
        place: conf.place.clone(),
        agenda: conf.agenda.clone(),
        participants: c.participants.iter().map(name).collect(),
        minutes: conf
            .minutes
            .as_deref()
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect(),
        minutes_by: match (&conf.minutes_by, conf.minutes_at) {
            (Some(by), Some(at)) => t.t_args(
                "conference-minutes-by",
                &[
                    ("by", crate::i18n::Arg::Str(by)),
                    ("at", crate::i18n::Arg::Str(&t.date_time(UtcMillis(at)))),
                ],
            ),
            _ => String::new(),
        },
        may_record: c.may_record,
        coordinator: c.may_record || who.may(presidio_domain::access::Permission::ManageTeams),
        text: typed.map(|m| m.text.clone()).unwrap_or_default(),
        rows,
        min_day: state.clock.now().in_rome().date().to_string(),
        tasks: c.tasks.iter().map(|x| task_line(t, x)).collect(),
        errors,
        page,
    })
}

/// A conference: when, where, who, the agenda, the minutes and the tasks decided. Audited.
pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<ConferencePage, PageError> {
    conference_page(&state, &visitor, id, None, FormErrors::default()).await
}

fn minutes_input(pairs: &[(String, String)]) -> MinutesInput {
    let mut input = MinutesInput::default();
    let mut rows: Vec<DecisionInput> = (0..DECISION_ROWS)
        .map(|_| DecisionInput::default())
        .collect();
    for (k, v) in pairs {
        if k == "text" {
            input.text.clone_from(v);
            continue;
        }
        let Some((index, field)) = k
            .strip_prefix("decisions[")
            .and_then(|rest| rest.split_once("]."))
            .and_then(|(i, f)| i.parse::<usize>().ok().map(|i| (i, f)))
        else {
            continue;
        };
        let Some(row) = rows.get_mut(index) else {
            continue;
        };
        match field {
            "task" => row.task.clone_from(v),
            "owner_member_id" => row.owner_member_id = v.trim().parse().unwrap_or(0),
            "due" => row.due.clone_from(v),
            _ => {}
        }
    }
    // Rows left blank at the end are no decisions; one left blank in between is refused.
    let blank = |d: &DecisionInput| {
        d.task.trim().is_empty() && d.owner_member_id == 0 && d.due.trim().is_empty()
    };
    while rows.last().is_some_and(blank) {
        rows.pop();
    }
    input.decisions = rows;
    input
}

/// Records the minutes; then the conference page with the tasks.
pub async fn record(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let input = minutes_input(&pairs);
    match presidio_app::conferences::record_minutes(&state, visitor.caller(), who, id, &input).await
    {
        Ok(_) => Ok(Redirect::to(&format!("/equipe/riunioni/{id}")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let page = conference_page(
                &state,
                &visitor,
                id,
                Some(&input),
                FormErrors::from(&invalid),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct MoveForm {
    status: String,
    version: i64,
    /// Where to go back: the member's list, or a conference page.
    back: String,
}

/// Moves a task; then back where it was moved from.
pub async fn move_task(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    presidio_app::conferences::move_task(
        &state,
        visitor.caller(),
        who,
        id,
        &form.status,
        form.version,
    )
    .await?;
    let back = if form.back.starts_with("/equipe/riunioni/")
        && form.back["/equipe/riunioni/".len()..]
            .chars()
            .all(|c| c.is_ascii_digit())
    {
        form.back
    } else {
        "/equipe#compiti".to_owned()
    };
    Ok(Redirect::to(&back).into_response())
}
