//! An acknowledged write survives `kill -9`: a child process commits writes and reports each one;
//! the test kills it mid-stream and checks every reported write is in the database.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use presidio_db::{DatabaseUrl, Db};
use presidio_domain::reference::AmbitoData;

use crate::support::fresh_url;

const URL_VAR: &str = "PRESIDIO_KILL9_URL";
const ACKS_BEFORE_KILL: usize = 40;

/// Not a test of its own: the writer process that `acknowledged_writes_survive_kill_9` starts and
/// kills. Run by hand it fails, because it has no database to write to.
#[tokio::test]
#[ignore = "child process of acknowledged_writes_survive_kill_9"]
async fn writer_child() {
    let url: DatabaseUrl = std::env::var(URL_VAR)
        .expect("started by the kill -9 test")
        .parse()
        .unwrap();
    let db = Db::open(&url).await.unwrap();
    for i in 0..100_000 {
        let data = AmbitoData {
            code: format!("k9-{i}"),
            name: format!("Ambito {i}"),
            report_prefix: format!("K{i}"),
        };
        db.create_ambito(&data).await.unwrap();
        // Reported only after the commit returned.
        println!("ack {i}");
    }
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let (url, _dir) = fresh_url().await;
    Db::open(&url).await.unwrap().close().await;
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "durability::writer_child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(URL_VAR, url.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acked = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        if let Some(i) = line.unwrap().strip_prefix("ack ") {
            acked.push(i.trim().parse::<u32>().unwrap());
            if acked.len() == ACKS_BEFORE_KILL {
                child.kill().unwrap(); // SIGKILL
                break;
            }
        }
    }
    child.wait().unwrap();
    assert_eq!(acked.len(), ACKS_BEFORE_KILL, "the writer stopped early");

    let db = Db::open(&url).await.unwrap();
    let stored = db.list_ambiti().await.unwrap();
    for i in acked {
        assert!(
            stored.iter().any(|a| a.code == format!("k9-{i}")),
            "acknowledged write k9-{i} lost"
        );
    }
}
