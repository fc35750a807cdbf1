//! How a case team's memberships read on screen: the member's list, the team case page and the
//! report page's team section.

use presidio_app::teams::Membership;
use presidio_domain::team::{Basis, CaseRole, MemberStatus, Section};

use crate::forms::Choice;
use crate::i18n::Tr;

/// A membership as a line.
pub struct MemberLine {
    pub id: i64,
    /// The report's code, or "persona n. …" for a person's team.
    pub code: String,
    /// Where the member reads what the membership opens (`/equipe/casi/…`, `/equipe/persone/…`).
    pub case_href: String,
    /// Where who reads the record whole finds the team (the report's or the person's page).
    pub record_href: String,
    /// The member: a user's name and organisation, or an organisation.
    pub who: String,
    pub role: String,
    pub sections: String,
    /// "fino al 31 dicembre 2026".
    pub until: String,
    pub status: &'static str,
    pub status_label: String,
    /// The decline's reason, when declined.
    pub reason: String,
    /// Still open (invited or accepted, not expired): it can be removed, or the case opened.
    pub open: bool,
    /// A refusal of the answer form, for an invitation.
    pub error: String,
}

pub fn member_line(t: Tr<'_>, m: &Membership) -> MemberLine {
    let s = &m.member;
    let who = match (&s.user_name, &s.organisation_name) {
        (Some(user), Some(org)) => format!("{user} · {org}"),
        (Some(user), None) => user.clone(),
        (None, Some(org)) => org.clone(),
        (None, None) => String::new(),
    };
    let status = if m.expired {
        "expired"
    } else {
        m.status.code()
    };
    let until = presidio_domain::time::parse_date(&s.until_day)
        .map(|d| t.t1("team-until", "day", &t.date_long(d)))
        .unwrap_or_default();
    let (code, case_href, record_href) = match (s.report_id, s.person_id) {
        (Some(report), _) => (
            s.report_code.clone().unwrap_or_default(),
            format!("/equipe/casi/{report}"),
            format!("/segnalazioni/{report}#equipe"),
        ),
        (None, person) => {
            let person = person.unwrap_or_default();
            (
                t.t_args("team-person-ref", &[("id", crate::i18n::Arg::Num(person))]),
                format!("/equipe/persone/{}", s.id),
                format!("/persone/{person}#equipe"),
            )
        }
    };
    MemberLine {
        id: s.id,
        code,
        case_href,
        record_href,
        who,
        role: t.t(&format!("team-role-{}", s.role_in_case)),
        sections: m
            .sections
            .list()
            .iter()
            .map(|x| t.t(&format!("team-section-{}", x.code())))
            .collect::<Vec<_>>()
            .join(", "),
        until,
        status,
        status_label: t.t(&format!("team-status-{status}")),
        reason: s.decline_reason.clone().unwrap_or_default(),
        open: !m.expired && matches!(m.status, MemberStatus::Invited | MemberStatus::Accepted),
        error: String::new(),
    }
}

/// The report page's team section, for who forms the team.
#[derive(Default)]
pub struct TeamSection {
    pub shown: bool,
    /// Where its forms post: `/segnalazioni/{id}/equipe` or `/persone/{id}/equipe`.
    pub base: String,
    /// The label of the basis left empty (a person's team must state one).
    pub basis_empty: &'static str,
    pub members: Vec<MemberLine>,
    pub roles: Vec<Choice>,
    pub sections: Vec<Choice>,
    pub bases: Vec<Choice>,
    pub organisations: Vec<Choice>,
    /// Today and two years ahead, `AAAA-MM-GG`, bounds of the last day.
    pub min_day: String,
    pub max_day: String,
    /// The team's conferences, soonest first.
    pub conferences: Vec<crate::views::conferences::ConferenceLine>,
    /// An invitation refused, as typed, to send again.
    pub user: String,
    pub until: String,
    pub consent: String,
}

impl TeamSection {
    /// Shows the invitation form as `input` typed it.
    pub fn keep(&mut self, input: &presidio_domain::team::MemberInput) {
        let tick = |choices: &mut Vec<Choice>, picked: &[&str]| {
            for c in choices {
                c.selected = picked.contains(&c.value.as_str());
            }
        };
        tick(&mut self.roles, &[input.role_in_case.as_str()]);
        tick(&mut self.bases, &[input.basis.as_str()]);
        tick(&mut self.organisations, &[input.organisation_id.as_str()]);
        let sections: Vec<&str> = input.sections.iter().map(String::as_str).collect();
        tick(&mut self.sections, &sections);
        self.user.clone_from(&input.user);
        self.until.clone_from(&input.until);
        self.consent.clone_from(&input.consent);
    }
}

fn choices<T: Copy>(t: Tr<'_>, all: &[T], code: fn(T) -> &'static str, key: &str) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: code(*v).to_owned(),
            label: t.t(&format!("{key}-{}", code(*v))),
            selected: false,
        })
        .collect()
}

pub fn section(
    t: Tr<'_>,
    base: String,
    members: &[Membership],
    organisations: &[presidio_db::Organisation],
    today: jiff::civil::Date,
) -> TeamSection {
    let max = today
        .checked_add(jiff::Span::new().days(presidio_domain::team::MAX_DAYS))
        .unwrap_or(today);
    TeamSection {
        shown: true,
        basis_empty: if base.starts_with("/persone/") {
            "choose"
        } else {
            "team-basis-default"
        },
        base,
        members: members.iter().map(|m| member_line(t, m)).collect(),
        roles: choices(t, CaseRole::ALL, CaseRole::code, "team-role"),
        sections: choices(t, Section::ALL, Section::code, "team-section"),
        bases: choices(t, Basis::ALL, Basis::code, "team-basis"),
        organisations: organisations
            .iter()
            .map(|o| Choice {
                value: o.id.to_string(),
                label: o.name.clone(),
                selected: false,
            })
            .collect(),
        min_day: today.to_string(),
        max_day: max.to_string(),
        ..TeamSection::default()
    }
}

/// An invitation form as sent (the sections ticked come as repeated pairs).
pub fn invite_input(pairs: &[(String, String)]) -> presidio_domain::team::MemberInput {
    let mut input = presidio_domain::team::MemberInput::default();
    for (k, v) in pairs {
        match k.as_str() {
            "user" => input.user.clone_from(v),
            "organisation_id" => input.organisation_id.clone_from(v),
            "role_in_case" => input.role_in_case.clone_from(v),
            "sections" => input.sections.push(v.clone()),
            "until" => input.until.clone_from(v),
            "basis" => input.basis.clone_from(v),
            "consent" => input.consent.clone_from(v),
            _ => {}
        }
    }
    input
}
