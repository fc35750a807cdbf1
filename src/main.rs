//! `presidio`: the one binary. With no subcommand it serves the web application.
// Doc comments here are the `--help` text clap prints: plain words, not Markdown.
#![allow(clippy::doc_markdown)]

/// An allocator that gives memory back to the system: after a burst of sign-ins (19 MiB of
/// Argon2 memory each) the process shrinks again instead of keeping every block.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use presidio_db::{DatabaseUrl, Db};
use presidio_domain::reference::AmbitoInput;
use presidio_i18n::{Arg, Locale, Tr, catalogue};

#[derive(Parser, Debug)]
#[command(
    name = "presidio",
    version,
    about = "Presidio: Centrale Operativa del Pronto Intervento Sociale"
)]
struct Cli {
    /// Database: sqlite://PATH (created if missing) or postgres://USER:PASSWORD@HOST/DB.
    /// Default: sqlite://<data folder>/presidio.db
    #[arg(long, global = true, env = "PRESIDIO_DATABASE_URL")]
    database: Option<String>,

    /// Folder of the embedded database when no --database is given.
    #[arg(long, global = true, env = "PRESIDIO_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,

    /// Log format on standard error.
    #[arg(long, global = true, env = "PRESIDIO_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web application (the default).
    Serve(Box<ServeArgs>),
    /// Write a consistent copy of a live SQLite database to FILE (PostgreSQL: use pg_dump).
    Backup {
        /// The copy to write; it must not exist.
        file: PathBuf,
    },
    /// Manage Ambiti and their municipalities.
    #[command(subcommand)]
    Ambito(AmbitoCommand),
    /// Check the configuration and the database, then exit.
    CheckConfig,
    /// Manage user accounts without the browser.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The service calendar.
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Import records kept before Presidio.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Statistics for zonal planning (aggregates only).
    #[command(subcommand)]
    Stats(StatsCommand),
    /// For benchmarks only: add N synthetic reports (1 in 500 left open) to the first Ambito.
    BenchData {
        #[arg(long, default_value_t = 100_000)]
        reports: u32,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TableFormat {
    Json,
    Csv,
    Table,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Reports from a CSV file (columns received_at, municipality, channel, reporter_kind,
    /// target_group, outcome, and optionally not_pertinent_reason, description, persons). The
    /// whole file is checked first: any error, nothing is imported. Rows imported before are
    /// skipped.
    Reports {
        file: PathBuf,
        /// Check and count only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand, Debug)]
enum StatsCommand {
    /// The activity report of a period (days included, Rome time): the published table's rows,
    /// then the details.
    Activity {
        /// First day, AAAA-MM-GG.
        #[arg(long)]
        from: String,
        /// Last day, AAAA-MM-GG.
        #[arg(long)]
        to: String,
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// Only this Ambito (its code); default: all.
        #[arg(long)]
        ambito: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create an account; the password is read from standard input (first line).
    Add(UserAddArgs),
    /// List the accounts.
    List,
    /// Disable an account: its sessions and tokens end at once.
    Disable { username: String },
}

#[derive(clap::Args, Debug)]
struct UserAddArgs {
    #[arg(long)]
    username: String,
    /// Full name, e.g. "Maria Rossi".
    #[arg(long)]
    name: String,
    /// admin, coordinatore, operatore_centrale, operatore_pis, servizio_sociale, segnalante,
    /// analista, partner
    #[arg(long)]
    role: String,
    /// ISTAT code of a municipality the role covers (servizio_sociale); repeat for several.
    #[arg(long)]
    municipality: Vec<String>,
    /// Code of the Ambito the role is given in (required when the installation has more than
    /// one Ambito).
    #[arg(long)]
    ambito: Option<String>,
    /// Organisation the user belongs to (default: the Ambito's managing body, by its name).
    #[arg(long)]
    organisation: Option<String>,
    /// Kind of the organisation when it has to be created: ente_gestore, cooperativa,
    /// servizio_sociale, forze_ordine, sanita, asst, cav, terzo_settore, scuola,
    /// autorita_giudiziaria, comunita, altro.
    #[arg(long, default_value = "ente_gestore")]
    organisation_kind: String,
    /// Read the password from standard input (required: passwords never go on the command line).
    #[arg(long, required = true)]
    password_stdin: bool,
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Follow the hash chain; exit 0 when intact, non-zero naming the first bad entry. With
    /// --anchors, also check the chain against every anchor kept in that folder.
    Verify {
        /// The folder of the anchors (PRESIDIO_AUDIT_ANCHOR_DIR of the server).
        #[arg(long)]
        anchors: Option<PathBuf>,
    },
    /// Append the chain's head to the anchors file in DIR now (the server does it every
    /// PRESIDIO_AUDIT_ANCHOR_MINUTES).
    Anchor {
        #[arg(long)]
        anchors: PathBuf,
    },
    /// Remove the entries older than the retention period now (the server does it daily).
    Purge(RetentionArgs),
}

/// Where Presidio listens unless told otherwise.
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PRESIDIO_ADDR", default_value = DEFAULT_ADDR)]
    addr: String,
    /// The address users open, e.g. https://presidio.example.it (default: http://ADDR).
    /// With https, cookies are marked Secure.
    #[arg(long, env = "PRESIDIO_PUBLIC_URL")]
    public_url: Option<String>,
    /// Minutes without activity after which a session ends.
    #[arg(long, env = "PRESIDIO_SESSION_IDLE_MINUTES", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=1440))]
    session_idle_minutes: u64,
    /// Behind a reverse proxy: take the client's address from the last X-Forwarded-For entry
    /// (used for login throttling and the audit trail).
    #[arg(long, env = "PRESIDIO_TRUST_FORWARDED_FOR", default_value_t = false)]
    trust_forwarded_for: bool,
    #[command(flatten)]
    retention: RetentionArgs,
    #[command(flatten)]
    field: FieldArgs,
    /// Seconds a connection may take to send a complete request header (also the longest idle
    /// keep-alive between two requests) before it is closed.
    #[arg(long, env = "PRESIDIO_HEADER_TIMEOUT_SECONDS", default_value_t = 15,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    header_timeout_seconds: u64,
    /// Connections served at once (default: the process's open-files limit less 64).
    #[arg(long, env = "PRESIDIO_MAX_CONNECTIONS",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: Option<u64>,
    /// A folder outside the database where the audit chain's head is appended at intervals
    /// (checked by `presidio audit verify --anchors`); unset: no anchoring.
    #[arg(long, env = "PRESIDIO_AUDIT_ANCHOR_DIR")]
    audit_anchor_dir: Option<PathBuf>,
    /// Minutes between two anchors.
    #[arg(long, env = "PRESIDIO_AUDIT_ANCHOR_MINUTES", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=10080))]
    audit_anchor_minutes: u64,
    /// An address that receives each anchor by e-mail too (needs PRESIDIO_SMTP_URL).
    #[arg(long, env = "PRESIDIO_AUDIT_ANCHOR_EMAIL")]
    audit_anchor_email: Option<String>,
}

#[derive(clap::Args, Debug)]
struct FieldArgs {
    /// Minutes between the check-ins of an operator on site; a missed one raises an alarm.
    #[arg(long, env = "PRESIDIO_CHECK_IN_MINUTES", default_value_t = 45,
          value_parser = clap::value_parser!(u32).range(5..=240))]
    check_in_minutes: u32,
    /// SMTP relay for alerts and alarms, e.g. smtp://relay.example.it:25 or
    /// smtps://user:password@smtp.example.it:465 (no e-mail when unset).
    #[arg(long, env = "PRESIDIO_SMTP_URL")]
    smtp_url: Option<String>,
    /// Working minutes after the municipal service's next opening within which it must
    /// acknowledge a handover.
    #[arg(long, env = "PRESIDIO_HANDOVER_GRACE_MINUTES", default_value_t = 240,
          value_parser = clap::value_parser!(u32).range(0..=2400))]
    handover_grace_minutes: u32,
    /// Working minutes after that deadline at which the coordinator is alerted.
    #[arg(long, env = "PRESIDIO_HANDOVER_ESCALATION_MINUTES", default_value_t = 120,
          value_parser = clap::value_parser!(u32).range(0..=2400))]
    handover_escalation_minutes: u32,
    /// Days past its last day after which an open task of a case's team is escalated to the
    /// coordinators.
    #[arg(long, env = "PRESIDIO_TASK_GRACE_DAYS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(0..=90))]
    task_grace_days: u32,
    /// Minutes during which an e-mail that could not be delivered is tried again (with
    /// growing waits) before it is given up.
    #[arg(long, env = "PRESIDIO_OUTBOX_GIVE_UP_MINUTES", default_value_t = 1440,
          value_parser = clap::value_parser!(u32).range(1..=10080))]
    outbox_give_up_minutes: u32,
    /// Whether a device may subscribe to push through a plain-HTTP push service (on the local
    /// network); HTTPS only otherwise.
    #[arg(long, env = "PRESIDIO_PUSH_ALLOW_HTTP", default_value_t = false)]
    push_allow_http: bool,
    /// The SMS gateway's address (http:// or https://; `{to}` and `{text}` may appear in it);
    /// none: no SMS.
    #[arg(long, env = "PRESIDIO_SMS_URL")]
    sms_url: Option<String>,
    /// The gateway's HTTP method: POST, PUT or GET.
    #[arg(long, env = "PRESIDIO_SMS_METHOD", default_value = "POST")]
    sms_method: String,
    /// The gateway's headers, `Name: value`, one per line or separated by `|`.
    #[arg(
        long,
        env = "PRESIDIO_SMS_HEADERS",
        default_value = "Content-Type: application/json"
    )]
    sms_headers: String,
    /// The request's body, with `{to}` and `{text}` (escaped for JSON or a form, as the
    /// Content-Type header says).
    #[arg(
        long,
        env = "PRESIDIO_SMS_BODY",
        default_value = r#"{"to":"{to}","text":"{text}"}"#
    )]
    sms_body: String,
    /// The statuses that mean the gateway took the SMS, e.g. `200,201,202`; empty: any 2xx.
    #[arg(long, env = "PRESIDIO_SMS_SUCCESS", default_value = "")]
    sms_success: String,
    /// The PDND key set that signs INPS's vouchers for the SIUSS e-service (a file, or an
    /// https:// address read at start); unset: no e-service.
    #[arg(long, env = "PRESIDIO_WAAS_JWKS")]
    waas_jwks: Option<String>,
    /// The issuer the vouchers must name (`iss`).
    #[arg(long, env = "PRESIDIO_WAAS_ISSUER", default_value = "")]
    waas_issuer: String,
    /// The audience the vouchers must name (`aud`): the e-service's, as published on PDND.
    #[arg(long, env = "PRESIDIO_WAAS_AUDIENCE", default_value = "")]
    waas_audience: String,
    /// When the morning summary is e-mailed each day (Rome time, HH:MM), or `off`.
    #[arg(long, env = "PRESIDIO_SUMMARY_AT", default_value = "07:30")]
    summary_at: String,
    /// The sender of those e-mails.
    #[arg(
        long,
        env = "PRESIDIO_MAIL_FROM",
        default_value = "Presidio <presidio@localhost>"
    )]
    mail_from: String,
}

