//! The storage interface, with the same expectations on SQLite and PostgreSQL.

use presidio_db::{Backend, Db, DbError, ImportError, RHODENSE_CSV};
use presidio_domain::reference::{AmbitoData, AmbitoInput, IstatCode, MunicipalityInput};
use presidio_domain::validation::Problem;

use crate::support::{TestDb, postgres_admin_url};

fn istat(code: &str) -> IstatCode {
    IstatCode::parse(code).unwrap()
}

#[tokio::test]
async fn the_backend_under_test_is_the_one_asked_for() {
    let t = TestDb::empty().await;
    let expected = if postgres_admin_url().is_some() {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    assert_eq!(t.db.backend(), expected);
}

#[test]
fn both_backends_ship_the_same_migration_versions() {
    let (sqlite, postgres) = Db::migration_versions();
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, postgres);
}

#[tokio::test]
async fn migrating_twice_changes_nothing() {
    let t = TestDb::seeded().await;
    t.db.migrate().await.unwrap();
    t.db.close().await;
    let again = Db::open(&t.url).await.unwrap();
    assert_eq!(again.list_ambiti().await.unwrap().len(), 1);
}

#[tokio::test]
async fn first_start_seeds_the_rhodense_once() {
    let t = TestDb::empty().await;
    assert!(t.db.list_ambiti().await.unwrap().is_empty());
    assert!(t.db.seed_if_empty().await.unwrap());
    assert!(
        !t.db.seed_if_empty().await.unwrap(),
        "a second start must not seed again"
    );

    let ambiti = t.db.list_ambiti().await.unwrap();
    assert_eq!(ambiti.len(), 1);
    assert_eq!(ambiti[0].code, "rhodense");
    assert_eq!(ambiti[0].name, "Ambito Territoriale Sociale Rhodense");

    let list = t.db.municipalities_of(ambiti[0].id).await.unwrap();
    let names: Vec<_> = list.iter().map(|m| m.data.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Arese",
            "Cornaredo",
            "Lainate",
            "Pero",
            "Pogliano Milanese",
            "Pregnana Milanese",
            "Rho",
            "Settimo Milanese",
            "Vanzago"
        ]
    );
    assert!(
        list.iter().all(|m| m.ambito_id == ambiti[0].id),
        "every municipality names its Ambito"
    );
    let rho = t.db.municipality(&istat("015182")).await.unwrap();
    assert_eq!(rho.data.belfiore_code.as_str(), "H264");
    assert_eq!(rho.data.population, Some(50_052));
    assert_eq!(rho.data.patron_holiday.unwrap().to_string(), "05-08");
    assert_eq!(rho.version, 1);
}

#[tokio::test]
async fn a_municipality_update_needs_the_current_version() {
    let t = TestDb::seeded().await;
    let rho = t.db.municipality(&istat("015182")).await.unwrap();
    let mut data = rho.data.clone();
    data.postal_code = Some("20017".into());
    data.patron_holiday = None;
    data.population = Some(51_000);

    let updated =
        t.db.update_municipality(&istat("015182"), rho.version, &data)
            .await
            .unwrap();
    assert_eq!(updated.version, rho.version + 1);
    assert_eq!(updated.data.population, Some(51_000));
    assert_eq!(updated.data.patron_holiday, None);

    // A second writer still holding the old version is refused, and nothing changes.
    let mut stale = rho.data.clone();
    stale.population = Some(1);
    let err =
        t.db.update_municipality(&istat("015182"), rho.version, &stale)
            .await
            .unwrap_err();
    assert!(matches!(err, DbError::Conflict), "{err:?}");
    assert_eq!(
        t.db.municipality(&istat("015182"))
            .await
            .unwrap()
            .data
            .population,
        Some(51_000)
    );

    let err =
        t.db.update_municipality(
            &istat("099999"),
            1,
            &MunicipalityInput {
                istat_code: "099999".into(),
                ..input_rho()
            }
            .validate()
            .unwrap(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, DbError::NotFound), "{err:?}");
}

