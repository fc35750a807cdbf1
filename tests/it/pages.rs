//! The HTML shell: Italian, the UI kit from this server, navigation, errors, static assets.

use axum::http::StatusCode;

use crate::support::TestApp;

/// The values of every `src="…"` and `href="…"` in a page.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            out.push(part.split('"').next().unwrap().to_owned());
        }
    }
    out
}

#[tokio::test]
async fn the_home_page_is_italian_and_uses_only_local_assets() {
    // Users who do not read cases get the Ambiti served; the others, the board.
    let app = TestApp::signed_in("analista").await;
    let home = app.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert_eq!(home.header("content-type"), "text/html; charset=utf-8");
    let html = home.text();
    assert!(html.contains("<html lang=\"it\">"));
    assert!(html.contains("Vai al contenuto principale"), "skip link");
    assert!(html.contains("id=\"main-content\""));
    assert!(html.contains("Ambito Territoriale Sociale Rhodense"));
    assert!(html.contains("9 comuni"));
    assert!(html.contains("aria-current=\"page\""));
    for link in links(&html) {
        assert!(
            link.starts_with('/') || link.starts_with('#'),
            "external or relative link: {link}"
        );
    }
    assert!(
        !html.contains("<script>") && !html.contains(" style=\""),
        "no inline script or style"
    );
}

#[tokio::test]
async fn every_linked_asset_is_served_compressed_or_cached() {
    let app = TestApp::signed_in("coordinatore").await;
    let html = app.get("/").await.text();
    let assets: Vec<String> = links(&html)
        .into_iter()
        .filter(|l| l.starts_with("/static/"))
        .collect();
    let kit_file = |ext: &str| {
        assets.iter().any(|a| {
            a.contains("bootstrap-italia")
                && std::path::Path::new(a)
                    .extension()
                    .is_some_and(|e| e == ext)
        })
    };
    assert!(kit_file("css") && kit_file("js"));
    for asset in assets {
        let path = asset.split('#').next().unwrap();
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(!r.header("etag").is_empty(), "{path} has no ETag");
        assert!(
            r.header("cache-control").contains("max-age"),
            "{path}: {}",
            r.header("cache-control")
        );
    }
    // The fonts named by fonts.css exist.
    let fonts = app.get("/static/fonts.css").await.text();
    for url in fonts
        .split("url(\"")
        .skip(1)
        .map(|p| p.split('"').next().unwrap())
    {
        assert_eq!(app.get(url).await.status, StatusCode::OK, "{url}");
    }
}

