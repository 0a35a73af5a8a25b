//! Access tokens: short-lived HS256 JWTs naming the user and the session. Only HS256 is
//! accepted (no `none`, no algorithm confusion); `exp`, `iss` and `aud` are required and checked.
//! Expiry is also checked against the injected clock, so everything about a session follows
//! one clock.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Issuer of every token.
pub const ISSUER: &str = "leadgen";
/// Audience of every token.
pub const AUDIENCE: &str = "leadgen-api";

/// What an access token says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The user.
    pub sub: Uuid,
    /// The session (refresh-token family).
    pub sid: Uuid,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// Signs and checks access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: chrono::Duration,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Past `exp`.
    #[error("the access token has expired; refresh it")]
    Expired,
    /// Anything else: bad signature, wrong algorithm, issuer or audience, malformed.
    #[error("the access token is not valid")]
    Invalid,
}

impl TokenKeys {
    /// Keys from a shared secret; tokens live `ttl`.
    pub fn new(secret: &[u8], ttl: std::time::Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(15)),
        }
    }

    /// How long a new token lives.
    pub fn ttl(&self) -> chrono::Duration {
        self.ttl
    }

    /// A token for `user` in `session`, issued `now`.
    pub fn issue(&self, user: Uuid, session: Uuid, now: DateTime<Utc>) -> String {
        let claims = Claims {
            sub: user,
            sid: session,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.timestamp(),
            exp: (now + self.ttl).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with an in-memory key cannot fail")
    }

    /// Checks a token at `now`.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        if data.claims.exp <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn tokens_round_trip_and_expire_on_the_given_clock() {
        let keys = TokenKeys::new(&[7; 32], Duration::from_secs(900));
        let (u, s, now) = (Uuid::now_v7(), Uuid::now_v7(), Utc::now());
        let t = keys.issue(u, s, now);
        let c = keys.verify(&t, now).unwrap();
        assert_eq!((c.sub, c.sid, c.iss.as_str()), (u, s, ISSUER));
        assert_eq!(
            keys.verify(&t, now + chrono::Duration::minutes(16)),
            Err(TokenError::Expired)
        );
    }

    #[test]
    fn foreign_keys_algorithms_and_audiences_are_refused() {
        let keys = TokenKeys::new(&[7; 32], Duration::from_secs(900));
        let other = TokenKeys::new(&[8; 32], Duration::from_secs(900));
        let now = Utc::now();
        let t = other.issue(Uuid::now_v7(), Uuid::now_v7(), now);
        assert_eq!(keys.verify(&t, now), Err(TokenError::Invalid));
        // The same claims signed with another HMAC size or with no signature at all.
        let claims = keys
            .verify(&keys.issue(Uuid::now_v7(), Uuid::now_v7(), now), now)
            .unwrap();
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(&[7; 32]),
        )
        .unwrap();
        assert_eq!(keys.verify(&hs512, now), Err(TokenError::Invalid));
        let parts: Vec<&str> = hs512.split('.').collect();
        let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
        assert_eq!(keys.verify(&unsigned, now), Err(TokenError::Invalid));
        let mut wrong_aud = claims.clone();
        wrong_aud.aud = "someone-else".into();
        let t = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &wrong_aud,
            &EncodingKey::from_secret(&[7; 32]),
        )
        .unwrap();
        assert_eq!(keys.verify(&t, now), Err(TokenError::Invalid));
    }
}
