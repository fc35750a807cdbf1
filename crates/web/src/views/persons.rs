//! How a person record is shown: the identity lines of the page and the export, and the
//! person's own data (right of access) as the API's JSON and as a PDF sheet.

use presidio_app::persons::{Export, ExportedReport};
use presidio_db::StoredPerson;
use presidio_domain::time::UtcMillis;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Section, Sheet};
use crate::i18n::Tr;

/// A value, or "Non indicato".
pub fn or_dash(t: Tr<'_>, v: Option<&str>) -> String {
    v.map_or_else(|| t.t("value-none"), ToOwned::to_owned)
}

/// The identity lines of a person record (the person's page, the export).
pub fn identity(
    t: Tr<'_>,
    r: &presidio_db::StoredPerson,
    residence: Option<&str>,
) -> Vec<(String, String)> {
    vec![
        (t.t("field-sex"), t.t(&format!("sex-{}", r.sex))),
        (
            t.t("field-birth_date"),
            r.birth_date
                .as_deref()
                .and_then(|d| d.parse::<jiff::civil::Date>().ok())
                .map_or_else(|| t.t("value-none"), |d| t.date(d)),
        ),
        (
            t.t("field-birth_year"),
            r.birth_year
                .map_or_else(|| t.t("value-none"), |y| y.to_string()),
        ),
        (
            t.t("field-age_band"),
            r.age_band
                .as_deref()
                .map_or_else(|| t.t("value-none"), |b| t.t(&format!("age-band-{b}"))),
        ),
        (
            t.t("field-birth_place"),
            or_dash(t, r.birth_place.as_deref()),
        ),
        (
            t.t("field-citizenship"),
            or_dash(t, r.citizenship.as_deref()),
        ),
        (
            t.t("field-fiscal_code"),
            or_dash(t, r.fiscal_code.as_deref()),
        ),
        (t.t("field-languages"), or_dash(t, r.languages.as_deref())),
        (
            t.t("person-mediator"),
            t.t(if r.needs_mediator == 1 {
                "value-yes"
            } else {
                "value-no"
            }),
        ),
        (t.t("field-residence"), or_dash(t, residence)),
        (t.t("field-contacts"), or_dash(t, r.contacts.as_deref())),
    ]
}

fn rfc3339(at: i64) -> String {
    UtcMillis(at).timestamp().to_string()
}

/// A person record as exported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportRecord {
    pub id: i64,
    pub ambito_id: i64,
    pub name: Option<String>,
    /// `M`, `F`, `X`
    pub sex: String,
    pub birth_date: Option<String>,
    pub birth_year: Option<i64>,
    pub age_band: Option<String>,
    pub birth_place: Option<String>,
    pub citizenship: Option<String>,
    pub fiscal_code: Option<String>,
    pub languages: Option<String>,
    pub needs_mediator: bool,
    pub residence: Option<String>,
    pub contacts: Option<String>,
    pub safety_notes: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

fn record(r: &StoredPerson) -> ExportRecord {
    ExportRecord {
        id: r.id,
        ambito_id: r.ambito_id,
        name: r.name.clone(),
        sex: r.sex.clone(),
        birth_date: r.birth_date.clone(),
        birth_year: r.birth_year,
        age_band: r.age_band.clone(),
        birth_place: r.birth_place.clone(),
        citizenship: r.citizenship.clone(),
        fiscal_code: r.fiscal_code.clone(),
        languages: r.languages.clone(),
        needs_mediator: r.needs_mediator == 1,
        residence: r.residence.clone(),
        contacts: r.contacts.clone(),
        safety_notes: r.safety_notes.clone(),
        created_at: rfc3339(r.created_at),
        updated_at: rfc3339(r.updated_at),
    }
}

/// A name or alias, where it comes from and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportName {
    pub person_id: i64,
    /// `name`, `alias`
    pub kind: String,
    pub value: String,
    /// `segnalazione`, `correzione`
    pub source: String,
    pub report_code: Option<String>,
    pub at: String,
}

/// A link between two records of the person, standing or undone.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportLink {
    pub person_id: i64,
    pub other_id: i64,
    pub reason: String,
    pub linked_at: String,
    pub unlinked_at: Option<String>,
    pub unlink_reason: Option<String>,
}

/// A correction of the record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportCorrection {
    pub at: String,
    pub field: String,
    pub previous: Option<String>,
    pub value: Option<String>,
}

/// The person as a report names them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportLine {
    pub role: String,
    pub name: Option<String>,
    pub alias: Option<String>,
    pub sex: String,
    pub age: Option<u8>,
    pub age_band: Option<String>,
    pub citizenship: Option<String>,
    pub fiscal_code: Option<String>,
    pub language: Option<String>,
    pub needs_mediator: bool,
}

/// A resource activated in a report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportPlacement {
    /// A protected shelter reads "Struttura protetta tramite CAV".
    pub resource: String,
    pub status: String,
    pub nights: i64,
}

/// A handover of a report to a municipal social service.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportHandover {
    pub municipality_name: String,
    pub status: String,
    pub sent_at: String,
    pub reason: String,
}

