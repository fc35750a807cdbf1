//! The `presidio` binary as an operator uses it.

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::fresh_url;

pub fn presidio() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_presidio"));
    cmd.env_remove("PRESIDIO_DATABASE_URL")
        .env_remove("PRESIDIO_ADDR")
        .env_remove("PRESIDIO_DATA_DIR")
        .env("PRESIDIO_LOG", "warn");
    cmd
}

/// A running `presidio serve`, with the address it announced.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub output: Vec<String>,
    /// What the server prints after announcing its address.
    later: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the server with `args` and waits until it says where it listens.
    #[allow(clippy::zombie_processes)] // the child is reaped by `Drop` when not before
    pub fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("presidio starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut output = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| {
                    let _ = child.kill();
                    panic!("presidio did not announce its address; it printed {output:?}")
                });
            output.push(line.clone());
            if let Some(addr) = line.split("http://").nth(1) {
                let addr = addr.trim().to_owned();
                // Keep reading in the background so the pipe never fills up.
                let later = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
                let sink = later.clone();
                std::thread::spawn(move || {
                    while let Ok(line) = rx.recv() {
                        sink.lock().unwrap().push(line);
                    }
                });
                return Self {
                    child,
                    addr,
                    output,
                    later,
                };
            }
        }
    }

    /// `presidio serve` on a free port of the loopback, on the database at `url`.
    pub fn on(url: &str) -> Self {
        let mut cmd = presidio();
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--database", url]);
        Self::start(cmd)
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(&self.addr, path)
    }

    /// The first line printed after the address that contains `needle`, waiting up to `wait`.
    pub fn line_with(&self, needle: &str, wait: Duration) -> Option<String> {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline {
            if let Some(line) = self
                .later
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(needle))
            {
                return Some(line.clone());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn terminate(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "presidio exited with {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "presidio did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the process at once, like a power cut (SIGKILL).
    pub fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// A test that fails half-way must not leave its server running.
impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A minimal HTTP/1.1 GET, so the tests need no HTTP client library.
pub fn http_get(addr: &str, path: &str) -> (u16, String) {
    let (status, _, body) = http(addr, "GET", path, &[], "");
    (status, body)
}

/// A minimal HTTP/1.1 request; returns the status, the raw header block and the body.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("the server accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    let _ = write!(head, "Content-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    (status, head.to_owned(), body.to_owned())
}

/// Creates an account with the command line, the password given on standard input.
pub fn add_user(url: &str, username: &str, role: &str, password: &str) -> std::process::Output {
    let mut child = presidio()
        .args([
            "user",
            "add",
            "--username",
            username,
            "--name",
            "Maria Rossi",
            "--role",
            role,
            "--password-stdin",
            "--database",
            url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

impl Server {
    /// A bearer token for `username`, from the token endpoint.
    pub fn token(&self, username: &str, password: &str) -> String {
        let body = format!(r#"{{"username":"{username}","password":"{password}"}}"#);
        let (status, _, body) = http(
            &self.addr,
            "POST",
            "/api/v1/auth/token",
            &[("Content-Type", "application/json")],
            &body,
        );
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["token"].as_str().unwrap().to_owned()
    }

    /// A GET with a bearer token.
    pub fn get_with_token(&self, path: &str, token: &str) -> (u16, String) {
        let auth = format!("Bearer {token}");
        let (status, _, body) = http(&self.addr, "GET", path, &[("Authorization", &auth)], "");
        (status, body)
    }
}

const PASSWORD: &str = crate::support::PASSWORD;

fn sqlite_url(dir: &Path, file: &str) -> String {
    format!("sqlite://{}", dir.join(file).display())
}

#[test]
fn with_no_subcommand_it_serves_from_the_data_folder_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = presidio();
    cmd.current_dir(dir.path())
        .env("PRESIDIO_ADDR", "127.0.0.1:0");
    let server = Server::start(cmd);
    let db_file = dir.path().join("data/presidio.db");
    assert!(db_file.exists(), "the database is created under ./data");
    assert!(
        server
            .output
            .iter()
            .any(|l| l.contains("Archivio dati") && l.contains(&db_file.display().to_string())),
        "the database path is printed: {:?}",
        server.output
    );
    assert_eq!(server.get("/readyz").0, 200);
    // Nobody is signed in: the home page sends to the login page, which is Italian.
    let (status, head, _) = http(&server.addr, "GET", "/", &[], "");
    assert_eq!(status, 303);
    assert!(
        head.to_lowercase().contains("location: /accesso?next=%2f"),
        "{head}"
    );
    let (status, login) = server.get("/accesso");
    assert_eq!(status, 200);
    assert!(login.contains("lang=\"it\""));
    server.terminate();
    // A clean close checkpoints the write-ahead log into the database file.
    let wal = dir.path().join("data/presidio.db-wal");
    assert!(
        !wal.exists() || wal.metadata().unwrap().len() == 0,
        "WAL left behind after shutdown"
    );
}

#[test]
fn serve_takes_the_database_url_from_the_flag_or_the_environment() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, _dir) = rt.block_on(fresh_url());
    let mut cmd = presidio();
    cmd.args(["serve", "--addr", "127.0.0.1:0"])
        .env("PRESIDIO_DATABASE_URL", url.to_string());
    let out = add_user(&url.to_string(), "mrossi", "operatore_pis", PASSWORD);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let server = Server::start(cmd);
    assert_eq!(server.get("/readyz").0, 200);
    assert_eq!(server.get("/api/v1/ambiti").0, 401);
    let token = server.token("mrossi", PASSWORD);
    let (status, ambiti) = server.get_with_token("/api/v1/ambiti", &token);
    assert_eq!(status, 200);
    assert!(ambiti.contains("rhodense"));
    server.terminate();
}

#[test]
fn a_bad_database_url_or_address_is_refused_in_italian() {
    let out = presidio()
        .args(["serve", "--database", "mysql://x/y"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Indirizzo dell'archivio dati non valido"),
        "{err}"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = presidio()
        .args([
            "serve",
            "--addr",
            "localhost-8080",
            "--database",
            &sqlite_url(dir.path(), "p.db"),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Indirizzo non valido"));

    let out = presidio()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--smtp-url",
            "posta.example.it",
            "--database",
            &sqlite_url(dir.path(), "p.db"),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Indirizzo del server di posta"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_killed_server_restarts_on_an_intact_database() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "p.db");
    assert!(
        add_user(&url, "mrossi", "coordinatore", PASSWORD)
            .status
            .success()
    );
    let server = Server::on(&url);
    let token = server.token("mrossi", PASSWORD);
    assert_eq!(
        server
            .get_with_token("/api/v1/municipalities/015182", &token)
            .0,
        200
    );
    server.kill_9();

    // The token was acknowledged before the kill: it still works after the restart.
    let server = Server::on(&url);
    let (status, body) = server.get_with_token("/api/v1/ambiti/rhodense/municipalities", &token);
    assert_eq!(status, 200);
    assert_eq!(body.matches("istat_code").count(), 9);
    server.terminate();
}

#[test]
fn backup_of_a_live_database_restores_by_starting_on_the_copy() {
    let dir = tempfile::tempdir().unwrap();
    let live = sqlite_url(dir.path(), "live.db");
    assert!(
        add_user(&live, "mrossi", "coordinatore", PASSWORD)
            .status
            .success()
    );
    let server = Server::on(&live);

    let copy = dir.path().join("backup/copy.db");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let out = presidio()
        .args(["backup", copy.to_str().unwrap(), "--database", &live])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Copia di sicurezza scritta"));
    // A second backup to the same file is refused rather than overwriting it.
    let again = presidio()
        .args(["backup", copy.to_str().unwrap(), "--database", &live])
        .output()
        .unwrap();
    assert!(!again.status.success());
    server.terminate();

    // Restoring is putting the copy in place of the database and starting on it.
    let restored = dir.path().join("restored.db");
    std::fs::copy(&copy, &restored).unwrap();
    let server = Server::on(&sqlite_url(dir.path(), "restored.db"));
    let token = server.token("mrossi", PASSWORD);
    let (status, body) = server.get_with_token("/api/v1/municipalities/015182", &token);
    assert_eq!(status, 200);
    assert!(body.contains("\"name\":\"Rho\""));
    server.terminate();

    let pg = presidio()
        .args([
            "backup",
            "x.sql",
            "--database",
            "postgres://u:p@127.0.0.1:1/db",
        ])
        .output()
        .unwrap();
    assert!(!pg.status.success());
    assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));
}

#[test]
fn another_ambito_is_imported_from_a_csv_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "p.db");
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "istat_code,belfiore_code,name,province\n015027,B162,Bollate,MI\n15146,F205,Milano,MI\n",
    )
    .unwrap();
    let out = presidio()
        .args([
            "ambito",
            "import",
            "--code",
            "bollatese",
            "--name",
            "Ambito Bollatese",
            "--csv",
        ])
        .arg(&bad)
        .args(["--database", &url])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Riga 3") && err.contains("Codice ISTAT"),
        "{err}"
    );

    let good = dir.path().join("good.csv");
    std::fs::write(&good, "istat_code,belfiore_code,name,province\n015027,A940,Bollate,MI\n015165,G686,Paderno Dugnano,MI\n").unwrap();
    let out = presidio()
        .args([
            "ambito",
            "import",
            "--code",
            "bollatese",
            "--name",
            "Ambito Bollatese",
            "--csv",
        ])
        .arg(&good)
        .args(["--database", &url])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("importati 2 comuni"));

    let list = presidio()
        .args(["ambito", "list", "--database", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("Ambito Bollatese (bollatese): 2 comuni"),
        "{text}"
    );
    assert!(
        text.contains("Ambito Territoriale Sociale Rhodense (rhodense): 9 comuni"),
        "{text}"
    );
    assert!(!text.contains("Milano"));

    // With two Ambiti, a user is never put in one by default: the Ambito must be named.
    let unnamed = add_user(&url, "mrossi", "coordinatore", PASSWORD);
    assert!(!unnamed.status.success());
    let err = String::from_utf8_lossy(&unnamed.stderr);
    assert!(
        err.contains("Ambito") && err.contains("obbligatorio"),
        "{err}"
    );
    let mut child = presidio()
        .args([
            "user",
            "add",
            "--username",
            "mrossi",
            "--name",
            "Maria Rossi",
            "--role",
            "coordinatore",
            "--ambito",
            "bollatese",
            "--password-stdin",
            "--database",
            &url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let named = child.wait_with_output().unwrap();
    assert!(
        named.status.success(),
        "{}",
        String::from_utf8_lossy(&named.stderr)
    );
}

#[test]
fn users_are_added_listed_and_disabled_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "p.db");
    // A weak password is refused in Italian, naming the field, and nothing is written.
    let weak = add_user(&url, "mrossi", "coordinatore", "password1234");
    assert!(!weak.status.success());
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("Password: troppo facile"),
        "{}",
        String::from_utf8_lossy(&weak.stderr)
    );
    let bad_role = add_user(&url, "mrossi", "capo", PASSWORD);
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("Ruolo: scegliere un ruolo"));
    let list = presidio()
        .args(["user", "list", "--database", &url])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&list.stdout).trim().is_empty());

    let ok = add_user(&url, "mrossi", "coordinatore", PASSWORD);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Utente mrossi creato"));
    let again = add_user(&url, "mrossi", "coordinatore", PASSWORD);
    assert!(String::from_utf8_lossy(&again.stderr).contains("Nome utente: valore già in uso"));
    // A social worker needs the municipalities they serve.
    let social = add_user(&url, "lverdi", "servizio_sociale", PASSWORD);
    assert!(String::from_utf8_lossy(&social.stderr).contains("campo obbligatorio"));

    let list = presidio()
        .args(["user", "list", "--database", &url])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert!(
        list.contains("mrossi\tMaria Rossi") && list.contains("coordinatore@rhodense"),
        "{list}"
    );
    assert!(list.contains("Attivo"));

    let server = Server::on(&url);
    let token = server.token("mrossi", PASSWORD);
    let disable = presidio()
        .args(["user", "disable", "mrossi", "--database", &url])
        .output()
        .unwrap();
    assert!(disable.status.success());
    assert_eq!(server.get_with_token("/api/v1/me", &token).0, 401);
    server.terminate();
    let unknown = presidio()
        .args(["user", "disable", "nessuno", "--database", &url])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("Nessun utente con nome nessuno"));
}