#[derive(clap::Args, Debug, Clone, Copy)]
struct RetentionArgs {
    /// Months the audit trail is kept; older entries are removed every day.
    #[arg(long, env = "PRESIDIO_AUDIT_RETENTION_MONTHS", default_value_t = 24,
          value_parser = clap::value_parser!(u32).range(1..=600))]
    audit_retention_months: u32,
}

/// The serve options alone, to read their environment variables when no subcommand is given.
#[derive(Parser, Debug)]
struct ServeOnly {
    #[command(flatten)]
    args: ServeArgs,
}

impl ServeArgs {
    fn from_env() -> Self {
        ServeOnly::parse_from(["presidio"]).args
    }
}

#[derive(Subcommand, Debug)]
enum CalendarCommand {
    /// Print, as JSON, whether the PIS is active for a municipality at an instant, why, when
    /// that changes and when the municipality's social service next opens.
    Status {
        /// ISTAT code of the municipality.
        #[arg(long)]
        municipality: String,
        /// RFC 3339 instant (default: now).
        #[arg(long, default_value = "")]
        at: String,
    },
}

#[derive(Subcommand, Debug)]
enum AmbitoCommand {
    /// List the Ambiti and their municipalities.
    List,
    /// Create or update an Ambito and its municipalities from a CSV file
    /// (columns: istat_code, belfiore_code, name, province, postal_code, population, patron_holiday).
    Import {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// What its protocol numbers start with (e.g. BOLLATESE in BOLLATESE-2026-0001); default:
        /// the code in capitals. Kept when the Ambito already exists.
        #[arg(long, default_value = "")]
        report_prefix: String,
        #[arg(long)]
        csv: PathBuf,
    },
    /// When the municipal social service is asked for the outcome of a case it took in charge:
    /// one to four intervals in days after the taking charge, e.g. 30,90 (the default).
    FollowUps {
        #[arg(long)]
        code: String,
        #[arg(long)]
        days: String,
    },
    /// How many minutes an alert waits for the field operator's acknowledgment before it is
    /// handed to the next operator on call (then the coordinator on call is told); the same
    /// minutes after the alarm of a missed check-in, a colleague on call is sent. Default 10.
    Escalation {
        #[arg(long)]
        code: String,
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=120))]
        minutes: u32,
    },
    /// How long the records of persons whose reports are all closed are kept: after that many
    /// years from their last report the maintenance job anonymises them (the reports and the
    /// statistics stay). 0: kept (the default).
    Retention {
        #[arg(long)]
        code: String,
        #[arg(long, value_parser = clap::value_parser!(u32).range(0..=100))]
        years: u32,
    },
}