#[tokio::test]
async fn concurrent_updates_of_one_version_let_exactly_one_win() {
    let t = TestDb::seeded().await;
    let rho = t.db.municipality(&istat("015182")).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..8u32 {
        let db = t.db.clone();
        let mut data = rho.data.clone();
        data.population = Some(60_000 + i);
        tasks.push(tokio::spawn(async move {
            db.update_municipality(&istat("015182"), 1, &data).await
        }));
    }
    let mut wins = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(m) => {
                wins += 1;
                assert_eq!(m.version, 2);
            }
            Err(DbError::Conflict) => {}
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!(wins, 1);
}

#[tokio::test]
async fn a_duplicate_belfiore_code_is_refused_on_its_field() {
    let t = TestDb::seeded().await;
    let arese = t.db.municipality(&istat("015009")).await.unwrap();
    let mut data = arese.data.clone();
    data.belfiore_code =
        t.db.municipality(&istat("015182"))
            .await
            .unwrap()
            .data
            .belfiore_code;
    match t
        .db
        .update_municipality(&istat("015009"), arese.version, &data)
        .await
    {
        Err(DbError::Invalid(invalid)) => {
            assert_eq!(
                (invalid.0[0].field, invalid.0[0].problem),
                ("belfiore_code", Problem::Duplicate)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        t.db.municipality(&istat("015009")).await.unwrap().version,
        arese.version
    );
}

#[tokio::test]
async fn ambiti_have_unique_codes_and_versions() {
    let t = TestDb::seeded().await;
    let data = AmbitoInput {
        code: "bollatese".into(),
        name: "Ambito Bollatese".into(),
        report_prefix: String::new(),
    }
    .validate()
    .unwrap();
    let bollatese = t.db.create_ambito(&data).await.unwrap();
    assert_eq!(bollatese.version, 1);
    let same_code = AmbitoData {
        report_prefix: "BOL2".into(),
        ..data.clone()
    };
    match t.db.create_ambito(&same_code).await {
        Err(DbError::Invalid(invalid)) => assert_eq!(invalid.0[0].field, "code"),
        other => panic!("{other:?}"),
    }
    // A protocol prefix is the Ambito's own too.
    let same_prefix = AmbitoData {
        code: "bollatese-2".into(),
        ..data.clone()
    };
    match t.db.create_ambito(&same_prefix).await {
        Err(DbError::Invalid(invalid)) => assert_eq!(invalid.0[0].field, "report_prefix"),
        other => panic!("{other:?}"),
    }
    assert_eq!(bollatese.report_prefix, "BOLLATESE");
    let renamed = AmbitoData {
        code: "bollatese".into(),
        name: "Ambito Territoriale Bollatese".into(),
        report_prefix: "BOLLATESE".into(),
    };
    let updated = t.db.update_ambito(bollatese.id, 1, &renamed).await.unwrap();
    assert_eq!(
        (updated.version, updated.name.as_str()),
        (2, "Ambito Territoriale Bollatese")
    );
    assert!(matches!(
        t.db.update_ambito(bollatese.id, 1, &renamed).await,
        Err(DbError::Conflict)
    ));
    assert_eq!(
        t.db.ambito_by_code("bollatese").await.unwrap().id,
        bollatese.id
    );
    assert!(matches!(
        t.db.ambito_by_code("nessuno").await,
        Err(DbError::NotFound)
    ));
}

#[tokio::test]
async fn an_import_with_one_bad_row_writes_nothing() {
    let t = TestDb::empty().await;
    let ambito = AmbitoData {
        code: "altomilanese".into(),
        name: "Ambito Altomilanese".into(),
        report_prefix: "ALTOMILANESE".into(),
    };
    let csv = "istat_code,belfiore_code,name,province\n015118,E514,Legnano,MI\n01511X,Z000,Sbagliato,MI\n";
    match t.db.import_ambito(&ambito, csv).await {
        Err(ImportError::Row { line: 3, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert!(
        t.db.list_ambiti().await.unwrap().is_empty(),
        "nothing may be written"
    );
}

#[tokio::test]
async fn a_failing_import_rolls_back_the_whole_transaction() {
    let t = TestDb::seeded().await;
    // Valid rows, but the second reuses Rho's Belfiore code: the database refuses it mid-way.
    let ambito = AmbitoData {
        code: "altomilanese".into(),
        name: "Ambito Altomilanese".into(),
        report_prefix: "ALTOMILANESE".into(),
    };
    let csv =
        "istat_code,belfiore_code,name,province\n015118,E514,Legnano,MI\n015999,H264,Doppione,MI\n";
    assert!(t.db.import_ambito(&ambito, csv).await.is_err());
    assert!(matches!(
        t.db.ambito_by_code("altomilanese").await,
        Err(DbError::NotFound)
    ));
    assert!(matches!(
        t.db.municipality(&istat("015118")).await,
        Err(DbError::NotFound)
    ));
}

#[tokio::test]
async fn importing_the_same_file_again_updates_in_place() {
    let t = TestDb::seeded().await;
    let rhodense = t.db.ambito_by_code("rhodense").await.unwrap();
    let summary =
        t.db.import_ambito(
            &AmbitoData {
                code: "rhodense".into(),
                name: rhodense.name.clone(),
                report_prefix: "PIS".into(),
            },
            RHODENSE_CSV,
        )
        .await
        .unwrap();
    assert_eq!(summary.municipalities, 9);
    assert_eq!(summary.ambito.id, rhodense.id);
    assert_eq!(t.db.municipalities_of(rhodense.id).await.unwrap().len(), 9);
    assert_eq!(
        t.db.municipality(&istat("015182")).await.unwrap().version,
        2
    );
}

#[tokio::test]
async fn instants_are_stored_as_utc_milliseconds() {
    let t = TestDb::seeded().await;
    let before = presidio_db::now().0;
    let rho = t.db.municipality(&istat("015182")).await.unwrap();
    t.db.update_municipality(&istat("015182"), rho.version, &rho.data)
        .await
        .unwrap();
    let after = presidio_db::now().0;
    let (updated_at,): (i64,) = match &t.db {
        Db::Sqlite { read, .. } => {
            sqlx::query_as("SELECT updated_at FROM municipalities WHERE istat_code = '015182'")
                .fetch_one(read)
                .await
                .unwrap()
        }
        Db::Postgres(pool) => {
            sqlx::query_as("SELECT updated_at FROM municipalities WHERE istat_code = '015182'")
                .fetch_one(pool)
                .await
                .unwrap()
        }
    };
    assert!(
        (before..=after).contains(&updated_at),
        "{before} <= {updated_at} <= {after}"
    );
}

#[tokio::test]
async fn sqlite_runs_in_wal_with_full_sync_and_foreign_keys() {
    // This checks the SQLite settings whatever the backend under test.
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&presidio_db::DatabaseUrl::Sqlite(dir.path().join("p.db")))
        .await
        .unwrap();
    let Db::Sqlite { write, read } = &db else {
        panic!("expected SQLite")
    };
    for pool in [write, read] {
        let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
            .fetch_one(pool)
            .await
            .unwrap();
        let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
            .fetch_one(pool)
            .await
            .unwrap();
        let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys")
            .fetch_one(pool)
            .await
            .unwrap();
        let (busy,): (i64,) = sqlx::query_as("PRAGMA busy_timeout")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
        assert!(busy >= 5_000, "busy timeout {busy} ms");
    }
    // Foreign keys are enforced: a municipality must belong to an existing Ambito.
    let err = sqlx::query("INSERT INTO municipalities (istat_code, ambito_id, belfiore_code, name, province, created_at, updated_at) VALUES ('000001', 999, 'A000', 'X', 'MI', 0, 0)")
        .execute(write)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
}

#[tokio::test]
async fn a_backup_of_a_live_sqlite_database_is_a_consistent_copy() {
    let dir = tempfile::tempdir().unwrap();
    let url = presidio_db::DatabaseUrl::Sqlite(dir.path().join("live.db"));
    let db = Db::open(&url).await.unwrap();
    db.seed_if_empty().await.unwrap();
    let target = dir.path().join("copy.db");
    db.backup_to(&target).await.unwrap();
    // The live database keeps working after the copy…
    let rho = db.municipality(&istat("015182")).await.unwrap();
    db.update_municipality(&istat("015182"), rho.version, &rho.data)
        .await
        .unwrap();
    // …and the copy is a complete database of its own.
    let copy = Db::open(&presidio_db::DatabaseUrl::Sqlite(target.clone()))
        .await
        .unwrap();
    assert_eq!(
        copy.municipality(&istat("015182")).await.unwrap().version,
        1
    );
    let Db::Sqlite { read, .. } = &copy else {
        unreachable!()
    };
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(read)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    // A backup never overwrites an existing file.
    assert!(matches!(db.backup_to(&target).await, Err(DbError::Io(_))));
}

#[tokio::test]
async fn postgres_has_no_builtin_backup() {
    let t = TestDb::empty().await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.db");
    let result = t.db.backup_to(&target).await;
    match t.db.backend() {
        Backend::Postgres => {
            assert!(matches!(result, Err(DbError::Unsupported(_))));
            assert!(!target.exists());
        }
        Backend::Sqlite => assert!(result.is_ok() && target.exists()),
    }
}

fn input_rho() -> MunicipalityInput {
    MunicipalityInput {
        istat_code: "015182".into(),
        belfiore_code: "H264".into(),
        name: "Rho".into(),
        province: "MI".into(),
        ..MunicipalityInput::default()
    }
}

#[tokio::test]
async fn concurrent_audit_batches_and_single_appends_keep_one_unbroken_chain() {
    use presidio_domain::audit::{Action, Entry};
    let t = TestDb::seeded().await;
    let batcher = presidio_db::AuditBatcher::start(t.db.clone());
    let mut tasks = Vec::new();
    // More entries than one insert takes, from many callers at once, with single appends between.
    for i in 0..300_i64 {
        let batcher = batcher.clone();
        let db = t.db.clone();
        tasks.push(tokio::spawn(async move {
            let entry = Entry::new(presidio_db::now(), Action::Read).record("report", i);
            if i % 10 == 0 {
                db.audit(&entry).await
            } else {
                batcher.append(entry).await
            }
        }));
    }
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.unwrap().unwrap());
    }
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), 300, "every entry got its own number");
    assert_eq!(seqs[299] - seqs[0], 299, "numbers without gaps");
    assert!(matches!(t.db.audit_verify().await.unwrap(), Ok(n) if n >= 300));
    // Each entry is stored as given.
    let stored =
        t.db.audit_search(&presidio_db::AuditFilter {
            record_type: "report".into(),
            record_id: "123".into(),
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].entry.action, "read");
}

/// The data folder, the database, its WAL and a backup are the service's alone (0700 / 0600),
/// whatever the umask of the process.
#[cfg(unix)]
#[tokio::test]
async fn the_database_and_its_backups_are_readable_by_the_service_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = data.join("presidio.db");
    let db = Db::open(&presidio_db::DatabaseUrl::Sqlite(file.clone()))
        .await
        .unwrap();
    db.seed_if_empty().await.unwrap();
    let backup = dir.path().join("copia.db");
    db.backup_to(&backup).await.unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    for f in [
        file.clone(),
        data.join("presidio.db-wal"),
        data.join("presidio.db-shm"),
        backup,
    ] {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    db.close().await;
}
