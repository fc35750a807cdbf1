//! Authorization in one place: every route of the router has a rule here, and the middleware
//! [`authorize`] applies it before any handler runs. A route without a rule is refused (deny by
//! default); a test enumerates the router's routes against [`RULES`].
//!
//! The middleware also resolves who is asking ([`Visitor`]) and checks the CSRF token of every
//! state-changing browser request.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use presidio_domain::access::Permission;
use presidio_domain::audit::Action;
use presidio_domain::time::UtcMillis;

use crate::AppState;
use crate::auth::{
    self, Auth, CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, Stage, Via, Visitor, secret,
};
use crate::error::ApiError;

/// What a route requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login, health, static assets, the API description).
    Public,
    /// A signed-in user whose roles grant the permission.
    Needs(Permission),
    /// A user who gave the right password, whether or not the second factor is still due
    /// (the pages that take the one-time code or set the second factor up).
    Password,
    /// A signed-in user whose roles grant any of these permissions.
    AnyOf(&'static [Permission]),
    /// The PDND voucher alone (the SIUSS e-service), checked by the handler: no session, no
    /// token of Presidio's.
    Voucher,
}

/// Reading reports: the whole case load, or only one's own organisation's reports.
const READ_REPORTS: &[Permission] = &[Permission::ReadCases, Permission::ReadOwnReports];
const SEND_REPORTS: &[Permission] = &[Permission::WriteCases, Permission::SendReports];
/// Reading one report: as above, or as a member of its team.
const READ_REPORT: &[Permission] = &[
    Permission::ReadCases,
    Permission::ReadOwnReports,
    Permission::ReadTeamCases,
];

/// The work of a case's team: its members' and its coordinators'.
const TEAM_WORK: &[Permission] = &[Permission::ReadTeamCases, Permission::ManageTeams];
/// Outcome requests: the receiving services answer them, the PIS staff follow them.
const FOLLOW_UPS: &[Permission] = &[Permission::ReceiveHandovers, Permission::ReadCases];