#[test]
fn an_empty_installation_prints_a_one_time_setup_link() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "p.db");
    let server = Server::on(&url);
    let line = server
        .line_with("/configurazione-iniziale?codice=", Duration::from_secs(10))
        .expect("the set-up link is printed");
    let path = &line[line.find("/configurazione-iniziale").unwrap()..].trim();
    let (status, page) = server.get(path);
    assert_eq!(status, 200);
    assert!(page.contains("primo amministratore"));
    // A made-up code opens nothing.
    let (status, _) = server.get("/configurazione-iniziale?codice=inventato");
    assert_eq!(status, 404);
    server.terminate();
    // Once an account exists, no link is printed.
    assert!(add_user(&url, "mrossi", "admin", PASSWORD).status.success());
    let server = Server::on(&url);
    assert_eq!(server.get("/readyz").0, 200);
    // Everything is printed before the first request is served.
    assert!(
        server
            .line_with("configurazione-iniziale", Duration::from_millis(500))
            .is_none()
    );
    server.terminate();
}

#[test]
fn the_activity_report_prints_as_json_csv_or_a_table() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "p.db");
    let made = presidio()
        .args(["bench-data", "--reports", "12", "--database", &url])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let run = |format: &str, from: &str| {
        presidio()
            .args(["stats", "activity", "--from", from, "--to", "2035-12-31"])
            .args(["--format", format, "--database", &url])
            .output()
            .unwrap()
    };
    let json = run("json", "2000-01-01");
    assert!(json.status.success());
    let a: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(a["reports"], 12, "{a}");
    let csv = String::from_utf8(run("csv", "2000-01-01").stdout).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM for spreadsheets");
    assert!(csv.contains("\"Numero segnalazioni\";12\r\n"), "{csv}");
    let table = String::from_utf8(run("table", "2000-01-01").stdout).unwrap();
    assert!(
        table.contains("minori stranieri non accompagnati"),
        "{table}"
    );
    let bad = run("json", "primo luglio");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Dal giorno"));
}

