//! Reports in storage: protocol numbers under concurrency, round trips, triage and lifecycle,
//! versions, and the append-only diary.

use presidio_db::{DbError, MoveError, NewReport};
use presidio_domain::audit::{Action, Entry};
use presidio_domain::report::lifecycle::Status;
use presidio_domain::report::triage::TriageInput;
use presidio_domain::report::{DiaryKind, PersonInput, ReportData, ReportInput, ReporterInput};

use crate::support::TestDb;

fn entry() -> Entry {
    Entry::new(presidio_db::now(), Action::Write)
}

pub fn sample() -> ReportData {
    ReportInput {
        channel: "telefono".into(),
        reporter: ReporterInput {
            kind: "carabinieri".into(),
            organization: "Stazione di Rho".into(),
            ..Default::default()
        },
        municipality: "015182".into(),
        target_group: "msna".into(),
        persons: vec![PersonInput {
            role: "minore".into(),
            sex: "M".into(),
            age_band: "14_17".into(),
            citizenship: "EG".into(),
            needs_mediator: true,
            language: "arabo".into(),
            ..Default::default()
        }],
        risk_flags: vec!["minori_presenti".into()],
        description: "Minore solo alla stazione dei Carabinieri".into(),
        ..Default::default()
    }
    .validate(presidio_db::now())
    .unwrap()
}