#[tokio::test]
async fn the_municipalities_page_formats_numbers_and_dates_in_italian() {
    let app = TestApp::signed_in("coordinatore").await;
    // With one Ambito, the list goes straight to it.
    let index = app.get("/ambiti").await;
    assert_eq!(index.status, StatusCode::SEE_OTHER);
    assert_eq!(index.header("location"), "/ambiti/rhodense");

    let page = app.get("/ambiti/rhodense").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("50.052"), "population with Italian grouping");
    assert!(html.contains("8 maggio"), "Rho's local holiday");
    assert!(
        html.contains("non indicata"),
        "unknown local holidays say so"
    );
    assert!(html.contains("<caption>"));
    assert_eq!(
        app.get("/ambiti/nessuno").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn about_lists_version_database_and_licences() {
    let app = TestApp::signed_in("coordinatore").await;
    let html = app.get("/informazioni").await.text();
    assert!(html.contains(env!("CARGO_PKG_VERSION")));
    for text in [
        "Bootstrap Italia",
        "BSD-3-Clause",
        "htmx",
        "SIL Open Font License 1.1",
        "CC BY 4.0",
    ] {
        assert!(html.contains(text), "{text}");
    }
}

#[tokio::test]
async fn the_api_page_lists_the_endpoints() {
    let app = TestApp::signed_in("coordinatore").await;
    let html = app.get("/api").await.text();
    assert!(html.contains("/api/v1/ambiti/{code}/municipalities"));
    assert!(html.contains("/api/v1/openapi.json"));
    assert!(html.contains("invalid_input"));
}

#[tokio::test]
async fn unknown_pages_get_an_italian_404() {
    let app = TestApp::signed_in("coordinatore").await;
    let r = app.get("/non-esiste").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let html = r.text();
    assert!(html.contains("Pagina non trovata"));
    assert!(html.contains("<html lang=\"it\">"));
}

#[tokio::test]
async fn the_board_lists_open_reports_by_severity_and_refreshes_from_events() {
    let app = TestApp::signed_in("coordinatore").await;
    let empty = app.get("/").await.text();
    assert!(
        empty.contains("Bacheca della Centrale") && empty.contains("Nessuna segnalazione aperta")
    );
    assert!(empty.contains("data-board-events=\"/bacheca/eventi\""));
    let mut board = app.state.board.subscribe();
    for target in ["senza_dimora", "fragilita"] {
        let mut body = crate::reports_api::minimal();
        body["target_group"] = target.into();
        let r = app
            .send(
                axum::http::Method::POST,
                "/api/v1/reports",
                "application/json",
                body.to_string().into_bytes(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    // Each write tells the boards.
    assert!(board.try_recv().is_ok() && board.try_recv().is_ok());
    let second = app
        .t
        .db
        .reports(&presidio_db::ReportFilter {
            ambiti: app
                .t
                .db
                .list_ambiti()
                .await
                .unwrap()
                .iter()
                .map(|a| a.id)
                .collect(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap()[0]
        .id;
    // The rows seen now are kept; the triage below must show at once all the same.
    let before = app.get("/bacheca/righe").await.text();
    assert!(before.contains("Anziani o persone fragili") && !before.contains("Emergenza"));
    let triage = serde_json::json!({"outcome": "emergenza", "rationale": "Sola in casa, senza riscaldamento"});
    app.send(
        axum::http::Method::POST,
        &format!("/api/v1/reports/{second}/triage"),
        "application/json",
        triage.to_string().into_bytes(),
    )
    .await;
    let rows = app.get("/bacheca/righe").await.text();
    let emergency = rows.find("Emergenza").expect("the emergency is listed");
    let waiting = rows
        .find("Da valutare")
        .expect("the untriaged one is listed");
    assert!(emergency < waiting, "emergencies first: {rows}");
    assert!(rows.contains("Anziani o persone fragili"));
}

#[tokio::test]
async fn a_report_is_recorded_triaged_and_followed_from_the_pages() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    let form = app.get_as(&op, "/segnalazioni/nuova").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("Registra la segnalazione"));
    let saved = app
        .post_form_as(
            &op,
            "/segnalazioni/nuova",
            &[
                ("received_at", "2026-11-22T03:10"),
                ("channel", "telefono"),
                ("reporter.kind", "polizia_locale"),
                ("municipality", "015182"),
                ("target_group", "senza_dimora"),
                ("persons[0].role", "beneficiario"),
                ("persons[0].sex", "M"),
                ("persons[0].age", "61"),
                ("risk_flags", "pericolo_immediato"),
                ("description", "Uomo al freddo sotto il portico"),
                ("action", "save"),
            ],
            None,
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
    let path = saved.header("location").to_owned();
    let page = app.get_as(&op, &path).await.text();
    assert!(
        page.contains("Segnalazione PIS-") && page.contains("22/11/2026 03:10"),
        "{page}"
    );
    assert!(
        page.contains("Suggerimento dalla lista: Emergenza"),
        "danger ticks the checklist"
    );
    let triaged = app
        .post_form_as(
            &op,
            &format!("{path}/valutazione"),
            &[
                ("outcome", "emergenza"),
                ("criteria", "pericolo_immediato"),
                ("rationale", "Notte sotto zero"),
            ],
            None,
        )
        .await;
    assert_eq!(triaged.status, StatusCode::SEE_OTHER);
    let wrong = app
        .post_form_as(&op, &format!("{path}/stato"), &[("status", "closed")], None)
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().contains("passaggio di stato non consentito"));
    let moved = app
        .post_form_as(
            &op,
            &format!("{path}/stato"),
            &[
                ("status", "operator_alerted"),
                ("note", "Chiamato il reperibile"),
            ],
            None,
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    let noted = app
        .post_form_as(
            &op,
            &format!("{path}/diario"),
            &[
                ("kind", "nota"),
                ("text", "Coperte portate dalla Croce Rossa"),
            ],
            None,
        )
        .await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER);
    let page = app.get_as(&op, &path).await.text();
    for seen in [
        "Operatore allertato",
        "Chiamato il reperibile",
        "Coperte portate",
        "Valutata: Emergenza",
    ] {
        assert!(page.contains(seen), "{seen}");
    }
}

#[tokio::test]
async fn a_protected_report_opens_to_others_only_by_breaking_the_glass() {
    let app = TestApp::new().await;
    let recorder = app.sign_in("operatore_centrale", &[]).await;
    let other = app.sign_in("operatore_pis", &[]).await;
    let mut body = crate::reports_api::minimal();
    body["target_group"] = "msna".into();
    body["description"] = "Minore solo in caserma".into();
    let request = axum::http::Request::post("/api/v1/reports")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {}", recorder.token))
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let id = app.request(request).await.json()["id"].as_i64().unwrap();
    let path = format!("/segnalazioni/{id}");
    let limited = app.get_as(&other, &path).await.text();
    assert!(
        limited.contains("Segnalazione riservata") && !limited.contains("Minore solo in caserma")
    );
    let short = app
        .post_form_as(
            &other,
            &format!("{path}/accesso-straordinario"),
            &[("reason", "urgente")],
            None,
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text().contains("Motivo: troppo breve"));
    let opened = app
        .post_form_as(
            &other,
            &format!("{path}/accesso-straordinario"),
            &[("reason", "Il minore è stato trasferito a me dal 112")],
            None,
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    assert!(
        app.get_as(&other, &path)
            .await
            .text()
            .contains("Minore solo in caserma")
    );
    // The board tells the coordinator a notification is waiting, without its text.
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let board = app.get_as(&coordinator, "/").await.text();
    assert!(board.contains("Una notifica da leggere"), "{board}");
    assert!(!board.contains("trasferito a me dal 112"));
    let list = app.get_as(&coordinator, "/notifiche").await.text();
    assert!(list.contains("accesso straordinario") && list.contains("trasferito a me dal 112"));
    assert!(list.contains("Da leggere"));
    let newest = list
        .split("name=\"up_to\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let read = app
        .post_form_as(
            &coordinator,
            "/notifiche/lette",
            &[("up_to", &newest)],
            None,
        )
        .await;
    assert_eq!(read.status, StatusCode::SEE_OTHER);
    let board = app.get_as(&coordinator, "/").await.text();
    assert!(!board.contains("da leggere") && board.contains("href=\"/notifiche\""));
    let list = app.get_as(&coordinator, "/notifiche").await.text();
    assert!(list.contains("trasferito a me dal 112") && !list.contains("Da leggere"));
    // Other roles have none.
    let list = app.get_as(&other, "/notifiche").await.text();
    assert!(list.contains("Nessuna notifica"));
}

#[tokio::test]
async fn the_intake_form_keeps_what_was_typed_and_names_refused_fields() {
    let app = TestApp::new().await;
    let op = app.sign_in("operatore_centrale", &[]).await;
    // Adding a person keeps what was typed and shows a second block.
    let more = app
        .post_form_as(
            &op,
            "/segnalazioni/nuova",
            &[("description", "Due persone"), ("action", "add_person")],
            None,
        )
        .await;
    assert!(more.text().contains("Persona 2") && more.text().contains("Due persone"));
    // A refused form names each field and keeps the values.
    let refused = app
        .post_form_as(
            &op,
            "/segnalazioni/nuova",
            &[
                ("received_at", "ieri"),
                ("channel", "telefono"),
                ("persons[0].role", "beneficiario"),
                ("persons[0].fiscal_code", "XYZ"),
                ("description", "Uomo al freddo"),
            ],
            None,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    for message in [
        "Ricevuta alle: indicare data e ora",
        "Segnalante · Tipo: campo obbligatorio",
        "Destinatari: campo obbligatorio",
        "Persona 1 · Codice fiscale: codice fiscale non valido",
    ] {
        assert!(html.contains(message), "{message}");
    }
    assert!(html.contains("Uomo al freddo"));
}

/// A page that does not exist does not offer a signed-in user to sign in.
#[tokio::test]
async fn the_not_found_page_does_not_offer_to_sign_in_again() {
    let app = crate::support::TestApp::signed_in("coordinatore").await;
    let r = app.get("/pagina-che-non-esiste").await;
    assert_eq!(r.status, axum::http::StatusCode::NOT_FOUND);
    let html = r.text();
    assert!(html.contains("Torna all"), "{html}");
    assert!(!html.contains("href=\"/accesso\""), "{html}");
}