#[test]
fn a_historical_csv_is_imported_whole_once_and_a_broken_one_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "p.db");
    let good = dir.path().join("storico.csv");
    std::fs::write(&good, crate::stats::seed_csv()).unwrap();
    let broken = dir.path().join("rotto.csv");
    let text = crate::stats::seed_csv()
        .replacen(";Rho;", ";Milano;", 1)
        .replace("2024-03-", "2024-13-");
    std::fs::write(&broken, text).unwrap();
    let run = |args: &[&str]| {
        presidio()
            .args(args)
            .args(["--database", &url])
            .output()
            .unwrap()
    };
    let refused = run(&["import", "reports", broken.to_str().unwrap()]);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("Riga 2: municipality") && err.contains("received_at"),
        "{err}"
    );
    assert!(err.contains("nessuna segnalazione importata"), "{err}");
    let dry = run(&["import", "reports", good.to_str().unwrap(), "--dry-run"]);
    assert!(String::from_utf8_lossy(&dry.stdout).contains("si importerebbero 86"));
    let done = run(&["import", "reports", good.to_str().unwrap()]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        String::from_utf8_lossy(&done.stdout)
            .contains("Importate 86 segnalazioni (0 già presenti)")
    );
    let again = run(&["import", "reports", good.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("Importate 0 segnalazioni (86 già presenti)")
    );
    let json = run(&[
        "stats",
        "activity",
        "--from",
        "2023-07-01",
        "--to",
        "2025-09-30",
        "--format",
        "json",
    ]);
    let a: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        (
            a["reports"].as_u64(),
            a["not_pertinent"].as_u64(),
            a["urgencies"].as_u64(),
            a["emergencies"].as_u64()
        ),
        (Some(86), Some(19), Some(17), Some(50))
    );
    assert_eq!(a["emergencies_by_target_group"]["msna"], 21);
}

