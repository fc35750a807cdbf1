//! Households (nuclei): made at intake from the people of a report related to the first, shown
//! on the person's page and in the API under the need-to-know rule, "aggiungi il nucleo" at
//! intake, added and left from the page and the API, and bad input.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::calendar::call;
use crate::reports_api::minimal;
use crate::support::{TestApp, Who};

/// A report naming `persons`; returns its id and the record of each person.
async fn report_with(
    app: &mut TestApp,
    who: &Who,
    persons: Value,
    target: &str,
) -> (i64, Vec<i64>) {
    report_in(app, who, persons, target, "015182").await
}

/// The same, in `municipality`.
async fn report_in(
    app: &mut TestApp,
    who: &Who,
    persons: Value,
    target: &str,
    municipality: &str,
) -> (i64, Vec<i64>) {
    let mut body = minimal();
    body["municipality"] = json!(municipality);
    body["persons"] = persons;
    body["target_group"] = json!(target);
    stored(app, who, &body).await
}

/// Posts report `body`; returns its id and the record of each of its persons.
pub(crate) async fn stored(app: &mut TestApp, who: &Who, body: &Value) -> (i64, Vec<i64>) {
    let (s, v) = call(app, Some(who), Method::POST, "/api/v1/reports", body).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let (_, v) = call(
        app,
        Some(who),
        Method::GET,
        &format!("/api/v1/reports/{id}"),
        &Value::Null,
    )
    .await;
    let ids = v["persons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["person_id"].as_i64().expect("a person_id"))
        .collect();
    (id, ids)
}

/// The household of a record as the API gives it: (person, relationship, restricted, name).
async fn household(app: &mut TestApp, who: &Who, id: i64) -> Vec<(i64, Value, bool, Value)> {
    let (s, v) = call(
        app,
        Some(who),
        Method::GET,
        &format!("/api/v1/persons/{id}"),
        &Value::Null,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["household"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["person_id"].as_i64().unwrap(),
                m["relationship"].clone(),
                m["restricted"].as_bool().unwrap(),
                m["name"].clone(),
            )
        })
        .collect()
}

fn family() -> Value {
    json!([
        {"role": "beneficiario", "name": "Mario Rossi", "sex": "M", "age": 45},
        {"role": "minore", "name": "Anna Rossi", "sex": "F", "age": 8, "relationship": "figlio"},
        {"role": "familiare", "name": "Lucia Verdi", "sex": "F", "age": 40, "relationship": "partner"}
    ])
}

#[tokio::test]
async fn the_people_of_a_report_related_to_the_first_are_one_household() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let (report, ids) = report_with(&mut app, &desk, family(), "emergenza_abitativa").await;
    let [mario, anna, lucia] = ids[..] else {
        panic!("three persons: {ids:?}")
    };
    let (_, v) = call(
        &mut app,
        Some(&desk),
        Method::GET,
        &format!("/api/v1/reports/{report}"),
        &Value::Null,
    )
    .await;
    assert_eq!(v["persons"][1]["relationship"], "figlio", "{v}");
    assert!(v["persons"][0]["relationship"].is_null());
    let expected = vec![
        (mario, Value::Null, false, json!("Mario Rossi")),
        (anna, json!("figlio"), false, json!("Anna Rossi")),
        (lucia, json!("partner"), false, json!("Lucia Verdi")),
    ];
    // The same household from any of its members, the head first.
    assert_eq!(household(&mut app, &desk, mario).await, expected);
    assert_eq!(household(&mut app, &desk, anna).await, expected);
    assert!(
        app.audited("read")
            .await
            .iter()
            .any(|e| e.entry.section == "household"
                && e.entry.record_id == anna.to_string()
                && e.entry.reason.contains(&mario.to_string())),
        "the relatives read are audited"
    );
    let html = app.get_as(&desk, &format!("/persone/{anna}")).await.text();
    assert!(html.contains("Nucleo familiare"), "{html}");
    assert!(html.contains("persona di riferimento") && html.contains("partner"));
    let html = app
        .get_as(&desk, &format!("/segnalazioni/{report}"))
        .await
        .text();
    assert!(html.contains("figlio/a della persona 1"), "{html}");
    // A later report of the same people does not make them twice.
    let mut again = family();
    for (i, id) in ids.iter().enumerate() {
        again[i]["person_id"] = json!(id);
    }
    report_with(&mut app, &desk, again, "emergenza_abitativa").await;
    assert_eq!(household(&mut app, &desk, lucia).await, expected);
}

