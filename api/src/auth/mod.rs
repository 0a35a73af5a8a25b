//! Authentication and authorisation of the API: access tokens, sessions and their refresh
//! tokens, API keys, the client's address, rate limits and the audit trail.

pub mod audit;
pub mod client;
pub mod jwt;
pub mod principal;
pub mod rate_limit;
pub mod session;

pub use principal::{ActorRef, Auth, Credential, Principal};

use chrono::{DateTime, Utc};
use leadgen_core::config::SecurityConfig;
use leadgen_core::repo::sessions::SessionAuth;

/// Why a session is over although nobody ended it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lapse {
    /// No activity for longer than the idle timeout.
    Idle,
    /// Past its absolute end.
    Expired,
}

impl Lapse {
    /// The `end_reason` stored.
    pub fn code(self) -> &'static str {
        match self {
            Lapse::Idle => "idle",
            Lapse::Expired => "expired",
        }
    }

    /// What the client is told.
    pub fn message(self, cfg: &SecurityConfig) -> String {
        match self {
            Lapse::Idle => format!(
                "the session ended after {} minutes without activity; sign in again",
                cfg.session_idle.as_secs() / 60
            ),
            Lapse::Expired => format!(
                "the session reached its {}-hour limit; sign in again",
                cfg.session_max.as_secs() / 3600
            ),
        }
    }
}

/// Whether an open session has lapsed at `now`.
pub fn session_over(cfg: &SecurityConfig, s: &SessionAuth, now: DateTime<Utc>) -> Option<Lapse> {
    let idle = chrono::Duration::from_std(cfg.session_idle).unwrap_or(chrono::Duration::MAX);
    if now >= s.expires_at {
        Some(Lapse::Expired)
    } else if now - s.last_seen_at > idle {
        Some(Lapse::Idle)
    } else {
        None
    }
}
