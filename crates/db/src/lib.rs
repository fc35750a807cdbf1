//! Presidio storage: one interface, two backends.
//!
//! SQLite (embedded, the default) and PostgreSQL (production) run the same SQL text, written with
//! `$1` placeholders, through the [`dispatch!`] macro. Each aggregate has its own module holding its
//! row type and its queries. Instants are stored as `BIGINT` milliseconds since the epoch (UTC).
//!
//! SQLite runs in WAL mode with `synchronous=FULL`, foreign keys on and a busy timeout. Writes go
//! through a single-connection pool, so write transactions never fight over the lock inside one
//! process; reads use a pool of their own.

mod accounts;
mod ambiti;
mod audit;
mod calendar;
mod conferences;
mod error;
mod escalations;
pub mod files;
mod follow_ups;
mod handovers;
mod historical;
mod households;
mod idempotency;
mod import;
mod interventions;
mod municipalities;
mod network;
mod notifications;
mod outbox;
mod persons;
mod principal;
mod privacy;
mod protocols;
mod push;
mod reports;
mod resources;
mod roster;
mod second_factor;
mod sessions;
mod siuss;
mod stats;
mod subject_access;
mod teams;
mod training;
mod url;

use std::path::Path;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use presidio_domain::time::UtcMillis;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use accounts::{Credentials, GrantSummary, Organisation, OrganisationSummary, UserSummary};
pub use audit::{AuditBatcher, AuditFilter};
pub use calendar::{CalendarEntry, StoredCalendar};
pub use conferences::{StoredConference, StoredTask, TaskScope};
pub use error::DbError;
pub use escalations::{EscalationStep, StoredEscalation, StoredReceipt};
pub use follow_ups::{Efficacy, StoredFollowUp};
pub use handovers::{CaseMessage, StoredHandover};
pub use households::{Household, HouseholdMember, Joined};
pub use idempotency::{CLAIM_MS, Claim, StoredAnswer};
pub use import::{ImportError, ImportSummary, RHODENSE_CSV};
pub use interventions::{StoredDispatch, StoredStep};
pub use network::{CardToSave, ReportingPartner, StoredCard, StoredContact};
pub use notifications::Notification;
pub use outbox::{Notice, StoredMessage, To, Undelivered};
pub use persons::{PersonCorrection, PersonLink, PersonName, Sighting, StoredPerson};
pub use principal::{OrganisationChoice, UserToCreate};
pub use privacy::StoredPrivacy;
pub use protocols::{StoredDocument, StoredProtocol, ToRemind};
pub use push::{NewSubscription, StoredSubscription};
pub use reports::{
    BREAK_GLASS_MS, DiaryEntry, DiaryNote, History, MoveError, NewReport, ReportFilter, ReportLine,
    ReportRef, StatusEvent, TriageRecord,
};
pub use resources::{StoredActivation, StoredResource};
pub use roster::{RosterPerson, StoredRotaEntry, StoredShift, SwapRequest};
pub use second_factor::SecondFactor;
pub use sessions::{ApiToken, NewSession, NewToken, Session, SetupError};
pub use siuss::{FlowOutcome, NewFlow, StoredFlow, StoredSiuss};
pub use stats::{Interventions, PartnerCount};
pub use subject_access::{PERSON_MATCHES, PersonMatch, PersonQuery};
pub use teams::{Inviting, StoredMember};
pub use training::{
    Attended, StoredAttendance, StoredCourse, StoredRequirement, StoredVolunteer, Trainee,
    TrainingRecord,
};
pub use url::DatabaseUrl;

