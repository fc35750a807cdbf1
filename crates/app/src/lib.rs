//! What Presidio does, whoever asks: the pages, the JSON API, the command line and the periodic
//! jobs call the use cases here. Each takes the [`App`], the user and validated input; it checks
//! access with the domain's rules, writes through the storage crate in one transaction with its
//! audit entry, then tells the live boards and caches ([`App::changed`]).
//!
//! Nothing here knows of HTTP, templates or the OpenAPI document (the structure test keeps it so).

pub mod accounts;
pub mod activations;
pub mod anchors;
pub mod audit_trail;
pub mod budget;
pub mod cache;
pub mod calendar;
pub mod calendar_feed;
pub mod cases;
pub mod clock;
pub mod conferences;
pub mod error;
pub mod escalation;
pub mod follow_ups;
pub mod handovers;
pub mod households;
pub mod idempotency;
pub mod interventions;
pub mod jobs;
pub mod mail;
pub mod network;
pub mod notifications;
pub mod notify;
pub mod outbox;
pub mod password;
mod person_access;
pub mod person_teams;
pub mod persons;
pub mod privacy;
pub mod profile;
pub mod protocols;
pub mod push;
pub mod reference;
pub mod reports;
pub mod resources;
pub mod roster;
pub mod secret;
pub mod setup;
pub mod sign_in;
pub mod siuss;
pub mod sms;
pub mod stats;
pub mod subject_access;
pub mod summary;
mod team_access;
pub mod teams;
pub mod training;
pub mod waas;

use std::sync::Arc;

use presidio_db::Db;
use presidio_domain::access::Principal;
use presidio_domain::audit::{Action, Entry};

pub use clock::Clock;
pub use error::AppError;

/// Everything a use case can reach.
#[derive(Clone, Debug)]
pub struct App {
    pub db: Db,
    /// Audit entries of reads, written in shared transactions (group commit).
    pub audit: presidio_db::AuditBatcher,
    /// Changes to reports, for the live boards (within this process).
    pub board: tokio::sync::broadcast::Sender<BoardEvent>,
    /// Board rows and report pages, dropped at each report change.
    pub caches: Arc<cache::Caches>,
    pub field: Arc<FieldConfig>,
    /// The address users reach Presidio at, for links mailed.
    pub public_url: Arc<str>,
    pub clock: Clock,
}

/// Field work: the lone-worker check-in interval and the e-mail relay, if any.
#[derive(Debug)]
pub struct FieldConfig {
    pub check_in_minutes: u32,
    pub mailer: Option<mail::Mailer>,
    /// Working minutes after the service's next opening within which a handover is due.
    pub handover_grace_minutes: u32,
    /// Working minutes after that deadline at which the coordinator is alerted.
    pub handover_escalation_minutes: u32,
    /// When (minute of the day, Rome) the morning summary is e-mailed; none: never.
    pub summary_at_minute: Option<u16>,
    /// Days past its last day after which an open task is escalated to the coordinators.
    pub task_grace_days: u32,
    /// Minutes after which an undelivered message is given up (tried again until then).
    pub outbox_give_up_minutes: u32,
    /// The SMS gateway, when one is configured.
    pub sms: Option<sms::SmsGateway>,
    /// How the SIUSS e-service checks INPS's voucher, when it is configured.
    pub waas: Option<waas::Voucher>,
    /// Whether a push subscription may name a plain-HTTP endpoint (a push service on the
    /// local network); HTTPS only otherwise.
    pub push_allow_http: bool,
}

impl Default for FieldConfig {
    fn default() -> Self {
        Self {
            check_in_minutes: presidio_domain::intervention::DEFAULT_CHECK_IN_MINUTES,
            mailer: None,
            handover_grace_minutes: presidio_domain::handover::DEFAULT_GRACE_MINUTES,
            handover_escalation_minutes: presidio_domain::handover::DEFAULT_ESCALATION_MINUTES,
            summary_at_minute: Some(7 * 60 + 30),
            task_grace_days: presidio_domain::conference::DEFAULT_GRACE_DAYS,
            outbox_give_up_minutes: 24 * 60,
            push_allow_http: false,
            sms: None,
            waas: None,
        }
    }
}

/// A report changed: the boards of its Ambito refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BoardEvent {
    pub ambito_id: i64,
    pub report_id: i64,
}

/// Who asks, as the audit trail records them: the user (if signed in, or still at the second
/// factor) and the address the request came from.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub principal: Option<&'a Principal>,
    pub client_ip: &'a str,
    /// The actor recorded when there is no user, e.g. `cli:maria` for the command line.
    pub actor: &'a str,
}

impl<'a> Caller<'a> {
    /// An audit entry of `action` by this caller at `at`.
    pub fn entry(&self, at: presidio_domain::time::UtcMillis, action: Action) -> Entry {
        let mut e = Entry::new(at, action);
        self.client_ip.clone_into(&mut e.client_ip);
        self.actor.clone_into(&mut e.actor);
        if let Some(p) = self.principal {
            e.actor_id = Some(p.user_id);
            e.actor.clone_from(&p.username);
            e.organisation.clone_from(&p.organisation);
            e.role = p.roles_text();
        }
        e
    }

    /// The command line, recorded as `actor` (e.g. `cli:maria`, the machine's user) from the
    /// address `cli`.
    pub fn command_line(actor: &'a str) -> Self {
        Self {
            principal: None,
            client_ip: "cli",
            actor,
        }
    }
}

impl App {
    /// Needs a running Tokio runtime (it starts the audit writer).
    pub fn new(db: Db) -> Self {
        Self {
            audit: presidio_db::AuditBatcher::start(db.clone()),
            db,
            board: tokio::sync::broadcast::channel(256).0,
            caches: Arc::default(),
            field: Arc::default(),
            public_url: Arc::from("http://127.0.0.1:8080"),
            clock: Clock::system(),
        }
    }

    /// Tells the live boards that a report changed (nobody listening is fine).
    pub fn changed(&self, ambito: presidio_domain::reference::AmbitoId, report_id: i64) {
        self.caches.invalidate();
        let _ = self.board.send(BoardEvent {
            ambito_id: ambito.0,
            report_id,
        });
    }

    /// Records that `caller` read section `section` of report `id` (the entry joins the next
    /// shared transaction of the audit writer).
    pub async fn read_section(
        &self,
        caller: Caller<'_>,
        id: i64,
        section: &str,
    ) -> Result<(), presidio_db::DbError> {
        let mut entry = self.entry(caller, Action::Read).record("report", id);
        section.clone_into(&mut entry.section);
        self.audit.append(entry).await?;
        Ok(())
    }

    /// An audit entry of `action` by `caller`, stamped with the clock.
    pub fn entry(&self, caller: Caller<'_>, action: Action) -> Entry {
        caller.entry(self.clock.now(), action)
    }
}