fn tr() -> Tr<'static> {
    catalogue().tr(Locale::Italian)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}", tr().t1("cli-error", "error", &format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("PRESIDIO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,memory_serve=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn database_url(cli: &Cli) -> anyhow::Result<DatabaseUrl> {
    match &cli.database {
        Some(raw) => raw
            .parse()
            .map_err(|_| anyhow::anyhow!(tr().t1("cli-bad-database-url", "url", raw))),
        None => Ok(DatabaseUrl::Sqlite(cli.data_dir.join("presidio.db"))),
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let url = database_url(&cli)?;
    match cli.command {
        None => serve(url, ServeArgs::from_env()).await,
        Some(Command::Serve(args)) => serve(url, *args).await,
        Some(Command::Backup { file }) => backup(&url, &file).await,
        Some(Command::Ambito(cmd)) => ambito(&url, cmd).await,
        Some(Command::CheckConfig) => check_config(&url).await,
        Some(Command::User(cmd)) => user(&url, cmd).await,
        Some(Command::BenchData { reports }) => bench_data(&url, reports).await,
        Some(Command::Import(ImportCommand::Reports { file, dry_run })) => {
            import_reports(&url, &file, dry_run).await
        }
        Some(Command::Stats(StatsCommand::Activity {
            from,
            to,
            format,
            ambito,
        })) => stats_activity(&url, &from, &to, format, ambito.as_deref()).await,
        Some(Command::Audit(AuditCommand::Verify { anchors })) => {
            audit_verify(&url, anchors.as_deref()).await
        }
        Some(Command::Audit(AuditCommand::Anchor { anchors })) => {
            audit_anchor(&url, &anchors).await
        }
        Some(Command::Calendar(CalendarCommand::Status { municipality, at })) => {
            let db = open(&url).await?;
            let answer = presidio_app::calendar::status(
                &presidio_app::App::new(db.clone()),
                &municipality,
                &at,
            )
            .await;
            db.close().await;
            match answer {
                Ok(status) => {
                    println!("{}", serde_json::to_string_pretty(&status)?);
                    Ok(())
                }
                Err(presidio_app::AppError::Invalid(invalid)) => {
                    for e in &invalid.0 {
                        eprintln!("{}", tr().field_error(e));
                    }
                    anyhow::bail!(tr().t("cli-calendar-refused"))
                }
                Err(other) => Err(other.into()),
            }
        }
        Some(Command::Audit(AuditCommand::Purge(retention))) => {
            let db = open(&url).await?;
            let removed = presidio_app::jobs::purge_audit(
                &presidio_app::App::new(db.clone()),
                retention.audit_retention_months,
                presidio_db::now(),
            )
            .await?;
            db.close().await;
            println!(
                "{}",
                tr().t_args(
                    "cli-audit-purged",
                    &[("count", Arg::Num(i64::try_from(removed)?))]
                )
            );
            Ok(())
        }
    }
}

async fn open(url: &DatabaseUrl) -> anyhow::Result<Db> {
    let db = Db::open(url)
        .await
        .with_context(|| tr().t1("cli-database-unavailable", "url", &url.to_string()))?;
    db.seed_if_empty().await?;
    Ok(db)
}

/// The field settings: the mail relay, the SMS gateway, the morning summary's time, the
/// intervals; a wrong one is refused by name.
fn field_config(args: &FieldArgs) -> anyhow::Result<presidio_app::FieldConfig> {
    let mailer = match &args.smtp_url {
        Some(smtp) => Some(
            presidio_app::mail::Mailer::new(smtp, &args.mail_from)
                .map_err(|e| anyhow::anyhow!(tr().t1("cli-bad-smtp", "error", &e)))?,
        ),
        None => None,
    };
    let summary_at_minute = match args.summary_at.trim() {
        "off" => None,
        raw => Some(
            presidio_domain::calendar::hours::parse_minute(raw)
                .filter(|m| *m < presidio_domain::calendar::DAY)
                .ok_or_else(|| anyhow::anyhow!(tr().t1("cli-bad-summary-at", "value", raw)))?,
        ),
    };
    let sms = match &args.sms_url {
        Some(url) => Some(
            presidio_app::sms::SmsGateway::new(
                url,
                &args.sms_method,
                &args.sms_headers,
                &args.sms_body,
                &args.sms_success,
            )
            .map_err(|e| anyhow::anyhow!(tr().t(e.message_id())))?,
        ),
        None => None,
    };
    Ok(presidio_app::FieldConfig {
        check_in_minutes: args.check_in_minutes,
        mailer,
        handover_grace_minutes: args.handover_grace_minutes,
        handover_escalation_minutes: args.handover_escalation_minutes,
        summary_at_minute,
        task_grace_days: args.task_grace_days,
        outbox_give_up_minutes: args.outbox_give_up_minutes,
        push_allow_http: args.push_allow_http,
        sms,
        waas: None,
    })
}

/// The SIUSS e-service's voucher check, when its key set is configured; a wrong setting is
/// refused with what is wrong.
async fn waas_voucher(args: &FieldArgs) -> anyhow::Result<Option<presidio_app::waas::Voucher>> {
    let Some(source) = &args.waas_jwks else {
        return Ok(None);
    };
    presidio_app::waas::Voucher::load(source, &args.waas_issuer, &args.waas_audience)
        .await
        .map(Some)
        .map_err(|e| anyhow::anyhow!(tr().t1("cli-bad-waas", "error", &e)))
}

async fn serve(url: DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let addr: SocketAddr = args
        .addr
        .parse()
        .map_err(|_| anyhow::anyhow!(tr().t1("cli-bad-addr", "addr", &args.addr)))?;
    let shutdown = shutdown_signal()?;
    let mut field = field_config(&args.field)?;
    field.waas = waas_voucher(&args.field).await?;
    let db = open(&url).await?;
    println!("{}", tr().t1("cli-database", "url", &url.to_string()));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| tr().t1("cli-bind-failed", "addr", &addr.to_string()))?;
    let local = listener.local_addr()?;
    println!(
        "{}",
        tr().t1("cli-listening", "url", &format!("http://{local}"))
    );
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{local}"))
        .trim_end_matches('/')
        .to_owned();
    if db.count_users().await? == 0 {
        let code = presidio_app::secret::new_secret();
        let expires = presidio_db::now().0 + SETUP_LINK_MINUTES * 60_000;
        db.create_setup_token(
            &presidio_app::secret::stored(&code),
            presidio_domain::time::UtcMillis(expires),
        )
        .await?;
        println!(
            "{}",
            tr().t_args(
                "cli-setup-link",
                &[
                    (
                        "url",
                        Arg::Str(&format!(
                            "{public_url}/configurazione-iniziale?codice={code}"
                        ))
                    ),
                    ("minutes", Arg::Num(SETUP_LINK_MINUTES)),
                ]
            )
        );
    }
    let config = presidio_web::auth::AuthConfig {
        idle: std::time::Duration::from_secs(args.session_idle_minutes * 60),
        secure_cookies: public_url.starts_with("https://"),
        trust_forwarded_for: args.trust_forwarded_for,
        public_url,
        ..presidio_web::auth::AuthConfig::default()
    };
    let schedule = presidio_app::jobs::Schedule {
        anchors: args
            .audit_anchor_dir
            .clone()
            .map(|dir| presidio_app::anchors::AnchorConfig {
                dir,
                every: std::time::Duration::from_secs(args.audit_anchor_minutes * 60),
                email: args.audit_anchor_email.clone(),
            }),
        audit_retention_months: args.retention.audit_retention_months,
        session_idle: config.idle,
        session_max_age: config.max_age,
    };
    let state = presidio_web::AppState::new(db.clone(), url.to_string())
        .with_auth(config)
        .with_field(field);
    presidio_app::jobs::start(&state.app, schedule);
    let limits = server_limits(&args, addr);
    presidio_web::serve(listener, state, limits, shutdown).await?;
    db.close().await;
    println!("{}", tr().t("cli-stopped"));
    Ok(())
}

