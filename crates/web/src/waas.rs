//! The `WaaS` e-service INPS polls (`/waas/v1`, as INPS's `api-comuni.yaml` specifies it, not in
//! Presidio's own API document): `GET /flussi`, `POST /esiti`, `GET /status`, errors as
//! `application/problem+json`. The PDND voucher opens `/flussi` and `/esiti`, and nothing else.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use presidio_domain::time::UtcMillis;
use serde::Deserialize;
use serde_json::json;

use crate::AppState;

/// The e-service's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/waas/v1/flussi", get(flows))
        .route("/waas/v1/esiti", post(outcomes))
        .route("/waas/v1/status", get(status))
}

/// The e-service's routes as (method, path).
pub fn route_list() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GET", "/waas/v1/flussi"),
        ("POST", "/waas/v1/esiti"),
        ("GET", "/waas/v1/status"),
    ]
}

/// An RFC 9457 problem.
fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let mut body = json!({"type": "about:blank", "title": title, "status": status.as_u16()});
    if !detail.is_empty() {
        body["detail"] = detail.into();
    }
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/problem+json"),
    );
    response
}

/// The client a valid voucher names; otherwise the status to answer (no e-service here: 404).
fn voucher(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<presidio_app::waas::Client, StatusCode> {
    let check = state.field.waas.as_ref().ok_or(StatusCode::NOT_FOUND)?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    check.verify(token).ok_or(StatusCode::UNAUTHORIZED)
}

/// The problem of a refused voucher (or of no e-service).
fn refused(status: StatusCode) -> Response {
    if status != StatusCode::UNAUTHORIZED {
        return problem(status, "Not Found", "");
    }
    let mut r = problem(status, "Unauthorized", "voucher PDND mancante o non valido");
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    r
}

/// `since` and `limit` of a poll, or what is wrong with them.
fn window(query: Option<&str>) -> Result<(i64, i64), &'static str> {
    let (mut since, mut limit) = (None, 10);
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "since" => since = Some(value.parse::<i64>().map_err(|_| "since")?),
            "limit" => limit = value.parse::<i64>().map_err(|_| "limit")?,
            _ => {}
        }
    }
    let since = since.filter(|s| *s >= 0).ok_or("since")?;
    if !(0..=100).contains(&limit) {
        return Err("limit");
    }
    Ok((since, limit))
}

async fn flows(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    let client = match voucher(&state, &headers) {
        Ok(c) => c,
        Err(status) => return refused(status),
    };
    let (since, limit) = match window(q.as_deref()) {
        Ok(w) => w,
        Err(name) => {
            let detail = format!("parametro {name} non valido");
            return problem(StatusCode::BAD_REQUEST, "Bad Request", &detail);
        }
    };
    match presidio_app::waas::poll(&state, &client, since, limit).await {
        Ok(list) => {
            let entries: Vec<serde_json::Value> = list
                .into_iter()
                .map(|f| {
                    json!({
                        "codice_ente": f.seat,
                        "denominazione_ente": f.body_name,
                        "id_flusso": f.flow_id,
                        "ts_flusso": UtcMillis(f.ts).timestamp().to_string(),
                        "tipo": f.kind,
                        "flusso": presidio_app::waas::encoded(&f.xml),
                    })
                })
                .collect();
            axum::Json(json!({"elenco_flussi": entries})).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "SIUSS poll failed");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "",
            )
        }
    }
}

#[derive(Deserialize)]
struct Outcomes {
    elenco_esiti: Vec<Outcome>,
}

#[derive(Deserialize)]
struct Outcome {
    id_flusso: String,
    #[allow(dead_code)]
    tipo: String,
    #[allow(dead_code)]
    ts_flusso: String,
    ts_acquisizione: String,
    codice_esito: String,
    #[serde(default)]
    descrizione_esito: Option<String>,
    #[serde(default)]
    id_acquisizione_siuss: Option<String>,
}

const CODES: [&str; 4] = [
    "OK",
    "DATI_NON_TROVATI",
    "RICHIESTA_INVALIDA",
    "ERRORE_GENERICO",
];

async fn outcomes(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let client = match voucher(&state, &headers) {
        Ok(c) => c,
        Err(status) => return refused(status),
    };
    let bad = |detail: &str| problem(StatusCode::BAD_REQUEST, "Bad Request", detail);
    let Ok(list) = serde_json::from_slice::<Outcomes>(&body) else {
        return bad("corpo non conforme a ElencoEsiti");
    };
    if list.elenco_esiti.len() > 100 {
        return bad("al massimo 100 esiti");
    }
    let clip = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let mut given = Vec::with_capacity(list.elenco_esiti.len());
    for o in list.elenco_esiti {
        if !CODES.contains(&o.codice_esito.as_str()) || o.id_flusso.trim().is_empty() {
            return bad("codice_esito o id_flusso non valido");
        }
        given.push(presidio_db::FlowOutcome {
            flow_id: clip(&o.id_flusso, 64),
            code: o.codice_esito,
            detail: o.descrizione_esito.map(|d| clip(&d, 1000)),
            acquisition_id: o.id_acquisizione_siuss.map(|d| clip(&d, 64)),
            acquired_at: clip(&o.ts_acquisizione, 40),
        });
    }
    match presidio_app::waas::outcomes(&state, &client, &given).await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "SIUSS outcomes not recorded");
            problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                "",
            )
        }
    }
}

async fn status() -> Response {
    problem(StatusCode::OK, "OK", "")
}
