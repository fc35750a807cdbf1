//! The JSON API under `/api/v1`, plus `/healthz` and `/readyz`. The OpenAPI document is built from
//! the handlers' annotations, served at `/api/v1/openapi.json` and shown readably at `/api`.

mod activations;
mod admin;
mod auth;
mod calendar;
mod conferences;
mod contract;
mod follow_ups;
mod handovers;
mod health;
mod interventions;
mod json;
mod network;
mod notifications;
mod outbox;
mod persons;
mod protocols;
mod push;
mod reference;
mod report_read;
mod reports;
mod resources;
mod roster;
mod siuss;
mod stats;
mod teams;
mod training;

use std::sync::LazyLock;

use axum::Json;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Presidio API",
        description = "API JSON della Centrale Operativa del Pronto Intervento Sociale. \
            Istanti in RFC 3339 (UTC); messaggi di errore in italiano con codici stabili. \
            Ogni POST con un utente accetta l'intestazione Idempotency-Key (da 1 a 255 caratteri \
            ASCII visibili, ad esempio un UUID): la stessa richiesta inviata di nuovo con la stessa \
            chiave entro 24 ore riceve la prima risposta (con Idempotent-Replayed: true) e non \
            cambia nulla; mentre la prima è in corso, 409; la stessa chiave per un'altra \
            richiesta, 422 sull'intestazione."
    ),
    tags(
        (name = "sistema", description = "Stato del servizio e documento OpenAPI"),
        (name = "accesso", description = "Token di accesso e utente corrente"),
        (name = "siuss", description = "SIUSS: l'ente che invia i flussi a INPS e i codici delle prestazioni"),
        (name = "riferimento", description = "Ambiti e comuni"),
        (name = "segnalazioni", description = "Segnalazioni: registrazione, valutazione, stato, diario"),
        (name = "amministrazione", description = "Utenti e registro degli accessi"),
        (name = "calendario", description = "Quando il PIS è attivo per ogni comune"),
        (name = "turni", description = "Turni di reperibilità, scoperture, chi è di turno"),
        (name = "risorse", description = "Risorse, posti liberi, riservatezza degli indirizzi"),
        (name = "passaggi", description = "Passaggio ai servizi sociali comunali: invio, scadenze, presa in carico, messaggi"),
        (name = "statistiche", description = "Dati aggregati per la programmazione zonale"),
        (name = "intervento", description = "Allerta dell'operatore, passi sul posto, check-in, procedure speciali"),
        (name = "persone", description = "La persona attraverso le segnalazioni: già noti al servizio, scheda, collegamenti"),
        (name = "equipe", description = "L'équipe del caso: inviti, risposte, sezioni condivise"),
        (name = "rete", description = "La rete del territorio: enti, recapiti 24 ore e d'ufficio, referenti"),
        (name = "formazione", description = "Il registro della formazione: corsi, presenze, volontari, requisiti mancanti"),
    ),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
struct ApiDoc;

