//! Who may do what: roles, permissions and the need-to-know rules for case records.
//!
//! Deny by default: a permission is granted only by a role that lists it, and only inside the
//! Ambito the role was given for. The web layer asks [`Principal::may`] for every route and
//! [`case_access`] for every case record; nothing else decides.

use serde::Serialize;

use crate::reference::{AmbitoId, IstatCode};

/// A user's function in the service. Stored and exchanged by its Italian code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Configures the installation: accounts, organisations, reference data, audit.
    Admin,
    /// Oversees the Centrale Operativa of an Ambito; sees every case of it.
    Coordinatore,
    /// Call-taker: records and triages reports.
    OperatoreCentrale,
    /// Field operator on call: intervenes and activates resources.
    OperatorePis,
    /// Municipal social service: sees the cases handed to its municipalities.
    ServizioSociale,
    /// Trusted reporter (police, hospital): sends reports and follows their status.
    Segnalante,
    /// Planning and statistics: aggregates only, never personal data.
    Analista,
    /// A partner organisation's worker (hospital, CAV, community, police, third sector): sees
    /// only the cases whose team they belong to, and only the sections their grant names.
    Partner,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Self::Admin,
        Self::Coordinatore,
        Self::OperatoreCentrale,
        Self::OperatorePis,
        Self::ServizioSociale,
        Self::Segnalante,
        Self::Analista,
        Self::Partner,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Coordinatore => "coordinatore",
            Self::OperatoreCentrale => "operatore_centrale",
            Self::OperatorePis => "operatore_pis",
            Self::ServizioSociale => "servizio_sociale",
            Self::Segnalante => "segnalante",
            Self::Analista => "analista",
            Self::Partner => "partner",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code.trim())
    }

    /// Whether a grant of this role must name the municipalities it covers.
    pub fn needs_municipalities(self) -> bool {
        self == Self::ServizioSociale
    }

    /// What this role may do. The one table of the route-level policy.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission as P;
        match self {
            Self::Admin => &[
                P::UseApp,
                P::ReadReference,
                P::ManageAccounts,
                P::ReadAudit,
                P::ManageCalendar,
                P::ExportPersons,
                P::ManageSiuss,
            ],
            Self::Coordinatore => &[
                P::UseApp,
                P::ReadReference,
                P::ReadCases,
                P::WriteCases,
                P::ReadAggregates,
                P::ManageCalendar,
                P::ReadRoster,
                P::ManageRoster,
                P::ReadResources,
                P::ManageResources,
                P::ImportReports,
                P::ManagePersons,
                P::ManageTeams,
                P::ReadTeamCases,
                P::ReadNetwork,
                P::ManageNetwork,
                P::ManageTraining,
            ],
            Self::OperatoreCentrale | Self::OperatorePis => &[
                P::UseApp,
                P::ReadReference,
                P::ReadCases,
                P::WriteCases,
                P::ReadRoster,
                P::ReadResources,
                P::ReadTeamCases,
                P::ReadNetwork,
            ],
            Self::ServizioSociale => &[
                P::UseApp,
                P::ReadReference,
                P::ReadCases,
                P::ReceiveHandovers,
                P::ReadTeamCases,
                P::ReadNetwork,
            ],
            Self::Segnalante => &[
                P::UseApp,
                P::ReadReference,
                P::ReadOwnReports,
                P::SendReports,
            ],
            Self::Analista => &[P::UseApp, P::ReadReference, P::ReadAggregates],
            Self::Partner => &[P::UseApp, P::ReadReference, P::ReadTeamCases],
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A kind of action a route performs. Routes name the permission they need; roles grant them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Any signed-in user: own account, informational pages.
    UseApp,
    /// Ambiti and municipalities (no personal data).
    ReadReference,
    /// Accounts, organisations, roles, tokens.
    ManageAccounts,
    /// The audit trail.
    ReadAudit,
    /// Case records, subject to [`case_access`].
    ReadCases,
    /// Recording and updating cases.
    WriteCases,
    /// Only the status of the reports of one's own organisation.
    ReadOwnReports,
    /// Statistics without personal data.
    ReadAggregates,
    /// The service calendar: opening hours, local holidays, closures.
    ManageCalendar,
    /// The on-call roster: who is on call, and the gaps.
    ReadRoster,
    /// Adding and removing shifts.
    ManageRoster,
    /// The resource directory and its free places (addresses by confidentiality).
    ReadResources,
    /// Recording resources.
    ManageResources,
    /// Acknowledging the handovers to one's municipalities and answering them.
    ReceiveHandovers,
    /// Sending reports as a trusted reporting organisation (then following only their status).
    SendReports,
    /// Importing the records kept before Presidio.
    ImportReports,
    /// A person's own data, everything held about them, to hand over (right of access).
    ExportPersons,
    /// Undoing a wrong choice of person at intake: detaching a report's person from a record.
    ManagePersons,
    /// Forming a case's team: inviting members with their grant, removing them.
    ManageTeams,
    /// The cases one's team membership opens (the sections granted), and answering invitations.
    ReadTeamCases,
    /// The network directory: organisations, contacts, referents.
    ReadNetwork,
    /// Adding organisations to the directory and keeping their cards.
    ManageNetwork,
    /// The training register: courses, attendance, volunteers, requirements and gaps.
    ManageTraining,
    /// The Ambito's SIUSS settings: the body sending the flows and the prestazioni's codes.
    ManageSiuss,
}