#[tokio::test]
async fn a_wrong_relationship_is_refused_and_changes_nothing() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    for (persons, field) in [
        (
            json!([{"role": "beneficiario", "name": "Mario Rossi", "relationship": "figlio"}]),
            "persons[0].relationship",
        ),
        (
            json!([{"role": "beneficiario", "name": "Mario Rossi"},
                   {"role": "minore", "name": "Anna", "relationship": "cugino"}]),
            "persons[1].relationship",
        ),
        (
            json!([{"role": "beneficiario", "name": "Mario Rossi"},
                   {"role": "minore", "name": "Anna", "relationship": "figlio\u{0}"}]),
            "persons[1].relationship",
        ),
    ] {
        let mut body = minimal();
        body["persons"] = persons;
        let (s, v) = call(
            &mut app,
            Some(&desk),
            Method::POST,
            "/api/v1/reports",
            &body,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains(field), "{field}: {v}");
    }
    let (_, v) = call(
        &mut app,
        Some(&desk),
        Method::GET,
        "/api/v1/reports",
        &Value::Null,
    )
    .await;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(0), "{v}");
    // On the form, the message names the field as labelled.
    let page = app.get_as(&desk, "/segnalazioni/nuova").await.text();
    let csrf = crate::support::csrf_of(&page);
    let r = app
        .post_form_as(
            &desk,
            "/segnalazioni/nuova",
            &[
                ("channel", "telefono"),
                ("reporter.kind", "carabinieri"),
                ("municipality", "015182"),
                ("target_group", "senza_dimora"),
                ("description", "Uomo a terra"),
                ("persons[0].role", "beneficiario"),
                ("persons[0].name", "Mario Rossi"),
                ("persons[1].role", "minore"),
                ("persons[1].name", "Anna"),
                ("persons[1].relationship", "zio"),
                ("action", "save"),
            ],
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Rapporto di parentela"), "{}", r.text());
}

