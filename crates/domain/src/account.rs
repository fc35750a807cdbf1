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
    /// Hospital, emergency room, health services.
    Sanita,
    Altro,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 6] = [
        Self::EnteGestore,
        Self::Cooperativa,
        Self::ServizioSociale,
        Self::ForzeOrdine,
        Self::Sanita,
        Self::Altro,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::EnteGestore => "ente_gestore",
            Self::Cooperativa => "cooperativa",
            Self::ServizioSociale => "servizio_sociale",
            Self::ForzeOrdine => "forze_ordine",
            Self::Sanita => "sanita",
            Self::Altro => "altro",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code.trim())
    }
}

/// The longest username.
pub const USERNAME_MAX: usize = 40;

/// A username: 3 to 40 lower-case letters, digits, dots, dashes or underscores.
pub fn username(errors: &mut Invalid, raw: &str) -> String {
    let value = raw.trim().to_lowercase();
    if value.is_empty() {
        errors.push("username", Problem::Required);
    } else if value.len() < 3
        || value.len() > USERNAME_MAX
        || !value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
    {
        errors.push("username", Problem::InvalidUsername);
    }
    value
}

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