/// The rule of every route: (method, route as registered, access). `GET` rules also cover `HEAD`;
/// everything under `/static/` (the embedded CSS, scripts, fonts) is public.
pub const RULES: &[(&str, &str, Access)] = &[
    // System and description
    ("GET", "/healthz", Access::Public),
    ("GET", "/readyz", Access::Public),
    ("GET", "/api/v1/openapi.json", Access::Public),
    ("GET", "/api", Access::Public),
    // Signing in and out
    ("POST", "/api/v1/auth/token", Access::Public),
    ("GET", "/accesso", Access::Public),
    ("POST", "/accesso", Access::Public),
    ("GET", "/configurazione-iniziale", Access::Public),
    ("POST", "/configurazione-iniziale", Access::Public),
    ("GET", "/accesso/codice", Access::Password),
    ("POST", "/accesso/codice", Access::Password),
    ("POST", "/uscita", Access::Password),
    ("GET", "/profilo", Access::Needs(Permission::UseApp)),
    (
        "POST",
        "/profilo/password",
        Access::Needs(Permission::UseApp),
    ),
    ("POST", "/profilo/avvisi", Access::Needs(Permission::UseApp)),
    ("GET", "/profilo/due-fattori", Access::Password),
    ("POST", "/profilo/due-fattori", Access::Password),
    (
        "POST",
        "/profilo/esci-ovunque",
        Access::Needs(Permission::UseApp),
    ),
    ("GET", "/api/v1/me", Access::Needs(Permission::UseApp)),
    // Pages for every user
    ("GET", "/", Access::Needs(Permission::UseApp)),
    ("GET", "/informazioni", Access::Needs(Permission::UseApp)),
    // The live board
    (
        "GET",
        "/bacheca/righe",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "GET",
        "/bacheca/eventi",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "GET",
        "/api/v1/board/events",
        Access::Needs(Permission::ReadCases),
    ),
    // The trusted reporter's portal
    ("GET", "/portale", Access::Needs(Permission::ReadOwnReports)),
    (
        "GET",
        "/portale/nuova",
        Access::Needs(Permission::SendReports),
    ),
    (
        "POST",
        "/portale/nuova",
        Access::Needs(Permission::SendReports),
    ),
    (
        "GET",
        "/portale/{id}",
        Access::Needs(Permission::ReadOwnReports),
    ),
    // Reports in the browser
    ("GET", "/segnalazioni/nuova", Access::AnyOf(SEND_REPORTS)),
    ("POST", "/segnalazioni/nuova", Access::AnyOf(SEND_REPORTS)),
    ("GET", "/segnalazioni/{id}", Access::AnyOf(READ_REPORTS)),
    (
        "POST",
        "/segnalazioni/{id}/valutazione",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/stato",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/diario",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/accesso-straordinario",
        Access::Needs(Permission::ReadCases),
    ),
    // Reference data
    ("GET", "/ambiti", Access::Needs(Permission::ReadReference)),
    (
        "GET",
        "/ambiti/{code}",
        Access::Needs(Permission::ReadReference),
    ),
    (
        "GET",
        "/api/v1/ambiti",
        Access::Needs(Permission::ReadReference),
    ),
    (
        "GET",
        "/api/v1/ambiti/{code}/municipalities",
        Access::Needs(Permission::ReadReference),
    ),
    (
        "GET",
        "/api/v1/municipalities/{istat_code}",
        Access::Needs(Permission::ReadReference),
    ),
    // Administration
    (
        "GET",
        "/amministrazione/utenti",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/utenti",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/amministrazione/utenti/{username}",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/utenti/{username}/ruoli",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/utenti/{username}/ruoli/{id}/revoca",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/utenti/{username}/stato",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/utenti/{username}/password",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/utenti/{username}/due-fattori",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/due-fattori",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/amministrazione/organizzazioni",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/organizzazioni",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/organizzazioni/{id}",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/amministrazione/token",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/token",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "POST",
        "/amministrazione/token/{id}/revoca",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/amministrazione/registro",
        Access::Needs(Permission::ReadAudit),
    ),
    (
        "GET",
        "/amministrazione/accessi-persona",
        Access::Needs(Permission::ReadAudit),
    ),
    (
        "GET",
        "/api/v1/users",
        Access::Needs(Permission::ManageAccounts),
    ),
    ("GET", "/api/v1/audit", Access::Needs(Permission::ReadAudit)),
    (
        "GET",
        "/api/v1/audit/person",
        Access::Needs(Permission::ReadAudit),
    ),
    // Reports
    ("POST", "/api/v1/reports", Access::AnyOf(SEND_REPORTS)),
    (
        "GET",
        "/api/v1/calendar/status",
        Access::Needs(Permission::ReadReference),
    ),
    (
        "GET",
        "/api/v1/calendar/municipalities/{istat_code}",
        Access::Needs(Permission::ReadReference),
    ),
    (
        "PUT",
        "/api/v1/calendar/municipalities/{istat_code}/hours",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "POST",
        "/api/v1/calendar/municipalities/{istat_code}/local-holidays",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "POST",
        "/api/v1/calendar/municipalities/{istat_code}/closures",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "DELETE",
        "/api/v1/calendar/municipalities/{istat_code}/local-holidays/{id}",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "DELETE",
        "/api/v1/calendar/municipalities/{istat_code}/closures/{id}",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "GET",
        "/api/v1/notifications",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "POST",
        "/api/v1/notifications/read",
        Access::Needs(Permission::ReadCases),
    ),
    ("GET", "/notifiche", Access::Needs(Permission::ReadCases)),
    ("GET", "/riepilogo", Access::Needs(Permission::ReadCases)),
    (
        "GET",
        "/api/v1/stats/activity",
        Access::Needs(Permission::ReadAggregates),
    ),
    (
        "GET",
        "/statistiche",
        Access::Needs(Permission::ReadAggregates),
    ),
    (
        "GET",
        "/statistiche/importa",
        Access::Needs(Permission::ImportReports),
    ),
    (
        "GET",
        "/statistiche/dati.csv",
        Access::Needs(Permission::ReadAggregates),
    ),
    (
        "GET",
        "/statistiche/dati.pdf",
        Access::Needs(Permission::ReadAggregates),
    ),
    (
        "GET",
        "/statistiche/cruscotto",
        Access::Needs(Permission::ReadAggregates),
    ),
    (
        "GET",
        "/statistiche/cruscotto.csv",
        Access::Needs(Permission::ReadAggregates),
    ),
    (
        "GET",
        "/statistiche/cruscotto.xlsx",
        Access::Needs(Permission::ReadAggregates),
    ),
    (
        "GET",
        "/api/v1/stats/dashboard",
        Access::Needs(Permission::ReadAggregates),
    ),
    (
        "POST",
        "/statistiche/importa",
        Access::Needs(Permission::ImportReports),
    ),
    (
        "GET",
        "/api/v1/summary",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "GET",
        "/api/v1/resources",
        Access::Needs(Permission::ReadResources),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/activations",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "GET",
        "/api/v1/reports/{id}/activations",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/activations/{id}/status",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/reopen",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/status-link",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/link-stato",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/riapri",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/handover",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "GET",
        "/api/v1/reports/{id}/handovers",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "GET",
        "/api/v1/handovers",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "POST",
        "/api/v1/handovers/{id}/answer",
        Access::Needs(Permission::ReceiveHandovers),
    ),
    (
        "GET",
        "/api/v1/reports/{id}/messages",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/messages",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/dispatches",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "GET",
        "/api/v1/reports/{id}/dispatches",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/dispatches/{id}/steps",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "GET",
        "/api/v1/field",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "GET",
        "/api/v1/reports/{id}/procedures",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/procedures",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/resources",
        Access::Needs(Permission::ManageResources),
    ),
    (
        "PUT",
        "/api/v1/resources/{id}/free",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/attivazioni",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "GET",
        "/segnalazioni/{id}/scheda",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "GET",
        "/segnalazioni/{id}/scheda.pdf",
        Access::Needs(Permission::ReadCases),
    ),
    ("GET", "/passaggi", Access::Needs(Permission::ReadCases)),
    (
        "POST",
        "/segnalazioni/{id}/passaggio",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/passaggio/{handover}",
        Access::Needs(Permission::ReceiveHandovers),
    ),
    (
        "POST",
        "/segnalazioni/{id}/messaggi",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/intervento",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/intervento/{dispatch}",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/procedura",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/nota-veloce",
        Access::Needs(Permission::WriteCases),
    ),
    ("GET", "/campo", Access::Needs(Permission::WriteCases)),
    (
        "POST",
        "/campo/invio",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/segnalazioni/{id}/attivazioni/{activation}/stato",
        Access::Needs(Permission::WriteCases),
    ),
    ("GET", "/risorse", Access::Needs(Permission::ReadResources)),
    (
        "GET",
        "/bilancio",
        Access::Needs(Permission::ManageResources),
    ),
    (
        "GET",
        "/api/v1/budget",
        Access::Needs(Permission::ManageResources),
    ),
    (
        "PUT",
        "/api/v1/budget",
        Access::Needs(Permission::ManageResources),
    ),
    (
        "POST",
        "/bilancio",
        Access::Needs(Permission::ManageResources),
    ),
    (
        "POST",
        "/risorse",
        Access::Needs(Permission::ManageResources),
    ),
    (
        "POST",
        "/risorse/{id}/posti",
        Access::Needs(Permission::WriteCases),
    ),
    ("GET", "/turni", Access::Needs(Permission::ReadRoster)),
    (
        "POST",
        "/turni/calendario-personale",
        Access::Needs(Permission::ReadRoster),
    ),
    (
        "POST",
        "/turni/calendario-personale/revoca",
        Access::Needs(Permission::ReadRoster),
    ),
    (
        "GET",
        "/turni/schema",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "POST",
        "/turni/schema",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "POST",
        "/turni/schema/{id}/elimina",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "POST",
        "/turni/genera",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "GET",
        "/turni/{id}/cambio",
        Access::Needs(Permission::ReadRoster),
    ),
    (
        "POST",
        "/turni/{id}/cambio",
        Access::Needs(Permission::ReadRoster),
    ),
    (
        "POST",
        "/turni/cambi/{id}/approva",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "POST",
        "/turni/cambi/{id}/rifiuta",
        Access::Needs(Permission::ManageRoster),
    ),
    // The secret in the address is the credential.
    ("GET", "/turni/ics/{secret}", Access::Public),
    ("GET", "/stato/{secret}", Access::Public),
    (
        "GET",
        "/api/v1/roster/shifts",
        Access::Needs(Permission::ReadRoster),
    ),
    (
        "POST",
        "/api/v1/roster/shifts",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "DELETE",
        "/api/v1/roster/shifts/{id}",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "GET",
        "/api/v1/roster/gaps",
        Access::Needs(Permission::ReadRoster),
    ),
    (
        "GET",
        "/api/v1/roster/on-call",
        Access::Needs(Permission::ReadRoster),
    ),
    (
        "GET",
        "/api/v1/roster/rota",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "POST",
        "/api/v1/roster/rota",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "DELETE",
        "/api/v1/roster/rota/{id}",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "POST",
        "/api/v1/roster/rota/generate",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "POST",
        "/api/v1/roster/shifts/{id}/swaps",
        Access::Needs(Permission::ReadRoster),
    ),
    (
        "GET",
        "/api/v1/roster/swaps",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "POST",
        "/api/v1/roster/swaps/{id}/decision",
        Access::Needs(Permission::ManageRoster),
    ),
    ("POST", "/turni", Access::Needs(Permission::ManageRoster)),
    (
        "POST",
        "/turni/{id}/elimina",
        Access::Needs(Permission::ManageRoster),
    ),
    (
        "GET",
        "/calendario",
        Access::Needs(Permission::ReadReference),
    ),
    (
        "GET",
        "/calendario/{istat_code}",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "POST",
        "/calendario/{istat_code}/orari",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "POST",
        "/calendario/{istat_code}/festivita",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "POST",
        "/calendario/{istat_code}/festivita/{id}/elimina",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "POST",
        "/calendario/{istat_code}/chiusure",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "POST",
        "/calendario/{istat_code}/chiusure/{id}/elimina",
        Access::Needs(Permission::ManageCalendar),
    ),
    (
        "POST",
        "/notifiche/lette",
        Access::Needs(Permission::ReadCases),
    ),
    ("GET", "/api/v1/reports", Access::AnyOf(READ_REPORTS)),
    ("GET", "/api/v1/reports/{id}", Access::AnyOf(READ_REPORT)),
    // The team of a case: formed by coordinators, answered and read by its members
    (
        "POST",
        "/api/v1/reports/{id}/team",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "GET",
        "/api/v1/reports/{id}/team",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "DELETE",
        "/api/v1/reports/{id}/team/{member_id}",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "POST",
        "/api/v1/team/{member_id}/answer",
        Access::Needs(Permission::ReadTeamCases),
    ),
    (
        "GET",
        "/api/v1/team",
        Access::Needs(Permission::ReadTeamCases),
    ),
    // The outbox
    (
        "GET",
        "/amministrazione/messaggi",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/amministrazione/siuss",
        Access::Needs(Permission::ManageSiuss),
    ),
    (
        "POST",
        "/amministrazione/siuss",
        Access::Needs(Permission::ManageSiuss),
    ),
    (
        "GET",
        "/api/v1/outbox",
        Access::Needs(Permission::ManageAccounts),
    ),
    // The SIUSS e-service INPS polls: the PDND voucher only
    ("GET", "/waas/v1/flussi", Access::Voucher),
    ("POST", "/waas/v1/esiti", Access::Voucher),
    ("GET", "/waas/v1/status", Access::Public),
    // The installable field app
    ("GET", "/sw.js", Access::Public),
    ("GET", "/manifest.webmanifest", Access::Public),
    // Web Push
    ("GET", "/api/v1/push/key", Access::Needs(Permission::UseApp)),
    (
        "POST",
        "/api/v1/push/key",
        Access::Needs(Permission::ManageAccounts),
    ),
    (
        "GET",
        "/api/v1/push/subscriptions",
        Access::Needs(Permission::UseApp),
    ),
    (
        "POST",
        "/api/v1/push/subscriptions",
        Access::Needs(Permission::UseApp),
    ),
    (
        "DELETE",
        "/api/v1/push/subscriptions/{id}",
        Access::Needs(Permission::UseApp),
    ),
    (
        "GET",
        "/api/v1/me/channels",
        Access::Needs(Permission::UseApp),
    ),
    (
        "PUT",
        "/api/v1/me/channels",
        Access::Needs(Permission::UseApp),
    ),
    (
        "GET",
        "/api/v1/siuss/settings",
        Access::Needs(Permission::ManageSiuss),
    ),
    (
        "PUT",
        "/api/v1/siuss/settings",
        Access::Needs(Permission::ManageSiuss),
    ),
    ("POST", "/profilo/push", Access::Needs(Permission::UseApp)),
    ("POST", "/profilo/sms", Access::Needs(Permission::UseApp)),
    ("POST", "/profilo/canali", Access::Needs(Permission::UseApp)),
    (
        "POST",
        "/profilo/push/{id}/rimuovi",
        Access::Needs(Permission::UseApp),
    ),
    // The training register
    (
        "GET",
        "/formazione",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "POST",
        "/formazione/corsi",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "GET",
        "/formazione/corsi/{id}",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "POST",
        "/formazione/corsi/{id}/presenze",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "POST",
        "/formazione/corsi/{id}/presenze/{attendance_id}/attestato",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "GET",
        "/formazione/corsi/{id}/presenze/{attendance_id}/attestato",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "POST",
        "/formazione/volontari",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "POST",
        "/formazione/requisiti",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "POST",
        "/formazione/argomenti",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "GET",
        "/formazione/export.csv",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "GET",
        "/formazione/export.xlsx",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "GET",
        "/api/v1/training/courses",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "POST",
        "/api/v1/training/courses",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "POST",
        "/api/v1/training/courses/{id}/attendance",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "GET",
        "/api/v1/training/gaps",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "GET",
        "/api/v1/volunteers",
        Access::Needs(Permission::ManageTraining),
    ),
    (
        "POST",
        "/api/v1/volunteers",
        Access::Needs(Permission::ManageTraining),
    ),
    // The network directory
    ("GET", "/rete", Access::Needs(Permission::ReadNetwork)),
    ("POST", "/rete", Access::Needs(Permission::ManageNetwork)),
    ("GET", "/rete/cerca", Access::Needs(Permission::ReadNetwork)),
    (
        "GET",
        "/rete/foglio",
        Access::Needs(Permission::ReadNetwork),
    ),
    (
        "GET",
        "/rete/nuovo",
        Access::Needs(Permission::ManageNetwork),
    ),
    ("GET", "/rete/{id}", Access::Needs(Permission::ReadNetwork)),
    (
        "POST",
        "/rete/{id}",
        Access::Needs(Permission::ManageNetwork),
    ),
    (
        "GET",
        "/api/v1/network/organisations",
        Access::Needs(Permission::ReadNetwork),
    ),
    (
        "POST",
        "/api/v1/network/organisations",
        Access::Needs(Permission::ManageNetwork),
    ),
    (
        "GET",
        "/api/v1/network/organisations/{id}",
        Access::Needs(Permission::ReadNetwork),
    ),
    (
        "GET",
        "/api/v1/network/protocols",
        Access::Needs(Permission::ReadNetwork),
    ),
    (
        "POST",
        "/api/v1/network/protocols",
        Access::Needs(Permission::ManageNetwork),
    ),
    (
        "GET",
        "/api/v1/network/protocols/{id}",
        Access::Needs(Permission::ReadNetwork),
    ),
    (
        "PUT",
        "/api/v1/network/protocols/{id}",
        Access::Needs(Permission::ManageNetwork),
    ),
    (
        "POST",
        "/api/v1/network/protocols/{id}/document",
        Access::Needs(Permission::ManageNetwork),
    ),
    (
        "GET",
        "/api/v1/network/protocols/{id}/documents/{document_id}",
        Access::Needs(Permission::ReadNetwork),
    ),
    (
        "GET",
        "/rete/protocolli",
        Access::Needs(Permission::ReadNetwork),
    ),
    (
        "POST",
        "/rete/protocolli",
        Access::Needs(Permission::ManageNetwork),
    ),
    (
        "GET",
        "/rete/protocolli/nuovo",
        Access::Needs(Permission::ManageNetwork),
    ),
    (
        "GET",
        "/rete/protocolli/{id}",
        Access::Needs(Permission::ReadNetwork),
    ),
    (
        "POST",
        "/rete/protocolli/{id}",
        Access::Needs(Permission::ManageNetwork),
    ),
    (
        "POST",
        "/rete/protocolli/{id}/documento",
        Access::Needs(Permission::ManageNetwork),
    ),
    (
        "GET",
        "/rete/protocolli/{id}/documenti/{document_id}",
        Access::Needs(Permission::ReadNetwork),
    ),
    (
        "PUT",
        "/api/v1/network/organisations/{id}",
        Access::Needs(Permission::ManageNetwork),
    ),
    ("GET", "/equipe", Access::Needs(Permission::ReadTeamCases)),
    (
        "POST",
        "/equipe/calendario",
        Access::Needs(Permission::ReadTeamCases),
    ),
    (
        "POST",
        "/equipe/calendario/revoca",
        Access::Needs(Permission::ReadTeamCases),
    ),
    (
        "GET",
        "/equipe/casi/{id}",
        Access::Needs(Permission::ReadTeamCases),
    ),
    (
        "POST",
        "/equipe/{member_id}/risposta",
        Access::Needs(Permission::ReadTeamCases),
    ),
    (
        "GET",
        "/equipe/persone/{member_id}",
        Access::Needs(Permission::ReadTeamCases),
    ),
    (
        "POST",
        "/persone/{id}/equipe",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "POST",
        "/persone/{id}/equipe/{member_id}/rimuovi",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "POST",
        "/segnalazioni/{id}/equipe",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "POST",
        "/segnalazioni/{id}/equipe/{member_id}/rimuovi",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "GET",
        "/api/v1/team/cases/{id}",
        Access::Needs(Permission::ReadTeamCases),
    ),
    (
        "GET",
        "/api/v1/team/{member_id}/person",
        Access::Needs(Permission::ReadTeamCases),
    ),
    (
        "POST",
        "/api/v1/persons/{id}/team",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "GET",
        "/api/v1/persons/{id}/team",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "DELETE",
        "/api/v1/persons/{id}/team/{member_id}",
        Access::Needs(Permission::ManageTeams),
    ),
    // Conferences and tasks of a case's team; outcomes after a handover
    (
        "GET",
        "/segnalazioni/{id}/riunioni/nuova",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "POST",
        "/segnalazioni/{id}/riunioni",
        Access::Needs(Permission::ManageTeams),
    ),
    ("GET", "/equipe/riunioni/{id}", Access::AnyOf(TEAM_WORK)),
    (
        "POST",
        "/equipe/riunioni/{id}/verbale",
        Access::Needs(Permission::ManageTeams),
    ),
    ("POST", "/equipe/compiti/{id}", Access::AnyOf(TEAM_WORK)),
    ("GET", "/esiti", Access::AnyOf(FOLLOW_UPS)),
    (
        "POST",
        "/esiti/{id}",
        Access::Needs(Permission::ReceiveHandovers),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/conferences",
        Access::Needs(Permission::ManageTeams),
    ),
    (
        "GET",
        "/api/v1/reports/{id}/conferences",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "GET",
        "/api/v1/reports/{id}/timeline",
        Access::Needs(Permission::ReadCases),
    ),
    ("GET", "/api/v1/conferences/{id}", Access::AnyOf(TEAM_WORK)),
    (
        "POST",
        "/api/v1/conferences/{id}/minutes",
        Access::Needs(Permission::ManageTeams),
    ),
    ("GET", "/api/v1/tasks", Access::AnyOf(TEAM_WORK)),
    ("POST", "/api/v1/tasks/{id}", Access::AnyOf(TEAM_WORK)),
    ("GET", "/api/v1/follow-ups", Access::AnyOf(FOLLOW_UPS)),
    (
        "POST",
        "/api/v1/follow-ups/{id}",
        Access::Needs(Permission::ReceiveHandovers),
    ),
    (
        "PATCH",
        "/api/v1/reports/{id}",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/triage",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/status",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/diary",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/reports/{id}/break-glass",
        Access::Needs(Permission::ReadCases),
    ),
    // Persons: candidates at intake for who records reports; the record for who reads cases
    // (then the need-to-know rule of the reports naming them).
    (
        "GET",
        "/api/v1/persons/candidates",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "GET",
        "/api/v1/persons",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "GET",
        "/api/v1/persons/{id}",
        Access::Needs(Permission::ReadCases),
    ),
    (
        "PATCH",
        "/api/v1/persons/{id}",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/persons/{id}/links",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "DELETE",
        "/api/v1/persons/{id}/links/{other_id}",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/persons/{id}/household",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "DELETE",
        "/api/v1/persons/{id}/household",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/persons/{id}/privacy",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/api/v1/persons/{id}/privacy/{entry_id}/decision",
        Access::Needs(Permission::ManagePersons),
    ),
    (
        "POST",
        "/persone/{id}/protezione-dati",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/persone/{id}/protezione-dati/{entry_id}/decisione",
        Access::Needs(Permission::ManagePersons),
    ),
    (
        "POST",
        "/persone/{id}/nucleo",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/persone/{id}/nucleo/lascia",
        Access::Needs(Permission::WriteCases),
    ),
    ("GET", "/persone", Access::Needs(Permission::ReadCases)),
    (
        "GET",
        "/persone/candidati",
        Access::Needs(Permission::WriteCases),
    ),
    ("GET", "/persone/{id}", Access::Needs(Permission::ReadCases)),
    (
        "POST",
        "/persone/{id}",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/persone/{id}/collegamenti",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/persone/{id}/collegamenti/{other_id}/rimuovi",
        Access::Needs(Permission::WriteCases),
    ),
    (
        "POST",
        "/persone/{id}/stacca",
        Access::Needs(Permission::ManagePersons),
    ),
    (
        "POST",
        "/api/v1/persons/{id}/detach",
        Access::Needs(Permission::ManagePersons),
    ),
    (
        "GET",
        "/api/v1/persons/{id}/export",
        Access::Needs(Permission::ExportPersons),
    ),
    (
        "GET",
        "/amministrazione/persone/{id}/dati.pdf",
        Access::Needs(Permission::ExportPersons),
    ),
    (
        "GET",
        "/amministrazione/persone/{id}/dati.json",
        Access::Needs(Permission::ExportPersons),
    ),
];

