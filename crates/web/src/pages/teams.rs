//! The case team in the pages: a member's list (`/equipe`: invitations to answer, cases
//! followed), a report as the member's grant opens it (`/equipe/casi/{id}`), and the forms of
//! the report page's team section (invite, remove).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use presidio_app::AppError;
use presidio_domain::team::{MemberStatus, Section};

use super::reports::{after, persons_of, principal, refused_invite};
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::views::teams::{MemberLine, member_line};

#[derive(Template, WebTemplate)]
#[template(path = "team_list.html")]
pub struct TeamListPage {
    page: Layout,
    invitations: Vec<MemberLine>,
    cases: Vec<MemberLine>,
    tasks: Vec<crate::views::conferences::TaskLine>,
    conferences: Vec<crate::views::conferences::ConferenceLine>,
    /// The calendar of the conferences, for a partner (who has no shifts page).
    partner: bool,
    has_feed: bool,
    /// The address of a feed just created, shown once.
    feed_url: Option<String>,
}

/// The user's invitations to answer and the cases whose team they belong to.
pub async fn list(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<TeamListPage, PageError> {
    page(&state, &visitor).await
}

/// The list page, also a partner's home.
pub async fn page(state: &AppState, visitor: &Visitor) -> Result<TeamListPage, PageError> {
    let who = principal(visitor)?;
    let page = Layout::new(visitor, "team-list-title", "team");
    let t = page.t;
    let mine = presidio_app::teams::mine(state, who).await?;
    let (invitations, cases): (Vec<_>, Vec<_>) = mine
        .iter()
        .map(|m| member_line(t, m))
        .partition(|l| l.status == MemberStatus::Invited.code());
    let tasks = presidio_app::conferences::tasks(state, visitor.caller(), who, false)
        .await?
        .iter()
        .map(|x| crate::views::conferences::task_line(t, x))
        .collect();
    let conferences = presidio_app::conferences::upcoming(state, who)
        .await?
        .iter()
        .map(|c| crate::views::conferences::conference_line(t, c))
        .collect();
    let partner = !who.may(presidio_domain::access::Permission::ReadRoster);
    let has_feed = partner && presidio_app::roster::has_feed(state, who).await?;
    Ok(TeamListPage {
        page,
        invitations,
        cases,
        tasks,
        conferences,
        partner,
        has_feed,
        feed_url: None,
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    answer: String,
    reason: String,
}

/// Accepts or declines an invitation; then back to the list (or to the case, accepted).
pub async fn answer(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(member): Path<i64>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let accept = form.answer == "accept";
    match presidio_app::teams::answer(&state, visitor.caller(), who, member, accept, &form.reason)
        .await
    {
        Ok(()) => Ok(Redirect::to("/equipe").into_response()),
        Err(AppError::Invalid(invalid)) => {
            let mut page = page(&state, &visitor).await?;
            let errors = crate::forms::FormErrors::from(&invalid);
            for line in &mut page.invitations {
                if line.id == member {
                    errors.get("reason").clone_into(&mut line.error);
                }
            }
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// One part of a report as the team reads it: a heading and its lines.
pub struct CasePart {
    pub id: &'static str,
    pub heading: String,
    pub lines: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "team_case.html")]
pub struct TeamCasePage {
    page: Layout,
    status: String,
    municipality: String,
    /// The user's role and grant in the case.
    grants: Vec<MemberLine>,
    parts: Vec<CasePart>,
    /// The sections not shared with the user, named.
    withheld: String,
}

/// A report as the user's team membership opens it: only the sections granted. Audited.
pub async fn case(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<TeamCasePage, PageError> {
    let who = principal(&visitor)?;
    let (cached, sections, mine) =
        presidio_app::teams::case(&state, visitor.caller(), who, id).await?;
    let r = &cached.report;
    let page = Layout::titled(&visitor, page_title(&r.code), "team");
    let t = page.t;
    let d = &r.data;
    let now = state.clock.now();
    let mut parts = Vec::new();
    for section in sections.list() {
        let lines = match section {
            Section::Segnalazione => {
                let mut l = vec![
                    format!(
                        "{}: {}",
                        t.t("field-received_at"),
                        t.date_time(d.received_at)
                    ),
                    format!(
                        "{}: {}",
                        t.t("field-reporter"),
                        t.t(&format!("reporter-kind-{}", d.reporter.kind.code()))
                    ),
                ];
                l.extend(
                    d.place
                        .iter()
                        .map(|p| format!("{}: {p}", t.t("field-place"))),
                );
                l.push(d.description.clone());
                l
            }
            Section::Persone => persons_of(t, d),
            Section::Valutazione => vec![
                t.t(&format!(
                    "outcome-{}",
                    r.outcome.map_or("none", |o| o.code())
                )),
                t.t(&format!("target-{}", d.target_group.code())),
            ],
            Section::Intervento => cached
                .dispatches
                .iter()
                .map(|x| {
                    let p = crate::views::interventions::panel(t, x, now);
                    format!("{} · {}", p.operator, p.stage)
                })
                .chain(
                    crate::views::activations::lines(t, &cached.activations)
                        .into_iter()
                        .map(|a| a.text),
                )
                .collect(),
            Section::Procedure => crate::views::interventions::checklist(t, r, &cached.steps, now)
                .into_iter()
                .map(|c| format!("{} · {} · {}", c.label, c.state_label, c.detail))
                .collect(),
            Section::Passaggio => cached
                .handovers
                .iter()
                .map(|h| {
                    let l = presidio_app::handovers::line(t, who, h, now);
                    format!("{} · {} · {}", l.municipality, l.status_label, l.timing)
                })
                .collect(),
        };
        parts.push(CasePart {
            id: section.code(),
            heading: t.t(&format!("team-section-{}", section.code())),
            lines,
        });
    }
    let withheld = Section::ALL
        .iter()
        .filter(|s| !sections.contains(**s))
        .map(|s| t.t(&format!("team-section-{}", s.code())))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(TeamCasePage {
        status: t.t(&format!("status-{}", r.status.code())),
        municipality: cached
            .municipality
            .clone()
            .unwrap_or_else(|| t.t("board-outside")),
        grants: mine.iter().map(|m| member_line(t, m)).collect(),
        parts,
        withheld,
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "team_person.html")]
pub struct TeamPersonPage {
    page: Layout,
    grant: MemberLine,
    /// With the section "persone": the name and the safety notes.
    name: String,
    safety_notes: String,
    /// The reports opened: link, code, when received.
    cases: Vec<(String, String, String)>,
}

/// The person followed by one of the user's memberships: the reports it opens (each read on
/// its team page) and, with the section "persone", the name and the safety notes. Audited.
pub async fn person(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(member): Path<i64>,
) -> Result<TeamPersonPage, PageError> {
    let who = principal(&visitor)?;
    let f = presidio_app::person_teams::followed(&state, visitor.caller(), who, member).await?;
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    let grant = member_line(t, &f.membership);
    let page = Layout::titled(
        &visitor,
        t.t1("team-person-title", "ref", &grant.code),
        "team",
    );
    Ok(TeamPersonPage {
        name: f.name.unwrap_or_default(),
        safety_notes: f.safety_notes.unwrap_or_default(),
        cases: f
            .cases
            .iter()
            .map(|(id, code, at)| (format!("/equipe/casi/{id}"), code.clone(), t.date_time(*at)))
            .collect(),
        grant,
        page,
    })
}

fn page_title(code: &str) -> String {
    let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
    t.t1("team-case-title", "code", code)
}

/// Creates (or replaces) the member's calendar feed of their conferences; shows its address once.
pub async fn create_feed(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<TeamListPage, PageError> {
    let who = principal(&visitor)?;
    let secret = presidio_app::roster::create_feed(&state, visitor.caller(), who).await?;
    let mut page = page(&state, &visitor).await?;
    page.has_feed = true;
    page.feed_url = Some(format!("{}/turni/ics/{secret}", state.auth.public_url));
    Ok(page)
}

/// Revokes the member's calendar feed.
pub async fn revoke_feed(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, PageError> {
    presidio_app::roster::revoke_feed(&state, visitor.caller(), principal(&visitor)?).await?;
    Ok(Redirect::to("/equipe#calendario").into_response())
}

/// Invites a member to the report's team, from the report page.
pub async fn invite(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let input = crate::views::teams::invite_input(&pairs);
    match presidio_app::teams::invite(&state, visitor.caller(), who, id, &input).await {
        Ok(_) => after(&state, &visitor, id, Ok(())).await,
        Err(AppError::Invalid(invalid)) => {
            refused_invite(&state, &visitor, id, &invalid, &input).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Ends a membership, from the report page.
pub async fn remove(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    match presidio_app::teams::remove(&state, visitor.caller(), who, id, member).await {
        Ok(()) | Err(AppError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    after(&state, &visitor, id, Ok(())).await
}
