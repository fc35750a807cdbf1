//! The person's page (`/persone/{id}`): identity with its corrections, safety notes, the reports
//! naming the person across every linked record, and the links; the search (`/persone`); and the
//! candidates shown while a report is typed (`/persone/candidati`, a fragment of the intake
//! form).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use presidio_app::AppError;
use presidio_app::persons::{Candidate, Corrected, Entry, PersonView};
use presidio_domain::access::Permission;
use presidio_domain::person::{CandidateInput, DetailsInput};
use presidio_domain::reference::AmbitoId;
use presidio_domain::report::Sex;
use presidio_domain::time::UtcMillis;
use presidio_domain::validation::Invalid;

use super::{Layout, PageError};
use crate::AppState;
use crate::auth::Visitor;
use crate::forms::{Choice, FormErrors};
use crate::i18n::{Locale, Tr, catalogue};

/// A person found, as a line of the search or of the candidates.
pub struct Found {
    pub id: i64,
    pub name: String,
    pub details: String,
    pub restricted: bool,
    pub safety_notes: String,
    pub selected: bool,
    /// Lives in a household: intake offers to add it.
    pub in_household: bool,
}

fn found(t: Tr<'_>, c: &Candidate, selected: Option<i64>) -> Found {
    if c.restricted {
        return Found {
            id: c.person_id,
            name: t.t("person-reserved-match"),
            details: String::new(),
            restricted: true,
            safety_notes: String::new(),
            selected: selected == Some(c.person_id),
            in_household: false,
        };
    }
    let mut details = Vec::new();
    if let Some(year) = c.birth_year {
        details.push(t.t1("person-born", "year", &year.to_string()));
    }
    if let Some(sex) = c.sex.as_deref().filter(|s| *s != "X") {
        details.push(t.t(&format!("sex-{sex}")));
    }
    details.push(t.t_args(
        "person-reports-count",
        &[(
            "n",
            crate::i18n::Arg::Num(i64::try_from(c.reports).unwrap_or(0)),
        )],
    ));
    if let Some(at) = c.last_seen {
        details.push(t.t1("person-last-seen", "date", &t.date_time(UtcMillis(at))));
    }
    details.push(t.t1(
        "person-score",
        "score",
        &format!("{:.0}", (c.score * 100.0).round()),
    ));
    Found {
        id: c.person_id,
        name: c
            .display_name
            .clone()
            .unwrap_or_else(|| t.t("person-unknown")),
        details: details.join(" · "),
        restricted: false,
        safety_notes: c.safety_notes.clone().unwrap_or_default(),
        selected: selected == Some(c.person_id),
        in_household: c.in_household,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "_person_candidates.html")]
pub struct CandidatesFragment {
    t: Tr<'static>,
    index: usize,
    items: Vec<Found>,
    /// Nothing typed yet, or nothing alike.
    searched: bool,
    new_selected: bool,
    /// How many were found, for screen readers.
    status: String,
}