/// How the server treats connections, with warnings on settings that weaken it.
fn server_limits(args: &ServeArgs, addr: SocketAddr) -> presidio_web::server::ServerLimits {
    let files = presidio_web::server::open_files_limit();
    let limits = presidio_web::server::ServerLimits {
        header_timeout: std::time::Duration::from_secs(args.header_timeout_seconds),
        max_connections: args.max_connections.map_or_else(
            || presidio_web::server::connections_for(files),
            |n| usize::try_from(n).unwrap_or(usize::MAX),
        ),
    };
    tracing::info!(open_files_limit = files, "file limit of this process");
    if limits.max_connections + 64 > files {
        tracing::warn!(
            max_connections = limits.max_connections,
            open_files_limit = files,
            "PRESIDIO_MAX_CONNECTIONS leaves too few files for the database: raise the limit \
             (ulimit -n) or lower it"
        );
    }
    if args.trust_forwarded_for && !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "--trust-forwarded-for with a listening address that is not loopback: anyone who \
             reaches it directly can choose the client address the throttling and the audit \
             trail see; listen on 127.0.0.1 behind the proxy"
        );
    }
    limits
}

/// How long the first-run set-up link stays valid.
const SETUP_LINK_MINUTES: i64 = 60;

/// What the command line writes in the audit trail as the actor: `cli:` and the machine's user.
fn cli_actor() -> String {
    format!("cli:{}", std::env::var("USER").unwrap_or_default())
}