#[tokio::test]
async fn aggiungi_il_nucleo_brings_the_household_into_the_report() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let (_, ids) = report_with(&mut app, &desk, family(), "emergenza_abitativa").await;
    let (mario, anna, lucia) = (ids[0], ids[1], ids[2]);
    let fragment = app
        .get_as(
            &desk,
            "/persone/candidati?persons%5B0%5D.name=Rossi%20Mario&municipality=015182",
        )
        .await
        .text();
    let action = format!("household:0:{mario}");
    assert!(fragment.contains(&action), "{fragment}");
    assert!(fragment.contains("Aggiungi il nucleo di Mario Rossi"));
    let page = app.get_as(&desk, "/segnalazioni/nuova").await.text();
    let csrf = crate::support::csrf_of(&page);
    let mario_id = mario.to_string();
    let mut fields = vec![
        ("channel", "telefono"),
        ("reporter.kind", "carabinieri"),
        ("municipality", "015182"),
        ("target_group", "emergenza_abitativa"),
        ("description", "Famiglia senza casa"),
        ("persons[0].role", "beneficiario"),
        ("persons[0].name", "Rossi Mario"),
        ("persons[0].person_id", mario_id.as_str()),
        ("action", action.as_str()),
    ];
    let r = app
        .post_form_as(&desk, "/segnalazioni/nuova", &fields, Some(&csrf))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    for (i, id) in [(1, anna), (2, lucia)] {
        assert!(
            html.contains(&format!("name=\"persons[{i}].person_id\" value=\"{id}\"")),
            "{i}: {html}"
        );
    }
    assert!(html.contains("value=\"Anna Rossi\"") && html.contains("value=\"Lucia Verdi\""));
    assert!(
        html.contains("<option value=\"figlio\" selected>"),
        "{html}"
    );
    // Saved as brought in: the same records, no new household.
    let (anna_id, lucia_id) = (anna.to_string(), lucia.to_string());
    fields.pop();
    fields.extend([
        ("persons[1].role", "minore"),
        ("persons[1].name", "Anna Rossi"),
        ("persons[1].person_id", anna_id.as_str()),
        ("persons[1].relationship", "figlio"),
        ("persons[2].role", "familiare"),
        ("persons[2].name", "Lucia Verdi"),
        ("persons[2].person_id", lucia_id.as_str()),
        ("persons[2].relationship", "partner"),
        ("action", "save"),
    ]);
    let r = app
        .post_form_as(&desk, "/segnalazioni/nuova", &fields, Some(&csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let members = household(&mut app, &desk, mario).await;
    assert_eq!(
        members.iter().map(|m| m.0).collect::<Vec<_>>(),
        [mario, anna, lucia]
    );
    // From the child's side: the head is a parent, the head's partner too.
    let fragment = app
        .get_as(
            &desk,
            "/persone/candidati?persons%5B0%5D.name=Anna%20Rossi&municipality=015182",
        )
        .await
        .text();
    assert!(
        fragment.contains(&format!("household:0:{anna}")),
        "{fragment}"
    );
    let r = app
        .post_form_as(
            &desk,
            "/segnalazioni/nuova",
            &[
                ("persons[0].role", "minore"),
                ("persons[0].name", "Anna Rossi"),
                ("action", &format!("household:0:{anna}")),
            ],
            Some(&csrf),
        )
        .await;
    let html = r.text();
    assert_eq!(
        html.matches("<option value=\"genitore\" selected>").count(),
        2,
        "{html}"
    );
}

#[tokio::test]
async fn a_relative_known_only_from_a_protected_report_is_reserved() {
    let mut app = TestApp::new().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let other = app.sign_in("operatore_centrale", &[]).await;
    let coordinator = app.sign_in("coordinatore", &[]).await;
    let (_, ids) = report_with(
        &mut app,
        &desk,
        json!([
            {"role": "beneficiario", "name": "Sara Neri", "sex": "F", "age": 30},
            {"role": "minore", "name": "Luca Neri", "sex": "M", "age": 6, "relationship": "figlio"}
        ]),
        "violenza_genere",
    )
    .await;
    let (sara, luca) = (ids[0], ids[1]);
    // The child is then reported alone, in a report every operator reads.
    report_with(
        &mut app,
        &coordinator,
        json!([{"role": "minore", "name": "Luca Neri", "sex": "M", "age": 6, "person_id": luca}]),
        "fragilita",
    )
    .await;
    let members = household(&mut app, &other, luca).await;
    assert_eq!(members.len(), 2, "{members:?}");
    assert_eq!(members[0], (sara, Value::Null, true, Value::Null));
    let html = app.get_as(&other, &format!("/persone/{luca}")).await.text();
    assert!(!html.contains("Sara"), "{html}");
    assert!(html.contains("in una scheda riservata"));
    // Nor is the mother brought in at intake.
    let page = app.get_as(&other, "/segnalazioni/nuova").await.text();
    let r = app
        .post_form_as(
            &other,
            "/segnalazioni/nuova",
            &[
                ("persons[0].role", "minore"),
                ("persons[0].name", "Luca Neri"),
                ("action", &format!("household:0:{luca}")),
            ],
            Some(&crate::support::csrf_of(&page)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.text().contains("Sara"), "{}", r.text());
}

#[tokio::test]
async fn households_are_joined_and_left_through_the_api_and_the_page() {
    let mut app = TestApp::new().await;
    app.add_bollatese().await;
    let desk = app.sign_in("operatore_centrale", &[]).await;
    let analyst = app.sign_in("analista", &[]).await;
    let arese = app.sign_in("servizio_sociale", &["015009"]).await;
    let bollate = app.sign_in_in("bollatese", "operatore_centrale", &[]).await;
    let (_, ids) = report_with(
        &mut app,
        &desk,
        json!([
            {"role": "beneficiario", "name": "Mario Rossi", "sex": "M", "age": 45},
            {"role": "altro", "name": "Giorgio Bassi", "sex": "M", "age": 50}
        ]),
        "senza_dimora",
    )
    .await;
    let (mario, giorgio) = (ids[0], ids[1]);
    let (_, other) = report_with(
        &mut app,
        &desk,
        json!([
            {"role": "beneficiario", "name": "Paolo Bruni", "sex": "M", "age": 60},
            {"role": "familiare", "name": "Elsa Bruni", "sex": "F", "age": 58, "relationship": "partner"}
        ]),
        "senza_dimora",
    )
    .await;
    let elsa = other[1];
    let ugo = report_in(
        &mut app,
        &bollate,
        json!([{"role": "beneficiario", "name": "Ugo Bollati"}]),
        "senza_dimora",
        "015027",
    )
    .await
    .1[0];
    let path = format!("/api/v1/persons/{mario}/household");
    refused_additions(&mut app, &desk, &path, [giorgio, mario, ugo, elsa]).await;
    assert!(household(&mut app, &desk, mario).await.is_empty());
    let (s, v) = call(
        &mut app,
        Some(&desk),
        Method::POST,
        &path,
        &json!({"person_id": elsa, "relationship": "partner"}),
    )
    .await;
    assert!(v.to_string().contains("altro nucleo"), "{s} {v}");
    for who in [&analyst, &arese, &bollate] {
        let (s, _) = call(
            &mut app,
            Some(who),
            Method::POST,
            &path,
            &json!({"person_id": giorgio, "relationship": "convivente"}),
        )
        .await;
        assert!(
            matches!(s, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{}: {s}",
            who.username
        );
    }
    // Twice at once: one household, one member.
    let body = json!({"person_id": giorgio, "relationship": "convivente"});
    let (one, two) = tokio::join!(
        crate::reports_api::post(&app, &desk, &path, &body),
        crate::reports_api::post(&app, &desk, &path, &body)
    );
    assert_eq!(
        (one.status, two.status),
        (StatusCode::NO_CONTENT, StatusCode::NO_CONTENT)
    );
    assert_eq!(
        household(&mut app, &desk, giorgio).await,
        vec![
            (mario, Value::Null, false, json!("Mario Rossi")),
            (giorgio, json!("convivente"), false, json!("Giorgio Bassi")),
        ]
    );
    let adds = app
        .audited("write")
        .await
        .iter()
        .filter(|e| {
            e.entry
                .reason
                .starts_with(&format!("household_add={giorgio}"))
        })
        .count();
    assert_eq!(adds, 1, "written and audited once");
    leave_twice(&mut app, &desk, mario, giorgio).await;
    on_the_page(&mut app, &desk, mario, giorgio).await;
}

/// The page offers the persons of the same reports, names a refused field, adds and ends.
async fn on_the_page(app: &mut TestApp, desk: &Who, mario: i64, giorgio: i64) {
    let html = app.get_as(desk, &format!("/persone/{mario}")).await.text();
    assert!(
        html.contains("Aggiungi al nucleo") && html.contains("Giorgio Bassi"),
        "{html}"
    );
    let page_path = format!("/persone/{mario}/nucleo");
    let giorgio_id = giorgio.to_string();
    let r = app
        .post_form_as(
            desk,
            &page_path,
            &[("person_id", giorgio_id.as_str()), ("relationship", "")],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("Rapporto di parentela: campo obbligatorio"),
        "{}",
        r.text()
    );
    let r = app
        .post_form_as(
            desk,
            &page_path,
            &[
                ("person_id", giorgio_id.as_str()),
                ("relationship", "altro_familiare"),
            ],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let html = app
        .get_as(desk, &format!("/persone/{giorgio}"))
        .await
        .text();
    assert!(html.contains("altro familiare") && !html.contains("Sciogli il nucleo"));
    let r = app
        .post_form_as(desk, &format!("/persone/{mario}/nucleo/lascia"), &[], None)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(household(app, desk, giorgio).await.is_empty());
}

/// Every wrong addition to the household of `mario` is refused on its field.
async fn refused_additions(app: &mut TestApp, desk: &Who, path: &str, ids: [i64; 4]) {
    let [giorgio, mario, ugo, elsa] = ids;
    for (body, field) in [
        (json!({"person_id": giorgio}), "relationship"),
        (
            json!({"person_id": giorgio, "relationship": "cugino"}),
            "relationship",
        ),
        (
            json!({"person_id": giorgio, "relationship": "\u{0}"}),
            "relationship",
        ),
        (json!({"relationship": "convivente"}), "person_id"),
        (
            json!({"person_id": mario, "relationship": "convivente"}),
            "person_id",
        ),
        (
            json!({"person_id": -1, "relationship": "convivente"}),
            "person_id",
        ),
        (
            json!({"person_id": ugo, "relationship": "convivente"}),
            "person_id",
        ),
        (
            json!({"person_id": elsa, "relationship": "convivente"}),
            "person_id",
        ),
    ] {
        let (s, v) = call(app, Some(desk), Method::POST, path, &body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(
            v.to_string().contains(&format!("\"{field}\"")),
            "{body}: {v}"
        );
    }
}

/// Leaving: the member goes; a record in no household is not found.
async fn leave_twice(app: &mut TestApp, desk: &Who, mario: i64, giorgio: i64) {
    let leave = format!("/api/v1/persons/{giorgio}/household");
    let (s, _) = call(app, Some(desk), Method::DELETE, &leave, &Value::Null).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert!(household(app, desk, mario).await.is_empty());
    let (s, _) = call(app, Some(desk), Method::DELETE, &leave, &Value::Null).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(
        app.audited("write")
            .await
            .iter()
            .any(|e| e.entry.reason == "household_left=1"
                && e.entry.record_id == giorgio.to_string())
    );
}
