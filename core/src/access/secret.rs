//! Opaque secrets handed to clients (refresh tokens, API keys): 256 random bits, shown once,
//! stored only as a SHA-256 digest. A fast digest is enough because the secret has full
//! entropy; a slow password hash would only cost time on every request.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The prefix of every API key, so a leaked one is recognisable in logs and scanners.
pub const API_KEY_PREFIX: &str = "lgk_";

/// Why the system's random source could not be read.
#[derive(Debug, thiserror::Error)]
#[error("the system random source failed: {0}")]
pub struct RandomError(String);

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], RandomError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| RandomError(e.to_string()))?;
    Ok(buf)
}

/// A new refresh token: 43 URL-safe characters.
pub fn new_token() -> Result<String, RandomError> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes::<32>()?))
}

/// A new API key: `lgk_` and 43 URL-safe characters.
pub fn new_api_key() -> Result<String, RandomError> {
    Ok(format!("{API_KEY_PREFIX}{}", new_token()?))
}

/// The digest stored in place of a secret.
pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// What listings show of an API key: its prefix and the next 6 characters.
pub fn key_hint(key: &str) -> String {
    key.chars().take(API_KEY_PREFIX.len() + 6).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_distinct_and_digested() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(digest(&a), digest(&a));
        assert_ne!(digest(&a), digest(&b));
        let k = new_api_key().unwrap();
        assert!(k.starts_with("lgk_"));
        assert_eq!(key_hint(&k).len(), 10);
    }
}
