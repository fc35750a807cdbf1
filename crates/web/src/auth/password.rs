//! Argon2id password hashes (PHC strings), computed off the async threads.

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

/// The Argon2id hash of `password`, with a fresh random salt.
pub async fn hash(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .expect("password hashing does not panic")
}

/// Whether `password` matches `hash`; with no hash (unknown account) checks a dummy and fails.
pub async fn verify(password: String, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        if let Some(hash) = hash {
            verify_now(&password, &hash)
        } else {
            let _ = verify_now(&password, &DUMMY);
            false
        }
    })
    .await
    .expect("password verification does not panic")
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
