//! The reference data every role reads: the Ambiti and their municipalities (the route's
//! policy decides who may).

use presidio_db::DbError;
use presidio_domain::reference::{Ambito, IstatCode, Municipality};

use crate::App;

/// The Ambiti of the installation.
pub async fn ambiti(app: &App) -> Result<Vec<Ambito>, DbError> {
    app.db.list_ambiti().await
}

/// The Ambiti, each with how many municipalities it has.
pub async fn ambiti_with_counts(app: &App) -> Result<Vec<(Ambito, usize)>, DbError> {
    let mut out = Vec::new();
    for ambito in app.db.list_ambiti().await? {
        let count = app.db.municipalities_of(ambito.id).await?.len();
        out.push((ambito, count));
    }
    Ok(out)
}

/// The Ambito with code `code` and its municipalities; not found for an unknown code.
pub async fn ambito(app: &App, code: &str) -> Result<(Ambito, Vec<Municipality>), DbError> {
    let ambito = app.db.ambito_by_code(code).await?;
    let municipalities = app.db.municipalities_of(ambito.id).await?;
    Ok((ambito, municipalities))
}

/// The municipality with ISTAT code `code`.
pub async fn municipality(app: &App, code: &IstatCode) -> Result<Municipality, DbError> {
    app.db.municipality(code).await
}

/// The municipalities of `ambiti`, Ambito by Ambito.
pub async fn municipalities_of(
    app: &App,
    ambiti: impl IntoIterator<Item = presidio_domain::reference::AmbitoId>,
) -> Result<Vec<Municipality>, DbError> {
    let mut out = Vec::new();
    for ambito in ambiti {
        out.extend(app.db.municipalities_of(ambito).await?);
    }
    Ok(out)
}

/// The name of the municipality `code`, or the code itself when it is not known.
pub async fn municipality_name(app: &App, code: &IstatCode) -> String {
    app.db
        .municipality(code)
        .await
        .map_or_else(|_| code.as_str().to_owned(), |m| m.data.name)
}

/// The storage the installation runs on.
pub fn backend(app: &App) -> presidio_db::Backend {
    app.db.backend()
}

/// Whether the database answers (the readiness check).
pub async fn ready(app: &App) -> Result<(), DbError> {
    app.db.ping().await
}