/// The rule for a request to `route` (the path as registered) with `method`.
pub fn rule(method: &Method, route: &str) -> Option<Access> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    if route.starts_with("/static/") {
        return Some(Access::Public);
    }
    RULES
        .iter()
        .find(|(m, r, _)| *m == method && *r == route)
        .map(|(_, _, access)| *access)
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/v1/")
}

fn unsafe_method(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Applies the route's rule: resolves the visitor, refuses what the rule does not allow, checks
/// the CSRF token of browser forms, and sets or clears cookies on the way out.
pub async fn authorize(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    let api = is_api(&path);
    let Some(access) = rule(&method, &route) else {
        return no_rule(&method, &route, api);
    };
    if route.starts_with("/static/") || access == Access::Voucher {
        return next.run(request).await;
    }
    let visitor = match resolve(&state, request.headers(), request.extensions(), api).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    if access == Access::Password && visitor.auth.is_none() && visitor.pending.is_none() {
        return unauthenticated(api, &method, &path, &visitor, &state);
    }
    let needed: &[Permission] = match &access {
        Access::Needs(p) => std::slice::from_ref(p),
        Access::AnyOf(list) => list,
        Access::Public | Access::Password | Access::Voucher => &[],
    };
    if !needed.is_empty() {
        let Some(principal) = visitor.principal() else {
            if let Some((_, stage)) = &visitor.pending {
                return Redirect::to(stage.page()).into_response();
            }
            return unauthenticated(api, &method, &path, &visitor, &state);
        };
        if !needed.iter().any(|p| principal.may(*p)) {
            let entry = visitor
                .entry(Action::AccessDenied)
                .record("route", format!("{method} {route}"));
            if let Err(err) = state.db.audit(&entry).await {
                tracing::error!(error = %err, "audit of a refusal failed");
            }
            return forbidden(api);
        }
    }
    let mut request = request;
    if !api && unsafe_method(&method) {
        match check_csrf(request, &visitor).await {
            Ok(checked) => request = checked,
            Err(response) => return response,
        }
    }
    let new_csrf = visitor.new_csrf_cookie.then(|| visitor.csrf.clone());
    let clear_session = visitor.clear_session;
    request.extensions_mut().insert(visitor);
    let mut response = next.run(request).await;
    if let Some(token) = new_csrf {
        response.headers_mut().append(
            header::SET_COOKIE,
            auth::set_cookie(&state, CSRF_COOKIE, Some(&token)),
        );
    }
    if clear_session {
        response.headers_mut().append(
            header::SET_COOKIE,
            auth::set_cookie(&state, SESSION_COOKIE, None),
        );
    }
    response
}

/// Who is asking: a bearer token on the API, a session cookie on pages.
async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &axum::http::Extensions,
    api: bool,
) -> Result<Visitor, Response> {
    let forwarded = state
        .auth
        .trust_forwarded_for
        .then(|| headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|v| v.rsplit(',').map(str::trim).find(|ip| !ip.is_empty()))
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok());
    let client_ip = match forwarded {
        Some(ip) => ip.to_string(),
        None => extensions
            .get::<ConnectInfo<std::net::SocketAddr>>()
            .map_or_else(|| "-".to_owned(), |c| c.0.ip().to_string()),
    };
    let mut visitor = Visitor {
        client_ip,
        clock: state.clock.clone(),
        ..Visitor::default()
    };
    let now = state.clock.now();
    if api {
        if let Some(token) = auth::bearer(headers) {
            let found = state
                .db
                .live_token(&secret::stored(token), now)
                .await
                .map_err(|e| unavailable(&e, true))?;
            let Some(token) = found else {
                return Err(ApiError::unauthenticated("token_invalid").into_response());
            };
            let principal = state
                .db
                .principal(token.user_id)
                .await
                .map_err(|e| unavailable(&e, true))?
                .ok_or_else(|| ApiError::unauthenticated("token_invalid").into_response())?;
            if token.last_used_at.is_none_or(|t| now.0 - t > 60_000) {
                let _ = state.db.touch_token(token.id, now).await;
            }
            visitor.auth = Some(Auth {
                principal: Arc::new(principal),
                via: Via::Token { id: token.id },
            });
        }
        return Ok(visitor);
    }
    if let Some(secret_value) = auth::cookie(headers, SESSION_COOKIE) {
        let id_hash = secret::stored(secret_value);
        let session = state
            .db
            .session_with_principal(&id_hash)
            .await
            .map_err(|e| unavailable(&e, false))?;
        match session {
            Some((s, principal)) if !expired(state, &s, now) => {
                if let Some(principal) = principal {
                    if now.0 - s.last_seen_at > 60_000 {
                        let _ = state.db.touch_session(&id_hash, now).await;
                    }
                    visitor.csrf.clone_from(&s.csrf_token);
                    let auth = Auth {
                        principal: Arc::new(principal),
                        via: Via::Session {
                            id_hash,
                            csrf: s.csrf_token,
                        },
                    };
                    match Stage::parse(&s.stage) {
                        Stage::Full => visitor.auth = Some(auth),
                        partial => visitor.pending = Some((auth, partial)),
                    }
                    return Ok(visitor);
                }
                visitor.clear_session = true;
            }
            Some((s, _)) => {
                let mut entry = visitor
                    .entry(Action::SessionExpired)
                    .record("user", s.user_id);
                entry.actor_id = Some(s.user_id);
                let _ = state.db.end_session(&id_hash, &entry).await;
                visitor.clear_session = true;
            }
            None => visitor.clear_session = true,
        }
    }
    if let Some(token) = auth::cookie(headers, CSRF_COOKIE).filter(|t| t.len() == 64) {
        token.clone_into(&mut visitor.csrf);
    } else {
        visitor.csrf = secret::new_secret();
        visitor.new_csrf_cookie = true;
    }
    Ok(visitor)
}

