//! The network directory: "chi chiamo per…" over the organisations of the user's Ambiti, by
//! words, kind, municipality and target group (24-hour lines first), and the coordinators'
//! keeping of each organisation's card. The organisations are the same records the accounts
//! and the resources use. Searches and cards are audited (never with the text searched).

use presidio_db::{CardToSave, DbError, StoredCard};
use presidio_domain::access::{Permission, Principal};
use presidio_domain::account::OrganisationKind;
use presidio_domain::audit::Action;
use presidio_domain::network::{CardInput, ContactKind, Query, Searched, score};
use presidio_domain::reference::AmbitoId;
use presidio_domain::report::TargetGroup;
use presidio_domain::validation::{Invalid, Problem};

use crate::{App, AppError, Caller};

/// At most this many organisations in one answer.
pub const MAX_RESULTS: usize = 60;

/// A search as typed.
#[derive(Debug, Clone, Default)]
pub struct SearchInput {
    pub q: String,
    pub kind: String,
    pub municipality: String,
    pub target_group: String,
}

fn groups_of(card: &StoredCard) -> Vec<TargetGroup> {
    card.target_groups
        .split(',')
        .filter_map(TargetGroup::parse)
        .collect()
}

/// Whether the card has a 24-hour contact.
pub fn round_the_clock(card: &StoredCard) -> bool {
    card.contacts
        .iter()
        .any(|c| c.kind == ContactKind::H24.code())
}

/// The organisations of the user's Ambiti answering `input`, best first (at most
/// [`MAX_RESULTS`]); with no words, every organisation the filters let through, 24-hour lines
/// first then by name. Refused on a filter that names nothing known. Audited.
pub async fn search(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    input: &SearchInput,
) -> Result<Vec<StoredCard>, AppError> {
    let ambiti = who.ambiti_with(Permission::ReadNetwork);
    if ambiti.is_empty() {
        return Err(AppError::Forbidden);
    }
    let mut e = Invalid::default();
    let kind = match input.kind.trim() {
        "" => None,
        k => {
            let found = OrganisationKind::parse(k).map(OrganisationKind::code);
            if found.is_none() {
                e.push("kind", Problem::UnknownCode);
            }
            found
        }
    };
    let target_group = match input.target_group.trim() {
        "" => None,
        g => {
            let found = TargetGroup::parse(g);
            if found.is_none() {
                e.push("target_group", Problem::UnknownCode);
            }
            found
        }
    };
    let municipality = input.municipality.trim();
    if municipality.len() > 6 || !municipality.chars().all(|c| c.is_ascii_digit()) {
        e.push("municipality", Problem::InvalidIstatCode);
    }
    let words = input.q.trim();
    if words.chars().count() > 200 {
        e.push("q", Problem::TooLong { max: 200 });
    } else if presidio_domain::validation::has_control(words) {
        e.push("q", Problem::ControlCharacter);
    }
    if !e.is_empty() {
        return Err(e.into());
    }
    let query = Query {
        words,
        kind,
        municipality: (!municipality.is_empty()).then_some(municipality),
        target_group,
    };
    let t = presidio_i18n::catalogue().tr(presidio_i18n::Locale::Italian);
    let mut found: Vec<(u32, StoredCard)> = Vec::new();
    for ambito in &ambiti {
        for card in app.db.directory(*ambito).await? {
            let groups = groups_of(&card);
            let label = t.t(&format!("organisation-kind-{}", card.kind));
            let contact_words = card
                .contacts
                .iter()
                .flat_map(|c| [Some(c.label.as_str()), c.referent.as_deref()])
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let searched = Searched {
                name: &card.name,
                kind: &card.kind,
                kind_label: &label,
                municipalities: &card.municipalities,
                target_groups: &groups,
                notes: card.notes.as_deref().unwrap_or(""),
                contact_words: &contact_words,
                round_the_clock: round_the_clock(&card),
            };
            if let Some(s) = score(&query, &searched) {
                found.push((s, card));
            }
        }
    }
    found.sort_by(|(a, x), (b, y)| b.cmp(a).then_with(|| x.name.cmp(&y.name)));
    found.truncate(MAX_RESULTS);
    let mut entry = app
        .entry(caller, Action::Read)
        .record("network", ambiti[0].0);
    "network".clone_into(&mut entry.section);
    entry.reason = format!("results={}", found.len());
    app.audit.append(entry).await?;
    Ok(found.into_iter().map(|(_, c)| c).collect())
}

