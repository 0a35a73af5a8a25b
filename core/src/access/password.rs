//! Passwords: the policy of OWASP ASVS (a minimum length, long passphrases welcome, no
//! composition rules, guessable passwords refused by the zxcvbn strength estimator) and
//! argon2id hashing with OWASP's parameters (19 MiB, 2 passes, 1 lane).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

/// Fewest characters a password may have.
pub const MIN_CHARS: usize = 12;
/// Most characters a password may have (long passphrases fit; unbounded input would let a
/// caller make hashing arbitrarily slow).
pub const MAX_CHARS: usize = 128;
/// Lowest zxcvbn score accepted (0–4; 3 is "safely unguessable: moderate protection from
/// offline slow-hash scenario").
pub const MIN_SCORE: u8 = 3;

/// Why a password was refused, in words for the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct WeakPassword(pub String);

/// Checks a new password against the policy. `context` holds words an attacker would try
/// first for this account (email, name, product name).
pub fn check(password: &str, context: &[&str]) -> Result<(), WeakPassword> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(WeakPassword(format!(
            "must be at least {MIN_CHARS} characters (a few unrelated words make a good one)"
        )));
    }
    if chars > MAX_CHARS {
        return Err(WeakPassword(format!(
            "must be at most {MAX_CHARS} characters"
        )));
    }
    let estimate = zxcvbn::zxcvbn(password, context);
    let score = estimate.score() as u8;
    if score < MIN_SCORE {
        let mut reason = String::from("is too easy to guess");
        if let Some(feedback) = estimate.feedback() {
            if let Some(w) = feedback.warning() {
                reason.push_str(&format!(": {w}"));
            }
            if let Some(s) = feedback.suggestions().first() {
                reason.push_str(&format!(" ({s})"));
            }
        }
        return Err(WeakPassword(reason));
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Why a password could not be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// No randomness for the salt.
    #[error(transparent)]
    Random(#[from] super::secret::RandomError),
    /// argon2 refused.
    #[error("argon2: {0}")]
    Argon2(argon2::password_hash::Error),
}

/// The argon2id PHC string for `password`, with a fresh random 128-bit salt.
pub fn hash(password: &str) -> Result<String, HashError> {
    let salt =
        SaltString::encode_b64(&super::secret::random_bytes::<16>()?).map_err(HashError::Argon2)?;
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)
        .map_err(HashError::Argon2)?
        .to_string())
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the time of one verification against a hash no password matches, so a sign-in for
/// an unknown or disabled account takes as long as one for a real account.
pub fn verify_nothing(password: &str) {
    static DECOY: OnceLock<String> = OnceLock::new();
    let decoy = DECOY.get_or_init(|| {
        let random = super::secret::new_token().unwrap_or_else(|_| "decoy".into());
        hash(&random).unwrap_or_default()
    });
    let _ = verify(password, decoy);
}

/// A strong random password for accounts created without one (shown once to whoever creates
/// it): 24 URL-safe characters, 144 bits.
pub fn generate() -> Result<String, super::secret::RandomError> {
    use base64::Engine;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(super::secret::random_bytes::<18>()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_personal_passwords_are_refused() {
        assert!(check("short", &[]).unwrap_err().0.contains("at least 12"));
        assert!(check("password1234", &[]).is_err());
        assert!(check("qwertyuiopasdf", &[]).is_err());
        assert!(
            check(
                "jane.doe@acme.test2026",
                &["jane.doe@acme.test", "Jane Doe"]
            )
            .is_err(),
            "the account's own email is guessable"
        );
        assert!(
            check(&"a".repeat(129), &[])
                .unwrap_err()
                .0
                .contains("at most")
        );
    }

    #[test]
    fn passphrases_pass_without_composition_rules() {
        check("correct horse battery staple", &[]).unwrap();
        check("vintage lobster quietly orbits", &[]).unwrap();
    }

    #[test]
    fn hashes_verify_and_are_salted() {
        let h = hash("vintage lobster quietly orbits").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("vintage lobster quietly orbits", &h));
        assert!(!verify("vintage lobster quietly orbit", &h));
        assert_ne!(h, hash("vintage lobster quietly orbits").unwrap());
        assert!(!verify("anything", "not a hash"));
        assert_eq!(generate().unwrap().len(), 24);
    }
}