/// A role given to a user inside one Ambito; `municipalities` restricts `servizio_sociale`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Grant {
    pub role: Role,
    pub ambito: AmbitoId,
    pub municipalities: Vec<IstatCode>,
}

/// The identity of the user behind a request, with everything the policy needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub name: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub grants: Vec<Grant>,
}

impl Principal {
    /// Whether any of the user's roles grants `permission`, in any Ambito.
    pub fn may(&self, permission: Permission) -> bool {
        self.grants
            .iter()
            .any(|g| g.role.permissions().contains(&permission))
    }

    /// Whether the user receives handovers for `municipality` in `ambito` (a social service
    /// bound to it).
    pub fn receives_for(&self, ambito: AmbitoId, municipality: &IstatCode) -> bool {
        self.grants.iter().any(|g| {
            g.ambito == ambito
                && g.role.permissions().contains(&Permission::ReceiveHandovers)
                && g.municipalities.contains(municipality)
        })
    }

    /// The municipalities the user receives handovers for.
    pub fn receiving_municipalities(&self) -> Vec<IstatCode> {
        let mut out: Vec<IstatCode> = self
            .grants
            .iter()
            .filter(|g| g.role.permissions().contains(&Permission::ReceiveHandovers))
            .flat_map(|g| g.municipalities.iter().cloned())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Whether one of the user's roles grants `permission` inside `ambito`.
    pub fn may_in(&self, permission: Permission, ambito: AmbitoId) -> bool {
        self.grants
            .iter()
            .any(|g| g.ambito == ambito && g.role.permissions().contains(&permission))
    }

    /// The Ambiti where one of the user's roles grants `permission`, each once.
    pub fn ambiti_with(&self, permission: Permission) -> Vec<AmbitoId> {
        let mut out: Vec<AmbitoId> = self
            .grants
            .iter()
            .filter(|g| g.role.permissions().contains(&permission))
            .map(|g| g.ambito)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// The roles, each once, for display and for the audit trail.
    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = self.grants.iter().map(|g| g.role).collect();
        roles.sort();
        roles.dedup();
        roles
    }

    /// The roles as one text, e.g. `coordinatore,operatore_pis`.
    pub fn roles_text(&self) -> String {
        self.roles()
            .iter()
            .map(|r| r.code())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// What the policy needs to know about a case to decide who sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub ambito: AmbitoId,
    /// None for a place outside every known municipality.
    pub municipality: Option<IstatCode>,
    /// Gender-based violence, unaccompanied minor, or flagged by an operator.
    pub protected: bool,
    /// Users assigned to the case (the one who recorded the report is among them).
    pub assigned: Vec<i64>,
    /// Whether the case was handed to the municipal social service.
    pub handed_over: bool,
    /// The organisation that sent the report, when a trusted reporter did.
    pub reporter_organisation: Option<i64>,
    /// Users who broke the glass on this case recently (their opening still lasts).
    pub glass_broken_by: Vec<i64>,
    /// The memberships of its team running now (accepted, not past their last day) that
    /// concern the user asking; an empty list when none or not loaded.
    pub team: Vec<crate::team::TeamGrant>,
}

/// How much of a case a user may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAccess {
    /// Nothing: the case does not exist for this user.
    None,
    /// Protocol number, municipality and status only (a trusted reporter's view of its own
    /// reports, or a protected case seen by someone not taking care of it).
    Limited,
    /// Limited, and the user may open the full record by breaking the glass with a reason.
    BreakGlass,
    /// As a member of the case's team: protocol number, municipality and status, and the
    /// sections the grants name.
    Team(crate::team::Sections),
    /// The whole record.
    Full,
}

/// The need-to-know rule for one case record.
pub fn case_access(who: &Principal, case: &CaseFacts) -> CaseAccess {
    let access = need_to_know(who, case);
    if access == CaseAccess::BreakGlass && case.glass_broken_by.contains(&who.user_id) {
        return CaseAccess::Full;
    }
    if access == CaseAccess::Full {
        return access;
    }
    let sections = team_sections(who, case);
    if sections.is_empty() {
        access
    } else {
        CaseAccess::Team(sections)
    }
}

/// The sections the running memberships of `case`'s team open to `who`: as the member user, or
/// as a partner of the member organisation, in the case's Ambito.
fn team_sections(who: &Principal, case: &CaseFacts) -> crate::team::Sections {
    let may = who.may_in(Permission::ReadTeamCases, case.ambito);
    let partner = who
        .grants
        .iter()
        .any(|g| g.ambito == case.ambito && g.role == Role::Partner);
    case.team
        .iter()
        .filter(|m| {
            may && (m.user == Some(who.user_id)
                || (partner && m.user.is_none() && m.organisation == Some(who.organisation_id)))
        })
        .fold(crate::team::Sections::default(), |acc, m| {
            acc.union(m.sections)
        })
}

fn need_to_know(who: &Principal, case: &CaseFacts) -> CaseAccess {
    let assigned = case.assigned.contains(&who.user_id);
    let mut best = CaseAccess::None;
    for grant in who.grants.iter().filter(|g| g.ambito == case.ambito) {
        let access = match grant.role {
            Role::Coordinatore => CaseAccess::Full,
            Role::OperatoreCentrale | Role::OperatorePis => {
                if assigned || !case.protected {
                    CaseAccess::Full
                } else {
                    CaseAccess::BreakGlass
                }
            }
            Role::ServizioSociale => {
                let ours = case
                    .municipality
                    .as_ref()
                    .is_some_and(|m| grant.municipalities.contains(m));
                // Handed to this service, the case is theirs to know, protected or not: they
                // take charge of the person. Before the handover it does not exist for them.
                if case.handed_over && ours {
                    CaseAccess::Full
                } else {
                    CaseAccess::None
                }
            }
            Role::Segnalante => {
                if case.reporter_organisation == Some(who.organisation_id) {
                    CaseAccess::Limited
                } else {
                    CaseAccess::None
                }
            }
            Role::Admin | Role::Analista | Role::Partner => CaseAccess::None,
        };
        best = best.max_with(access);
    }
    best
}

impl CaseAccess {
    fn rank(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Limited => 1,
            Self::BreakGlass => 2,
            Self::Team(_) => 3,
            Self::Full => 4,
        }
    }

