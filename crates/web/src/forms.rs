//! Form errors as the templates show them: one Italian message per field, and a summary.

use std::collections::BTreeMap;

use presidio_domain::validation::Invalid;

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
