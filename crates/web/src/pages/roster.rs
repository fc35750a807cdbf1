//! The on-call roster on screen: a week of shifts, who is on call now, the gaps, and for the
//! coordinator the forms that add and remove shifts (a gap's "Copri" link fills the form).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::ToSpan;
use jiff::civil::Date;
use presidio_domain::reference::AmbitoId;
use presidio_domain::roster::{RosterRole, ShiftInput};
use presidio_domain::time::{UtcMillis, parse_rome_local, rome_day_start, rome_local_value};
use presidio_domain::validation::{Invalid, Problem};
use serde::Deserialize;

use super::admin::Choice;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;
use crate::i18n::Tr;
use presidio_app::AppError;
use presidio_domain::access::Principal;

/// The shift form's labels, which its error messages use too.
const SHIFT_LABELS: &[(&str, &str)] = &[
    ("start", "roster-start"),
    ("end", "roster-end"),
    ("user_id", "roster-person"),
];

pub struct ShiftRow {
    pub id: i64,
    /// The user's own shift, still to come: they may ask for a swap.
    pub mine: bool,
    pub when: String,
    pub role: String,
    pub name: String,
    pub phone: String,
    pub tel: String,
}

pub struct GapRow {
    pub role: String,
    pub when: String,
    /// Fills the form with this gap.
    pub cover: String,
}

pub struct OnCallRow {
    pub role: String,
    pub name: String,
    pub phone: String,
    pub tel: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "roster.html")]
pub struct RosterPage {
    page: Layout,
    week_label: String,
    week: String,
    previous: String,
    next: String,
    on_call: Vec<OnCallRow>,
    gaps: Vec<GapRow>,
    shifts: Vec<ShiftRow>,
    can_manage: bool,
    roles: Vec<Choice>,
    people: Vec<Choice>,
    form: ShiftForm,
    errors: FormErrors,
    done: Option<String>,
    /// The user has a calendar feed.
    has_feed: bool,
    /// A feed address just created, shown once.
    feed_url: Option<String>,
    /// Swap requests awaiting the coordinator.
    swaps: Vec<SwapLine>,
}