/// Organisation `id`'s card, for who reads the directory of its Ambito. Audited.
pub async fn card(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    id: i64,
) -> Result<StoredCard, AppError> {
    let ambito = match app.db.organisation_ambito(id).await {
        Err(DbError::NotFound) => return Err(AppError::NotFound),
        other => other?,
    };
    if !who.may_in(Permission::ReadNetwork, ambito) {
        return Err(AppError::NotFound);
    }
    let card = app
        .db
        .directory(ambito)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(AppError::NotFound)?;
    let mut entry = app.entry(caller, Action::Read).record("organisation", id);
    "network".clone_into(&mut entry.section);
    app.audit.append(entry).await?;
    Ok(card)
}

/// An organisation's card as typed: its name and kind, the Ambito's code when the user keeps
/// the directory of several, and the card.
#[derive(Debug, Clone, Default)]
pub struct SaveInput {
    pub name: String,
    pub kind: String,
    pub ambito: String,
    pub card: CardInput,
}

/// Adds an organisation to the directory (`target` none) or saves organisation `id`'s card
/// read at `version` (409 when it changed since), for a coordinator of its Ambito. Refused on
/// the field at fault, writing nothing. Audited.
pub async fn save(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    target: Option<(i64, i64)>,
    input: &SaveInput,
) -> Result<i64, AppError> {
    let ambito = match target {
        Some((id, _)) => {
            let ambito = match app.db.organisation_ambito(id).await {
                Err(DbError::NotFound) => return Err(AppError::NotFound),
                other => other?,
            };
            if !who.may_in(Permission::ReadNetwork, ambito) {
                return Err(AppError::NotFound);
            }
            ambito
        }
        None => chosen_ambito(app, who, &input.ambito).await?,
    };
    if !who.may_in(Permission::ManageNetwork, ambito) {
        return Err(AppError::Forbidden);
    }
    let known: Vec<String> = app
        .db
        .municipalities_of(ambito)
        .await?
        .into_iter()
        .map(|m| m.data.istat_code.as_str().to_owned())
        .collect();
    let mut e = Invalid::default();
    let name = presidio_domain::validation::required_text(
        &mut e,
        "name",
        &input.name,
        crate::accounts::ORGANISATION_NAME_MAX,
    );
    let kind = OrganisationKind::parse(&input.kind);
    if kind.is_none() {
        e.push(
            "kind",
            if input.kind.trim().is_empty() {
                Problem::Required
            } else {
                Problem::UnknownCode
            },
        );
    }
    let card = match input.card.validate(|c| known.iter().any(|k| k == c)) {
        Ok(card) => Some(card),
        Err(more) => {
            e.0.extend(more.0);
            None
        }
    };
    let (Some(kind), Some(card), true) = (kind, card, e.is_empty()) else {
        return Err(e.into());
    };
    let save = CardToSave {
        name: &name,
        kind,
        card: &card,
    };
    let action = if target.is_some() {
        Action::OrganisationUpdated
    } else {
        Action::OrganisationCreated
    };
    match app
        .db
        .save_card(ambito, target, save, &app.entry(caller, action))
        .await
    {
        Err(DbError::Conflict) => Err(AppError::Conflict("stale_version")),
        other => Ok(other?),
    }
}

/// The Ambito a new organisation goes to: the only one whose directory the user keeps, or the
/// one whose code they chose.
pub(crate) async fn chosen_ambito(
    app: &App,
    who: &Principal,
    code: &str,
) -> Result<AmbitoId, AppError> {
    chosen_with(app, who, Permission::ManageNetwork, code).await
}