    /// Whether the user sees `section` of the case: the whole record, or a team grant naming it.
    pub fn opens(self, section: crate::team::Section) -> bool {
        match self {
            Self::Full => true,
            Self::Team(sections) => sections.contains(section),
            _ => false,
        }
    }

    fn max_with(self, other: Self) -> Self {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RHO: AmbitoId = AmbitoId(1);
    const OTHER: AmbitoId = AmbitoId(2);

    fn istat(code: &str) -> IstatCode {
        IstatCode::parse(code).unwrap()
    }

    fn user(id: i64, grants: Vec<Grant>) -> Principal {
        Principal {
            user_id: id,
            username: format!("u{id}"),
            name: format!("Utente {id}"),
            organisation_id: 10,
            organisation: "Org".into(),
            grants,
        }
    }

    fn grant(role: Role, ambito: AmbitoId) -> Grant {
        Grant {
            role,
            ambito,
            municipalities: vec![],
        }
    }

    fn case(protected: bool) -> CaseFacts {
        CaseFacts {
            ambito: RHO,
            municipality: Some(istat("015182")),
            protected,
            assigned: vec![7],
            handed_over: false,
            reporter_organisation: Some(10),
            glass_broken_by: vec![],
            team: vec![],
        }
    }

    #[test]
    fn no_role_no_permission() {
        let nobody = user(1, vec![]);
        for p in [Permission::UseApp, Permission::ReadCases] {
            assert!(!nobody.may(p));
        }
        assert_eq!(case_access(&nobody, &case(false)), CaseAccess::None);
    }

    #[test]
    fn analyst_and_admin_never_see_personal_data() {
        for role in [Role::Analista, Role::Admin] {
            let u = user(1, vec![grant(role, RHO)]);
            assert!(!u.may(Permission::ReadCases));
            assert_eq!(case_access(&u, &case(false)), CaseAccess::None);
        }
        assert!(user(1, vec![grant(Role::Analista, RHO)]).may(Permission::ReadAggregates));
    }

    #[test]
    fn roles_are_scoped_to_their_ambito() {
        let coord = user(1, vec![grant(Role::Coordinatore, OTHER)]);
        assert!(coord.may_in(Permission::ReadCases, OTHER));
        assert!(!coord.may_in(Permission::ReadCases, RHO));
        assert_eq!(case_access(&coord, &case(false)), CaseAccess::None);
    }

    #[test]
    fn protected_cases_need_assignment_or_break_glass() {
        let operator = user(1, vec![grant(Role::OperatorePis, RHO)]);
        assert_eq!(case_access(&operator, &case(false)), CaseAccess::Full);
        assert_eq!(case_access(&operator, &case(true)), CaseAccess::BreakGlass);
        let assigned = user(7, vec![grant(Role::OperatoreCentrale, RHO)]);
        assert_eq!(case_access(&assigned, &case(true)), CaseAccess::Full);
        let coord = user(2, vec![grant(Role::Coordinatore, RHO)]);
        assert_eq!(case_access(&coord, &case(true)), CaseAccess::Full);
    }

    #[test]
    fn breaking_the_glass_opens_the_case_to_that_user_only() {
        let operator = user(1, vec![grant(Role::OperatorePis, RHO)]);
        let mut c = case(true);
        c.glass_broken_by = vec![1];
        assert_eq!(case_access(&operator, &c), CaseAccess::Full);
        let other = user(9, vec![grant(Role::OperatorePis, RHO)]);
        assert_eq!(case_access(&other, &c), CaseAccess::BreakGlass);
        // It never widens what a role may see at all.
        let reporter = user(1, vec![grant(Role::Segnalante, RHO)]);
        assert_eq!(case_access(&reporter, &c), CaseAccess::Limited);
    }

    #[test]
    fn social_service_sees_only_cases_handed_to_its_municipalities() {
        let mut g = grant(Role::ServizioSociale, RHO);
        g.municipalities = vec![istat("015182")];
        let social = user(3, vec![g]);
        let mut c = case(false);
        assert_eq!(case_access(&social, &c), CaseAccess::None);
        c.handed_over = true;
        assert_eq!(case_access(&social, &c), CaseAccess::Full);
        c.protected = true;
        assert_eq!(
            case_access(&social, &c),
            CaseAccess::Full,
            "handed over: the receiving service needs it"
        );
        c.handed_over = false;
        assert_eq!(case_access(&social, &c), CaseAccess::None);
        c.handed_over = true;
        c.municipality = Some(istat("015009"));
        assert_eq!(case_access(&social, &c), CaseAccess::None);
    }

    #[test]
    fn reporters_see_only_their_organisations_reports_in_short() {
        let reporter = user(4, vec![grant(Role::Segnalante, RHO)]);
        let mut c = case(true);
        assert_eq!(case_access(&reporter, &c), CaseAccess::Limited);
        c.reporter_organisation = Some(99);
        assert_eq!(case_access(&reporter, &c), CaseAccess::None);
        assert!(!reporter.may(Permission::ReadCases));
    }

    #[test]
    fn the_widest_grant_wins() {
        let u = user(
            5,
            vec![grant(Role::Segnalante, RHO), grant(Role::Coordinatore, RHO)],
        );
        assert_eq!(case_access(&u, &case(true)), CaseAccess::Full);
        assert_eq!(u.roles_text(), "coordinatore,segnalante");
    }

    #[test]
    fn a_team_membership_opens_only_its_sections_to_its_member() {
        use crate::team::{Section, Sections, TeamGrant};
        let health = Sections::of(&[Section::Intervento, Section::Procedure]);
        let mut partner = user(20, vec![grant(Role::Partner, RHO)]);
        partner.organisation_id = 30;
        let mut c = case(true);
        assert_eq!(case_access(&partner, &c), CaseAccess::None);
        c.team = vec![TeamGrant {
            user: Some(20),
            organisation: None,
            sections: health,
        }];
        let access = case_access(&partner, &c);
        assert_eq!(access, CaseAccess::Team(health));
        assert!(access.opens(Section::Intervento));
        assert!(!access.opens(Section::Segnalazione));
        // Another partner of the same organisation: not through a user's membership.
        let mut colleague = user(21, vec![grant(Role::Partner, RHO)]);
        colleague.organisation_id = 30;
        assert_eq!(case_access(&colleague, &c), CaseAccess::None);
        // An organisation's membership opens to its partners, in the case's Ambito only.
        c.team = vec![TeamGrant {
            user: None,
            organisation: Some(30),
            sections: Sections::of(&[Section::Persone]),
        }];
        assert_eq!(
            case_access(&colleague, &c),
            CaseAccess::Team(Sections::of(&[Section::Persone]))
        );
        let mut elsewhere = user(22, vec![grant(Role::Partner, OTHER)]);
        elsewhere.organisation_id = 30;
        assert_eq!(case_access(&elsewhere, &c), CaseAccess::None);
        // Staff of the organisation without the partner role do not share its grant.
        let mut staff = user(23, vec![grant(Role::Segnalante, RHO)]);
        staff.organisation_id = 30;
        assert_eq!(case_access(&staff, &c), CaseAccess::None);
        // A coordinator sees everything anyway; an operator's break-glass yields to the team.
        let coord = user(2, vec![grant(Role::Coordinatore, RHO)]);
        assert_eq!(case_access(&coord, &c), CaseAccess::Full);
        assert!(CaseAccess::Full.opens(Section::Segnalazione));
        assert!(!CaseAccess::Limited.opens(Section::Persone));
    }

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
