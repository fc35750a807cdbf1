//! SIUSS, the national information system of social services: an Ambito's settings (the body
//! sending the flows and which `CodicePrestazione` each kind of intervention and activation
//! becomes), kept by its administrators. Every reading and change is audited.

use presidio_db::StoredSiuss;
use presidio_domain::access::{Permission, Principal};
use presidio_domain::audit::Action;
use presidio_domain::reference::AmbitoId;
use presidio_domain::siuss::settings::SettingsInput;

use crate::{App, AppError, Caller};

/// The Ambito whose SIUSS settings `who` keeps: `asked`, when they may there (not found
/// otherwise), or the first where they may (forbidden when none).
pub fn ambito_of(who: &Principal, asked: Option<i64>) -> Result<AmbitoId, AppError> {
    let mine = who.ambiti_with(Permission::ManageSiuss);
    match asked {
        Some(id) => mine
            .into_iter()
            .find(|a| a.0 == id)
            .ok_or(AppError::NotFound),
        None => mine.first().copied().ok_or(AppError::Forbidden),
    }
}

/// The SIUSS settings of Ambito `asked` (or the first `who` keeps), with the version a change
/// must name; the reading is audited.
pub async fn settings(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    asked: Option<i64>,
) -> Result<(AmbitoId, StoredSiuss), AppError> {
    let ambito = ambito_of(who, asked)?;
    let stored = app.db.siuss_settings(ambito).await?;
    let mut entry = app.entry(caller, Action::Read).record("ambito", ambito.0);
    "siuss".clone_into(&mut entry.section);
    app.audit.append(entry).await?;
    Ok((ambito, stored))
}

/// Replaces the SIUSS settings of Ambito `asked` (or the first `who` keeps), still at
/// `version`: refused by field with nothing changed, `Conflict` when another change came
/// first. Audited; returns the settings as stored.
pub async fn set(
    app: &App,
    caller: Caller<'_>,
    who: &Principal,
    asked: Option<i64>,
    input: &SettingsInput<'_>,
    version: i64,
) -> Result<(AmbitoId, StoredSiuss), AppError> {
    let ambito = ambito_of(who, asked)?;
    let settings = input.validate()?;
    let entry = app.entry(caller, Action::SettingsChanged);
    app.db
        .set_siuss_settings(ambito, &settings, version, &entry)
        .await?;
    Ok((ambito, app.db.siuss_settings(ambito).await?))
}