/// A flood of connections that never send a request (more than the server serves at once) is
/// closed after the header timeout, and `/readyz` answers again: the server stays reachable.
#[test]
fn idle_connections_are_closed_and_the_server_stays_reachable() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "p.db");
    let mut cmd = presidio();
    cmd.args(["serve", "--addr", "127.0.0.1:0", "--database", &url])
        .env("PRESIDIO_MAX_CONNECTIONS", "8")
        .env("PRESIDIO_HEADER_TIMEOUT_SECONDS", "2");
    let server = Server::start(cmd);
    let mut idle: Vec<TcpStream> = (0..40)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    // Half a request header, never finished, on one of them.
    idle[0]
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let (status, body) = server.get("/readyz");
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "readyz took {:?}",
        started.elapsed()
    );
    // The first idle connections were closed by the server, not left open.
    idle[0]
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = [0_u8; 512];
    let closed = match idle[0].read(&mut buf) {
        Ok(n) => n == 0 || String::from_utf8_lossy(&buf[..n]).contains("408"),
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    };
    assert!(closed, "an idle connection was kept open");
    drop(idle);
    // A kept-alive connection idle past the timeout is closed too, after its answer.
    let mut kept = TcpStream::connect(&server.addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut all = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match kept.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
    assert!(String::from_utf8_lossy(&all).starts_with("HTTP/1.1 200"));
    assert!(
        Instant::now() < deadline,
        "the idle keep-alive was not closed"
    );
    server.terminate();
}

#[test]
fn the_outcome_intervals_of_an_ambito_are_set_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "p.db");
    let set = |code: &str, days: &str| {
        presidio()
            .args(["ambito", "follow-ups", "--code", code, "--days", days])
            .args(["--database", &url])
            .output()
            .unwrap()
    };
    for bad in ["0,90", "30,731", "", "30,x", "1,2,3,4,5", "30\u{1}"] {
        let out = set("rhodense", bad);
        assert!(!out.status.success(), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Giorni degli esiti"), "{bad}: {err}");
    }
    let out = set("altrove", "30");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("altrove"));
    let out = set("rhodense", "45, 15,15");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("a 15, 45 giorni"));
    let list = presidio()
        .args(["ambito", "list", "--database", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("esiti chiesti al servizio sociale a 15, 45 giorni"),
        "{text}"
    );
}
