//! The password rule: at least 12 characters, not a common password, not the user's own name.
//!
//! The list of common passwords is Django's `CommonPasswordValidator` list (BSD licence, see
//! `data/LICENSE-django.txt`), lower-cased, with a few Italian additions. A password is refused
//! when it is on the list, when it is a listed word padded with digits or symbols
//! (`juventus12345678`), when it repeats a short unit (`abcabcabcabc`), when it uses fewer than
//! four distinct characters, or when it contains the username.

use std::collections::HashSet;
use std::sync::LazyLock;

use crate::validation::Problem;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// The longest password accepted (hashing cost stays bounded).
pub const MAX_LENGTH: usize = 256;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .collect()
});

/// Checks a new password; the error is the problem to report on the `password` field.
pub fn check(password: &str, username: &str) -> Result<(), Problem> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(Problem::PasswordTooShort);
    }
    if length > MAX_LENGTH {
        return Err(Problem::TooLong { max: MAX_LENGTH });
    }
    let lower = password.to_lowercase();
    let username = username.trim().to_lowercase();
    if username.chars().count() >= 3 && lower.contains(&username) {
        return Err(Problem::PasswordCommon);
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    if COMMON.contains(lower.as_str())
        || (core.chars().count() >= 4 && COMMON.contains(core))
        || repeats_a_unit(&lower)
        || lower.chars().collect::<HashSet<_>>().len() < 4
    {
        return Err(Problem::PasswordCommon);
    }
    Ok(())
}

/// Whether the text is one short unit written again and again (`abcabcabcabc`, `1212121212121`).
fn repeats_a_unit(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    (1..=chars.len() / 2)
        .any(|unit| unit <= 4 && chars.iter().enumerate().all(|(i, c)| *c == chars[i % unit]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(check("corto", "mrossi"), Err(Problem::PasswordTooShort));
        assert_eq!(
            check("abcdefghijk", "mrossi"),
            Err(Problem::PasswordTooShort)
        );
    }

    #[test]
    fn common_passwords_are_refused_even_padded() {
        for pw in [
            "password1234",
            "qwertyuiop[]",
            "Juventus12345678",
            "!!forzainter2024",
            "aaaaaaaaaaaaaa",
            "abcabcabcabc",
            "121212121212",
            "mrossi-la-mia-password",
        ] {
            assert_eq!(check(pw, "mrossi"), Err(Problem::PasswordCommon), "{pw}");
        }
    }

    #[test]
    fn good_passphrases_pass() {
        for pw in [
            "cavallo batteria graffetta",
            "Treno-per-Rho-alle-3",
            "x7!kQ9#mP2$wL5",
        ] {
            assert_eq!(check(pw, "mrossi"), Ok(()), "{pw}");
        }
    }

    #[test]
    fn the_list_is_loaded() {
        assert!(COMMON.len() > 19_000);
        assert!(COMMON.contains("password"));
    }
}
