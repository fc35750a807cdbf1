//! `presidio`: the one binary. With no subcommand it serves the web application.
// Doc comments here are the `--help` text clap prints: plain words, not Markdown.
#![allow(clippy::doc_markdown)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use presidio_db::{DatabaseUrl, Db};
use presidio_domain::reference::AmbitoInput;
use presidio_web::i18n::{Arg, Locale, Tr, catalogue};

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
    Serve(ServeArgs),
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
}

/// Where Presidio listens unless told otherwise.
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "PRESIDIO_ADDR", default_value = DEFAULT_ADDR)]
    addr: String,
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
        #[arg(long)]
        csv: PathBuf,
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
        None => {
            let addr = std::env::var("PRESIDIO_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
            serve(url, ServeArgs { addr }).await
        }
        Some(Command::Serve(args)) => serve(url, args).await,
        Some(Command::Backup { file }) => backup(&url, &file).await,
        Some(Command::Ambito(cmd)) => ambito(&url, cmd).await,
        Some(Command::CheckConfig) => check_config(&url).await,
    }
}

async fn open(url: &DatabaseUrl) -> anyhow::Result<Db> {
    let db = Db::open(url)
        .await
        .with_context(|| tr().t1("cli-database-unavailable", "url", &url.to_string()))?;
    db.seed_if_empty().await?;
    Ok(db)
}

async fn serve(url: DatabaseUrl, args: ServeArgs) -> anyhow::Result<()> {
    let addr: SocketAddr = args
        .addr
        .parse()
        .map_err(|_| anyhow::anyhow!(tr().t1("cli-bad-addr", "addr", &args.addr)))?;
    let shutdown = shutdown_signal()?;
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
    let state = presidio_web::AppState::new(db.clone(), url.to_string());
    presidio_web::serve(listener, state, shutdown).await?;
    db.close().await;
    println!("{}", tr().t("cli-stopped"));
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

async fn ambito(url: &DatabaseUrl, cmd: AmbitoCommand) -> anyhow::Result<()> {
    let db = open(url).await?;
    let t = tr();
    match cmd {
        AmbitoCommand::List => {
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
                for m in list {
                    println!(
                        "  {} {} {}",
                        m.data.istat_code,
                        m.data.belfiore_code.as_str(),
                        m.data.name
                    );
                }
            }
        }
        AmbitoCommand::Import { code, name, csv } => {
            let data = AmbitoInput { code, name }
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
    }
    db.close().await;
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