/// Runs the same body against whichever pool the database holds.
///
/// `dispatch!(db, read |pool| ...)` for queries that only read, `dispatch!(db, write |pool| ...)`
/// for anything that writes: on SQLite this picks the single writer connection.
macro_rules! dispatch {
    ($db:expr, read |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite { read: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
    ($db:expr, write |$pool:ident| $body:expr) => {
        match $db {
            $crate::Db::Sqlite { write: $pool, .. } => $body,
            $crate::Db::Postgres($pool) => $body,
        }
    };
}
pub(crate) use dispatch;

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// Which engine a [`Db`] runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// How long a connection waits for a lock held by another process before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl Db {
    /// Opens (and for SQLite creates, with its folder) the database at `url`.
    /// Does not migrate: call [`Db::migrate`].
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, DbError> {
        match url {
            DatabaseUrl::Sqlite(path) => {
                let io = |e: std::io::Error| DbError::Io(e.to_string());
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    files::private_dir(dir).map_err(io)?;
                }
                // The records are the service's alone: a new database is created 0600 (SQLite
                // gives its WAL and shared-memory files the same mode), whatever the umask.
                if path.exists() {
                    if files::open_to_others(path) {
                        tracing::warn!(
                            file = %path.display(),
                            "the database file can be read by other users of this machine: \
                             chmod 600 it (and its -wal and -shm files)"
                        );
                    }
                } else {
                    files::create_private(path).map_err(io)?;
                }
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(BUSY_TIMEOUT);
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options.clone())
                    .await
                    .map_err(DbError::Unavailable)?;
                let read = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options.read_only(true))
                    .await
                    .map_err(DbError::Unavailable)?;
                Ok(Self::Sqlite { read, write })
            }
            DatabaseUrl::Postgres(url) => {
                let options = sqlx::postgres::PgConnectOptions::from_str(url)
                    .map_err(|e| DbError::Url(e.to_string()))?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(BUSY_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(DbError::Unavailable)?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    /// Opens the database and brings its schema up to date.
    pub async fn open(url: &DatabaseUrl) -> Result<Self, DbError> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the pending migrations of this backend; applying them twice changes nothing.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Self::Sqlite { write, .. } => sqlx::migrate!("migrations/sqlite").run(write).await?,
            Self::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        self.fill_arrivals().await?;
        self.index_pending_persons().await?;
        Ok(())
    }

    /// The versions of the migrations shipped for each backend, for the check that they match.
    pub fn migration_versions() -> (Vec<i64>, Vec<i64>) {
        let versions = |m: sqlx::migrate::Migrator| m.iter().map(|m| m.version).collect();
        (
            versions(sqlx::migrate!("migrations/sqlite")),
            versions(sqlx::migrate!("migrations/postgres")),
        )
    }

    /// Succeeds when the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), DbError> {
        dispatch!(
            self,
            read | pool | sqlx::query("SELECT 1").execute(pool).await.map(drop)
        )?;
        Ok(())
    }

    /// Waits for the connections in use, then closes every connection (SQLite checkpoints its WAL).
    pub async fn close(&self) {
        match self {
            Self::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }

    /// Writes a consistent copy of a live SQLite database to `target`, which must not exist.
    /// PostgreSQL is backed up with `pg_dump` instead.
    pub async fn backup_to(&self, target: &Path) -> Result<(), DbError> {
        let Self::Sqlite { write, .. } = self else {
            return Err(DbError::Unsupported("backup_postgres"));
        };
        if target.exists() {
            return Err(DbError::Io(format!("{} esiste già", target.display())));
        }
        let path = target;
        let target = target.to_str().ok_or(DbError::Unsupported("backup_path"))?;
        // An empty file made 0600 first: the copy holds every record and is no one else's.
        files::create_private(path).map_err(|e| DbError::Io(e.to_string()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(write)
            .await
            .map(drop)?;
        files::restrict(path).map_err(|e| DbError::Io(e.to_string()))?;
        Ok(())
    }
}

/// The largest offset a list is read from: far past any Ambito's records, and far from the
/// sums of offset and limit that overflow (SQLite then reads every row).
pub const MAX_OFFSET: i64 = 1_000_000_000;

/// The current instant, as stored.
pub fn now() -> UtcMillis {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    UtcMillis(ms)
}

/// Ambito ids as the body of an SQL `IN (…)` list (numbers only, so safe to inline).
pub(crate) fn ambito_list(ambiti: &[presidio_domain::reference::AmbitoId]) -> String {
    ambiti
        .iter()
        .map(|a| a.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}