/// The Ambito of code `code` among those where the user holds `permission` (blank: the only
/// one); refused on `ambito` otherwise, forbidden when there is none.
pub(crate) async fn chosen_with(
    app: &App,
    who: &Principal,
    permission: Permission,
    code: &str,
) -> Result<AmbitoId, AppError> {
    let mine = who.ambiti_with(permission);
    match (mine.as_slice(), code.trim()) {
        ([], _) => Err(AppError::Forbidden),
        ([only], "") => Ok(*only),
        (_, "") => Err(Invalid::one("ambito", Problem::Required).into()),
        (_, code) => {
            for id in &mine {
                if app.db.ambito(*id).await?.code == code {
                    return Ok(*id);
                }
            }
            Err(Invalid::one("ambito", Problem::UnknownCode).into())
        }
    }
}

/// The Ambiti whose directory the user keeps, with their municipalities: for the form.
pub async fn form_choices(
    app: &App,
    who: &Principal,
) -> Result<
    Vec<(
        presidio_domain::reference::Ambito,
        Vec<presidio_domain::reference::Municipality>,
    )>,
    AppError,
> {
    let mut out = Vec::new();
    for id in who.ambiti_with(Permission::ReadNetwork) {
        let ambito = app.db.ambito(id).await?;
        let municipalities = app.db.municipalities_of(id).await?;
        out.push((ambito, municipalities));
    }
    Ok(out)
}

/// The reporting partners a user recording reports may choose at intake: those of the Ambiti
/// where they record cases, by name.
pub async fn reporting_partners(
    app: &App,
    who: &Principal,
) -> Result<Vec<presidio_db::ReportingPartner>, AppError> {
    let ambiti = who.ambiti_with(Permission::WriteCases);
    Ok(app.db.reporting_partners(&ambiti).await?)
}

/// The report as typed, with what its reporting partner says of it where left empty: the
/// reporter kind and the organisation's name. Unchanged without a partner, or with one that is
/// not (or no longer) a reporting partner, which [`check_partner`] then refuses.
pub(crate) async fn with_partner(
    app: &App,
    input: &presidio_domain::report::ReportInput,
) -> Result<Option<presidio_domain::report::ReportInput>, DbError> {
    let Some(id) = input.reporter.organisation_id.filter(|id| *id > 0) else {
        return Ok(None);
    };
    let (kind_empty, name_empty) = (
        input.reporter.kind.trim().is_empty(),
        input.reporter.organization.trim().is_empty(),
    );
    if !kind_empty && !name_empty {
        return Ok(None);
    }
    let Some(partner) = app.db.reporting_partner(id).await? else {
        return Ok(None);
    };
    let mut filled = input.clone();
    if kind_empty {
        filled.reporter.kind = partner.reporter_kind;
    }
    if name_empty {
        filled.reporter.organization = partner.name;
    }
    Ok(Some(filled))
}

/// Refuses on `reporter.organisation_id` a reporting partner that is not one of `ambito`'s
/// directory. `before` is the partner the report named already: kept, it stands even if the
/// organisation no longer reports.
pub(crate) async fn check_partner(
    app: &App,
    ambito: AmbitoId,
    chosen: Option<i64>,
    before: Option<i64>,
) -> Result<(), AppError> {
    let Some(id) = chosen else { return Ok(()) };
    if before == Some(id) {
        return Ok(());
    }
    match app.db.reporting_partner(id).await? {
        Some(p) if p.ambito_id == ambito.0 => Ok(()),
        _ => Err(Invalid::one("reporter.organisation_id", Problem::NotReportingPartner).into()),
    }
}

/// The reporting partner of a report sent from the portal: the sender's organisation, when the
/// directory has it as one.
pub(crate) async fn sender_partner(
    app: &App,
    who: &Principal,
    ambito: AmbitoId,
) -> Result<Option<i64>, DbError> {
    Ok(app
        .db
        .reporting_partner(who.organisation_id)
        .await?
        .filter(|p| p.ambito_id == ambito.0)
        .map(|p| p.id))
}
