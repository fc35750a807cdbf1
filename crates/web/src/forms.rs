//! Form errors as the templates show them: one Italian message per field, and a summary;
//! and the search forms that the pages and the API read alike.

use std::collections::BTreeMap;

use presidio_db::{AuditFilter, PersonQuery};
use presidio_domain::audit::Action;
use presidio_domain::report::identity::is_fiscal_code;
use presidio_domain::validation::{Invalid, Problem};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::i18n::{Locale, catalogue};

/// The refused fields of a submitted form, with their messages.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    by_field: BTreeMap<&'static str, String>,
    /// The messages in the order the fields were checked, for the summary at the top.
    pub all: Vec<(&'static str, String)>,
}

impl From<&Invalid> for FormErrors {
    fn from(invalid: &Invalid) -> Self {
        let t = catalogue().tr(Locale::Italian);
        let mut out = Self::default();
        for e in &invalid.0 {
            let message = t.field_error(e);
            out.by_field
                .entry(e.field)
                .or_insert_with(|| message.clone());
            out.all.push((e.field, message));
        }
        out
    }
}

impl FormErrors {
    /// The errors of `invalid`, with the labels a form shows for some of its fields (message
    /// ids, e.g. `start` labelled `roster-start`, "Inizio del turno"), so that a message names
    /// each field as the form does.
    pub fn labelled(invalid: &Invalid, labels: &[(&str, &str)]) -> Self {
        let t = catalogue().tr(Locale::Italian);
        let mut out = Self::default();
        for e in &invalid.0 {
            let message = match labels.iter().find(|(field, _)| *field == e.field) {
                Some((_, label)) => {
                    let generic = t.field_error(e);
                    let default = t.field_label(e.field);
                    generic.replacen(&default, &t.t(label), 1)
                }
                None => t.field_error(e),
            };
            out.by_field
                .entry(e.field)
                .or_insert_with(|| message.clone());
            out.all.push((e.field, message));
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// The same errors on the form's own field names (`from` → `dal`), so that the summary's
    /// links reach the inputs.
    #[must_use]
    pub fn renamed(mut self, names: &[(&str, &'static str)]) -> Self {
        let rename = |field: &'static str| {
            names
                .iter()
                .find(|(from, _)| *from == field)
                .map_or(field, |(_, to)| *to)
        };
        self.by_field = self
            .by_field
            .into_iter()
            .map(|(k, v)| (rename(k), v))
            .collect();
        for (field, _) in &mut self.all {
            *field = rename(field);
        }
        self
    }

    /// The message for `field`, or an empty text.
    pub fn get(&self, field: &str) -> &str {
        self.by_field.get(field).map_or("", String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.by_field.contains_key(field)
    }
}

/// The audit search (`/amministrazione/audit`, `GET /api/v1/audit`).
#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub record_type: String,
    #[serde(default)]
    pub record_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

impl AuditQuery {
    /// The storage filter, or the refused fields.
    pub fn filter(&self, limit: i64) -> Result<AuditFilter, Invalid> {
        let mut errors = Invalid::default();
        let (from, to) = presidio_domain::validation::day_range(&mut errors, &self.from, &self.to);
        if !self.action.is_empty() && Action::parse(&self.action).is_none() {
            errors.push("action", Problem::InvalidCode);
        }
        errors.into_result(AuditFilter {
            actor: self.actor.trim().to_lowercase(),
            action: self.action.trim().to_owned(),
            record_type: self.record_type.trim().to_owned(),
            record_id: self.record_id.trim().to_owned(),
            from,
            to,
            before_seq: None,
            limit,
        })
    }
}

/// A name part shorter than this would match too many people.
const NAME_MIN: usize = 3;

/// The search of "who has seen this person's record" (`/amministrazione/accessi-persona`,
/// `GET /api/v1/audit/person`).
#[derive(Debug, Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonAccessQuery {
    /// Codice fiscale della persona (esatto).
    #[serde(default)]
    pub fiscal_code: String,
    /// Parte del nome o dello pseudonimo (almeno 3 caratteri).
    #[serde(default)]
    pub name: String,
}

impl PersonAccessQuery {
    pub fn is_empty(&self) -> bool {
        self.fiscal_code.trim().is_empty() && self.name.trim().is_empty()
    }

    /// What to look for: the fiscal code when given, else the name.
    pub fn query(&self) -> Result<PersonQuery, Invalid> {
        let mut errors = Invalid::default();
        let code = self.fiscal_code.trim();
        let name = self.name.trim();
        if !code.is_empty() {
            if !is_fiscal_code(code) {
                errors.push("fiscal_code", Problem::InvalidFiscalCode);
            }
            return errors.into_result(PersonQuery::FiscalCode(code.to_uppercase()));
        }
        if name.is_empty() {
            errors.push("fiscal_code", Problem::Required);
        } else if name.chars().count() < NAME_MIN {
            errors.push("name", Problem::TooShort);
        } else if name.chars().count() > 100 {
            errors.push("name", Problem::TooLong { max: 100 });
        }
        errors.into_result(PersonQuery::Name(name.to_owned()))
    }
}

// Marks the user's notifications as read (the body of the page's form and of the API).
#[derive(Deserialize, ToSchema)]
pub struct ReadForm {
    /// Every notification up to this id (included) is marked as read.
    pub up_to: i64,
}

/// One option of a select or a checkbox list.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The file sent in field `name` of an upload form: its name as sent and its bytes; `None`
/// when there is none (or it is empty).
pub async fn uploaded(mut form: axum::extract::Multipart, name: &str) -> Option<(String, Vec<u8>)> {
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some(name) {
            let file = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.ok()?;
            return (!bytes.is_empty()).then(|| (file, bytes.to_vec()));
        }
    }
    None
}

/// A kept PDF as a download: its type, its name (quoted, already cleaned when kept) and no
/// caching.
pub fn pdf_download(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let disposition = format!("attachment; filename=\"{}\"", name.replace('"', ""));
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// A file to download: its type, its name, its content.
pub fn attachment(content_type: &str, name: &str, body: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", name.replace('"', "")),
            ),
        ],
        body,
    )
        .into_response()
}
