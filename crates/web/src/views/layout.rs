//! The layout every page shares: title, navigation (only the entries the user may open), the
//! signed-in user, the CSRF token, the footer's clock and the assets' addresses.

use presidio_domain::access::Permission;

use crate::auth::Visitor;
use crate::i18n::{Locale, Tr, catalogue};

/// The main navigation entries, in order: (key, message id, path, permission needed to see it).
/// Those from `GROUPED` on sit together under one "Riferimenti" menu, so the bar holds on one line.
const NAV: [(&str, &str, &str, Option<Permission>); 17] = [
    ("home", "nav-home", "/", Some(Permission::UseApp)),
    (
        "portal",
        "nav-portal",
        "/portale",
        Some(Permission::ReadOwnReports),
    ),
    (
        "portal-new",
        "portal-new-title",
        "/portale/nuova",
        Some(Permission::SendReports),
    ),
    ("field", "nav-field", "/campo", Some(Permission::WriteCases)),
    (
        "handovers",
        "nav-handovers",
        "/passaggi",
        Some(Permission::ReadCases),
    ),
    (
        "follow-ups",
        "nav-follow-ups",
        "/esiti",
        Some(Permission::ReceiveHandovers),
    ),
    (
        "team",
        "nav-team",
        "/equipe",
        Some(Permission::ReadTeamCases),
    ),
    (
        "persons",
        "nav-persons",
        "/persone",
        Some(Permission::ReadCases),
    ),
    (
        "summary",
        "nav-summary",
        "/riepilogo",
        Some(Permission::ReadCases),
    ),
    (
        "stats",
        "nav-stats",
        "/statistiche",
        Some(Permission::ReadAggregates),
    ),
    (
        "roster",
        "nav-roster",
        "/turni",
        Some(Permission::ReadRoster),
    ),
    (
        "resources",
        "nav-resources",
        "/risorse",
        Some(Permission::ReadResources),
    ),
    // GROUPED from here on.
    (
        "network",
        "nav-network",
        "/rete",
        Some(Permission::ReadNetwork),
    ),
    (
        "training",
        "nav-training",
        "/formazione",
        Some(Permission::ManageTraining),
    ),
    (
        "calendar",
        "nav-calendar",
        "/calendario",
        Some(Permission::ReadReference),
    ),
    (
        "reference",
        "nav-reference",
        "/ambiti",
        Some(Permission::ReadReference),
    ),
    (
        "admin",
        "nav-admin",
        "/amministrazione/utenti",
        Some(Permission::ManageAccounts),
    ),
];

/// What the shared layout needs from every page.
pub struct Layout {
    pub t: Tr<'static>,
    pub title: String,
    pub version: &'static str,
    /// Now, on a Rome wall clock, for the footer.
    pub now: String,
    /// The signed-in user's name, for the header.
    pub user: Option<String>,
    /// The token every form on the page carries back.
    pub csrf: String,
    /// An error page, drawn without knowing who asked: neither "Accedi" nor "Esci".
    pub neutral: bool,
    /// A page for a poor connection (the field view): the kit's script and htmx come with the
    /// first use, the icons from a sheet of the layout's own.
    pub light: bool,
    nav: Vec<NavLink>,
    grouped: Vec<NavLink>,
}

/// The keys of the entries drawn under the "Riferimenti" menu rather than on the bar.
const GROUPED: [&str; 4] = ["network", "training", "calendar", "reference"];

/// One navigation link as the template draws it.
pub struct NavLink {
    pub label: String,
    pub href: &'static str,
    pub current: bool,
}

impl Layout {
    /// The same layout, light for a poor connection.
    #[must_use]
    pub fn light(mut self) -> Self {
        self.light = true;
        self
    }

    /// The same layout for an error page, whoever asked.
    #[must_use]
    pub fn neutral(mut self) -> Self {
        self.neutral = true;
        self
    }

    /// The layout of a page titled by message `title_id`, in navigation section `section`.
    pub fn new(visitor: &Visitor, title_id: &str, section: &'static str) -> Self {
        let t = catalogue().tr(Locale::Italian);
        Self::titled(visitor, t.t(title_id), section)
    }

    /// The layout of a page with a title already written.
    pub fn titled(visitor: &Visitor, title: String, section: &'static str) -> Self {
        let t = catalogue().tr(Locale::Italian);
        let principal = visitor.principal();
        let (grouped, nav) = NAV
            .iter()
            .filter(|(_, _, _, needs)| needs.is_none_or(|p| principal.is_some_and(|u| u.may(p))))
            .partition::<Vec<_>, _>(|(key, ..)| GROUPED.contains(key));
        let line = |&&(key, id, href, _): &&(&str, &str, &'static str, _)| NavLink {
            label: t.t(id),
            href,
            current: key == section,
        };
        let nav = nav.iter().map(line).collect();
        let grouped = grouped.iter().map(line).collect();
        Self {
            t,
            title,
            version: env!("CARGO_PKG_VERSION"),
            now: t.date_time(presidio_db::now()),
            user: principal.map(|p| p.name.clone()),
            csrf: visitor.csrf.clone(),
            neutral: false,
            light: false,
            nav,
            grouped,
        }
    }

    // Methods rather than free functions, so templates reach them through `page`.
    #[allow(clippy::unused_self)]
    pub fn asset(&self, path: &str) -> String {
        crate::assets::url(path)
    }

    /// The URL of an icon of the UI kit's sprite sheet, e.g. `icon("it-pa")`; on a light page,
    /// of the layout's own sheet (`sprites-light.svg`: the icons of the layout alone).
    pub fn icon(&self, name: &str) -> String {
        let sheet = if self.light {
            "/sprites-light.svg"
        } else {
            "/vendor/bootstrap-italia/svg/sprites.svg"
        };
        format!("{}#{name}", crate::assets::url(sheet))
    }

    pub fn nav(&self) -> &[NavLink] {
        &self.nav
    }

    /// The entries under the "Riferimenti" menu.
    pub fn grouped(&self) -> &[NavLink] {
        &self.grouped
    }

    /// Whether the page shown is one of the "Riferimenti" menu's.
    pub fn grouped_current(&self) -> bool {
        self.grouped.iter().any(|l| l.current)
    }
}

#[cfg(test)]
mod light_tests {
    /// The light pages draw the layout's icons from `sprites-light.svg`: it holds every icon the
    /// layout names.
    #[test]
    fn the_light_sheet_holds_every_icon_of_the_layout() {
        let layout = include_str!("../../templates/base.html");
        let sheet = include_str!("../../static/sprites-light.svg");
        let mut named = 0;
        for part in layout.split("page.icon(\"").skip(1) {
            let name = part.split('"').next().unwrap_or_default();
            assert!(
                sheet.contains(&format!("id=\"{name}\"")),
                "{name} is missing"
            );
            named += 1;
        }
        assert!(named >= 4, "the layout names its icons through page.icon");
        let field = include_str!("../../templates/field.html");
        assert!(
            !field.contains("icon("),
            "the field view draws no other icon"
        );
    }
}