/// Declares the bearer token scheme every route requires unless it says otherwise.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::healthz))
        .routes(routes!(health::readyz))
        .routes(routes!(openapi_json))
        .routes(routes!(reference::list_ambiti))
        .routes(routes!(reference::ambito_municipalities))
        .routes(routes!(reference::municipality))
        .routes(routes!(auth::token))
        .routes(routes!(auth::me))
        .routes(routes!(admin::users))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::person_accesses))
        .routes(routes!(notifications::list))
        .routes(routes!(calendar::status))
        .routes(routes!(resources::list, resources::create))
        .routes(routes!(resources::set_free))
        .routes(routes!(resources::budget, resources::set_budget))
        .routes(routes!(activations::hold, activations::list))
        .routes(routes!(activations::move_to))
        .routes(routes!(interventions::alert, interventions::list))
        .routes(routes!(interventions::step))
        .routes(routes!(interventions::mine))
        .routes(routes!(handovers::send))
        .routes(routes!(handovers::of_report))
        .routes(routes!(handovers::list))
        .routes(routes!(handovers::answer))
        .routes(routes!(handovers::summary))
        .routes(routes!(stats::activity))
        .routes(routes!(stats::dashboard))
        .routes(routes!(handovers::messages, handovers::post_message))
        .routes(routes!(
            interventions::procedures,
            interventions::record_procedure
        ))
        .routes(routes!(roster::shifts, roster::add))
        .routes(routes!(roster::remove))
        .routes(routes!(roster::gaps))
        .routes(routes!(roster::on_call))
        .routes(routes!(roster::rota, roster::add_rota))
        .routes(routes!(roster::remove_rota))
        .routes(routes!(roster::generate))
        .routes(routes!(roster::request_swap))
        .routes(routes!(roster::swaps))
        .routes(routes!(roster::decide_swap))
        .routes(routes!(persons::candidates))
        .routes(routes!(persons::search))
        .routes(routes!(persons::show, persons::correct))
        .routes(routes!(persons::link))
        .routes(routes!(persons::unlink))
        .routes(routes!(persons::detach))
        .routes(routes!(persons::household_add, persons::household_leave))
        .routes(routes!(persons::privacy_add))
        .routes(routes!(persons::privacy_decide))
        .routes(routes!(persons::export))
        .routes(routes!(calendar::show))
        .routes(routes!(calendar::save_hours))
        .routes(routes!(calendar::add_holiday))
        .routes(routes!(calendar::add_closure))
        .routes(routes!(calendar::remove_holiday))
        .routes(routes!(calendar::remove_closure))
        .routes(routes!(notifications::mark_read))
        .routes(routes!(reports::create, reports::list))
        .routes(routes!(report_read::read, reports::update))
        .routes(routes!(reports::triage))
        .routes(routes!(reports::status))
        .routes(routes!(reports::reopen))
        .routes(routes!(reports::status_link))
        .routes(routes!(reports::diary))
        .routes(routes!(report_read::break_glass))
        .routes(routes!(teams::invite, teams::team))
        .routes(routes!(teams::remove))
        .routes(routes!(teams::answer))
        .routes(routes!(teams::mine))
        .routes(routes!(teams::case))
        .routes(routes!(teams::person_invite, teams::person_team))
        .routes(routes!(teams::person_remove))
        .routes(routes!(teams::followed))
        .routes(routes!(conferences::plan, conferences::of_report))
        .routes(routes!(conferences::timeline))
        .routes(routes!(network::list, network::create))
        .routes(routes!(network::show, network::update))
        .routes(routes!(protocols::list, protocols::create))
        .routes(routes!(protocols::show, protocols::update))
        .routes(routes!(protocols::download))
        .routes(
            routes!(protocols::upload)
                .layer(axum::extract::DefaultBodyLimit::max(crate::UPLOAD_LIMIT)),
        )
        .merge(delivery_and_training())
        .routes(routes!(conferences::show))
        .routes(routes!(conferences::minutes))
        .routes(routes!(conferences::tasks))
        .routes(routes!(conferences::move_task))
        .routes(routes!(follow_ups::list))
        .routes(routes!(follow_ups::answer))
        .routes(routes!(reports::board_events))
}

/// The outbox, Web Push and the training register.
fn delivery_and_training() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(outbox::list))
        .routes(routes!(push::key, push::rotate))
        .routes(routes!(push::subscribe, push::list))
        .routes(routes!(push::unsubscribe))
        .routes(routes!(push::channels, push::set_channels))
        .routes(routes!(siuss::settings, siuss::set_settings))
        .routes(routes!(training::courses, training::add_course))
        .routes(routes!(training::attend))
        .routes(routes!(training::gaps))
        .routes(routes!(training::volunteers, training::add_volunteer))
}

/// The API routes as (method, path), read from the OpenAPI document built with them.
pub fn route_list() -> Vec<(String, String)> {
    let doc = openapi();
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("GET", item.get.is_some()),
            ("POST", item.post.is_some()),
            ("PUT", item.put.is_some()),
            ("PATCH", item.patch.is_some()),
            ("DELETE", item.delete.is_some()),
        ] {
            if op {
                out.push((method.to_owned(), path.clone()));
            }
        }
    }
    out
}

pub fn router() -> axum::Router<AppState> {
    api_router().split_for_parts().0
}

/// An optional day or instant sent as given, none as blank; a blank string is not one (refused
/// as such).
fn typed(value: Option<String>) -> String {
    match value {
        Some(v) if v.trim().is_empty() => "-".into(),
        Some(v) => v,
        None => String::new(),
    }
}

/// The OpenAPI 3 document of this version of Presidio.
pub fn openapi() -> &'static OpenApiDoc {
    static DOC: LazyLock<OpenApiDoc> = LazyLock::new(|| {
        let mut doc = api_router().split_for_parts().1;
        env!("CARGO_PKG_VERSION").clone_into(&mut doc.info.version);
        let mut json = serde_json::to_value(&doc).expect("the document is JSON");
        contract::complete(&mut json);
        serde_json::from_value(json).expect("the completed document is still OpenAPI")
    });
    &DOC
}

/// The OpenAPI document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "sistema", security(()),
    responses((status = 200, description = "Documento OpenAPI 3", content_type = "application/json")))]
async fn openapi_json() -> Json<&'static OpenApiDoc> {
    Json(openapi())
}

pub(crate) use crate::input::is_api_path;

/// Turns every error answer under `/api` that is not JSON yet (unknown route, wrong method, body
/// too large, malformed path or JSON) into the standard JSON error body.
pub async fn errors_as_json(request: Request, next: Next) -> Response {
    let api = is_api_path(request.uri().path());
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if api && (status.is_client_error() || status.is_server_error()) && !is_json {
        let allow = response.headers().get(header::ALLOW).cloned();
        let mut json = ApiError::from_status(status).into_response();
        if let Some(allow) = allow {
            json.headers_mut().insert(header::ALLOW, allow);
        }
        return json;
    }
    response
}
