//! Response schema of `GET /health`.

use super::shared_types::Timestamp;
use poem_openapi::{Enum, Object};
use std::collections::BTreeMap;

/// Overall health of the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum HealthStatus {
    /// The database answers and workers are live.
    Healthy,
    /// The database answers but no worker is live, so searches do not progress.
    Degraded,
    /// The database does not answer (the response is a 503).
    Unhealthy,
}

/// Health of the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DatabaseStatus {
    /// It answered.
    Healthy,
    /// It did not answer.
    Unhealthy,
}

/// Health of the scraping workers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum EngineStatus {
    /// At least one worker is live.
    Healthy,
    /// No worker has been seen in the last 30 seconds.
    NoWorkers,
}

/// Health of the live event relay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RealtimeStatus {
    /// Relaying events.
    Healthy,
}

/// The database as this API process sees it.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct DatabaseHealth {
    /// Whether it answered.
    pub status: DatabaseStatus,
    /// Round trip of a ping, milliseconds, two decimals.
    pub response_time_ms: f64,
}

/// The queue of one pipeline stage.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct QueueDepth {
    /// Jobs waiting to run (including failed ones due for retry).
    pub pending: i64,
    /// Jobs claimed by a worker.
    pub running: i64,
    /// Age of the oldest waiting job, seconds; null when none is waiting.
    #[oai(nullable)]
    pub oldest_pending_seconds: Option<f64>,
}

/// The pipeline's workers and queues.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ScrapingEngineHealth {
    /// Whether any worker is live.
    pub status: EngineStatus,
    /// Live workers per stage name (`discover`, `fetch`, `render`, `extract`, `enrich`,
    /// `score`, `merge`, `finalize`, `notify`).
    pub live_workers: BTreeMap<String, i64>,
    /// Queue of each stage, by stage name.
    pub queue_depth: BTreeMap<String, QueueDepth>,
}

/// The WebSocket relay of this API process.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct RealtimeHealth {
    /// Relay state.
    pub status: RealtimeStatus,
    /// Jobs with at least one WebSocket subscriber on this process.
    pub watched_jobs: u64,
}

/// The service's dependencies.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Services {
    /// The database.
    pub database: DatabaseHealth,
    /// The pipeline's workers and queues.
    pub scraping_engine: ScrapingEngineHealth,
    /// The live event relay.
    pub realtime: RealtimeHealth,
    /// Outgoing email.
    pub email: EmailHealth,
    /// Each enabled discovery source, as last seen by the workers.
    pub sources: Vec<SourceHealth>,
}

/// A discovery source's last known state.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct SourceHealth {
    /// `directory:<name>`, `osm` or `google_places`.
    pub name: String,
    /// `ok`, `needs_key`, `rate_limited` or `failing`.
    pub state: crate::routes::search_types::SourceState,
    /// What it last reported.
    #[oai(nullable)]
    pub message: Option<String>,
    /// When a worker last used it; null when no search has yet.
    #[oai(nullable)]
    pub checked_at: Option<crate::routes::shared_types::Timestamp>,
    /// When it last answered well.
    #[oai(nullable)]
    pub last_ok_at: Option<crate::routes::shared_types::Timestamp>,
    /// Records it has listed over all searches.
    pub listed: i64,
}

/// Outgoing email: what waits and what failed.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct EmailHealth {
    /// `smtp` or `folder` (no SMTP server configured: emails are written to a folder).
    pub transport: String,
    /// Emails waiting to be delivered.
    pub pending: i64,
    /// Emails given up in the last 24 hours (each is in the audit log as `email.failed`).
    pub failed_last_24h: i64,
    /// Age of the oldest waiting email, seconds.
    #[oai(nullable)]
    pub oldest_pending_seconds: Option<f64>,
}

/// Requests this API process has served.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct RequestPerformance {
    /// Requests served since start.
    pub requests_served: u64,
    /// Average time to answer, milliseconds, two decimals.
    pub average_response_time_ms: f64,
}

/// Health of the service and its dependencies.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Health {
    /// Overall health.
    pub status: HealthStatus,
    /// Version of the service.
    pub version: String,
    /// Deployment environment: `development`, `staging` or `production`.
    pub environment: String,
    /// When this answer was produced.
    pub timestamp: Timestamp,
    /// Seconds since this API process started.
    pub uptime_seconds: u64,
    /// The dependencies.
    pub services: Services,
    /// Requests served by this process.
    pub performance: RequestPerformance,
}

/// Whether this API process can serve requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum Readiness {
    /// The database answers and its schema is the one this version needs.
    Ready,
    /// The database does not answer or its schema is behind (the response is a 503).
    NotReady,
}

/// The live workers of one pipeline stage.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct StageWorkers {
    /// Queue workers seen in the last 30 seconds.
    pub live: i64,
    /// Whether any is live: without one, searches wait at this stage.
    pub ok: bool,
}

/// What readiness checked.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ReadinessChecks {
    /// The database answered.
    pub database: bool,
    /// The newest migration this version carries.
    pub migrations_expected: i64,
    /// The newest migration applied to the database (absent when it cannot be read).
    pub migrations_applied: Option<i64>,
    /// Every migration this version carries is applied.
    pub migrations_current: bool,
    /// Workers per stage. Reported, not required: the API serves without them, but searches
    /// only progress through stages that have one.
    pub workers: BTreeMap<String, StageWorkers>,
}

/// Readiness of this API process.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct ReadinessReport {
    /// Ready or not.
    pub status: Readiness,
    /// Why not, when not ready.
    pub reasons: Vec<String>,
    /// What was checked.
    pub checks: ReadinessChecks,
}

/// Liveness of this API process.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct Liveness {
    /// Always `alive`: answering at all is the check.
    pub status: String,
    /// Seconds since this API process started.
    pub uptime_seconds: u64,
}
