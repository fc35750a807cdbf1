//! Server-rendered pages, one module per area. Every page extends `templates/base.html`, which
//! draws the header, the navigation, the skip links and the footer from a [`Layout`].

mod about;
mod activations;
mod admin;
mod api_docs;
mod audit_labels;
pub(crate) mod board;
mod budget;
mod calendar;
mod conferences;
mod follow_ups;
mod handovers;
mod home;
mod interventions;
mod network;
mod notifications;
mod organisations;
mod outbox;
mod persons;
mod portal;
mod protocols;
mod pwa;
mod reference;
mod reports;
mod resources;
mod roster;
mod rota;
mod second_factor;
mod session;
mod setup;
pub mod sheet;
mod siuss;
mod stats;
mod subject_access;
mod summary;
mod teams;
mod training;

pub use sheet::Sheet;

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodRouter, get, post};
use presidio_db::DbError;

use crate::AppState;

pub use crate::error::{PageError, not_found};
pub use crate::views::layout::Layout;

/// Every page route; each has its rule in [`crate::policy::RULES`].
pub fn router() -> Router<AppState> {
    page_routes().router
}

/// The page routes as (method, path), for the check that each has an access rule.
pub fn route_list() -> Vec<(&'static str, &'static str)> {
    page_routes().list
}

/// A router that remembers what it was given.
struct Routes {
    router: Router<AppState>,
    list: Vec<(&'static str, &'static str)>,
}

impl Routes {
    fn add(
        mut self,
        path: &'static str,
        method: &'static str,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.list.push((method, path));
        self
    }

    fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(path, "GET", get(handler))
    }

    fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, handler: H) -> Self {
        self.add(path, "POST", post(handler))
    }
}

fn page_routes() -> Routes {
    let routes = Routes {
        router: Router::new(),
        list: Vec::new(),
    }
    .get("/", home::page)
    .get("/bacheca/righe", board::rows_partial)
    .get("/bacheca/eventi", crate::live::board_events)
    .get("/segnalazioni/nuova", reports::intake_form)
    .post("/segnalazioni/nuova", reports::intake_submit)
    .get("/segnalazioni/{id}", reports::show)
    .post("/segnalazioni/{id}/valutazione", reports::triage)
    .post("/segnalazioni/{id}/stato", reports::move_status)
    .post("/segnalazioni/{id}/diario", reports::diary)
    .post("/segnalazioni/{id}/attivazioni", activations::hold)
    .post(
        "/segnalazioni/{id}/attivazioni/{activation}/stato",
        activations::move_to,
    )
    .post("/segnalazioni/{id}/intervento", interventions::alert)
    .post(
        "/segnalazioni/{id}/intervento/{dispatch}",
        interventions::step,
    )
    .post("/segnalazioni/{id}/procedura", interventions::procedure)
    .post("/segnalazioni/{id}/nota-veloce", interventions::quick_note)
    .get("/campo", interventions::field)
    .get("/passaggi", handovers::list)
    .get("/riepilogo", summary::show)
    .get("/statistiche", stats::show)
    .get("/statistiche/importa", stats::import_form)
    .get("/statistiche/dati.csv", stats::csv)
    .get("/statistiche/dati.pdf", stats::pdf)
    .get("/statistiche/cruscotto", stats::dashboard)
    .get("/statistiche/cruscotto.csv", stats::dashboard_csv)
    .get("/statistiche/cruscotto.xlsx", stats::dashboard_xlsx)
    .post("/statistiche/importa", stats::import_submit)
    .post("/segnalazioni/{id}/riapri", reports::reopen)
    .post("/segnalazioni/{id}/link-stato", handovers::make_status_link)
    .get("/segnalazioni/{id}/scheda", sheet::page)
    .get("/segnalazioni/{id}/scheda.pdf", sheet::pdf)
    .post("/segnalazioni/{id}/passaggio", handovers::send)
    .post("/segnalazioni/{id}/passaggio/{handover}", handovers::answer)
    .post("/segnalazioni/{id}/messaggi", handovers::message)
    .post(
        "/segnalazioni/{id}/accesso-straordinario",
        reports::break_glass,
    )
    .get("/accesso", session::login_form)
    .post("/accesso", session::login)
    .get("/accesso/codice", second_factor::code_form)
    .post("/accesso/codice", second_factor::code_submit)
    .post("/uscita", session::logout)
    .get("/profilo", session::profile)
    .post("/profilo/password", session::change_password)
    .post("/profilo/avvisi", session::set_alert_email)
    .get("/profilo/due-fattori", second_factor::enrol_form)
    .post("/profilo/due-fattori", second_factor::enrol_submit)
    .post("/profilo/esci-ovunque", session::logout_everywhere)
    .get("/configurazione-iniziale", setup::form)
    .post("/configurazione-iniziale", setup::submit)
    .get("/ambiti", reference::index)
    .get("/ambiti/{code}", reference::ambito)
    .get("/amministrazione/utenti", admin::users)
    .post("/amministrazione/utenti", admin::create_user)
    .get("/amministrazione/utenti/{username}", admin::user)
    .post("/amministrazione/utenti/{username}/ruoli", admin::add_role)
    .post(
        "/amministrazione/utenti/{username}/ruoli/{id}/revoca",
        admin::remove_role,
    )
    .post(
        "/amministrazione/utenti/{username}/password",
        admin::reset_password,
    )
    .post(
        "/amministrazione/utenti/{username}/due-fattori",
        admin::reset_second_factor,
    )
    .post("/amministrazione/due-fattori", admin::require_second_factor)
    .post(
        "/amministrazione/utenti/{username}/stato",
        admin::set_user_state,
    )
    .get("/amministrazione/organizzazioni", organisations::list)
    .post("/amministrazione/organizzazioni", organisations::create)
    .post(
        "/amministrazione/organizzazioni/{id}",
        organisations::update,
    )
    .get("/amministrazione/messaggi", outbox::list)
    .get("/amministrazione/token", admin::tokens)
    .post("/amministrazione/token", admin::issue_token)
    .post("/amministrazione/token/{id}/revoca", admin::revoke_token)
    .get("/amministrazione/registro", admin::audit)
    .get("/amministrazione/accessi-persona", subject_access::page)
    .get("/notifiche", notifications::page)
    .post("/notifiche/lette", notifications::mark_read)
    .get("/informazioni", about::page)
    .get("/api", api_docs::page);
    person_routes(service_routes(routes))
}

