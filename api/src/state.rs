//! What every request handler can reach.

use crate::hub::EventHub;
use leadgen_core::Config;
use leadgen_core::stages::score::Weights;
use sqlx::PgPool;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

/// Shared state of one API process.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub pool: PgPool,
    /// Configuration.
    pub cfg: Arc<Config>,
    /// Scoring weights (for quality bands).
    pub weights: Arc<Weights>,
    /// WebSocket wake-ups.
    pub hub: EventHub,
    /// Process start.
    pub started: Instant,
    /// Request counters for the health report.
    pub metrics: Arc<RequestMetrics>,
}

/// Requests served and their total time, for the average response time in health.
#[derive(Default)]
pub struct RequestMetrics {
    /// Requests answered.
    pub count: AtomicU64,
    /// Sum of their durations in microseconds.
    pub total_micros: AtomicU64,
}