async fn user(url: &DatabaseUrl, cmd: UserCommand) -> anyhow::Result<()> {
    let db = open(url).await?;
    let t = tr();
    match cmd {
        UserCommand::Add(args) => user_add(&db, args).await?,
        UserCommand::List => {
            for u in db.users().await? {
                let state = t.t(if u.disabled {
                    "user-disabled"
                } else {
                    "user-active"
                });
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.username,
                    u.name,
                    u.organisation,
                    u.roles.join(","),
                    state
                );
            }
        }
        UserCommand::Disable { username } => {
            let app = presidio_app::App::new(db.clone());
            let actor = cli_actor();
            match presidio_app::accounts::set_disabled(
                &app,
                presidio_app::Caller::command_line(&actor),
                presidio_app::accounts::Creator::CommandLine,
                &username,
                true,
            )
            .await
            {
                Ok(()) => println!("{}", t.t1("cli-user-disabled", "username", &username)),
                Err(presidio_app::AppError::NotFound) => {
                    anyhow::bail!(t.t1("cli-user-unknown", "username", &username))
                }
                Err(other) => return Err(other.into()),
            }
        }
    }
    db.close().await;
    Ok(())
}

/// `presidio user add`: checks every field as the users' page does, then creates the account
/// and its audit entry.
async fn user_add(db: &Db, args: UserAddArgs) -> anyhow::Result<()> {
    use presidio_app::Caller;
    use presidio_app::accounts::{Creator, NewAccount, create_user};
    let t = tr();
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let input = NewAccount {
        username: args.username,
        name: args.name,
        role: args.role,
        password: password.trim_end_matches(['\n', '\r']).to_owned(),
        ambito: args.ambito.unwrap_or_default(),
        organisation: args.organisation.unwrap_or_default(),
        organisation_kind: args.organisation_kind,
        municipalities: args.municipality,
    };
    let app = presidio_app::App::new(db.clone());
    let actor = cli_actor();
    let created = create_user(
        &app,
        Caller::command_line(&actor),
        Creator::CommandLine,
        &input,
    )
    .await
    .map_err(|e| match e {
        presidio_app::AppError::Invalid(invalid) => anyhow::anyhow!(describe_invalid(&invalid)),
        other => anyhow::anyhow!(other),
    })?;
    println!(
        "{}",
        t.t_args(
            "cli-user-created",
            &[
                ("username", Arg::Str(&created.username)),
                ("id", Arg::Num(created.id)),
            ]
        )
    );
    Ok(())
}

/// Fills the database with synthetic reports for the benchmarks: names are invented, places
/// cycle through the Ambito's municipalities; 1 in 500 stays open (half triaged as emergencies).
/// First names of the benchmark persons.
#[rustfmt::skip]
const BENCH_FIRST: [&str; 40] = [
    "Mario", "Giuseppe", "Luca", "Marco", "Francesco", "Andrea", "Paolo", "Giovanni", "Antonio",
    "Stefano", "Alessandro", "Roberto", "Ahmed", "Mohamed", "Youssef", "Ion", "Vasile",
    "Oleksandr", "Karim", "Samuel", "Giulia", "Maria", "Anna", "Sara", "Francesca", "Elena",
    "Chiara", "Laura", "Paola", "Silvia", "Fatima", "Aisha", "Olena", "Irina", "Mariana", "Nadia",
    "Amina", "Joy", "Grace", "Lucia",
];

/// Surnames of the benchmark persons.
#[rustfmt::skip]
const BENCH_LAST: [&str; 60] = [
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
    "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo",
    "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso",
    "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale",
    "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti", "Parisi", "Villa",
    "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini", "El Amrani",
    "Benali", "Popescu", "Ionescu", "Kovalenko", "Shevchenko", "Okafor", "Mensah", "Diallo",
    "Traore",
];

/// A synthetic name for the `i`-th benchmark person: Italian and foreign first names and
/// surnames, 2,400 combinations, so common names recur as they do in a real Ambito.
fn bench_name(i: usize) -> String {
    format!(
        "{} {}",
        BENCH_FIRST[(i * 7) % BENCH_FIRST.len()],
        BENCH_LAST[(i / BENCH_FIRST.len() + i * 13) % BENCH_LAST.len()]
    )
}

