//! The first run: a one-time link, printed by the server on an empty database, lets whoever
//! holds it create the first administrator. There is no default password.

use presidio_db::{SetupError, UserToCreate};
use presidio_domain::access::Principal;
use presidio_domain::account::NewUserInput;
use presidio_domain::audit::Action;
use presidio_domain::validation::{Invalid, Problem};

use crate::{App, AppError, Caller};

/// Whether `code` is the set-up link's, still unused; and the name of the installation's
/// first Ambito (the administrator's organisation, as proposed).
pub async fn link(app: &App, code: &str) -> Result<(bool, Option<String>), AppError> {
    let valid = app
        .db
        .setup_token_valid(&crate::secret::stored(code))
        .await?;
    let ambito = app.db.list_ambiti().await?.into_iter().next();
    Ok((valid, ambito.map(|a| a.name)))
}

/// The first administrator as typed.
#[derive(Debug, Default, Clone)]
pub struct FirstAdmin {
    pub organisation: String,
    pub username: String,
    pub name: String,
    pub password: String,
    pub password_confirm: String,
}

/// What the set-up came to.
#[derive(Debug)]
pub enum Setup {
    /// The administrator, created in the first Ambito: a session can start.
    Done(Box<Principal>),
    /// The link is unknown or already used: nothing was written.
    LinkInvalid,
    /// No Ambito is loaded yet (or the new account could not be read back): try again later.
    Unavailable,
}

/// Creates the first administrator with the link `code`, spending it. Refused on
/// `organisation`, `username`, `name`, `password` and `password_confirm`.
pub async fn complete(
    app: &App,
    caller: Caller<'_>,
    code: &str,
    input: &FirstAdmin,
) -> Result<Setup, AppError> {
    let token_hash = crate::secret::stored(code);
    if !app.db.setup_token_valid(&token_hash).await? {
        return Ok(Setup::LinkInvalid);
    }
    let mut errors = Invalid::default();
    let organisation = input.organisation.trim().to_owned();
    if organisation.is_empty() {
        errors.push("organisation", Problem::Required);
    }
    let user = NewUserInput {
        username: input.username.clone(),
        name: input.name.clone(),
        role: "admin".into(),
        password: input.password.clone(),
    }
    .validate();
    if let Err(e) = &user {
        errors.0.extend(e.0.iter().cloned());
    }
    if input.password != input.password_confirm {
        errors.push("password_confirm", Problem::PasswordMismatch);
    }
    let (Ok(user), true) = (user, errors.is_empty()) else {
        return Err(errors.into());
    };
    let Some(ambito) = app.db.list_ambiti().await?.into_iter().next() else {
        return Ok(Setup::Unavailable);
    };
    let hash = crate::password::hash(input.password.clone()).await;
    let created = app
        .db
        .complete_setup(
            &token_hash,
            &organisation,
            &UserToCreate {
                user: &user,
                organisation: presidio_db::OrganisationChoice::Named {
                    name: &organisation,
                    kind: presidio_domain::account::OrganisationKind::EnteGestore,
                },
                ambito: ambito.id,
                municipalities: &[],
                password_hash: &hash,
            },
            &app.entry(caller, Action::SetupCompleted),
        )
        .await;
    let id = match created {
        Ok(id) => id,
        Err(SetupError::Invalid) => return Ok(Setup::LinkInvalid),
        Err(SetupError::Db(e)) => return Err(e.into()),
    };
    Ok(match app.db.principal(id).await? {
        Some(principal) => Setup::Done(Box::new(principal)),
        None => Setup::Unavailable,
    })
}