/// A report naming the person: what it says of them (never of the other people in it).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportReport {
    pub code: String,
    pub received_at: String,
    pub municipality: Option<String>,
    pub place: Option<String>,
    pub target_group: String,
    pub status: String,
    pub outcome: Option<String>,
    pub closing_outcome: Option<String>,
    pub description: String,
    pub lines: Vec<ExportLine>,
    pub placements: Vec<ExportPlacement>,
    pub handovers: Vec<ExportHandover>,
}

/// A data-protection record: a notice, a consent or its withdrawal, a request and its decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrivacyView {
    pub id: i64,
    pub person_id: i64,
    /// `informativa`, `consenso`, `revoca_consenso`, `limitazione`, `cancellazione`,
    /// `opposizione`
    pub kind: String,
    /// `AAAA-MM-GG`: when the notice or consent was given, or the request received.
    pub on: String,
    /// For the notice: `orale`, `scritta`, `mediatore`, `non_possibile`.
    pub how: Option<String>,
    pub purpose: Option<String>,
    pub recipient: Option<String>,
    pub notes: Option<String>,
    /// For a request: `accolta`, `respinta`; null while undecided.
    pub decision: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_at: Option<String>,
}

pub fn privacy_view(p: &presidio_db::StoredPrivacy) -> PrivacyView {
    PrivacyView {
        id: p.id,
        person_id: p.person_id,
        kind: p.kind.clone(),
        on: p.on_day.clone(),
        how: p.how.clone(),
        purpose: p.purpose.clone(),
        recipient: p.recipient.clone(),
        notes: p.notes.clone(),
        decision: p.decision.clone(),
        decision_reason: p.decision_reason.clone(),
        decided_at: p.decided_at.map(rfc3339),
    }
}

/// A data-protection record in words: (what and when, the details and the decision).
pub fn privacy_line(t: Tr<'_>, p: &presidio_db::StoredPrivacy) -> (String, String) {
    let day = p
        .on_day
        .parse::<jiff::civil::Date>()
        .map_or_else(|_| p.on_day.clone(), |d| t.date(d));
    let what = format!("{} · {day}", t.t(&format!("privacy-kind-{}", p.kind)));
    let mut details: Vec<String> = Vec::new();
    if let Some(how) = &p.how {
        details.push(t.t(&format!("privacy-how-{how}")));
    }
    if let Some(purpose) = &p.purpose {
        details.push(purpose.clone());
    }
    if let Some(recipient) = &p.recipient {
        details.push(t.t1("privacy-recipient", "name", recipient));
    }
    if let Some(notes) = &p.notes {
        details.push(notes.clone());
    }
    let is_request = presidio_domain::privacy::PrivacyKind::parse(&p.kind)
        .is_some_and(presidio_domain::privacy::PrivacyKind::is_request);
    match (&p.decision, p.decided_at) {
        (Some(d), Some(at)) => details.push(t.t_args(
            "privacy-decided",
            &[
                (
                    "decision",
                    crate::i18n::Arg::Str(&t.t(&format!("privacy-decision-{d}"))),
                ),
                ("date", crate::i18n::Arg::Str(&t.date_time(UtcMillis(at)))),
                (
                    "reason",
                    crate::i18n::Arg::Str(p.decision_reason.as_deref().unwrap_or("")),
                ),
            ],
        )),
        _ if is_request => details.push(t.t("privacy-pending")),
        _ => {}
    }
    (what, details.join(" · "))
}

/// Everything held about a person, for an administrator to hand over to them.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportView {
    pub generated_at: String,
    pub person: ExportRecord,
    /// The records linked to it (the same person found twice).
    pub linked: Vec<ExportRecord>,
    pub names: Vec<ExportName>,
    pub links: Vec<ExportLink>,
    pub corrections: Vec<ExportCorrection>,
    /// Oldest first.
    pub reports: Vec<ExportReport>,
    /// Notices, consents, requests and their decisions, newest first.
    pub privacy: Vec<PrivacyView>,
}

fn report(t: Tr<'_>, e: &ExportedReport) -> ExportReport {
    let r = &e.report;
    ExportReport {
        code: r.code.clone(),
        received_at: r.data.received_at.timestamp().to_string(),
        municipality: r.data.municipality.as_ref().map(|m| m.as_str().to_owned()),
        place: r.data.place.clone(),
        target_group: r.data.target_group.code().into(),
        status: r.status.code().into(),
        outcome: r.outcome.map(|o| o.code().into()),
        closing_outcome: r.closing_outcome.map(|c| c.code().into()),
        description: r.data.description.clone(),
        lines: e
            .lines
            .iter()
            .map(|p| ExportLine {
                role: p.role.code().into(),
                name: p.name.clone(),
                alias: p.alias.clone(),
                sex: p.sex.code().into(),
                age: p.age,
                age_band: p.age_band.map(|b| b.code().into()),
                citizenship: p.citizenship.clone(),
                fiscal_code: p.fiscal_code.clone(),
                language: p.language.clone(),
                needs_mediator: p.needs_mediator,
            })
            .collect(),
        placements: e
            .activations
            .iter()
            .map(|a| ExportPlacement {
                resource: super::resource_name(t, a),
                status: a.status.clone(),
                nights: a.nights,
            })
            .collect(),
        handovers: e
            .handovers
            .iter()
            .map(|h| ExportHandover {
                municipality_name: h.municipality_name.clone(),
                status: h.status.clone(),
                sent_at: rfc3339(h.sent_at),
                reason: h.reason.clone(),
            })
            .collect(),
    }
}