async fn bench_data(url: &DatabaseUrl, count: u32) -> anyhow::Result<()> {
    use presidio_domain::audit::{Action, Entry};
    use presidio_domain::report::triage::TriageInput;
    use presidio_domain::report::{PersonInput, ReportInput, ReporterInput};
    let db = open(url).await?;
    let ambito = db
        .list_ambiti()
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no Ambito"))?;
    let places = db.municipalities_of(ambito.id).await?;
    let groups = [
        "senza_dimora",
        "fragilita",
        "msna",
        "emergenza_abitativa",
        "violenza_genere",
    ];
    let started = std::time::Instant::now();
    let year = presidio_db::now().in_rome().year();
    for n in 0..count {
        let i = n as usize;
        let data = ReportInput {
            channel: "telefono".into(),
            reporter: ReporterInput {
                kind: "carabinieri".into(),
                organization: format!("Stazione {}", i % 7),
                ..Default::default()
            },
            municipality: places[i % places.len()].data.istat_code.as_str().to_owned(),
            target_group: groups[i % groups.len()].into(),
            persons: vec![PersonInput {
                role: "beneficiario".into(),
                name: bench_name(i),
                sex: if n % 2 == 0 { "M" } else { "F" }.into(),
                age: Some(i64::from(18 + n % 70)),
                ..Default::default()
            }],
            description: format!("Segnalazione sintetica numero {n} per le misure di prestazione"),
            ..Default::default()
        }
        .validate(presidio_db::now())
        .map_err(|e| anyhow::anyhow!(describe_invalid(&e)))?;
        let entry = Entry::new(presidio_db::now(), Action::Write);
        let created = db
            .create_report(
                &presidio_db::NewReport {
                    ambito: ambito.id,
                    data: &data,
                    outside_ambito: false,
                    created_by: None,
                    reporter_organisation: None,
                    year,
                },
                &entry,
            )
            .await?;
        let open = n % 500 == 0;
        if !open || n % 1000 == 0 {
            let outcome = if open { "emergenza" } else { "non_pertinente" };
            let triage = TriageInput {
                outcome: outcome.into(),
                not_pertinent_reason: "casistica".into(),
                redirected_to: "118".into(),
                rationale: "Dati sintetici".into(),
                criteria: vec![],
            }
            .validate()
            .map_err(|e| anyhow::anyhow!(describe_invalid(&e)))?;
            db.triage_report(created.id, &triage, None, &entry)
                .await
                .map_err(|e| anyhow::anyhow!(e.to_string()))?;
            if !open {
                db.move_report(
                    created.id,
                    presidio_domain::report::lifecycle::Status::Closed,
                    "",
                    Some(presidio_domain::report::lifecycle::ClosingOutcome::NoActionNeeded),
                    None,
                    &entry,
                )
                .await
                .map_err(|e| anyhow::anyhow!(e.to_string()))?;
            }
        }
        if (n + 1) % 10_000 == 0 {
            eprintln!("{} / {count} ({:.0?})", n + 1, started.elapsed());
        }
    }
    db.close().await;
    println!("{count} segnalazioni in {:.1?}", started.elapsed());
    Ok(())
}

async fn audit_verify(url: &DatabaseUrl, anchors: Option<&Path>) -> anyhow::Result<()> {
    use presidio_domain::audit::AnchorCheck;
    let db = Db::open(url)
        .await
        .with_context(|| tr().t1("cli-database-unavailable", "url", &url.to_string()))?;
    let result = db.audit_verify().await?;
    let kept = match anchors {
        Some(dir) => Some(presidio_app::anchors::read_all(dir)?),
        None => None,
    };
    let failed = match &kept {
        Some(list) => db.audit_check_anchors(list).await?,
        None => Vec::new(),
    };
    db.close().await;
    let t = tr();
    let count = match result {
        Ok(count) => count,
        Err(broken) => anyhow::bail!(t.t_args(
            "cli-audit-broken",
            &[
                ("seq", Arg::Num(broken.seq())),
                ("detail", Arg::Str(&broken.to_string())),
            ]
        )),
    };
    if let Some((anchor, check)) = failed.iter().find(|(_, c)| *c != AnchorCheck::Purged) {
        let key = if *check == AnchorCheck::Missing {
            "cli-audit-anchor-missing"
        } else {
            "cli-audit-anchor-rewritten"
        };
        anyhow::bail!(t.t_args(
            key,
            &[
                ("seq", Arg::Num(anchor.seq)),
                (
                    "at",
                    Arg::Str(&t.date_time(presidio_domain::time::UtcMillis(anchor.at)))
                ),
            ]
        ));
    }
    println!(
        "{}",
        t.t_args(
            "cli-audit-ok",
            &[("count", Arg::Num(i64::try_from(count)?))]
        )
    );
    if let Some(list) = &kept {
        let purged = failed.len();
        println!(
            "{}",
            t.t_args(
                "cli-audit-anchors-ok",
                &[
                    ("count", Arg::Num(i64::try_from(list.len() - purged)?)),
                    ("purged", Arg::Num(i64::try_from(purged)?)),
                ]
            )
        );
    }
    Ok(())
}

