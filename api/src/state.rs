//! What every request handler can reach.

use crate::auth::jwt::TokenKeys;
use crate::auth::rate_limit::Limiters;
use crate::hub::EventHub;
use leadgen_core::Config;
use leadgen_core::access::{Clock, SystemClock};
use leadgen_core::files::{FileStore, StoreError};
use leadgen_core::stages::score::Weights;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Instant;

/// Shared state of one API process.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub pool: PgPool,
    /// Where read-only queries that may trail the latest write a little go (the lead list, the
    /// export, analytics): a replica's pool, or the same pool as `pool`.
    pub read_pool: PgPool,
    /// Configuration.
    pub cfg: Arc<Config>,
    /// Scoring weights (for quality bands).
    pub weights: Arc<Weights>,
    /// WebSocket wake-ups.
    pub hub: EventHub,
    /// Process start.
    pub started: Instant,
    /// Requests, events and the system state for `/metrics` (and health's averages).
    pub metrics: Arc<crate::metrics::ApiMetrics>,
    /// The time sessions and throttles are judged by.
    pub clock: Arc<dyn Clock>,
    /// Access-token keys.
    pub tokens: Arc<TokenKeys>,
    /// Rate limiters.
    pub limiters: Arc<Limiters>,
    /// Uploaded files.
    pub files: Arc<FileStore>,
    /// The all-leads analytics summary of a large store, kept for a while.
    pub analytics: Arc<crate::analytics_cache::AnalyticsCache>,
}

impl AppState {
    /// State for an API process. Without `LEADGEN_JWT_SECRET` (allowed outside production) a
    /// random signing key is made: tokens then hold only for this process.
    pub fn new(cfg: Config, pool: PgPool) -> Result<Self, StateError> {
        let secret = match &cfg.security.jwt_secret {
            Some(s) => s.as_bytes().to_vec(),
            None => {
                tracing::warn!(
                    "LEADGEN_JWT_SECRET is not set: signing access tokens with a random key \
                     that lasts as long as this process"
                );
                leadgen_core::access::secret::random_bytes::<32>()?.to_vec()
            }
        };
        let files = FileStore::open(&cfg.intake)?;
        Ok(AppState {
            files: Arc::new(files),
            tokens: Arc::new(TokenKeys::new(&secret, cfg.security.access_token_ttl)),
            limiters: Arc::new(Limiters::new(&cfg.security.rate_limits)),
            weights: Arc::new(cfg.weights.clone()),
            analytics: Arc::new(crate::analytics_cache::AnalyticsCache::new(
                cfg.analytics_max_age,
            )),
            read_pool: pool.clone(),
            pool,
            cfg: Arc::new(cfg),
            hub: Default::default(),
            started: Instant::now(),
            metrics: Default::default(),
            clock: Arc::new(SystemClock),
        })
    }

    /// The same state sending read-only queries that may trail the latest write to `replica`.
    pub fn with_read_pool(mut self, replica: PgPool) -> Self {
        self.read_pool = replica;
        self
    }

    /// The same state judging time by `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// Why an API process could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// No randomness for a signing key.
    #[error(transparent)]
    Random(#[from] leadgen_core::access::secret::RandomError),
    /// The file store.
    #[error(transparent)]
    Files(#[from] StoreError),
}