/// The candidates for the `i`-th person of the intake form, from what is typed in its block.
pub async fn candidates(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    let mut index = 0usize;
    let mut input = CandidateInput::default();
    let mut chosen: Option<i64> = None;
    let mut age: Option<i64> = None;
    for (k, v) in &pairs {
        if let Some(rest) = k.strip_prefix("persons[") {
            let Some((i, field)) = rest.split_once("].") else {
                continue;
            };
            index = i
                .parse()
                .unwrap_or(0)
                .min(presidio_domain::report::MAX_PERSONS);
            match field {
                "name" => input.name.clone_from(v),
                "sex" => input.sex.clone_from(v),
                "age" => age = v.trim().parse().ok(),
                "fiscal_code" => input.fiscal_code.clone_from(v),
                "person_id" => chosen = v.parse().ok(),
                _ => {}
            }
        } else if k == "municipality" {
            input.municipality.clone_from(v);
        }
    }
    let year = i64::from(state.clock.now().in_rome().year());
    input.birth_year = age.filter(|a| (0..=120).contains(a)).map(|a| year - a);
    // A fiscal code being typed is not yet one to look for.
    if input.fiscal_code.trim().len() != 16 {
        input.fiscal_code.clear();
    }
    let t = catalogue().tr(Locale::Italian);
    let searched = !input.name.trim().is_empty() || !input.fiscal_code.is_empty();
    let items = match presidio_app::persons::candidates(&state, visitor.caller(), who, &input).await
    {
        Ok(list) => list.iter().map(|c| found(t, c, chosen)).collect(),
        // What is not yet valid (a sex or a municipality being chosen) finds nothing.
        Err(AppError::Invalid(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    let new_selected = !items.iter().any(|f: &Found| f.selected);
    let status = if searched {
        t.t_args(
            "intake-known-count",
            &[(
                "n",
                crate::i18n::Arg::Num(i64::try_from(items.len()).unwrap_or(0)),
            )],
        )
    } else {
        String::new()
    };
    Ok(CandidatesFragment {
        t,
        index,
        items,
        searched,
        new_selected,
        status,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "persons.html")]
pub struct SearchPage {
    page: Layout,
    q: String,
    items: Vec<Found>,
    searched: bool,
    errors: FormErrors,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: Option<String>,
}

/// The search: by name, alias, fiscal code or birth year, among the persons the user may read.
pub async fn search(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    let page = Layout::new(&visitor, "persons-title", "persons");
    let t = page.t;
    let Some(q) = query.q else {
        return Ok(SearchPage {
            page,
            q: String::new(),
            items: Vec::new(),
            searched: false,
            errors: FormErrors::default(),
        }
        .into_response());
    };
    match presidio_app::persons::search(&state, visitor.caller(), who, &q).await {
        Ok(list) => Ok(SearchPage {
            items: list.iter().map(|c| found(t, c, None)).collect(),
            page,
            q,
            searched: true,
            errors: FormErrors::default(),
        }
        .into_response()),
        Err(AppError::Invalid(invalid)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            SearchPage {
                page,
                q,
                items: Vec::new(),
                searched: false,
                errors: FormErrors::labelled(&invalid, &[("q", "persons-search-label")]),
            },
        )
            .into_response()),
        Err(AppError::NotFound) => Ok(SearchPage {
            page,
            q,
            items: Vec::new(),
            searched: true,
            errors: FormErrors::default(),
        }
        .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// A line of the person's timeline.
pub struct TimelineLine {
    pub report_id: i64,
    pub code: String,
    pub reserved: bool,
    pub date: String,
    pub role: String,
    pub target: String,
    pub outcome: String,
    pub severity: String,
    pub status: String,
    pub placements: Vec<String>,
    pub handovers: Vec<String>,
    pub closing: String,
}

pub struct NameLine {
    pub value: String,
    pub kind: String,
    pub source: String,
}

pub struct LinkLine {
    pub other_id: i64,
    pub other: String,
    pub reason: String,
    pub at: String,
    pub standing: bool,
    pub undone: String,
}

pub struct CorrectionLine {
    pub at: String,
    pub field: String,
    pub previous: String,
    pub value: String,
}

/// The correction form's values, as read or as typed.
#[derive(Default)]
pub struct DetailsFields {
    pub name: String,
    pub birth_date: String,
    pub birth_year: String,
    pub birth_place: String,
    pub citizenship: String,
    pub fiscal_code: String,
    pub languages: String,
    pub needs_mediator: bool,
    pub residence: String,
    pub contacts: String,
    pub safety_notes: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
pub struct PersonPage {
    page: Layout,
    id: i64,
    reserved: bool,
    safety_notes: String,
    identity: Vec<(String, String)>,
    names: Vec<NameLine>,
    links: Vec<LinkLine>,
    duplicates: Vec<Found>,
    timeline: Vec<TimelineLine>,
    corrections: Vec<CorrectionLine>,
    writable: bool,
    /// May detach a report's person wrongly attached (coordinators).
    can_detach: bool,
    form: DetailsFields,
    sexes: Vec<Choice>,
    version: i64,
    errors: FormErrors,
    done: Option<String>,
    household: HouseholdSection,
    privacy: PrivacySection,
    /// Who in the network follows the person, across their cases.
    network: Vec<crate::views::teams::MemberLine>,
    /// The team that follows the person, for who forms it.
    team: crate::views::teams::TeamSection,
}

/// The data-protection records on the person's page, and their forms.
#[derive(Default)]
pub struct PrivacySection {
    lines: Vec<PrivacyLine>,
    kinds: Vec<Choice>,
    ways: Vec<Choice>,
    decisions: Vec<Choice>,
    /// The user decides requests (coordinators).
    decides: bool,
    /// Processing restricted at the person's request.
    restricted: bool,
    /// `AAAA-MM-GG` (Rome), the form's default day, or the day typed.
    today: String,
    /// What was typed in a refused form.
    typed: presidio_domain::privacy::PrivacyInput,
}

impl PrivacySection {
    /// Shows the form again with what was typed.
    fn keep(&mut self, typed: &presidio_domain::privacy::PrivacyInput) {
        for c in &mut self.kinds {
            c.selected = c.value == typed.kind;
        }
        for c in &mut self.ways {
            c.selected = c.value == typed.how;
        }
        self.today.clone_from(&typed.on);
        self.typed = typed.clone();
    }
}

pub struct PrivacyLine {
    pub id: i64,
    pub what: String,
    pub details: String,
    /// A request still to decide.
    pub pending: bool,
}

fn code_choices(t: Tr<'_>, codes: &[&str], prefix: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| Choice {
            value: (*c).into(),
            label: t.t(&format!("{prefix}-{c}")),
            selected: false,
        })
        .collect()
}

fn privacy_section(
    t: Tr<'_>,
    p: &presidio_app::persons::Person,
    today: jiff::civil::Date,
) -> PrivacySection {
    use presidio_domain::privacy::{Decision, NoticeWay, PrivacyKind};
    let kinds: Vec<&str> = PrivacyKind::ALL.iter().map(|k| k.code()).collect();
    let ways: Vec<&str> = NoticeWay::ALL.iter().map(|k| k.code()).collect();
    let decisions: Vec<&str> = Decision::ALL.iter().map(|k| k.code()).collect();
    PrivacySection {
        lines: p
            .privacy
            .iter()
            .map(|r| {
                let (what, details) = crate::views::persons::privacy_line(t, r);
                PrivacyLine {
                    id: r.id,
                    what,
                    details,
                    pending: r.decision.is_none()
                        && PrivacyKind::parse(&r.kind).is_some_and(PrivacyKind::is_request),
                }
            })
            .collect(),
        kinds: code_choices(t, &kinds, "privacy-kind"),
        ways: code_choices(t, &ways, "privacy-how"),
        decisions: code_choices(t, &decisions, "privacy-decision"),
        decides: p.decides,
        restricted: p.record.restricted_at.is_some(),
        today: today.to_string(),
        typed: presidio_domain::privacy::PrivacyInput::default(),
    }
}

/// The household on the person's page, and its form.
#[derive(Default)]
pub struct HouseholdSection {
    members: Vec<RelativeLine>,
    /// Whom the form offers: the persons of the same reports.
    companions: Vec<Choice>,
    relationships: Vec<Choice>,
    /// The name of whom a joining person is related to (the head, or this person).
    head_name: String,
    /// This person heads the household (leaving ends it).
    heads: bool,
}

fn household_section(
    t: Tr<'_>,
    id: i64,
    name: &str,
    p: &presidio_app::persons::Person,
) -> HouseholdSection {
    let group: Vec<i64> = std::iter::once(id)
        .chain(p.linked.iter().map(|l| l.id))
        .collect();
    let members = relative_lines(t, id, &group, &p.household);
    let (companions, relationships) = household_choices(t, &p.companions);
    let head_name = members
        .first()
        .filter(|h| !h.reserved)
        .map_or_else(|| name.to_owned(), |h| h.name.clone());
    let heads = members.first().is_some_and(|h| h.this);
    HouseholdSection {
        members,
        companions,
        relationships,
        head_name,
        heads,
    }
}

/// A person of the household on the page.
pub struct RelativeLine {
    pub person_id: i64,
    /// Empty when reserved.
    pub name: String,
    pub relation: String,
    pub details: String,
    pub reserved: bool,
    /// The record of the page.
    pub this: bool,
}

fn relative_lines(
    t: Tr<'_>,
    id: i64,
    group: &[i64],
    household: &[presidio_app::households::Relative],
) -> Vec<RelativeLine> {
    household
        .iter()
        .map(|m| RelativeLine {
            person_id: m.person_id,
            name: if m.reserved {
                String::new()
            } else {
                m.name.clone().unwrap_or_else(|| t.t("person-unknown"))
            },
            relation: match m.relationship {
                None => t.t("household-head"),
                Some(r) => t.t(&format!("relationship-{}", r.code())),
            },
            details: [
                m.sex
                    .as_deref()
                    .map(|s| t.t(&format!("sex-{s}")))
                    .unwrap_or_default(),
                m.birth_year
                    .map(|y| t.t1("person-born", "year", &y.to_string()))
                    .unwrap_or_default(),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
            reserved: m.reserved,
            this: m.person_id == id || group.contains(&m.person_id),
        })
        .collect()
}

/// The household form's choices: the persons of the same reports, and the relationships.
fn household_choices(
    t: Tr<'_>,
    companions: &[presidio_app::households::Relative],
) -> (Vec<Choice>, Vec<Choice>) {
    let people = companions
        .iter()
        .map(|c| Choice {
            value: c.person_id.to_string(),
            label: c.name.clone().unwrap_or_else(|| t.t("person-unknown")),
            selected: false,
        })
        .collect();
    let relationships = presidio_domain::person::Relationship::ALL
        .iter()
        .map(|r| Choice {
            value: r.code().into(),
            label: t.t(&format!("relationship-{}", r.code())),
            selected: false,
        })
        .collect();
    (people, relationships)
}

fn timeline_line(t: Tr<'_>, e: &Entry) -> TimelineLine {
    match e {
        Entry::Reserved { code, report_id } => TimelineLine {
            report_id: *report_id,
            code: code.clone(),
            reserved: true,
            date: String::new(),
            role: String::new(),
            target: String::new(),
            outcome: String::new(),
            severity: "none".into(),
            status: String::new(),
            placements: Vec::new(),
            handovers: Vec::new(),
            closing: String::new(),
        },
        Entry::Open { role, case, .. } => {
            let r = &case.report;
            let severity = r.outcome.map_or("none", |o| o.code());
            TimelineLine {
                report_id: r.id,
                code: r.code.clone(),
                reserved: false,
                date: t.date_time(r.data.received_at),
                role: t.t(&format!("person-role-{role}")),
                target: t.t(&format!("target-{}", r.data.target_group.code())),
                outcome: t.t(&format!("outcome-{severity}")),
                severity: severity.into(),
                status: t.t(&format!("status-{}", r.status.code())),
                placements: case
                    .activations
                    .iter()
                    .map(|a| {
                        t.t_args(
                            "person-placement",
                            &[
                                (
                                    "resource",
                                    crate::i18n::Arg::Str(&crate::views::resource_name(t, a)),
                                ),
                                ("nights", crate::i18n::Arg::Num(a.nights)),
                                (
                                    "status",
                                    crate::i18n::Arg::Str(
                                        &t.t(&format!("activation-{}", a.status)),
                                    ),
                                ),
                            ],
                        )
                    })
                    .collect(),
                handovers: case
                    .handovers
                    .iter()
                    .map(|h| {
                        t.t2(
                            "person-handover",
                            "service",
                            &h.municipality_name,
                            "status",
                            &t.t(&format!("handover-status-{}", h.status)),
                        )
                    })
                    .collect(),
                closing: r
                    .closing_outcome
                    .map(|c| t.t(&format!("closing-outcome-{}", c.code())))
                    .unwrap_or_default(),
            }
        }
    }
}

fn fields_of(r: &presidio_db::StoredPerson) -> DetailsFields {
    DetailsFields {
        name: r.name.clone().unwrap_or_default(),
        birth_date: r.birth_date.clone().unwrap_or_default(),
        birth_year: r.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        birth_place: r.birth_place.clone().unwrap_or_default(),
        citizenship: r.citizenship.clone().unwrap_or_default(),
        fiscal_code: r.fiscal_code.clone().unwrap_or_default(),
        languages: r.languages.clone().unwrap_or_default(),
        needs_mediator: r.needs_mediator == 1,
        residence: r.residence.clone().unwrap_or_default(),
        contacts: r.contacts.clone().unwrap_or_default(),
        safety_notes: r.safety_notes.clone().unwrap_or_default(),
    }
}

fn sex_choices(t: Tr<'_>, selected: &str) -> Vec<Choice> {
    Sex::ALL
        .iter()
        .map(|s| Choice {
            value: s.code().into(),
            label: t.t(&format!("sex-{}", s.code())),
            selected: s.code() == selected,
        })
        .collect()
}

/// The links of the record, standing and undone.
fn link_lines(t: Tr<'_>, id: i64, p: &presidio_app::persons::Person) -> Vec<LinkLine> {
    let name_of = |other: i64| {
        p.linked
            .iter()
            .find(|l| l.id == other)
            .and_then(|l| l.name.clone())
            .unwrap_or_else(|| t.t1("person-record", "id", &other.to_string()))
    };
    p.links
        .iter()
        .map(|l| {
            let other = if l.person_id == id {
                l.other_id
            } else {
                l.person_id
            };
            LinkLine {
                other_id: other,
                other: name_of(other),
                reason: l.reason.clone(),
                at: t.date_time(UtcMillis(l.linked_at)),
                standing: l.unlinked_at.is_none(),
                undone: l
                    .unlinked_at
                    .map(|at| {
                        t.t2(
                            "person-link-undone",
                            "date",
                            &t.date_time(UtcMillis(at)),
                            "reason",
                            l.unlink_reason.as_deref().unwrap_or(""),
                        )
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// The person's page; `typed` keeps what was typed in a refused correction.
async fn person_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    errors: FormErrors,
    typed: Option<(DetailsFields, String)>,
    done: Option<&str>,
) -> Result<PersonPage, PageError> {
    let who = super::reports::principal(visitor)?;
    let viewed = presidio_app::persons::view(state, visitor.caller(), who, id).await?;
    let t = catalogue().tr(Locale::Italian);
    let p = match viewed {
        PersonView::Reserved => {
            let page = Layout::new(visitor, "person-reserved-title", "persons");
            return Ok(PersonPage {
                page,
                id,
                reserved: true,
                safety_notes: String::new(),
                identity: Vec::new(),
                names: Vec::new(),
                links: Vec::new(),
                duplicates: Vec::new(),
                timeline: Vec::new(),
                corrections: Vec::new(),
                writable: false,
                can_detach: false,
                form: DetailsFields::default(),
                sexes: Vec::new(),
                version: 0,
                errors,
                done: None,
                household: HouseholdSection::default(),
                network: Vec::new(),
                privacy: PrivacySection::default(),
                team: crate::views::teams::TeamSection::default(),
            });
        }
        PersonView::Full(p) => p,
    };
    let r = &p.record;
    let name = r.name.clone().unwrap_or_else(|| t.t("person-unknown"));
    let page = Layout::titled(visitor, t.t1("person-title", "name", &name), "persons");
    let residence = match r
        .residence
        .as_deref()
        .and_then(|c| presidio_domain::reference::IstatCode::parse(c).ok())
    {
        Some(code) => Some(presidio_app::reference::municipality_name(state, &code).await),
        None => None,
    };
    let identity = crate::views::persons::identity(t, r, residence.as_deref());
    let names = p
        .names
        .iter()
        .map(|n| NameLine {
            value: n.value.clone(),
            kind: t.t(&format!("person-name-kind-{}", n.kind)),
            source: match &n.report_code {
                Some(code) => t.t1("person-name-from-report", "code", code),
                None => t.t(&format!("person-name-source-{}", n.source)),
            },
        })
        .collect();
    let links = link_lines(t, id, &p);
    let corrections = p
        .corrections
        .iter()
        .map(|c| CorrectionLine {
            at: t.date_time(UtcMillis(c.at)),
            field: t.t(&format!("field-{}", c.field)),
            previous: crate::views::persons::or_dash(t, c.previous.as_deref()),
            value: crate::views::persons::or_dash(t, c.value.as_deref()),
        })
        .collect();
    let (form, sex) = typed.unwrap_or_else(|| (fields_of(r), r.sex.clone()));
    let household = household_section(t, id, &name, &p);
    let privacy = privacy_section(t, &p, state.clock.now().in_rome().date());
    let team = team_section(state, who, id, AmbitoId(r.ambito_id)).await?;
    Ok(PersonPage {
        page,
        id,
        reserved: false,
        safety_notes: r.safety_notes.clone().unwrap_or_default(),
        identity,
        names,
        links,
        duplicates: p.duplicates.iter().map(|c| found(t, c, None)).collect(),
        timeline: p.timeline.iter().map(|e| timeline_line(t, e)).collect(),
        corrections,
        writable: p.writable,
        can_detach: p.writable && who.may_in(Permission::ManagePersons, AmbitoId(r.ambito_id)),
        form,
        sexes: sex_choices(t, &sex),
        version: r.version,
        errors,
        done: done.map(|d| t.t(d)),
        household,
        privacy,
        network: p
            .network
            .iter()
            .map(|m| crate::views::teams::member_line(t, m))
            .collect(),
        team,
    })
}

/// The team that follows the person, for who forms it in the person's Ambito.
async fn team_section(
    state: &AppState,
    who: &presidio_domain::access::Principal,
    id: i64,
    ambito: AmbitoId,
) -> Result<crate::views::teams::TeamSection, PageError> {
    if !who.may_in(Permission::ManageTeams, ambito) {
        return Ok(crate::views::teams::TeamSection::default());
    }
    let (members, organisations) = presidio_app::person_teams::of(state, who, id).await?;
    Ok(crate::views::teams::section(
        catalogue().tr(Locale::Italian),
        format!("/persone/{id}/equipe"),
        &members,
        &organisations,
        state.clock.now().in_rome().date(),
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    fatto: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let done = match query.fatto.as_str() {
        "correzione" => Some("person-corrected"),
        "staccata" => Some("person-detached"),
        "nucleo" => Some("household-saved"),
        "protezione-dati" => Some("privacy-saved"),
        _ => None,
    };
    person_page(&state, &visitor, id, FormErrors::default(), None, done)
        .await
        .map(IntoResponse::into_response)
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DetailsForm {
    name: String,
    sex: String,
    birth_date: String,
    birth_year: String,
    birth_place: String,
    citizenship: String,
    fiscal_code: String,
    languages: String,
    needs_mediator: Option<String>,
    residence: String,
    contacts: String,
    safety_notes: String,
    version: String,
}

/// Saves a correction of the person's details.
pub async fn correct(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<DetailsForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    let year = form.birth_year.trim();
    let input = DetailsInput {
        name: form.name.clone(),
        sex: form.sex.clone(),
        birth_date: form.birth_date.clone(),
        // What is not a number is kept as 0, which the check refuses.
        birth_year: (!year.is_empty()).then(|| year.parse().unwrap_or(0)),
        birth_place: form.birth_place.clone(),
        citizenship: form.citizenship.clone(),
        fiscal_code: form.fiscal_code.clone(),
        languages: form.languages.clone(),
        needs_mediator: form.needs_mediator.is_some(),
        residence: form.residence.clone(),
        contacts: form.contacts.clone(),
        safety_notes: form.safety_notes.clone(),
    };
    let version = form.version.trim().parse().ok();
    let typed = || {
        (
            DetailsFields {
                name: form.name.clone(),
                birth_date: form.birth_date.clone(),
                birth_year: form.birth_year.clone(),
                birth_place: form.birth_place.clone(),
                citizenship: form.citizenship.clone(),
                fiscal_code: form.fiscal_code.clone(),
                languages: form.languages.clone(),
                needs_mediator: form.needs_mediator.is_some(),
                residence: form.residence.clone(),
                contacts: form.contacts.clone(),
                safety_notes: form.safety_notes.clone(),
            },
            form.sex.clone(),
        )
    };
    match presidio_app::persons::correct(&state, visitor.caller(), who, id, version, &input).await {
        Ok(Corrected::Done(_)) => {
            Ok(Redirect::to(&format!("/persone/{id}?fatto=correzione")).into_response())
        }
        Ok(Corrected::Stale) => {
            let invalid = Invalid::one(
                "version",
                presidio_domain::validation::Problem::StaleVersion,
            );
            let page = person_page(
                &state,
                &visitor,
                id,
                FormErrors::from(&invalid),
                Some(typed()),
                None,
            )
            .await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            let page = person_page(
                &state,
                &visitor,
                id,
                FormErrors::from(&invalid),
                Some(typed()),
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct LinkForm {
    person_id: String,
    reason: String,
}

/// Links the record to another record of the same person.
pub async fn link(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    let other = form.person_id.trim().parse().ok();
    match presidio_app::persons::link(&state, visitor.caller(), who, id, other, &form.reason).await
    {
        Ok(()) => Ok(Redirect::to(&format!("/persone/{id}")).into_response()),
        Err(AppError::Invalid(invalid)) => refused(&state, &visitor, id, &invalid).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct UnlinkForm {
    reason: String,
}

/// Undoes a link between two records.
pub async fn unlink(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, other)): Path<(i64, i64)>,
    Form(form): Form<UnlinkForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    match presidio_app::persons::unlink(&state, visitor.caller(), who, id, other, &form.reason)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/persone/{id}")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            refused(
                &state,
                &visitor,
                id,
                &invalid.renamed("reason", "unlink_reason"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DetachForm {
    report_id: String,
    reason: String,
}

/// Detaches a report's person wrongly attached to the record (coordinators).
pub async fn detach(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<DetachForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    let report = form.report_id.trim().parse().ok();
    match presidio_app::persons::detach(&state, visitor.caller(), who, id, report, &form.reason)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/persone/{id}?fatto=staccata")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            refused(
                &state,
                &visitor,
                id,
                &invalid.renamed("reason", "detach_reason"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The person's page again with what was refused (422).
async fn refused(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    invalid: &Invalid,
) -> Result<Response, PageError> {
    let page = person_page(state, visitor, id, FormErrors::from(invalid), None, None).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct HouseholdForm {
    person_id: String,
    relationship: String,
}

/// Adds a person of the same reports to the household.
pub async fn household_add(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<HouseholdForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    // What is not a number is kept as 0, which the check refuses.
    let other =
        (!form.person_id.trim().is_empty()).then(|| form.person_id.trim().parse().unwrap_or(0));
    match presidio_app::households::add(
        &state,
        visitor.caller(),
        who,
        id,
        other,
        &form.relationship,
    )
    .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/persone/{id}?fatto=nucleo#household")).into_response())
        }
        Err(AppError::Invalid(invalid)) => {
            refused(
                &state,
                &visitor,
                id,
                &invalid.renamed("person_id", "member_id"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Takes the person out of the household (a head's household ends).
pub async fn household_leave(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    presidio_app::households::leave(&state, visitor.caller(), who, id).await?;
    Ok(Redirect::to(&format!("/persone/{id}?fatto=nucleo#household")).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct PrivacyForm {
    kind: String,
    on: String,
    how: String,
    purpose: String,
    recipient: String,
    notes: String,
}

/// Records a notice, a consent or a request.
pub async fn privacy_add(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(form): Form<PrivacyForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    let input = presidio_domain::privacy::PrivacyInput {
        kind: form.kind,
        on: form.on,
        how: form.how,
        purpose: form.purpose,
        recipient: form.recipient,
        notes: form.notes,
    };
    match presidio_app::privacy::record(&state, visitor.caller(), who, id, &input).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/persone/{id}?fatto=protezione-dati#privacy")).into_response(),
        ),
        Err(AppError::Invalid(invalid)) => {
            // The form again with what was typed.
            let mut page =
                person_page(&state, &visitor, id, FormErrors::from(&invalid), None, None).await?;
            page.privacy.keep(&input);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    reason: String,
}

/// Decides a request of the person (coordinators).
pub async fn privacy_decide(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, entry)): Path<(i64, i64)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    match presidio_app::privacy::decide(
        &state,
        visitor.caller(),
        who,
        id,
        entry,
        &form.decision,
        &form.reason,
    )
    .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/persone/{id}?fatto=protezione-dati#privacy")).into_response(),
        ),
        Err(AppError::Invalid(invalid)) => {
            refused(
                &state,
                &visitor,
                id,
                &invalid.renamed("reason", "decision_reason"),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The person's own data as a readable PDF, for an administrator to hand over. Audited.
pub async fn export_pdf(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    let x = presidio_app::persons::export(&state, visitor.caller(), who, id).await?;
    let t = catalogue().tr(Locale::Italian);
    let residence = match x
        .record
        .residence
        .as_deref()
        .and_then(|c| presidio_domain::reference::IstatCode::parse(c).ok())
    {
        Some(code) => Some(presidio_app::reference::municipality_name(&state, &code).await),
        None => None,
    };
    let sheet = crate::views::persons::export_sheet(t, &x, residence.as_deref(), state.clock.now());
    let bytes = crate::pdf::render(&sheet).map_err(|err| super::sheet::pdf_failed(&err))?;
    Ok(download(
        bytes,
        "application/pdf",
        &format!("persona-{id}.pdf"),
    ))
}

/// The person's own data as JSON (as `GET /api/v1/persons/{id}/export`), from the browser.
pub async fn export_json(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    let x = presidio_app::persons::export(&state, visitor.caller(), who, id).await?;
    let t = catalogue().tr(Locale::Italian);
    let view = crate::views::persons::export_view(t, &x, state.clock.now());
    let bytes = serde_json::to_vec_pretty(&view).unwrap_or_default();
    Ok(download(
        bytes,
        "application/json",
        &format!("persona-{id}.json"),
    ))
}

fn download(bytes: Vec<u8>, kind: &str, name: &str) -> Response {
    use axum::http::header;
    (
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Invites a member to the team that follows the person; a refusal shows the page again with
/// what was typed.
pub async fn team_invite(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    let input = crate::views::teams::invite_input(&pairs);
    match presidio_app::person_teams::invite(&state, visitor.caller(), who, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/persone/{id}#equipe")).into_response()),
        Err(AppError::Invalid(invalid)) => {
            let mut page =
                person_page(&state, &visitor, id, FormErrors::from(&invalid), None, None).await?;
            page.team.keep(&input);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Ends a membership of the person's team.
pub async fn team_remove(
    State(state): State<AppState>,
    Extension(visitor): Extension<Visitor>,
    Path((id, member)): Path<(i64, i64)>,
) -> Result<Response, PageError> {
    let who = super::reports::principal(&visitor)?;
    match presidio_app::person_teams::remove(&state, visitor.caller(), who, id, member).await {
        Ok(()) | Err(AppError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("/persone/{id}#equipe")).into_response())
}