async fn audit_anchor(url: &DatabaseUrl, dir: &Path) -> anyhow::Result<()> {
    let db = open(url).await?;
    let anchor = presidio_app::anchors::write(&db, dir, presidio_db::now()).await?;
    db.close().await;
    println!(
        "{}",
        tr().t_args(
            "cli-audit-anchored",
            &[
                ("seq", Arg::Num(anchor.seq)),
                (
                    "file",
                    Arg::Str(&dir.join(presidio_app::anchors::FILE).display().to_string())
                ),
            ]
        )
    );
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called, not
/// when the future is first polled, so a signal right after start-up is never lost.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
            eprintln!("{}", tr().t("cli-stopping"));
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("{}", tr().t("cli-stopping"));
        })
    }
}

async fn backup(url: &DatabaseUrl, file: &std::path::Path) -> anyhow::Result<()> {
    if matches!(url, DatabaseUrl::Postgres(_)) {
        anyhow::bail!(tr().t("cli-backup-postgres"));
    }
    let DatabaseUrl::Sqlite(path) = url else {
        unreachable!()
    };
    if !path.exists() {
        anyhow::bail!(tr().t1("cli-database-missing", "url", &url.to_string()));
    }
    let db = Db::connect(url).await?;
    db.backup_to(file).await?;
    db.close().await;
    println!(
        "{}",
        tr().t1("cli-backup-done", "file", &file.display().to_string())
    );
    Ok(())
}

/// Sets when Ambito `code` asks for outcomes, from the intervals as typed (`30,90`).
async fn follow_up_days(db: &presidio_db::Db, code: &str, days: &str) -> anyhow::Result<()> {
    let t = tr();
    let Some(days) = presidio_domain::follow_up::parse_days(days) else {
        anyhow::bail!(t.t("cli-follow-up-days-invalid"))
    };
    let days = days
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    match db.set_follow_up_days(code, &days).await {
        Ok(()) => {}
        Err(presidio_db::DbError::NotFound) => {
            anyhow::bail!(t.t1("cli-unknown-ambito", "code", code))
        }
        Err(e) => return Err(e.into()),
    }
    println!(
        "{}",
        t.t2(
            "cli-follow-up-days-set",
            "code",
            code,
            "days",
            &days.replace(',', ", ")
        )
    );
    Ok(())
}

async fn ack_minutes(db: &presidio_db::Db, code: &str, minutes: u32) -> anyhow::Result<()> {
    let t = tr();
    match db.set_ack_minutes(code, minutes).await {
        Ok(()) => {}
        Err(presidio_db::DbError::NotFound) => {
            anyhow::bail!(t.t1("cli-unknown-ambito", "code", code))
        }
        Err(e) => return Err(e.into()),
    }
    let args = [
        ("code", Arg::Str(code)),
        ("minutes", Arg::Num(i64::from(minutes))),
    ];
    println!("{}", t.t_args("cli-escalation-set", &args));
    Ok(())
}

async fn list_ambiti(db: &presidio_db::Db) -> anyhow::Result<()> {
    let t = tr();
    let ack = db.ack_minutes().await?;
    for a in db.list_ambiti().await? {
        let list = db.municipalities_of(a.id).await?;
        println!(
            "{} ({}): {}",
            a.name,
            a.code,
            t.t_args(
                "municipalities-count",
                &[("count", Arg::Num(i64::try_from(list.len())?))]
            )
        );
        let days = db.follow_up_days(a.id.0).await?;
        println!(
            "  {}",
            t.t1("cli-follow-up-days", "days", &days.replace(',', ", "))
        );
        let minutes = ack
            .iter()
            .find(|(id, _)| *id == a.id)
            .map_or(10, |(_, m)| *m);
        println!(
            "  {}",
            t.t_args("cli-escalation", &[("minutes", Arg::Num(minutes))])
        );
        for m in list {
            println!(
                "  {} {} {}",
                m.data.istat_code,
                m.data.belfiore_code.as_str(),
                m.data.name
            );
        }
    }
    Ok(())
}

async fn ambito(url: &DatabaseUrl, cmd: AmbitoCommand) -> anyhow::Result<()> {
    let db = open(url).await?;
    let t = tr();
    match cmd {
        AmbitoCommand::List => list_ambiti(&db).await?,
        AmbitoCommand::Import {
            code,
            name,
            report_prefix,
            csv,
        } => {
            let data = AmbitoInput {
                code,
                name,
                report_prefix,
            }
            .validate()
            .map_err(|invalid| anyhow::anyhow!(describe_invalid(&invalid)))?;
            let text = std::fs::read_to_string(&csv)
                .with_context(|| t.t1("cli-file-unreadable", "file", &csv.display().to_string()))?;
            let summary = db
                .import_ambito(&data, &text)
                .await
                .map_err(|e| anyhow::anyhow!(describe_import(&e)))?;
            println!(
                "{}",
                t.t_args(
                    "cli-import-done",
                    &[
                        ("name", Arg::Str(&summary.ambito.name)),
                        ("count", Arg::Num(i64::try_from(summary.municipalities)?)),
                    ]
                )
            );
        }
        AmbitoCommand::FollowUps { code, days } => follow_up_days(&db, &code, &days).await?,
        AmbitoCommand::Escalation { code, minutes } => ack_minutes(&db, &code, minutes).await?,
        AmbitoCommand::Retention { code, years } => {
            match db
                .set_person_retention(&code, (years > 0).then_some(years))
                .await
            {
                Ok(()) => {}
                Err(presidio_db::DbError::NotFound) => {
                    anyhow::bail!(t.t1("cli-unknown-ambito", "code", &code))
                }
                Err(e) => return Err(e.into()),
            }
            if years == 0 {
                println!("{}", t.t1("cli-retention-off", "code", &code));
            } else {
                println!(
                    "{}",
                    t.t_args(
                        "cli-retention-set",
                        &[
                            ("code", Arg::Str(&code)),
                            ("years", Arg::Num(i64::from(years)))
                        ]
                    )
                );
            }
        }
    }
    db.close().await;
    Ok(())
}

