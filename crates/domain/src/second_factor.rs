//! The second factor: time-based one-time codes (RFC 6238: SHA-1, 6 digits, 30-second steps, one
//! step of tolerance either side) and single-use recovery codes.
//!
//! A code is accepted once: the step it matched is stored, and a code of that step or an earlier
//! one is refused afterwards (RFC 6238 §5.2).

use totp_rs::{Builder, Secret, Totp};

/// Length of a new secret, in bytes (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

fn totp(secret: &[u8]) -> Option<Totp> {
    Builder::new()
        .with_secret(secret.to_vec())
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .build()
        .ok()
}

/// The code an authenticator app shows at `unix_secs` for this secret.
pub fn code_at(secret: &[u8], unix_secs: u64) -> Option<String> {
    totp(secret).map(|t| t.generate(unix_secs).to_string())
}

/// The step `code` matches at `unix_secs` (± one step), if it is later than `last_step`.
pub fn accept(secret: &[u8], code: &str, unix_secs: u64, last_step: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(char::is_ascii_digit).collect();
    if code.len() != 6 {
        return None;
    }
    let step = i64::try_from(totp(secret)?.check(&code, unix_secs)?).ok()?;
    (last_step.is_none_or(|last| step > last)).then_some(step)
}

/// The secret as the base32 text people type into an authenticator app.
pub fn to_base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// A stored base32 secret back to bytes.
pub fn from_base32(text: &str) -> Option<Vec<u8>> {
    Secret::try_from_base32(text)
        .ok()
        .map(|s| s.as_ref().to_vec())
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_uri(issuer: &str, username: &str, secret: &[u8]) -> String {
    let label = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits=6&period=30",
        label(issuer),
        label(username),
        to_base32(secret),
        label(issuer)
    )
}

/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;

/// The letters of recovery codes: no 0/o, 1/l/i, so they can be read aloud and typed back.
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A recovery code from 10 random bytes, as `xxxxx-xxxxx`.
pub fn recovery_code(random: [u8; 10]) -> String {
    let letters: String = random
        .iter()
        .map(|b| RECOVERY_ALPHABET[usize::from(*b) % RECOVERY_ALPHABET.len()] as char)
        .collect();
    format!("{}-{}", &letters[..5], &letters[5..])
}

/// A typed recovery code in its canonical form (lower case, no spaces or dashes).
pub fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Whether a typed text looks like a recovery code rather than a six-digit code.
pub fn is_recovery(code: &str) -> bool {
    normalise_recovery(code).len() == 10
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_6238_test_vectors() {
        // RFC 6238 Appendix B (SHA-1), last six of the eight digits.
        assert_eq!(code_at(RFC_SECRET, 59).unwrap(), "287082");
        assert_eq!(code_at(RFC_SECRET, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(RFC_SECRET, 1_234_567_890).unwrap(), "005924");
        assert_eq!(code_at(RFC_SECRET, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn a_code_is_accepted_once_and_only_near_its_time() {
        let now = 1_111_111_109;
        let code = code_at(RFC_SECRET, now).unwrap();
        let step = accept(RFC_SECRET, &code, now, None).unwrap();
        assert_eq!(step, 1_111_111_109 / 30);
        assert_eq!(
            accept(RFC_SECRET, &code, now + 30, None),
            Some(step),
            "one step late is fine"
        );
        assert_eq!(
            accept(RFC_SECRET, &code, now + 90, None),
            None,
            "three steps late is not"
        );
        assert_eq!(
            accept(RFC_SECRET, &code, now, Some(step)),
            None,
            "never twice"
        );
        assert_eq!(accept(RFC_SECRET, "12345", now, None), None);
        assert_eq!(
            accept(
                RFC_SECRET,
                &format!("{} {}", &code[..3], &code[3..]),
                now,
                None
            ),
            Some(step)
        );
    }

    #[test]
    fn secrets_round_trip_through_base32_and_the_uri() {
        let b32 = to_base32(RFC_SECRET);
        assert_eq!(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(from_base32(&b32).unwrap(), RFC_SECRET);
        let uri = otpauth_uri("Presidio Rhodense", "m.rossi", RFC_SECRET);
        assert!(
            uri.starts_with("otpauth://totp/Presidio%20Rhodense:m.rossi?secret=GEZD"),
            "{uri}"
        );
    }

    #[test]
    fn recovery_codes_are_readable_and_typed_loosely() {
        let code = recovery_code([0, 1, 2, 3, 4, 250, 251, 252, 253, 254]);
        assert_eq!(code.len(), 11);
        assert!(!code.contains(['0', 'o', '1', 'l', 'i']));
        assert_eq!(
            normalise_recovery(&code.to_uppercase().replace('-', " ")),
            code.replace('-', "")
        );
        assert!(is_recovery(&code));
        assert!(!is_recovery("123456"));
    }
}