fn expired(state: &AppState, s: &presidio_db::Session, now: UtcMillis) -> bool {
    let ms = |d: std::time::Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    now.0 - s.last_seen_at >= ms(state.auth.idle) || now.0 - s.created_at >= ms(state.auth.max_age)
}

/// Reads the form (at most the body limit), compares its `csrf` field (or the `x-csrf-token`
/// header) with the visitor's token, and gives the request back with its body intact.
async fn check_csrf(request: Request, visitor: &Visitor) -> Result<Request, Response> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, crate::body_limit(parts.uri.path()))
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
    let from_header = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("multipart/form-data"))
        .and_then(|v| v.split("boundary=").nth(1))
        .map(|b| b.trim_matches('"').to_owned());
    let sent = from_header.or_else(|| match &boundary {
        Some(b) => multipart_field(&bytes, b, CSRF_FIELD),
        None => serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|fields| fields.into_iter().find(|(k, _)| k == CSRF_FIELD))
            .map(|(_, v)| v),
    });
    let cross_site = parts
        .headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site");
    let ok = !cross_site
        && !visitor.csrf.is_empty()
        && sent.is_some_and(|s| secret::same(&s, &visitor.csrf));
    if !ok {
        return Err(crate::error::csrf_refused());
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// The value of the text field `name` of a `multipart/form-data` body (an upload form).
fn multipart_field(body: &[u8], boundary: &str, name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let delimiter = format!("--{boundary}");
    let wanted = format!("name=\"{name}\"");
    text.split(delimiter.as_str()).find_map(|part| {
        let (headers, value) = part.split_once("\r\n\r\n")?;
        let named = headers.lines().any(|h| {
            h.to_ascii_lowercase().starts_with("content-disposition") && h.contains(&wanted)
        });
        named.then(|| value.trim_end_matches("\r\n").to_owned())
    })
}

/// A method the route has no rule for: 405 naming the methods it does have, or 403 (and an
/// error in the log) when the route has no rule at all.
fn no_rule(method: &Method, route: &str, api: bool) -> Response {
    let allowed: Vec<&str> = RULES
        .iter()
        .filter(|(_, r, _)| *r == route)
        .map(|(m, _, _)| *m)
        .collect();
    if allowed.is_empty() {
        tracing::error!(route = %route, method = %method, "route without an access rule: refused");
        return forbidden(api);
    }
    let mut response = if api {
        ApiError::from_status(StatusCode::METHOD_NOT_ALLOWED).into_response()
    } else {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    };
    if let Ok(value) = axum::http::HeaderValue::from_str(&allowed.join(",")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}

fn unavailable(err: &presidio_db::DbError, api: bool) -> Response {
    tracing::error!(error = %err, "storage error while identifying a request");
    if api {
        ApiError::from_status(StatusCode::SERVICE_UNAVAILABLE).into_response()
    } else {
        crate::error::unavailable()
    }
}

fn forbidden(api: bool) -> Response {
    if api {
        ApiError::from_status(StatusCode::FORBIDDEN).into_response()
    } else {
        crate::error::forbidden()
    }
}

fn unauthenticated(
    api: bool,
    method: &Method,
    path: &str,
    visitor: &Visitor,
    state: &AppState,
) -> Response {
    if api {
        return ApiError::unauthenticated("unauthenticated").into_response();
    }
    let target = if *method == Method::GET {
        format!("/accesso?next={}", crate::pages::encode_component(path))
    } else {
        "/accesso".to_owned()
    };
    let mut response = Redirect::to(&target).into_response();
    if visitor.clear_session {
        response.headers_mut().append(
            header::SET_COOKIE,
            auth::set_cookie(state, SESSION_COOKIE, None),
        );
    }
    response
}

#[cfg(test)]
mod multipart_tests {
    #[test]
    fn the_csrf_token_is_found_in_an_upload_form() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc123\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\
            Content-Type: text/csv\r\n\r\nname=\"csrf\"\r\n--XyZ--\r\n";
        assert_eq!(
            super::multipart_field(body.as_bytes(), "XyZ", "csrf").as_deref(),
            Some("abc123")
        );
        assert_eq!(
            super::multipart_field(body.as_bytes(), "XyZ", "other"),
            None
        );
    }
}