pub struct SwapLine {
    pub id: i64,
    pub text: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ShiftForm {
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub user_id: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    /// The week shown, to come back to it.
    #[serde(default)]
    pub week: String,
}

#[derive(Deserialize, Default)]
pub struct WeekQuery {
    #[serde(default)]
    settimana: String,
    #[serde(default)]
    ruolo: String,
    #[serde(default)]
    dal: String,
    #[serde(default)]
    al: String,
    #[serde(default)]
    fatto: String,
    #[serde(default)]
    quanti: String,
}

/// The Monday of the week holding `raw` (a date), or of this week.
fn monday_of(raw: &str) -> Date {
    let day = presidio_domain::time::parse_date(raw)
        .unwrap_or_else(|| presidio_db::now().in_rome().date());
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(back.days()).unwrap_or(day)
}

/// `tel:` link for a phone number typed with spaces or dots.
fn tel(phone: &str) -> String {
    let digits: String = phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect();
    format!("tel:{digits}")
}

fn role_label(t: Tr<'_>, role: RosterRole) -> String {
    t.t(&format!("roster-role-{}", role.code()))
}

fn span_text(t: Tr<'_>, start: UtcMillis, end: UtcMillis) -> String {
    t.t_args(
        "roster-span",
        &[
            ("start", crate::i18n::Arg::Str(&t.date_time(start))),
            ("end", crate::i18n::Arg::Str(&t.date_time(end))),
        ],
    )
}

fn roster_ambito(visitor: &Visitor) -> Result<(AmbitoId, bool), PageError> {
    Ok(presidio_app::roster::roster_of(super::reports::principal(
        visitor,
    )?)?)
}

/// The gaps (from now on) and the shifts of the week `[from, to)`.
async fn week_lines(
    state: &AppState,
    ambito: AmbitoId,
    t: Tr<'_>,
    week: &str,
    from: UtcMillis,
    to: UtcMillis,
    who: &Principal,
) -> Result<(Vec<GapRow>, Vec<ShiftRow>), PageError> {
    let user_id = who.user_id;
    let now = state.clock.now();
    // The gaps of the week shown (from now on if it is this week).
    let gap_from = from.max(state.clock.now());
    let gaps = if gap_from < to {
        presidio_app::roster::gaps_between(state, ambito, gap_from, to).await?
    } else {
        Vec::new()
    };
    let gaps = gaps
        .into_iter()
        .map(|g| GapRow {
            role: role_label(t, g.role),
            when: span_text(t, g.start, g.end),
            cover: format!(
                "/turni?settimana={week}&ruolo={}&dal={}&al={}#nuovo-turno",
                g.role.code(),
                rome_local_value(g.start),
                rome_local_value(g.end)
            ),
        })
        .collect();
    let shifts = presidio_app::roster::shifts(state, who, from, to)
        .await?
        .into_iter()
        .map(|s| ShiftRow {
            id: s.id,
            mine: s.shift.user_id == user_id && s.shift.end > now,
            when: span_text(t, s.shift.start, s.shift.end),
            role: role_label(t, s.shift.role),
            name: s.name,
            tel: tel(&s.shift.phone),
            phone: s.shift.phone,
        })
        .collect();
    Ok((gaps, shifts))
}

/// The confirmation a redirect asks for (`?fatto=…`).
fn done_message(t: Tr<'_>, q: &WeekQuery) -> Option<String> {
    match q.fatto.as_str() {
        "aggiunto" => Some(t.t("roster-done-added")),
        "rimosso" => Some(t.t("roster-done-removed")),
        "revocato" => Some(t.t("roster-done-feed-revoked")),
        "generati" => Some(t.t_args(
            "roster-done-generated",
            &[(
                "count",
                crate::i18n::Arg::Num(q.quanti.parse().unwrap_or_default()),
            )],
        )),
        "cambio" => Some(t.t("roster-done-swap")),
        "deciso" => Some(t.t("roster-done-decided")),
        _ => None,
    }
}

/// The swap requests awaiting the coordinator, in words.
async fn swap_lines(
    state: &AppState,
    who: &Principal,
    t: Tr<'_>,
) -> Result<Vec<SwapLine>, PageError> {
    Ok(presidio_app::roster::pending_swaps(state, who)
        .await?
        .into_iter()
        .map(|w| SwapLine {
            id: w.id,
            text: t.t_args(
                "roster-swap-line",
                &[
                    ("from", crate::i18n::Arg::Str(&w.from_name)),
                    ("to", crate::i18n::Arg::Str(&w.to_name)),
                    (
                        "shift",
                        crate::i18n::Arg::Str(&format!(
                            "{} {}",
                            t.t(&format!("roster-role-{}", w.role)),
                            span_text(t, UtcMillis(w.start_at), UtcMillis(w.end_at))
                        )),
                    ),
                    ("note", crate::i18n::Arg::Str(&w.note)),
                ],
            ),
        })
        .collect())
}

async fn roster_page(
    state: &AppState,
    visitor: &Visitor,
    q: &WeekQuery,
    form: ShiftForm,
    errors: FormErrors,
) -> Result<RosterPage, PageError> {
    let (ambito, can_manage) = roster_ambito(visitor)?;
    let page = Layout::new(visitor, "roster-title", "roster");
    let t = page.t;
    let monday = monday_of(if form.week.is_empty() {
        &q.settimana
    } else {
        &form.week
    });
    let sunday = monday.checked_add(6.days()).unwrap_or(monday);
    let from = rome_day_start(monday);
    let to = rome_day_start(monday.checked_add(7.days()).unwrap_or(monday));
    let week = monday.to_string();
    let summary = presidio_app::roster::summary(state, ambito).await?;
    let on_call = summary
        .on_call
        .iter()
        .map(|(role, name, phone)| OnCallRow {
            role: role_label(t, *role),
            name: name.clone(),
            phone: phone.clone(),
            tel: tel(phone),
        })
        .collect();
    let who = super::reports::principal(visitor)?;
    let (gaps, shifts) = week_lines(state, ambito, t, &week, from, to, who).await?;
    let mut form = form;
    if form.role.is_empty() && form.start.is_empty() {
        form.role.clone_from(&q.ruolo);
        form.start.clone_from(&q.dal);
        form.end.clone_from(&q.al);
    }
    let roles = RosterRole::ALL
        .iter()
        .map(|r| Choice {
            value: r.code().into(),
            label: role_label(t, *r),
            selected: form.role == r.code(),
        })
        .collect();
    let people = people_choices(state, who, &form.user_id, None).await?;
    let done = done_message(t, q);
    let has_feed = presidio_app::roster::has_feed(state, who).await?;
    let swaps = if can_manage {
        swap_lines(state, who, t).await?
    } else {
        Vec::new()
    };

    Ok(RosterPage {
        week_label: t.t_args(
            "roster-week",
            &[
                ("from", crate::i18n::Arg::Str(&t.date(monday))),
                ("to", crate::i18n::Arg::Str(&t.date(sunday))),
            ],
        ),
        previous: monday.checked_sub(7.days()).unwrap_or(monday).to_string(),
        next: monday.checked_add(7.days()).unwrap_or(monday).to_string(),
        week,
        on_call,
        gaps,
        shifts,
        can_manage,
        roles,
        people,
        form,
        errors,
        done,
        has_feed,
        feed_url: None,
        swaps,
        page,
    })
}

pub async fn week(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(q): Query<WeekQuery>,
) -> Result<RosterPage, PageError> {
    roster_page(
        &state,
        &visitor,
        &q,
        ShiftForm::default(),
        FormErrors::default(),
    )
    .await
}

/// A Rome wall-clock instant from a form field, or the field's error.
fn instant(errors: &mut Invalid, field: &'static str, raw: &str) -> Option<UtcMillis> {
    if raw.trim().is_empty() {
        errors.push(field, Problem::Required);
        return None;
    }
    let at = parse_rome_local(raw);
    if at.is_none() {
        errors.push(field, Problem::InvalidDateTime);
    }
    at
}

pub async fn add(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(form): Form<ShiftForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    presidio_app::roster::managed(who)?;
    let mut errors = Invalid::default();
    let start = instant(&mut errors, "start", &form.start);
    let end = instant(&mut errors, "end", &form.end);
    let input = ShiftInput {
        role: &form.role,
        user_id: form.user_id.trim().parse().ok(),
        phone: &form.phone,
        start,
        end,
    };
    let shift = input.validate(errors);
    let outcome = match shift {
        Ok(shift) => presidio_app::roster::add_shift(&state, visitor.caller(), who, &shift).await,
        Err(invalid) => Err(invalid.into()),
    };
    match outcome {
        Ok(_) => Ok(
            Redirect::to(&format!("/turni?settimana={}&fatto=aggiunto", form.week)).into_response(),
        ),
        Err(AppError::Invalid(invalid)) => {
            let errors = FormErrors::labelled(&invalid, SHIFT_LABELS);
            let page = roster_page(&state, &visitor, &WeekQuery::default(), form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
pub struct RemoveForm {
    #[serde(default)]
    pub week: String,
}

pub async fn remove(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<RemoveForm>,
) -> Result<Response, PageError> {
    presidio_app::roster::remove_shift(
        &state,
        visitor.caller(),
        super::reports::principal(&visitor)?,
        id,
    )
    .await?;
    Ok(Redirect::to(&format!("/turni?settimana={}&fatto=rimosso", form.week)).into_response())
}

/// Creates (or replaces) the user's calendar feed and shows its address once.
pub async fn create_feed(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<RosterPage, PageError> {
    let who = super::reports::principal(&visitor)?;
    let secret = presidio_app::roster::create_feed(&state, visitor.caller(), who).await?;
    let mut page = roster_page(
        &state,
        &visitor,
        &WeekQuery::default(),
        ShiftForm::default(),
        FormErrors::default(),
    )
    .await?;
    page.has_feed = true;
    page.feed_url = Some(format!("{}/turni/ics/{secret}", state.auth.public_url));
    Ok(page)
}

/// Revokes the user's calendar feed.
pub async fn revoke_feed(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, PageError> {
    presidio_app::roster::revoke_feed(
        &state,
        visitor.caller(),
        super::reports::principal(&visitor)?,
    )
    .await?;
    Ok(Redirect::to("/turni?fatto=revocato").into_response())
}

/// The feed itself: public, the secret in the address is the credential. An unknown or revoked
/// secret gets 404, like any address that does not exist.
pub async fn feed(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    let answer = async {
        let Some((name, shifts, conferences)) =
            presidio_app::calendar_feed::feed(&state, &secret).await?
        else {
            return Ok::<_, AppError>(None);
        };
        let host = state
            .auth
            .public_url
            .split("://")
            .nth(1)
            .unwrap_or("presidio")
            .trim_end_matches('/')
            .to_owned();
        let t = crate::i18n::catalogue().tr(crate::i18n::Locale::Italian);
        Ok(Some(crate::shift_feed::ics(
            t,
            &name,
            &host,
            &shifts,
            &conferences,
        )))
    };
    match answer.await {
        Ok(Some(body)) => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/calendar; charset=utf-8",
                ),
                (axum::http::header::CACHE_CONTROL, "private, max-age=300"),
            ],
            body,
        )
            .into_response(),
        Ok(None) => PageError::new(StatusCode::NOT_FOUND, "not_found").into_response(),
        Err(e) => PageError::from(e).into_response(),
    }
}

/// The people who can be on call in the Ambito, as options (one selected, one left out).
pub(super) async fn people_choices(
    state: &AppState,
    who: &Principal,
    selected: &str,
    except: Option<i64>,
) -> Result<Vec<Choice>, PageError> {
    Ok(presidio_app::roster::people(state, who)
        .await?
        .into_iter()
        .filter(|p| Some(p.id) != except)
        .map(|p| Choice {
            selected: selected == p.id.to_string(),
            value: p.id.to_string(),
            label: format!("{} ({})", p.name, p.username),
        })
        .collect())
}