/// The export as the API gives it.
pub fn export_view(t: Tr<'_>, x: &Export, now: UtcMillis) -> ExportView {
    ExportView {
        generated_at: now.timestamp().to_string(),
        person: record(&x.record),
        linked: x.linked.iter().map(record).collect(),
        names: x
            .names
            .iter()
            .map(|n| ExportName {
                person_id: n.person_id,
                kind: n.kind.clone(),
                value: n.value.clone(),
                source: n.source.clone(),
                report_code: n.report_code.clone(),
                at: rfc3339(n.at),
            })
            .collect(),
        links: x
            .links
            .iter()
            .map(|l| ExportLink {
                person_id: l.person_id,
                other_id: l.other_id,
                reason: l.reason.clone(),
                linked_at: rfc3339(l.linked_at),
                unlinked_at: l.unlinked_at.map(rfc3339),
                unlink_reason: l.unlink_reason.clone(),
            })
            .collect(),
        corrections: x
            .corrections
            .iter()
            .map(|c| ExportCorrection {
                at: rfc3339(c.at),
                field: c.field.clone(),
                previous: c.previous.clone(),
                value: c.value.clone(),
            })
            .collect(),
        reports: x.reports.iter().map(|e| report(t, e)).collect(),
        privacy: x.privacy.iter().map(privacy_view).collect(),
    }
}

fn report_section(t: Tr<'_>, e: &ExportedReport) -> Section {
    let r = &e.report;
    let mut rows = vec![
        (t.t("field-received_at"), t.date_time(r.data.received_at)),
        (
            t.t("field-target_group"),
            t.t(&format!("target-{}", r.data.target_group.code())),
        ),
        (
            t.t("field-status"),
            t.t(&format!("status-{}", r.status.code())),
        ),
        (
            t.t("export-outcome"),
            t.t(&format!(
                "outcome-{}",
                r.outcome.map_or("none", |o| o.code())
            )),
        ),
        (t.t("field-description"), r.data.description.clone()),
    ];
    for p in &e.lines {
        rows.push((
            t.t("field-role"),
            t.t(&format!("person-role-{}", p.role.code())),
        ));
        rows.push((t.t("person-name"), or_dash(t, p.name.as_deref())));
    }
    for a in &e.activations {
        rows.push((
            t.t("export-placement"),
            format!(
                "{} · {}",
                super::resource_name(t, a),
                t.t(&format!("activation-{}", a.status))
            ),
        ));
    }
    for h in &e.handovers {
        rows.push((
            t.t("export-handover"),
            format!(
                "{} · {}",
                h.municipality_name,
                t.t(&format!("handover-status-{}", h.status))
            ),
        ));
    }
    Section {
        heading: t.t1("export-report", "code", &r.code),
        rows,
    }
}

/// The export as a readable sheet (the PDF).
pub fn export_sheet(t: Tr<'_>, x: &Export, residence: Option<&str>, now: UtcMillis) -> Sheet {
    let name = x
        .record
        .name
        .clone()
        .unwrap_or_else(|| t.t("person-unknown"));
    let mut identity = identity(t, &x.record, residence);
    identity.insert(0, (t.t("field-name"), name.clone()));
    if let Some(notes) = &x.record.safety_notes {
        identity.push((t.t("field-safety_notes"), notes.clone()));
    }
    let mut sections = vec![
        Section {
            heading: t.t("person-identity"),
            rows: identity,
        },
        Section {
            heading: t.t("person-names"),
            rows: x
                .names
                .iter()
                .map(|n| {
                    (
                        t.t(&format!("person-name-kind-{}", n.kind)),
                        match &n.report_code {
                            Some(code) => format!("{} ({code})", n.value),
                            None => n.value.clone(),
                        },
                    )
                })
                .collect(),
        },
    ];
    if !x.corrections.is_empty() {
        sections.push(Section {
            heading: t.t("person-corrections"),
            rows: x
                .corrections
                .iter()
                .map(|c| {
                    (
                        t.t(&format!("field-{}", c.field)),
                        format!(
                            "{}: {} → {}",
                            t.date_time(UtcMillis(c.at)),
                            or_dash(t, c.previous.as_deref()),
                            or_dash(t, c.value.as_deref())
                        ),
                    )
                })
                .collect(),
        });
    }
    if !x.privacy.is_empty() {
        sections.push(Section {
            heading: t.t("privacy-title"),
            rows: x.privacy.iter().map(|p| privacy_line(t, p)).collect(),
        });
    }
    sections.extend(x.reports.iter().map(|e| report_section(t, e)));
    Sheet {
        title: t.t1("export-title", "name", &name),
        subtitle: t.t1("export-subtitle", "at", &t.date_time(now)),
        sections,
    }
}
