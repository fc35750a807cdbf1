//! Argon2id password hashes (PHC strings), computed off the async threads by a small pool of
//! dedicated workers.
//!
//! Each hash needs 19 MiB and tens of milliseconds of CPU. Running them on two fixed threads
//! bounds both: a burst of logins (or an attack) queues instead of starving the server, and the
//! memory the allocator keeps for them stays at two blocks instead of one per blocking thread.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// A hash of a password nobody knows, verified when the username is unknown so that a wrong
/// username takes as long as a wrong password.
static DUMMY: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_now("presidio-utente-inesistente"));

fn hash_now(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("Argon2 hashes any password with default parameters")
        .to_string()
}

fn verify_now(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// How many hashes run at once.
const WORKERS: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

/// The queue of the hashing workers, started on first use.
static QUEUE: std::sync::LazyLock<std::sync::mpsc::Sender<Job>> = std::sync::LazyLock::new(|| {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    for n in 0..WORKERS {
        let rx = rx.clone();
        std::thread::Builder::new()
            .name(format!("presidio-argon2-{n}"))
            .spawn(move || {
                loop {
                    // The lock is held only to take the next job, not while running it.
                    let job = rx.lock().map(|r| r.recv());
                    match job {
                        Ok(Ok(job)) => job(),
                        _ => break,
                    }
                }
            })
            .expect("the hashing worker starts");
    }
    tx
});

/// Runs `work` on a hashing worker and waits for its result without blocking the runtime.
async fn on_worker<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(work());
    });
    QUEUE.send(job).expect("the hashing workers run");
    rx.await.expect("the hashing worker answers")
}

/// The Argon2id hash of `password`, with a fresh random salt.
pub async fn hash(password: String) -> String {
    on_worker(move || hash_now(&password)).await
}

/// Whether `password` matches `hash`; with no hash (unknown account) checks a dummy and fails.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    on_worker(move || {
        if let Some(hash) = hash {
            verify_now(&password, &hash)
        } else {
            let _ = verify_now(&password, &DUMMY);
            false
        }
    })
    .await
}

/// The hash for the command line, which has no async runtime at hand in every path.
pub fn hash_blocking(password: &str) -> String {
    hash_now(password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_now("cavallo batteria graffetta");
        let b = hash_now("cavallo batteria graffetta");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify_now("cavallo batteria graffetta", &a));
        assert!(!verify_now("cavallo batteria graffett", &a));
        assert!(!verify_now("x", "not a hash"));
    }
}