async fn create(t: &TestDb, data: &ReportData) -> presidio_db::ReportRef {
    let ambito = t.db.list_ambiti().await.unwrap().remove(0);
    t.db.create_report(
        &NewReport {
            ambito: ambito.id,
            data,
            outside_ambito: false,
            created_by: None,
            reporter_organisation: None,
            year: 2026,
        },
        &entry(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn protocol_numbers_are_never_skipped_nor_repeated_under_concurrency() {
    let t = TestDb::seeded().await;
    let data = sample();
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let db = t.db.clone();
        let data = data.clone();
        let ambito = t.db.list_ambiti().await.unwrap().remove(0).id;
        tasks.push(tokio::spawn(async move {
            db.create_report(
                &NewReport {
                    ambito,
                    data: &data,
                    outside_ambito: false,
                    created_by: None,
                    reporter_organisation: None,
                    year: 2026,
                },
                &entry(),
            )
            .await
            .unwrap()
            .code
        }));
    }
    let mut codes = Vec::new();
    for task in tasks {
        codes.push(task.await.unwrap());
    }
    codes.sort();
    let expected: Vec<String> = (1..=24).map(|n| format!("PIS-2026-{n:04}")).collect();
    assert_eq!(codes, expected);
    // Each Ambito and year counts on its own.
    let next = create(&t, &data).await;
    assert_eq!(next.code, "PIS-2026-0025");
}

#[tokio::test]
async fn a_report_reads_back_as_written() {
    let t = TestDb::seeded().await;
    let data = sample();
    let created = create(&t, &data).await;
    assert_eq!((created.status, created.version), (Status::Received, 1));
    let mut stored = t.db.report(created.id).await.unwrap();
    // Each person is attached to a person record of its own, made with the report.
    let person = stored.data.persons[0]
        .person_id
        .take()
        .expect("a person record");
    assert_eq!(
        t.db.person(person).await.unwrap().ambito_id,
        stored.ambito.0
    );
    assert_eq!(stored.data, data);
    assert_eq!(stored.code, created.code);
    assert!(stored.data.is_protected(), "MSNA is protected");
    assert!(matches!(t.db.report(999_999).await, Err(DbError::NotFound)));
}

#[tokio::test]
async fn triage_then_the_lifecycle_with_its_history() {
    let t = TestDb::seeded().await;
    let r = create(&t, &sample()).await;
    // No move before triage.
    let early =
        t.db.move_report(r.id, Status::OperatorAlerted, "", None, None, &entry())
            .await;
    assert!(matches!(early, Err(MoveError::Transition(_))));
    let triage = TriageInput {
        outcome: "emergenza".into(),
        rationale: "Minore solo di notte".into(),
        criteria: vec!["minore_solo".into()],
        ..Default::default()
    }
    .validate()
    .unwrap();
    let triaged =
        t.db.triage_report(r.id, &triage, None, &entry())
            .await
            .unwrap();
    assert_eq!((triaged.status, triaged.version), (Status::Triaged, 2));
    for to in [Status::OperatorAlerted, Status::Accepted, Status::OnSite] {
        t.db.move_report(r.id, to, "ok", None, None, &entry())
            .await
            .unwrap();
    }
    let wrong =
        t.db.move_report(r.id, Status::HandoverAcknowledged, "", None, None, &entry())
            .await;
    assert!(matches!(wrong, Err(MoveError::Transition(_))));
    // Re-triage keeps the history.
    let again = TriageInput {
        outcome: "urgenza".into(),
        rationale: "Accolto da un parente".into(),
        ..Default::default()
    }
    .validate()
    .unwrap();
    t.db.triage_report(r.id, &again, None, &entry())
        .await
        .unwrap();
    let h = t.db.report_history(r.id).await.unwrap();
    let moves: Vec<&str> = h.events.iter().map(|e| e.status_to.as_str()).collect();
    assert_eq!(
        moves,
        [
            "received",
            "triaged",
            "operator_alerted",
            "accepted",
            "on_site",
            "triaged"
        ]
    );
    let outcomes: Vec<&str> = h.triages.iter().map(|t| t.outcome.as_str()).collect();
    assert_eq!(outcomes, ["emergenza", "urgenza"]);
    let stored = t.db.report(r.id).await.unwrap();
    assert_eq!(stored.status, Status::Triaged);
    assert!(stored.triaged_at.is_some());
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_not_an_overwrite() {
    let t = TestDb::seeded().await;
    let r = create(&t, &sample()).await;
    let mut changed = sample();
    changed.description = "Prima modifica".into();
    let v2 =
        t.db.update_report(r.id, 1, &changed, false, &entry())
            .await
            .unwrap();
    assert_eq!(v2, 2);
    changed.description = "Seconda, su versione vecchia".into();
    let stale = t.db.update_report(r.id, 1, &changed, false, &entry()).await;
    assert!(matches!(stale, Err(DbError::Conflict)));
    assert_eq!(
        t.db.report(r.id).await.unwrap().data.description,
        "Prima modifica"
    );
    let missing =
        t.db.update_report(424_242, 1, &changed, false, &entry())
            .await;
    assert!(matches!(missing, Err(DbError::NotFound)));
}

fn note(kind: DiaryKind, text: &str, corrects: Option<i64>) -> presidio_db::DiaryNote<'_> {
    presidio_db::DiaryNote {
        kind,
        text,
        corrects,
        tapped: None,
    }
}

#[tokio::test]
async fn the_diary_only_grows_and_corrections_point_back() {
    let t = TestDb::seeded().await;
    let r = create(&t, &sample()).await;
    let first =
        t.db.add_diary(
            r.id,
            &note(
                DiaryKind::ChiamataRicevuta,
                "Chiamata dei Carabinieri",
                None,
            ),
            None,
            &entry(),
        )
        .await
        .unwrap();
    let fix =
        t.db.add_diary(
            r.id,
            &note(DiaryKind::Nota, "Era la Polizia locale", Some(first)),
            None,
            &entry(),
        )
        .await
        .unwrap();
    let other = create(&t, &sample()).await;
    let foreign =
        t.db.add_diary(
            other.id,
            &note(DiaryKind::Nota, "x", Some(first)),
            None,
            &entry(),
        )
        .await;
    assert!(
        matches!(foreign, Err(DbError::Invalid(_))),
        "a correction stays in its report"
    );
    let h = t.db.report_history(r.id).await.unwrap();
    assert_eq!(h.diary.len(), 2);
    assert_eq!(h.diary[1].corrects, Some(first));
    assert_eq!(h.diary[1].id, fix);
    let sql = "UPDATE diary_entries SET text = 'x'";
    let refused = match &t.db {
        presidio_db::Db::Sqlite { write, .. } => sqlx::query(sql).execute(write).await.map(drop),
        presidio_db::Db::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(drop),
    };
    assert!(refused.is_err(), "the diary is append-only");
}
