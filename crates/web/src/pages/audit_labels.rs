//! How audit entries read on screen: the kind of record, the section read, the roles and the
//! coded reasons in Italian; a free-text reason (a break-glass motive) as written.

use crate::i18n::Tr;

/// The message `prefix-code` when the catalogue has it, else `code` as stored.
fn label(t: Tr<'_>, prefix: &str, code: &str) -> Option<String> {
    let id = format!("{prefix}-{code}");
    t.has(&id).then(|| t.t(&id))
}

/// "Segnalazione 12", "Utente 4"; with the section read, "Segnalazione 12 · vista di campo".
pub fn record(t: Tr<'_>, record_type: &str, record_id: &str, section: &str) -> String {
    if record_type.is_empty() {
        return String::new();
    }
    let kind = label(t, "audit-record", record_type).unwrap_or_else(|| record_type.to_owned());
    let mut text = if record_id.is_empty() {
        kind
    } else {
        format!("{kind} {record_id}")
    };
    if !section.is_empty() {
        text = format!("{text} · {}", self::section(t, section));
    }
    text
}

/// The section of a record that was read, in words.
pub fn section(t: Tr<'_>, section: &str) -> String {
    label(t, "audit-section", section).unwrap_or_else(|| section.to_owned())
}

/// The roles as stored (`coordinatore,analista`), in words.
pub fn roles(t: Tr<'_>, roles: &str) -> String {
    roles
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| label(t, "role", r).unwrap_or_else(|| r.to_owned()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One coded part of a reason: `locked`, a role given to a new account (`analista`), a role
/// added or removed (`+analista@rhodense`).
fn reason_part(t: Tr<'_>, part: &str) -> Option<String> {
    if let Some(words) = label(t, "audit-reason", part).or_else(|| label(t, "role", part)) {
        return Some(words);
    }
    let (sign, rest) = part.split_at_checked(1)?;
    let (role, ambito) = rest.split_once('@')?;
    let role = label(t, "role", role)?;
    let id = match sign {
        "+" => "audit-reason-role-added",
        "-" => "audit-reason-role-removed",
        _ => return None,
    };
    Some(t.t2(id, "role", &role, "ambito", ambito))
}

/// A reason: coded ones (`locked`, `api,totp`) in words, free text as written.
pub fn reason(t: Tr<'_>, reason: &str) -> String {
    // A team member's read names the sections read: `sections=intervento,procedure`.
    if let Some(codes) = reason.strip_prefix("sections=") {
        let sections: Vec<String> = codes
            .split(',')
            .filter(|c| !c.is_empty())
            .map(|c| label(t, "team-section", c).unwrap_or_else(|| c.to_owned()))
            .collect();
        return t.t1("audit-reason-sections", "sections", &sections.join(", "));
    }
    if let Some(id) = reason
        .strip_prefix("conference=")
        .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
    {
        return t.t1("audit-reason-conference", "id", id);
    }
    let coded: Option<Vec<String>> = reason.split(',').map(|part| reason_part(t, part)).collect();
    match coded {
        Some(words) if !reason.is_empty() => words.join(", "),
        _ => reason.to_owned(),
    }
}