/// Imports historical reports from a CSV file, all or nothing.
async fn import_reports(url: &DatabaseUrl, file: &Path, dry_run: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(file)
        .with_context(|| tr().t1("cli-file-unreadable", "file", &file.display().to_string()))?;
    let db = open(url).await?;
    let ambiti: Vec<_> = db.list_ambiti().await?.iter().map(|a| a.id).collect();
    let mut entry = presidio_domain::audit::Entry::new(
        presidio_db::now(),
        presidio_domain::audit::Action::Write,
    );
    entry.actor = "riga di comando".into();
    entry.record_type = "reports".into();
    let result = presidio_app::stats::import(
        &presidio_app::App::new(db.clone()),
        &ambiti,
        &bytes,
        dry_run,
        &entry,
    )
    .await;
    db.close().await;
    let t = tr();
    match result {
        Ok((added, known)) => {
            let key = if dry_run {
                "import-dry-run"
            } else {
                "import-done"
            };
            println!(
                "{}",
                t.t_args(
                    key,
                    &[
                        ("added", Arg::Num(i64::try_from(added).unwrap_or(0))),
                        ("known", Arg::Num(i64::try_from(known).unwrap_or(0))),
                    ]
                )
            );
            Ok(())
        }
        Err(presidio_app::stats::ImportFailure::Refused(errors)) => {
            for e in &errors {
                eprintln!("{}", presidio_app::stats::describe(t, e));
            }
            anyhow::bail!(t.t_args(
                "import-refused",
                &[("count", Arg::Num(i64::try_from(errors.len()).unwrap_or(0)))]
            ))
        }
        Err(presidio_app::stats::ImportFailure::Db(e)) => Err(e.into()),
    }
}

/// Prints the activity report of a period in the chosen format.
async fn stats_activity(
    url: &DatabaseUrl,
    from: &str,
    to: &str,
    format: TableFormat,
    ambito: Option<&str>,
) -> anyhow::Result<()> {
    let db = open(url).await?;
    let all = db.list_ambiti().await?;
    let chosen: Vec<_> = match ambito {
        None => all.iter().map(|a| a.id).collect(),
        Some(code) => {
            let found = all.iter().find(|a| a.code == code.trim());
            vec![
                found
                    .ok_or_else(|| anyhow::anyhow!(tr().t1("cli-unknown-ambito", "code", code)))?
                    .id,
            ]
        }
    };
    let answer =
        presidio_app::stats::activity(&presidio_app::App::new(db.clone()), &chosen, from, to).await;
    db.close().await;
    let activity = match answer {
        Ok(a) => a,
        Err(presidio_db::DbError::Invalid(invalid)) => {
            anyhow::bail!(describe_invalid(&invalid))
        }
        Err(e) => return Err(e.into()),
    };
    let t = tr();
    let rows: Vec<(String, String)> = presidio_domain::stats::activity::table(&activity)
        .into_iter()
        .map(|r| {
            (
                t.t(r.label),
                r.value.map_or_else(String::new, |v| v.to_string()),
            )
        })
        .collect();
    match format {
        TableFormat::Json => println!("{}", serde_json::to_string_pretty(&activity)?),
        TableFormat::Csv => print!(
            "{}",
            presidio_web::dashboard::activity_csv(t, &activity, false)
        ),
        TableFormat::Table => {
            let width = rows
                .iter()
                .map(|(l, _)| l.chars().count())
                .max()
                .unwrap_or(0);
            println!("{} {from} – {to}", t.t("stats-title"));
            for (label, value) in &rows {
                let pad = width - label.chars().count();
                println!("{label}{}  {value:>6}", " ".repeat(pad));
            }
        }
    }
    Ok(())
}

fn describe_invalid(invalid: &presidio_domain::validation::Invalid) -> String {
    let t = tr();
    invalid
        .0
        .iter()
        .map(|e| t.field_error(e))
        .collect::<Vec<_>>()
        .join(" ")
}

fn describe_import(err: &presidio_db::ImportError) -> String {
    let t = tr();
    match err {
        presidio_db::ImportError::Row { line, errors } => t.t_args(
            "cli-import-line",
            &[
                ("line", Arg::Num(i64::try_from(*line).unwrap_or(0))),
                ("message", Arg::Str(&describe_invalid(errors))),
            ],
        ),
        presidio_db::ImportError::Format { line, message } => t.t_args(
            "cli-import-line",
            &[
                ("line", Arg::Num(i64::try_from(*line).unwrap_or(0))),
                ("message", Arg::Str(message)),
            ],
        ),
        presidio_db::ImportError::Db(presidio_db::DbError::Invalid(invalid)) => {
            describe_invalid(invalid)
        }
        presidio_db::ImportError::Db(other) => other.to_string(),
    }
}

async fn check_config(url: &DatabaseUrl) -> anyhow::Result<()> {
    let db = Db::connect(url)
        .await
        .with_context(|| tr().t1("cli-database-unavailable", "url", &url.to_string()))?;
    db.ping().await?;
    db.close().await;
    println!("{}", tr().t1("cli-config-ok", "url", &url.to_string()));
    Ok(())
}
