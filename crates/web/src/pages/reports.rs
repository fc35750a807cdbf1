//! Reports in the browser: the intake form (keyboard first), the report page with triage,
//! lifecycle moves and the diary, and the break-glass form for protected reports.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_app::AppError;
use presidio_db::now;
use presidio_domain::access::{CaseAccess, Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::report::lifecycle::Status;
use presidio_domain::report::triage::{
    Criterion, NotPertinentReason, Outcome, TriageInput, suggest,
};
use presidio_domain::report::{
    AgeBand, Channel, DiaryKind, PersonInput, PersonRole, Report, ReportInput, ReporterInput,
    ReporterKind, RiskFlag, Sex, TargetGroup,
};
use presidio_domain::time::{UtcMillis, parse_rome_typed, rome_typed_value};
use presidio_domain::validation::Invalid;

use super::admin::Choice;
use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::FormErrors;
use crate::i18n::{Locale, Tr, catalogue};

/// Choices of a code list, labelled from the catalogue as `<prefix>-<code>`.
fn choices<T: Copy>(
    t: Tr<'_>,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    prefix: &str,
    selected: &[&str],
) -> Vec<Choice> {
    all.iter()
        .map(|v| {
            let c = code(*v);
            Choice {
                value: c.into(),
                label: t.t(&format!("{prefix}-{c}")),
                selected: selected.contains(&c),
            }
        })
        .collect()
}

/// One person block of the form, as typed.
pub struct PersonFields {
    pub index: usize,
    pub legend: String,
    pub roles: Vec<Choice>,
    pub sexes: Vec<Choice>,
    pub bands: Vec<Choice>,
    pub name: String,
    pub age: String,
    pub citizenship: String,
    pub fiscal_code: String,
    pub language: String,
    pub needs_mediator: bool,
    /// The known person chosen, kept when the form is shown again.
    pub person_id: String,
    /// How they are related to the first person (from the second on).
    pub relationships: Vec<Choice>,
    /// The field's name in errors.
    pub relationship_field: String,
}

/// A reporting partner offered at intake, with the reporter kind it fills in.
pub struct PartnerChoice {
    pub value: String,
    pub label: String,
    pub name: String,
    pub kind: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_new.html")]
pub struct IntakePage {
    page: Layout,
    received_at: String,
    channels: Vec<Choice>,
    reporter_kinds: Vec<Choice>,
    /// The reporting partners of the directory (value: the organisation's id).
    partners: Vec<PartnerChoice>,
    reporter: ReporterInput,
    municipalities: Vec<Choice>,
    place: String,
    current_location: String,
    targets: Vec<Choice>,
    persons: Vec<PersonFields>,
    risks: Vec<Choice>,
    description: String,
    protected: bool,
    errors: FormErrors,
}

/// A typed age: empty is none; anything not a number is kept as -1 so the check refuses it.
fn parse_age(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        None
    } else {
        Some(raw.parse().unwrap_or(-1))
    }
}

/// The form's raw values: `persons[0].role`, … and repeated `risk_flags`.
fn input_from(pairs: &[(String, String)]) -> (ReportInput, String, usize) {
    let mut input = ReportInput::default();
    let mut received_local = String::new();
    let mut count = 1usize;
    for (k, v) in pairs {
        if let Some(rest) = k.strip_prefix("persons[") {
            let Some((index, field)) = rest.split_once("].") else {
                continue;
            };
            let Ok(i) = index.parse::<usize>() else {
                continue;
            };
            if i >= presidio_domain::report::MAX_PERSONS {
                continue;
            }
            while input.persons.len() <= i {
                input.persons.push(PersonInput::default());
            }
            let p = &mut input.persons[i];
            match field {
                "role" => p.role.clone_from(v),
                "name" => p.name.clone_from(v),
                "sex" => p.sex.clone_from(v),
                "age" => p.age = parse_age(v),
                "age_band" => p.age_band.clone_from(v),
                "citizenship" => p.citizenship.clone_from(v),
                "fiscal_code" => p.fiscal_code.clone_from(v),
                "language" => p.language.clone_from(v),
                "needs_mediator" => p.needs_mediator = true,
                "relationship" => p.relationship.clone_from(v),
                // A known person chosen; what is not a number is refused by the check.
                "person_id" if !v.trim().is_empty() => {
                    p.person_id = Some(v.trim().parse().unwrap_or(0));
                }
                _ => {}
            }
            continue;
        }
        match k.as_str() {
            "received_at" => received_local.clone_from(v),
            "channel" => input.channel.clone_from(v),
            "reporter.kind" => input.reporter.kind.clone_from(v),
            "reporter.organization" => input.reporter.organization.clone_from(v),
            "reporter.name" => input.reporter.name.clone_from(v),
            "reporter.phone" => input.reporter.phone.clone_from(v),
            "reporter.reference" => input.reporter.reference.clone_from(v),
            // A reporting partner chosen; what is not a number is refused by the check.
            "reporter.organisation_id" if !v.trim().is_empty() => {
                input.reporter.organisation_id = Some(v.trim().parse().unwrap_or(0));
            }
            "municipality" => input.municipality.clone_from(v),
            "place" => input.place.clone_from(v),
            "current_location" => input.current_location.clone_from(v),
            "target_group" => input.target_group.clone_from(v),
            "risk_flags" => input.risk_flags.push(v.clone()),
            "description" => input.description.clone_from(v),
            "protected" => input.protected = true,
            "persons_count" => count = v.parse().unwrap_or(1).clamp(1, 20),
            _ => {}
        }
    }
    // A person block left entirely empty is not a person.
    input.persons.retain(|p| {
        !(p.role.is_empty()
            && p.name.trim().is_empty()
            && p.age.is_none()
            && p.fiscal_code.trim().is_empty())
    });
    (input, received_local, count)
}

/// The fields of the `i`-th person block of the intake form.
fn person_fields(t: Tr<'_>, i: usize, p: &PersonInput) -> PersonFields {
    PersonFields {
        index: i,
        legend: t.t_args(
            "field-persons-item",
            &[(
                "n",
                crate::i18n::Arg::Num(i64::try_from(i + 1).unwrap_or(0)),
            )],
        ),
        roles: choices(
            t,
            PersonRole::ALL,
            PersonRole::code,
            "person-role",
            &[p.role.as_str()],
        ),
        sexes: choices(
            t,
            Sex::ALL,
            Sex::code,
            "sex",
            &[if p.sex.is_empty() {
                "X"
            } else {
                p.sex.as_str()
            }],
        ),
        bands: choices(
            t,
            AgeBand::ALL,
            AgeBand::code,
            "age-band",
            &[p.age_band.as_str()],
        ),
        name: p.name.clone(),
        age: p
            .age
            .filter(|a| *a >= 0)
            .map(|a| a.to_string())
            .unwrap_or_default(),
        citizenship: p.citizenship.clone(),
        fiscal_code: p.fiscal_code.clone(),
        language: p.language.clone(),
        needs_mediator: p.needs_mediator,
        person_id: p.person_id.map(|id| id.to_string()).unwrap_or_default(),
        relationships: choices(
            t,
            presidio_domain::person::Relationship::ALL,
            presidio_domain::person::Relationship::code,
            "relationship",
            &[p.relationship.as_str()],
        ),
        relationship_field: format!("persons[{i}].relationship"),
    }
}

async fn intake_page(
    state: &AppState,
    visitor: &Visitor,
    input: &ReportInput,
    received_local: String,
    persons: usize,
    errors: FormErrors,
) -> Result<IntakePage, PageError> {
    let page = Layout::new(visitor, "intake-title", "home");
    let t = page.t;
    // The municipalities of every Ambito where the user records reports.
    let ambiti: std::collections::BTreeSet<_> = [Permission::WriteCases, Permission::SendReports]
        .into_iter()
        .flat_map(|p| {
            visitor
                .principal()
                .map(|who| who.ambiti_with(p))
                .unwrap_or_default()
        })
        .collect();
    let mut municipalities =
        super::municipality_choices(state, ambiti, &input.municipality).await?;
    municipalities.insert(
        0,
        Choice {
            value: String::new(),
            label: t.t("intake-municipality-outside"),
            selected: input.municipality.is_empty(),
        },
    );
    let count = persons.max(input.persons.len()).max(1);
    let empty = PersonInput::default();
    let persons = (0..count)
        .map(|i| person_fields(t, i, input.persons.get(i).unwrap_or(&empty)))
        .collect();
    let risks: Vec<&str> = input.risk_flags.iter().map(String::as_str).collect();
    let partners = match visitor.principal() {
        Some(who) => presidio_app::network::reporting_partners(state, who).await?,
        None => Vec::new(),
    };
    let partners = partners
        .into_iter()
        .map(|p| PartnerChoice {
            value: p.id.to_string(),
            label: format!(
                "{} · {}",
                p.name,
                t.t(&format!("reporter-kind-{}", p.reporter_kind))
            ),
            selected: input.reporter.organisation_id == Some(p.id),
            name: p.name,
            kind: p.reporter_kind,
        })
        .collect();
    Ok(IntakePage {
        partners,
        received_at: if received_local.is_empty() {
            rome_typed_value(state.clock.now())
        } else {
            received_local
        },
        channels: choices(
            t,
            Channel::ALL,
            Channel::code,
            "channel",
            &[if input.channel.is_empty() {
                "telefono"
            } else {
                input.channel.as_str()
            }],
        ),
        reporter_kinds: choices(
            t,
            ReporterKind::ALL,
            ReporterKind::code,
            "reporter-kind",
            &[input.reporter.kind.as_str()],
        ),
        reporter: input.reporter.clone(),
        municipalities,
        place: input.place.clone(),
        current_location: input.current_location.clone(),
        targets: choices(
            t,
            TargetGroup::ALL,
            TargetGroup::code,
            "target",
            &[input.target_group.as_str()],
        ),
        persons,
        risks: choices(t, RiskFlag::ALL, RiskFlag::code, "risk", &risks),
        description: input.description.clone(),
        protected: input.protected,
        errors,
        page,
    })
}

pub async fn intake_form(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
) -> Result<Response, PageError> {
    if let Some(to_portal) = super::portal::redirect_reporter(&visitor, "/portale/nuova") {
        return Ok(to_portal);
    }
    intake_page(
        &state,
        &visitor,
        &ReportInput::default(),
        String::new(),
        1,
        FormErrors::default(),
    )
    .await
    .map(IntoResponse::into_response)
}

pub async fn intake_submit(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let (mut input, received_local, count) = input_from(&pairs);
    if pairs
        .iter()
        .any(|(k, v)| k == "action" && v == "add_person")
    {
        let page = intake_page(
            &state,
            &visitor,
            &input,
            received_local,
            count + 1,
            FormErrors::default(),
        )
        .await?;
        return Ok(page.into_response());
    }
    if let Some((index, chosen)) = pairs
        .iter()
        .find(|(k, _)| k == "action")
        .and_then(|(_, v)| household_action(v))
    {
        add_household(&state, &visitor, &mut input, index, chosen).await?;
        let page = intake_page(
            &state,
            &visitor,
            &input,
            received_local,
            count,
            FormErrors::default(),
        )
        .await?;
        return Ok(page.into_response());
    }
    if !received_local.trim().is_empty() {
        // Typed as the clock on the wall; what is not a time is refused by the validation.
        if let Some(at) = parse_rome_typed(&received_local, state.clock.now()) {
            input.received_at = at.timestamp().to_string();
        } else {
            input.received_at.clone_from(&received_local);
        }
    }
    match presidio_app::reports::create(&state, visitor.caller(), who, &input).await {
        Ok(created) => Ok(Redirect::to(&format!("/segnalazioni/{}", created.id)).into_response()),
        Err(AppError::Invalid(invalid)) => {
            refuse_intake(&state, &visitor, &input, &received_local, count, &invalid).await
        }
        Err(other) => Err(other.into()),
    }
}

/// "Aggiungi il nucleo": `household:{index}:{person_id}`, the person block and the record chosen.
fn household_action(value: &str) -> Option<(usize, i64)> {
    let (index, id) = value.strip_prefix("household:")?.split_once(':')?;
    Some((index.parse().ok()?, id.parse().ok()?))
}

/// Chooses record `chosen` for person block `index` and adds the rest of its household as
/// people of the report (those not there yet), each with their record and, when the chosen
/// person is the first, how they are related to them.
async fn add_household(
    state: &AppState,
    visitor: &Visitor,
    input: &mut ReportInput,
    index: usize,
    chosen: i64,
) -> Result<(), PageError> {
    let who = principal(visitor)?;
    if index >= input.persons.len() {
        return Ok(());
    }
    let joining =
        presidio_app::households::for_intake(state, visitor.caller(), who, chosen).await?;
    input.persons[index].person_id = Some(chosen);
    let year = i64::from(state.clock.now().in_rome().year());
    for j in joining {
        if input.persons.len() >= presidio_domain::report::MAX_PERSONS
            || input
                .persons
                .iter()
                .any(|p| p.person_id == Some(j.person_id))
        {
            continue;
        }
        let age = j.birth_year.map(|y| (year - y).clamp(0, 120));
        input.persons.push(PersonInput {
            role: if age.is_some_and(|a| a < 18) {
                PersonRole::Minore
            } else {
                PersonRole::Familiare
            }
            .code()
            .into(),
            name: j.name.unwrap_or_default(),
            sex: j.sex,
            age,
            person_id: Some(j.person_id),
            relationship: if index == 0 {
                j.relationship.code().into()
            } else {
                String::new()
            },
            ..PersonInput::default()
        });
    }
    Ok(())
}

/// The intake form again, with what was typed and what was refused.
async fn refuse_intake(
    state: &AppState,
    visitor: &Visitor,
    input: &ReportInput,
    received_local: &str,
    count: usize,
    errors: &Invalid,
) -> Result<Response, PageError> {
    let page = intake_page(
        state,
        visitor,
        input,
        received_local.to_owned(),
        count,
        FormErrors::from(errors),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub(crate) fn principal(visitor: &Visitor) -> Result<&Principal, PageError> {
    visitor
        .principal()
        .ok_or(PageError::new(StatusCode::UNAUTHORIZED, "unauthorized"))
}

/// A line of the report's history, for the timeline.
pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub what: String,
    pub note: String,
}

/// The report's people, each with their record to open, and their safety notes (who, notes).
fn person_lines(
    t: Tr<'_>,
    cached: &presidio_app::cache::CachedReport,
) -> (Vec<PersonLine>, Vec<(String, String)>) {
    let d = &cached.report.data;
    let persons = persons_of(t, d)
        .into_iter()
        .zip(&d.persons)
        .map(|(text, p)| PersonLine {
            text,
            person_id: p.person_id,
        })
        .collect();
    let safety = cached
        .safety
        .iter()
        .map(|(i, notes)| {
            let who = d
                .persons
                .get(*i)
                .and_then(|p| p.name.clone())
                .unwrap_or_else(|| t.t("person-unknown"));
            (who, notes.clone())
        })
        .collect();
    (persons, safety)
}

/// A person of the report, with the person's record to open.
pub struct PersonLine {
    pub text: String,
    pub person_id: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
pub struct ReportPage {
    page: Layout,
    id: i64,
    restricted: bool,
    can_break_glass: bool,
    can_write: bool,
    status: String,
    outcome: String,
    severity: &'static str,
    municipality: String,
    details: Vec<(String, String)>,
    persons: Vec<PersonLine>,
    /// The safety notes of its people: (who, notes).
    safety: Vec<(String, String)>,
    description: String,
    outcomes: Vec<Choice>,
    reasons: Vec<Choice>,
    criteria: Vec<Choice>,
    suggestion: String,
    next: Vec<Choice>,
    diary_kinds: Vec<Choice>,
    history: Vec<HistoryLine>,
    diary: Vec<HistoryLine>,
    activations: Vec<crate::views::activations::ActivationLine>,
    resource_choices: Vec<Choice>,
    intervention: crate::views::interventions::ReportIntervention,
    /// The closing outcomes to choose from when the case can be closed now.
    closing_outcomes: Vec<Choice>,
    /// "Chiusa: persona accolta", while closed.
    closed_with: String,
    handover: crate::views::handovers::ReportHandover,
    team: crate::views::teams::TeamSection,
    /// "Chi chiamo?": the network for the case.
    network: crate::views::network::Quick,
    errors: FormErrors,
    done: Option<String>,
}

/// The statuses the report may move to by a plain move (the handover has its own section).
fn next_choices(t: Tr<'_>, report: &Report) -> Vec<Choice> {
    report
        .status
        .next(report.outcome)
        .iter()
        .filter(|s| !s.by_handover_only())
        .map(|s| Choice {
            value: s.code().into(),
            label: t.t(&format!("status-{}", s.code())),
            selected: false,
        })
        .collect()
}

/// "Chiusa: …" while the case is closed.
fn closed_with(t: Tr<'_>, report: &Report) -> String {
    report.closing_outcome.map_or_else(String::new, |c| {
        t.t1(
            "report-closed-with",
            "outcome",
            &t.t(&format!("closing-outcome-{}", c.code())),
        )
    })
}

/// The closing outcomes, when the case may be closed now.
fn closing_choices(t: Tr<'_>, report: &Report) -> Vec<Choice> {
    use presidio_domain::report::lifecycle::ClosingOutcome;
    if report.status.next(report.outcome).contains(&Status::Closed) {
        choices(
            t,
            ClosingOutcome::ALL,
            ClosingOutcome::code,
            "closing-outcome",
            &[],
        )
    } else {
        Vec::new()
    }
}

/// Criteria the recorded risks already answer, ticked in advance.
fn criteria_from(report: &Report) -> Vec<Criterion> {
    let mut out = Vec::new();
    let d = &report.data;
    if d.risk_flags.contains(&RiskFlag::PericoloImmediato) {
        out.push(Criterion::DangerNow);
    }
    if d.target_group == TargetGroup::Msna {
        out.push(Criterion::MinorAlone);
    }
    if d.risk_flags.contains(&RiskFlag::ProblemaSanitario) {
        out.push(Criterion::HealthOnly);
    }
    if report.outside_ambito {
        out.push(Criterion::OutsideAmbito);
    }
    out
}

/// The facts of a report, as label and value.
pub(super) fn details_of(
    t: Tr<'_>,
    d: &presidio_domain::report::ReportData,
) -> Vec<(String, String)> {
    let mut details = vec![
        (t.t("field-received_at"), t.date_time(d.received_at)),
        (
            t.t("field-channel"),
            t.t(&format!("channel-{}", d.channel.code())),
        ),
        (
            t.t("field-reporter"),
            [
                Some(t.t(&format!("reporter-kind-{}", d.reporter.kind.code()))),
                d.reporter.organization.clone(),
                d.reporter.name.clone(),
                d.reporter.phone.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        ),
        (
            t.t("field-target_group"),
            t.t(&format!("target-{}", d.target_group.code())),
        ),
    ];
    if let Some(place) = &d.place {
        details.push((t.t("field-place"), place.clone()));
    }
    if let Some(now_at) = &d.current_location {
        details.push((t.t("field-current_location"), now_at.clone()));
    }
    if !d.risk_flags.is_empty() {
        details.push((
            t.t("field-risk_flags"),
            d.risk_flags
                .iter()
                .map(|f| t.t(&format!("risk-{}", f.code())))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    if d.is_protected() {
        details.push((t.t("report-protected"), t.t("report-protected-yes")));
    }
    details
}

/// One line per person of a report.
pub(super) fn persons_of(t: Tr<'_>, d: &presidio_domain::report::ReportData) -> Vec<String> {
    d.persons
        .iter()
        .map(|p| {
            [
                Some(t.t(&format!("person-role-{}", p.role.code()))),
                Some(p.name.clone().unwrap_or_else(|| t.t("person-unknown"))),
                Some(t.t(&format!("sex-{}", p.sex.code()))),
                p.age
                    .map(|a| {
                        t.t_args(
                            "person-age",
                            &[("age", crate::i18n::Arg::Num(i64::from(a)))],
                        )
                    })
                    .or_else(|| p.age_band.map(|b| t.t(&format!("age-band-{}", b.code())))),
                p.citizenship.clone(),
                p.fiscal_code.clone(),
                p.language.clone(),
                p.needs_mediator.then(|| t.t("person-mediator")),
                p.relationship.map(|r| {
                    t.t1(
                        "person-relationship-first",
                        "relationship",
                        &t.t(&format!("relationship-{}", r.code())),
                    )
                }),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
        })
        .collect()
}

/// The status moves and triage decisions, oldest first, and the diary.
pub(super) fn history_of(
    t: Tr<'_>,
    h: &presidio_db::History,
) -> (Vec<HistoryLine>, Vec<HistoryLine>) {
    history_with(t, h, Vec::new())
}

/// The case's conferences, and its timeline (with them and the tasks decided) and diary.
async fn timeline(
    state: &AppState,
    who: &Principal,
    id: i64,
    h: &presidio_db::History,
) -> Result<Timeline, PageError> {
    let t = catalogue().tr(Locale::Italian);
    let (conferences, tasks) = presidio_app::conferences::record_of(state, who, id).await?;
    let team = crate::views::conferences::timeline(t, &conferences, &tasks);
    let (history, diary) = history_with(t, h, team);
    Ok((conferences, history, diary))
}

type Timeline = (
    Vec<presidio_db::StoredConference>,
    Vec<HistoryLine>,
    Vec<HistoryLine>,
);

/// [`history_of`], with the conferences and tasks of the case's team in the timeline.
fn history_with(
    t: Tr<'_>,
    h: &presidio_db::History,
    team: Vec<crate::views::conferences::TimelineEntry>,
) -> (Vec<HistoryLine>, Vec<HistoryLine>) {
    let mut history: Vec<(i64, HistoryLine)> = team
        .into_iter()
        .map(|e| {
            (
                e.at,
                HistoryLine {
                    at: t.date_time(UtcMillis(e.at)),
                    actor: e.actor,
                    what: e.what,
                    note: e.note,
                },
            )
        })
        .collect();
    history.extend(h.events.iter().map(|e| {
        (
            e.at,
            HistoryLine {
                at: t.date_time(UtcMillis(e.at)),
                actor: e.actor.clone().unwrap_or_default(),
                what: match e.detail.as_deref() {
                    Some("reopened") => t.t("report-reopened"),
                    Some(outcome) => t.t1(
                        "report-closed-with",
                        "outcome",
                        &t.t(&format!("closing-outcome-{outcome}")),
                    ),
                    None => t.t(&format!("status-{}", e.status_to)),
                },
                // A triage's move keeps the outcome's code as its note; the triage's own
                // line says it in words.
                note: if e.status_to == "triaged" && Outcome::parse(&e.note).is_some() {
                    String::new()
                } else {
                    e.note.clone()
                },
            },
        )
    }));
    history.extend(h.triages.iter().map(|tr| {
        (
            tr.at,
            HistoryLine {
                at: t.date_time(UtcMillis(tr.at)),
                actor: tr.actor.clone().unwrap_or_default(),
                what: t.t1(
                    "report-triaged",
                    "outcome",
                    &t.t(&format!("outcome-{}", tr.outcome)),
                ),
                note: tr.rationale.clone(),
            },
        )
    }));
    history.sort_by_key(|(at, _)| *at);
    let diary = h
        .diary
        .iter()
        .map(|e| HistoryLine {
            at: match e.received_at {
                Some(received) => t.t2(
                    "dispatch-tapped-offline",
                    "at",
                    &t.date_time(UtcMillis(e.at)),
                    "received",
                    &t.time(UtcMillis(received)),
                ),
                None => t.date_time(UtcMillis(e.at)),
            },
            actor: e.actor.clone().unwrap_or_default(),
            what: t.t(&format!("diary-kind-{}", e.kind)),
            note: e.text.clone(),
        })
        .collect();
    (history.into_iter().map(|(_, l)| l).collect(), diary)
}

/// Every opening of a report is in the audit trail, whole or limited.
async fn audit_read(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    restricted: bool,
) -> Result<(), PageError> {
    let mut entry = visitor.entry(Action::Read).record("report", id);
    if restricted {
        entry.section = "limited".into();
    }
    state.audit.append(entry).await?;
    Ok(())
}

async fn report_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    errors: FormErrors,
    done: Option<&str>,
) -> Result<ReportPage, PageError> {
    let who = principal(visitor)?;
    let Some((cached, access)) = presidio_app::cases::load_for_reading(state, who, id).await?
    else {
        return Err(PageError::new(StatusCode::NOT_FOUND, "not_found"));
    };
    let report = &cached.report;
    let t = catalogue().tr(Locale::Italian);
    let page = Layout::titled(visitor, t.t1("report-title", "code", &report.code), "home");
    let restricted = access != CaseAccess::Full;
    audit_read(state, visitor, id, restricted).await?;
    let severity = report.outcome.map_or("none", Outcome::code);
    let base = ReportPage {
        id,
        restricted,
        can_break_glass: access == CaseAccess::BreakGlass,
        can_write: !restricted && who.may_in(Permission::WriteCases, report.ambito),
        status: t.t(&format!("status-{}", report.status.code())),
        outcome: t.t(&format!("outcome-{severity}")),
        severity,
        municipality: municipality_of(t, &cached),
        details: Vec::new(),
        persons: Vec::new(),
        safety: Vec::new(),
        description: String::new(),
        outcomes: Vec::new(),
        reasons: Vec::new(),
        criteria: Vec::new(),
        suggestion: String::new(),
        next: Vec::new(),
        diary_kinds: Vec::new(),
        history: Vec::new(),
        diary: Vec::new(),
        activations: Vec::new(),
        resource_choices: Vec::new(),
        intervention: crate::views::interventions::ReportIntervention::default(),
        closing_outcomes: Vec::new(),
        closed_with: String::new(),
        handover: crate::views::handovers::ReportHandover::default(),
        team: crate::views::teams::TeamSection::default(),
        network: crate::views::network::Quick::default(),
        errors,
        done: done.map(|d| t.t(d)),
        page,
    };
    if restricted {
        return Ok(base);
    }
    let d = &report.data;
    let details = details_of(t, d);
    let (persons, safety) = person_lines(t, &cached);
    let ticked = criteria_from(report);
    let (conferences, history, diary) = timeline(state, who, id, &cached.history).await?;
    Ok(ReportPage {
        details,
        persons,
        safety,
        description: d.description.clone(),
        outcomes: choices(
            t,
            Outcome::ALL,
            Outcome::code,
            "outcome",
            &[report.outcome.map_or("", Outcome::code)],
        ),
        reasons: choices(
            t,
            NotPertinentReason::ALL,
            NotPertinentReason::code,
            "npr",
            &[],
        ),
        criteria: choices(
            t,
            Criterion::ALL,
            Criterion::code,
            "criterion",
            &ticked.iter().map(|c| c.code()).collect::<Vec<_>>(),
        ),
        suggestion: t.t1(
            "triage-suggestion",
            "outcome",
            &t.t(&format!("outcome-{}", suggest(&ticked).code())),
        ),
        next: next_choices(t, report),
        closing_outcomes: closing_choices(t, report),
        closed_with: closed_with(t, report),
        diary_kinds: choices(t, DiaryKind::ALL, DiaryKind::code, "diary-kind", &["nota"]),
        history,
        diary,
        activations: crate::views::activations::lines(t, &cached.activations),
        resource_choices: crate::views::activations::resource_choices(t, &cached.resources),
        intervention: crate::views::interventions::for_report(t, &cached, now()),
        handover: crate::views::handovers::for_report(t, who, &cached, base.can_write, now()),
        team: team_section(state, who, id, report.ambito, &conferences).await?,
        network: quick_network(state, visitor, Some(d)).await?,
        ..base
    })
}

/// At most this many organisations in "Chi chiamo?".
const QUICK_NETWORK: usize = 8;

/// "Chi chiamo?" for the municipality and the target group of `case` (the whole network with
/// none), for who reads the network directory (empty for the others): the report page's and
/// the field view's.
pub(super) async fn quick_network(
    state: &AppState,
    visitor: &Visitor,
    case: Option<&presidio_domain::report::ReportData>,
) -> Result<crate::views::network::Quick, PageError> {
    let who = principal(visitor)?;
    if !who.may(Permission::ReadNetwork) {
        return Ok(crate::views::network::Quick::default());
    }
    let input = presidio_app::network::SearchInput {
        municipality: case
            .and_then(|d| d.municipality.as_ref())
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default(),
        target_group: case
            .map(|d| d.target_group.code().to_owned())
            .unwrap_or_default(),
        ..presidio_app::network::SearchInput::default()
    };
    let mut found = presidio_app::network::search(state, visitor.caller(), who, &input).await?;
    // Organisations with no line to call have nothing to offer at night.
    found.retain(|c| !c.contacts.is_empty());
    found.truncate(QUICK_NETWORK);
    let mut names = std::collections::HashMap::new();
    for (_, list) in presidio_app::network::form_choices(state, who).await? {
        for m in list {
            names.insert(m.data.istat_code.as_str().to_owned(), m.data.name);
        }
    }
    let t = catalogue().tr(Locale::Italian);
    let name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
    let results = found
        .iter()
        .map(|c| crate::views::network::card_view(t, c, &name))
        .collect();
    let protocols = match case {
        Some(d)
            if !presidio_domain::intervention::procedures::checklist(d.target_group).is_empty() =>
        {
            presidio_app::protocols::governing(
                state,
                who,
                d.target_group,
                d.municipality
                    .as_ref()
                    .map(presidio_domain::reference::IstatCode::as_str),
            )
            .await?
            .into_iter()
            .map(|p| {
                let until = presidio_domain::time::parse_date(&p.valid_until)
                    .map(|u| t.date(u))
                    .unwrap_or_default();
                (
                    format!("/rete/protocolli/{}", p.id),
                    t.t2("procedure-governing", "title", &p.title, "day", &until),
                )
            })
            .collect()
        }
        _ => Vec::new(),
    };
    Ok(crate::views::network::Quick {
        shown: true,
        municipality: input.municipality,
        target_group: input.target_group,
        results: crate::views::network::Results { t, results }.html(),
        protocols,
    })
}

fn municipality_of(t: Tr<'_>, cached: &presidio_app::cache::CachedReport) -> String {
    cached
        .municipality
        .clone()
        .unwrap_or_else(|| t.t("board-outside"))
}

/// The team section, for who forms the report's team (empty for the others).
async fn team_section(
    state: &AppState,
    who: &Principal,
    id: i64,
    ambito: presidio_domain::reference::AmbitoId,
    conferences: &[presidio_db::StoredConference],
) -> Result<crate::views::teams::TeamSection, PageError> {
    let t = catalogue().tr(Locale::Italian);
    Ok(
        match presidio_app::teams::section(state, who, id, ambito).await? {
            Some((members, organisations)) => {
                let mut section = crate::views::teams::section(
                    t,
                    format!("/segnalazioni/{id}/equipe"),
                    &members,
                    &organisations,
                    state.clock.now().in_rome().date(),
                );
                section.conferences = conferences
                    .iter()
                    .map(|c| crate::views::conferences::conference_line(t, c))
                    .collect();
                section
            }
            None => crate::views::teams::TeamSection::default(),
        },
    )
}

pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    if visitor
        .principal()
        .is_some_and(presidio_app::cases::reporter_only)
    {
        return super::portal::report(&state, &visitor, id)
            .await
            .map(IntoResponse::into_response);
    }
    report_page(&state, &visitor, id, FormErrors::default(), None)
        .await
        .map(IntoResponse::into_response)
}

/// Loads the report for a write from its page: the whole record is needed.
pub(super) async fn for_write(
    state: &AppState,
    who: &Principal,
    id: i64,
) -> Result<Report, PageError> {
    Ok(presidio_app::reports::writable(state, who, id).await?)
}

/// After a write: the page again with what went wrong, or a redirect to it (so reloading does
/// not send the form twice).
pub(super) async fn after(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    result: Result<(), Invalid>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/segnalazioni/{id}")).into_response()),
        Err(invalid) => {
            let page = report_page(state, visitor, id, FormErrors::from(&invalid), None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// The report page again after a refused invitation to its team, with the form as typed.
pub(super) async fn refused_invite(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    invalid: &Invalid,
    input: &presidio_domain::team::MemberInput,
) -> Result<Response, PageError> {
    let mut page = report_page(state, visitor, id, FormErrors::from(invalid), None).await?;
    page.team.keep(input);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// What a write from the report page came to: done, refused fields to show on the page again,
/// or an error page.
fn written<T>(result: Result<T, AppError>) -> Result<Result<(), Invalid>, PageError> {
    match result {
        Ok(_) => Ok(Ok(())),
        Err(AppError::Invalid(invalid)) => Ok(Err(invalid)),
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct ReopenForm {
    #[serde(default)]
    reopen_reason: String,
}

/// Reopens a closed case with a reason.
pub async fn reopen(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<ReopenForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let done =
        presidio_app::reports::reopen(&state, visitor.caller(), who, id, &form.reopen_reason).await;
    // The form names the field `reopen_reason`.
    let result = written(done)?.map_err(|invalid| invalid.renamed("reason", "reopen_reason"));
    after(&state, &visitor, id, result).await
}

pub async fn triage(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let mut input = TriageInput::default();
    for (k, v) in &pairs {
        match k.as_str() {
            "outcome" => input.outcome.clone_from(v),
            "not_pertinent_reason" => input.not_pertinent_reason.clone_from(v),
            "redirected_to" => input.redirected_to.clone_from(v),
            "rationale" => input.rationale.clone_from(v),
            "criteria" => input.criteria.push(v.clone()),
            _ => {}
        }
    }
    let result =
        written(presidio_app::reports::triage(&state, visitor.caller(), who, id, &input).await)?;
    after(&state, &visitor, id, result).await
}

#[derive(serde::Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    closing_outcome: String,
}

pub async fn move_status(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<MoveForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let input = presidio_app::reports::MoveInput {
        status: &form.status,
        note: &form.note,
        closing_outcome: &form.closing_outcome,
    };
    let result = written(
        presidio_app::reports::move_status(&state, visitor.caller(), who, id, input).await,
    )?;
    after(&state, &visitor, id, result).await
}

#[derive(serde::Deserialize)]
pub struct DiaryForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
}

pub async fn diary(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<DiaryForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let input = presidio_app::reports::DiaryInput {
        kind: &form.kind,
        text: &form.text,
        corrects: None,
        tapped_at: "",
    };
    let result =
        written(presidio_app::reports::add_diary(&state, visitor.caller(), who, id, input).await)?;
    after(&state, &visitor, id, result).await
}

#[derive(serde::Deserialize)]
pub struct GlassForm {
    #[serde(default)]
    reason: String,
}

pub async fn break_glass(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<GlassForm>,
) -> Result<Response, PageError> {
    let who = principal(&visitor)?;
    let done =
        presidio_app::reports::break_glass(&state, visitor.caller(), who, id, &form.reason).await;
    match done {
        // Opened, already open, or a role that never opens it: the report page tells which.
        Ok(_) | Err(AppError::Forbidden) => {
            Ok(Redirect::to(&format!("/segnalazioni/{id}")).into_response())
        }
        Err(AppError::Invalid(invalid)) => after(&state, &visitor, id, Err(invalid)).await,
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use presidio_db::{DiaryEntry, History, StatusEvent, TriageRecord};
    use presidio_domain::report::DiaryKind;
    use presidio_domain::report::lifecycle::{ClosingOutcome, Status};
    use presidio_domain::report::triage::Outcome;

    use crate::i18n::{Locale, catalogue};

    /// Every kind of history line reads in words: no code as stored, no message id.
    #[test]
    fn every_history_kind_reads_in_words() {
        let event = |status: &str, detail: Option<&str>, note: &str| StatusEvent {
            at: 1,
            actor: Some("Operatore".into()),
            status_from: None,
            status_to: status.into(),
            note: note.into(),
            detail: detail.map(str::to_owned),
        };
        let mut events: Vec<StatusEvent> = Status::ALL
            .iter()
            .map(|s| event(s.code(), None, ""))
            .collect();
        events.extend(
            ClosingOutcome::ALL
                .iter()
                .map(|o| event("closed", Some(o.code()), "")),
        );
        events.push(event("received", Some("reopened"), ""));
        events.extend(
            Outcome::ALL
                .iter()
                .map(|o| event("triaged", None, o.code())),
        );
        let history = History {
            events,
            triages: Outcome::ALL
                .iter()
                .map(|o| TriageRecord {
                    at: 2,
                    actor: None,
                    outcome: o.code().into(),
                    not_pertinent_reason: None,
                    redirected_to: None,
                    rationale: String::new(),
                    criteria: String::new(),
                })
                .collect(),
            diary: DiaryKind::ALL
                .iter()
                .map(|k| DiaryEntry {
                    id: 1,
                    at: 3,
                    actor: None,
                    kind: k.code().into(),
                    text: String::new(),
                    corrects: None,
                    received_at: None,
                })
                .collect(),
        };
        let codes: Vec<&str> = Status::ALL
            .iter()
            .map(|s| s.code())
            .chain(ClosingOutcome::ALL.iter().map(|o| o.code()))
            .chain(Outcome::ALL.iter().map(|o| o.code()))
            .chain(DiaryKind::ALL.iter().map(|k| k.code()))
            .chain(["reopened"])
            .collect();
        let t = catalogue().tr(Locale::Italian);
        let (lines, diary) = super::history_of(t, &history);
        assert_eq!(lines.len(), history.events.len() + history.triages.len());
        assert_eq!(diary.len(), DiaryKind::ALL.len());
        for line in lines.iter().chain(&diary) {
            let text = format!("{} {}", line.what, line.note);
            assert!(!line.what.trim().is_empty(), "{text}");
            for word in text.split(|c: char| c.is_whitespace() || ",.:;()«»".contains(c)) {
                assert!(
                    !codes.contains(&word) && !word.contains('_') && !word.contains('-'),
                    "a bare code on screen: {word:?} in {text:?}"
                );
            }
        }
    }
}