/// The person across reports: search, candidates at intake, the person's page and links.
fn person_routes(routes: Routes) -> Routes {
    routes
        .get("/amministrazione/siuss", siuss::form)
        .post("/amministrazione/siuss", siuss::save)
        .post("/campo/invio", interventions::field_sync)
        .get("/sw.js", pwa::worker)
        .get("/manifest.webmanifest", pwa::manifest)
        .post("/profilo/push", session::add_device)
        .post("/profilo/sms", session::set_mobile)
        .post("/profilo/canali", session::set_channels)
        .post("/profilo/push/{id}/rimuovi", session::remove_device)
        .get("/persone", persons::search)
        .get("/persone/candidati", persons::candidates)
        .get("/persone/{id}", persons::show)
        .post("/persone/{id}", persons::correct)
        .post("/persone/{id}/collegamenti", persons::link)
        .post("/persone/{id}/stacca", persons::detach)
        .post("/persone/{id}/nucleo", persons::household_add)
        .post("/persone/{id}/equipe", persons::team_invite)
        .post(
            "/persone/{id}/equipe/{member_id}/rimuovi",
            persons::team_remove,
        )
        .post("/persone/{id}/protezione-dati", persons::privacy_add)
        .post(
            "/persone/{id}/protezione-dati/{entry_id}/decisione",
            persons::privacy_decide,
        )
        .post("/persone/{id}/nucleo/lascia", persons::household_leave)
        .get("/rete", network::list)
        .post("/rete", network::create)
        .get("/rete/cerca", network::results)
        .get("/rete/foglio", network::sheet)
        .get("/rete/nuovo", network::new_form)
        .get("/rete/protocolli", protocols::list)
        .post("/rete/protocolli", protocols::create)
        .get("/rete/protocolli/nuovo", protocols::new_form)
        .get("/rete/protocolli/{id}", protocols::show)
        .post("/rete/protocolli/{id}", protocols::update)
        .add(
            "/rete/protocolli/{id}/documento",
            "POST",
            post(protocols::upload)
                .layer(axum::extract::DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .get(
            "/rete/protocolli/{id}/documenti/{document_id}",
            protocols::download,
        )
        .get("/formazione", training::register)
        .post("/formazione/corsi", training::add_course)
        .get("/formazione/corsi/{id}", training::course)
        .post("/formazione/corsi/{id}/presenze", training::attend)
        .add(
            "/formazione/corsi/{id}/presenze/{attendance_id}/attestato",
            "POST",
            post(training::certify)
                .layer(axum::extract::DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .get(
            "/formazione/corsi/{id}/presenze/{attendance_id}/attestato",
            training::certificate,
        )
        .post("/formazione/volontari", training::add_volunteer)
        .post("/formazione/requisiti", training::set_requirement)
        .post("/formazione/argomenti", training::add_topic)
        .get("/formazione/export.csv", training::export_csv)
        .get("/formazione/export.xlsx", training::export_xlsx)
        .get("/rete/{id}", network::show)
        .post("/rete/{id}", network::update)
        .get("/equipe", teams::list)
        .post("/equipe/calendario", teams::create_feed)
        .post("/equipe/calendario/revoca", teams::revoke_feed)
        .get("/equipe/casi/{id}", teams::case)
        .get("/equipe/persone/{member_id}", teams::person)
        .post("/equipe/{member_id}/risposta", teams::answer)
        .get("/segnalazioni/{id}/riunioni/nuova", conferences::new)
        .post("/segnalazioni/{id}/riunioni", conferences::plan)
        .get("/equipe/riunioni/{id}", conferences::show)
        .post("/equipe/riunioni/{id}/verbale", conferences::record)
        .post("/equipe/compiti/{id}", conferences::move_task)
        .get("/esiti", follow_ups::list)
        .post("/esiti/{id}", follow_ups::answer)
        .post("/segnalazioni/{id}/equipe", teams::invite)
        .post(
            "/segnalazioni/{id}/equipe/{member_id}/rimuovi",
            teams::remove,
        )
        .get(
            "/amministrazione/persone/{id}/dati.pdf",
            persons::export_pdf,
        )
        .get(
            "/amministrazione/persone/{id}/dati.json",
            persons::export_json,
        )
        .post(
            "/persone/{id}/collegamenti/{other_id}/rimuovi",
            persons::unlink,
        )
}

/// The trusted reporter's portal; resources, roster and calendar.
fn service_routes(routes: Routes) -> Routes {
    routes
        .get("/portale", portal::list)
        .get("/portale/nuova", portal::new_form)
        .post("/portale/nuova", portal::send)
        .get("/portale/{id}", portal::show)
        .get("/risorse", resources::list)
        .get("/bilancio", budget::show)
        .post("/bilancio", budget::save)
        .post("/risorse", resources::create)
        .post("/risorse/{id}/posti", resources::set_free)
        .get("/turni", roster::week)
        .post("/turni", roster::add)
        .post("/turni/{id}/elimina", roster::remove)
        .get("/turni/schema", rota::show)
        .post("/turni/schema", rota::add)
        .post("/turni/schema/{id}/elimina", rota::remove)
        .post("/turni/genera", rota::generate_shifts)
        .get("/turni/{id}/cambio", rota::swap_form)
        .post("/turni/{id}/cambio", rota::request_swap)
        .post("/turni/cambi/{id}/approva", rota::approve)
        .post("/turni/cambi/{id}/rifiuta", rota::refuse)
        .post("/turni/calendario-personale", roster::create_feed)
        .post("/turni/calendario-personale/revoca", roster::revoke_feed)
        .get("/turni/ics/{secret}", roster::feed)
        .get("/stato/{secret}", handovers::public_status)
        .get("/calendario", calendar::month)
        .get("/calendario/{istat_code}", calendar::edit)
        .post("/calendario/{istat_code}/orari", calendar::save_hours)
        .post("/calendario/{istat_code}/festivita", calendar::add_holiday)
        .post(
            "/calendario/{istat_code}/festivita/{id}/elimina",
            calendar::remove_holiday,
        )
        .post("/calendario/{istat_code}/chiusure", calendar::add_closure)
        .post(
            "/calendario/{istat_code}/chiusure/{id}/elimina",
            calendar::remove_closure,
        )
}

/// The municipalities of `ambiti` as choices of a form, `selected` (an ISTAT code) chosen.
async fn municipality_choices(
    state: &AppState,
    ambiti: impl IntoIterator<Item = presidio_domain::reference::AmbitoId>,
    selected: &str,
) -> Result<Vec<admin::Choice>, DbError> {
    Ok(presidio_app::reference::municipalities_of(state, ambiti)
        .await?
        .into_iter()
        .map(|m| admin::Choice {
            selected: selected == m.data.istat_code.as_str(),
            value: m.data.istat_code.as_str().to_owned(),
            label: m.data.name,
        })
        .collect())
}

/// `text` made safe for a URL query value.
pub fn encode_component(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

/// A local path to go back to after login: one `/` then anything but a control character
/// (browsers drop tabs and new lines, so `/\t/host` would be `//host`) or a backslash (read as
/// `/`). Anything else becomes `/`.
pub fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    if local {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod next_tests {
    use super::safe_next;

    #[test]
    fn only_same_origin_paths_are_followed() {
        for ok in ["/", "/segnalazioni/4?x=1", "/campo#caso-2"] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "https://evil.example",
            "evil",
            "",
            "/\r/x",
            " /x",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
