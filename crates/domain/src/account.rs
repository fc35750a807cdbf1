//! Accounts: the people who use Presidio and the organisations they belong to.

use serde::Serialize;

use crate::access::Role;
use crate::validation::{Invalid, Problem, required_text};

/// The kind of an organisation, by its role in the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// The body running the Ambito (e.g. the consortium).
    EnteGestore,
    /// The cooperative running the Centrale Operativa.
    Cooperativa,
    /// A municipality's social service.
    ServizioSociale,
    /// Police, Carabinieri, local police.
    ForzeOrdine,
    /// Other health services.
    Sanita,
    /// The local health authority: hospital, emergency room, mental-health centre.
    Asst,
    /// An anti-violence centre.
    Cav,
    /// A third-sector body (association, cooperative of the network).
    TerzoSettore,
    Scuola,
    /// Courts and prosecutors (Procura, Tribunale per i minorenni).
    AutoritaGiudiziaria,
    /// A residential community (e.g. for minors).
    Comunita,
    Altro,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 12] = [
        Self::EnteGestore,
        Self::Cooperativa,
        Self::ServizioSociale,
        Self::ForzeOrdine,
        Self::Sanita,
        Self::Asst,
        Self::Cav,
        Self::TerzoSettore,
        Self::Scuola,
        Self::AutoritaGiudiziaria,
        Self::Comunita,
        Self::Altro,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::EnteGestore => "ente_gestore",
            Self::Cooperativa => "cooperativa",
            Self::ServizioSociale => "servizio_sociale",
            Self::ForzeOrdine => "forze_ordine",
            Self::Sanita => "sanita",
            Self::Asst => "asst",
            Self::Cav => "cav",
            Self::TerzoSettore => "terzo_settore",
            Self::Scuola => "scuola",
            Self::AutoritaGiudiziaria => "autorita_giudiziaria",
            Self::Comunita => "comunita",
            Self::Altro => "altro",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code.trim())
    }
}

pub use crate::validation::{USERNAME_MAX, username};

/// A new account as typed in a form or on the command line.
#[derive(Debug, Clone, Default)]
pub struct NewUserInput {
    pub username: String,
    pub name: String,
    pub role: String,
    pub password: String,
}

/// A new account, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub name: String,
    pub role: Role,
}

impl NewUserInput {
    /// Checks every field; the password is checked but not kept (the caller hashes it).
    pub fn validate(&self) -> Result<NewUser, Invalid> {
        let mut errors = Invalid::default();
        let username = username(&mut errors, &self.username);
        let name = required_text(&mut errors, "name", &self.name, 120);
        let role = Role::parse(&self.role);
        if role.is_none() {
            errors.push("role", Problem::UnknownRole);
        }
        if let Err(problem) = crate::password::check(&self.password, &username) {
            errors.push("password", problem);
        }
        match role {
            Some(role) if errors.is_empty() => Ok(NewUser {
                username,
                name,
                role,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_named_when_wrong() {
        let err = NewUserInput {
            username: "M Rossi".into(),
            name: String::new(),
            role: "capo".into(),
            password: "breve".into(),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| (e.field, e.problem)).collect();
        assert_eq!(
            fields,
            vec![
                ("username", Problem::InvalidUsername),
                ("name", Problem::Required),
                ("role", Problem::UnknownRole),
                ("password", Problem::PasswordTooShort),
            ]
        );
    }

    #[test]
    fn a_good_account_is_normalised() {
        let user = NewUserInput {
            username: " MRossi ".into(),
            name: "Mario Rossi".into(),
            role: "operatore_pis".into(),
            password: "Treno-per-Rho-alle-3".into(),
        }
        .validate()
        .unwrap();
        assert_eq!(user.username, "mrossi");
        assert_eq!(user.role, Role::OperatorePis);
    }
}
