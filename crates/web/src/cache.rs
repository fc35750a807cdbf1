//! In-process caches of what many requests read and few change: the board's rendered rows, the
//! records behind a report page and the roster's summary. Every report, shift or calendar change
//! bumps one counter ([`Caches::invalidate`], called by [`crate::AppState::changed`] and by the
//! roster and calendar handlers) and so drops them all; an
//! entry also lives at most until the minute turns (waiting times count minutes, a break-glass
//! lapses). One process serves an installation (the live board's events are in-process too).

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use presidio_db::History;
use presidio_domain::access::Principal;
use presidio_domain::reference::AmbitoId;
use presidio_domain::report::Report;

/// Beyond this many entries a cache starts afresh.
const CAPACITY: usize = 512;

#[derive(Debug, Default)]
pub struct Caches {
    /// Bumped by every report change.
    generation: AtomicU64,
    /// Rendered board rows, by user view (the user with their roles).
    pub board: Cache<Principal, Arc<str>>,
    /// A report with its history, by report id.
    pub reports: Cache<i64, Option<Arc<CachedReport>>>,
    /// Who is on call and the gaps ahead, by Ambito (dropped by shift and calendar changes too).
    pub roster: Cache<AmbitoId, Arc<crate::roster::Summary>>,
}

/// What a report page shows, as stored; access is decided per request from it.
#[derive(Debug)]
pub struct CachedReport {
    pub report: Report,
    /// Users with a break-glass opening still running when loaded.
    pub glass: Vec<i64>,
    pub history: History,
    /// The municipality's name (its code when unknown); none when outside any.
    pub municipality: Option<String>,
    /// The resources activated for the case.
    pub activations: Vec<presidio_db::StoredActivation>,
    /// The Ambito's resources, to choose from (with their free places).
    pub resources: Vec<presidio_db::StoredResource>,
    /// The field operators alerted for the case, oldest first.
    pub dispatches: Vec<presidio_db::StoredDispatch>,
    /// The steps of its special procedure recorded so far.
    pub steps: Vec<presidio_db::StoredStep>,
    /// Its handovers to the municipal social services, oldest first.
    pub handovers: Vec<presidio_db::StoredHandover>,
    /// The thread between the PIS and the receiving service.
    pub messages: Vec<presidio_db::CaseMessage>,
    /// For an open emergency with no operator under way: who is on call now, and who may be
    /// alerted (the report page's choice).
    pub alertable: Option<(Option<i64>, Vec<presidio_db::RosterPerson>)>,
}

impl Caches {
    /// Something changed: every entry of every cache is stale.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// Entries by their full key (never a hash of it: two users must never share a view).
#[derive(Debug)]
pub struct Cache<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    /// One fill at a time: the clients waiting at a change or at the turn of the minute then
    /// find the fresh entry instead of all querying at once.
    fill: tokio::sync::Mutex<()>,
}

impl<K, V> Default for Cache<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
            fill: tokio::sync::Mutex::default(),
        }
    }
}

#[derive(Debug)]
struct Entry<V> {
    generation: u64,
    minute: i64,
    value: V,
}

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    fn lookup(&self, key: &K, generation: u64, minute: i64) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|e| e.generation == generation && e.minute == minute)
            .map(|e| e.value.clone())
    }

    /// The entry for `key`, or `fill`'s value, kept for the next requests.
    pub async fn get_or_fill<E, F>(&self, caches: &Caches, key: &K, fill: F) -> Result<V, E>
    where
        F: AsyncFnOnce() -> Result<V, E>,
    {
        let minute = presidio_db::now().0.div_euclid(60_000);
        // Read before the database: a change committed meanwhile makes this fill stale at once.
        let generation = caches.generation.load(Ordering::SeqCst);
        if let Some(value) = self.lookup(key, generation, minute) {
            return Ok(value);
        }
        let _filling = self.fill.lock().await;
        let generation = caches.generation.load(Ordering::SeqCst);
        if let Some(value) = self.lookup(key, generation, minute) {
            return Ok(value);
        }
        let value = fill().await?;
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(
            key.clone(),
            Entry {
                generation,
                minute,
                value: value.clone(),
            },
        );
        Ok(value)
    }
}
