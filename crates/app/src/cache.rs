//! In-process caches of what many requests read and few change: the board's rendered rows, the
//! records behind a report page and the roster's summary. Every report, shift or calendar change
//! bumps one counter ([`Caches::invalidate`], called by [`crate::App::changed`] and by the
//! roster and calendar handlers) and so drops them all; an
//! entry also lives at most until the minute turns (waiting times count minutes, a break-glass
//! lapses); the board's and the roster's are still served while one request refills them
//! ([`Freshness::Lenient`]). One process serves an installation (the live board's events are
//! in-process too).

use std::collections::HashMap;
use std::hash::Hash;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use presidio_db::History;
use presidio_domain::access::Principal;
use presidio_domain::reference::AmbitoId;
use presidio_domain::report::Report;

/// Beyond this many entries a cache starts afresh.
const CAPACITY: usize = 512;

#[derive(Debug)]
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
    /// The safety notes of the report's people (by their place in the list), from their
    /// person records.
    pub safety: std::collections::BTreeMap<usize, String>,
    /// For an open emergency with no operator under way: who is on call now, and who may be
    /// alerted (the report page's choice).
    pub alertable: Option<(Option<i64>, Vec<presidio_db::RosterPerson>)>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            generation: AtomicU64::default(),
            board: Cache::new(Freshness::Lenient),
            reports: Cache::new(Freshness::Strict),
            roster: Cache::new(Freshness::Lenient),
        }
    }
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
    freshness: Freshness,
}

impl<K, V> Cache<K, V> {
    fn new(freshness: Freshness) -> Self {
        Self {
            entries: Mutex::default(),
            fill: tokio::sync::Mutex::default(),
            freshness,
        }
    }
}

#[derive(Debug)]
struct Entry<V> {
    generation: u64,
    minute: i64,
    value: V,
}

/// Whether an entry of the last minute may be served while another request refreshes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Always this minute's (break-glass openings lapse at the minute).
    Strict,
    /// The previous minute's too while another request refills it, when nothing changed since:
    /// only clock-driven texts (waiting times) can be behind, for the time of one fill.
    Lenient,
}

impl<K: Hash + Eq + Clone, V: Clone> Cache<K, V> {
    /// The entry of `key` filled at `generation`, if from one of `minutes`.
    fn lookup(&self, key: &K, generation: u64, minutes: RangeInclusive<i64>) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|e| e.generation == generation && minutes.contains(&e.minute))
            .map(|e| e.value.clone())
    }

    /// The entry for `key`, or `fill`'s value, kept for the next requests.
    pub async fn get_or_fill<E, F>(&self, caches: &Caches, key: &K, fill: F) -> Result<V, E>
    where
        F: AsyncFnOnce() -> Result<V, E>,
    {
        let minute = presidio_db::now().0.div_euclid(60_000);
        self.fill_at(caches, key, minute, fill).await
    }

    async fn fill_at<E, F>(&self, caches: &Caches, key: &K, minute: i64, fill: F) -> Result<V, E>
    where
        F: AsyncFnOnce() -> Result<V, E>,
    {
        // Read before the database: a change committed meanwhile makes this fill stale at once.
        let generation = caches.generation.load(Ordering::SeqCst);
        if let Some(value) = self.lookup(key, generation, minute..=minute) {
            return Ok(value);
        }
        let _filling = if let Ok(filling) = self.fill.try_lock() {
            filling
        } else {
            // Someone is filling: at the turn of the minute, the clients need not all wait.
            if self.freshness == Freshness::Lenient
                && let Some(value) = self.lookup(key, generation, minute - 1..=minute)
            {
                return Ok(value);
            }
            self.fill.lock().await
        };
        let generation = caches.generation.load(Ordering::SeqCst);
        if let Some(value) = self.lookup(key, generation, minute..=minute) {
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

#[cfg(test)]
mod tests {
    use futures_util::FutureExt;

    use super::{Cache, Caches, Freshness};

    #[test]
    fn only_lenient_caches_serve_last_minutes_entry_while_it_is_refilled_and_never_after_a_change()
    {
        let caches = Caches::default();
        let lenient: Cache<u8, &str> = Cache::new(Freshness::Lenient);
        let strict: Cache<u8, &str> = Cache::new(Freshness::Strict);
        let read = |cache: &Cache<u8, &'static str>, minute, value: &'static str| {
            cache
                .fill_at(&caches, &1, minute, async move || Ok::<_, ()>(value))
                .now_or_never()
        };
        assert_eq!(read(&lenient, 10, "a"), Some(Ok("a")));
        assert_eq!(read(&strict, 10, "a"), Some(Ok("a")));
        assert_eq!(read(&lenient, 10, "x"), Some(Ok("a")), "kept");
        let filling = (lenient.fill.try_lock(), strict.fill.try_lock());
        assert_eq!(read(&lenient, 11, "b"), Some(Ok("a")));
        assert_eq!(read(&strict, 11, "b"), None, "waits for the fill");
        assert_eq!(read(&lenient, 12, "b"), None, "two minutes old: waits");
        caches.invalidate();
        assert_eq!(read(&lenient, 11, "b"), None, "changed: waits");
        drop(filling);
        assert_eq!(read(&lenient, 11, "b"), Some(Ok("b")));
        assert_eq!(read(&lenient, 11, "x"), Some(Ok("b")));
    }
}
