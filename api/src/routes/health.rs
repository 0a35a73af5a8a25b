//! `GET /health`: overall status, version, environment, database latency, queue depth per
//! stage, live workers, realtime relay, uptime and average response time. `GET /health/live`
//! (the process answers) and `GET /health/ready` (it can serve: database reachable, schema
//! current) for orchestrators' probes.

use super::ApiTags;
use super::health_types::{
    DatabaseHealth, DatabaseStatus, EmailHealth, EngineStatus, Health, HealthStatus, Liveness,
    QueueDepth, Readiness, ReadinessChecks, ReadinessReport, RealtimeHealth, RealtimeStatus,
    RequestPerformance, ScrapingEngineHealth, Services, SourceHealth, StageWorkers,
};
use crate::state::AppState;
use leadgen_core::jobs::Stage;
use leadgen_core::repo::{metrics, queue, sources};
use poem::web::Data;
use poem_openapi::ApiResponse;
use poem_openapi::OpenApi;
use poem_openapi::payload::Json;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Health endpoints.
pub struct HealthApi;

/// Health answer: 200 while the database answers, 503 when it does not.
#[derive(ApiResponse)]
pub enum HealthResponse {
    /// Healthy or degraded.
    #[oai(status = 200)]
    Ok(Json<Health>),
    /// The database is unreachable.
    #[oai(status = 503)]
    Unavailable(Json<Health>),
}

/// Readiness answer: 200 when ready, 503 when not.
#[derive(ApiResponse)]
pub enum ReadyResponse {
    /// Ready to serve.
    #[oai(status = 200)]
    Ready(Json<ReadinessReport>),
    /// Not ready: the reasons say why.
    #[oai(status = 503)]
    NotReady(Json<ReadinessReport>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::System")]
impl HealthApi {
    /// Liveness: the process answers (restart it when this fails).
    #[oai(path = "/health/live", method = "get")]
    async fn live(&self, state: Data<&AppState>) -> Json<Liveness> {
        Json(Liveness {
            status: "alive".into(),
            uptime_seconds: state.started.elapsed().as_secs(),
        })
    }

    /// Readiness: the database answers and has every migration this version needs (send
    /// traffic only when this is 200). Live workers per stage are reported too.
    #[oai(path = "/health/ready", method = "get")]
    async fn ready(&self, state: Data<&AppState>) -> ReadyResponse {
        let expected = leadgen_core::db::MIGRATOR
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0);
        let database = queue::ping(&state.pool).await.is_ok();
        let applied = if database {
            metrics::latest_migration(&state.pool).await.ok().flatten()
        } else {
            None
        };
        let live = if database {
            queue::live_workers(&state.pool, Duration::from_secs(30))
                .await
                .unwrap_or_default()
        } else {
            vec![]
        };
        let workers = Stage::ALL
            .iter()
            .map(|s| {
                let n = live
                    .iter()
                    .find(|(q, _)| *q == s.queue())
                    .map_or(0, |(_, n)| *n);
                (s.name().to_string(), StageWorkers { live: n, ok: n > 0 })
            })
            .collect();
        let current = applied.is_some_and(|a| a >= expected);
        let mut reasons = Vec::new();
        if !database {
            reasons.push("the database does not answer".to_string());
        } else if !current {
            reasons.push(format!(
                "the database schema is at migration {} but this version needs {expected}: run \
                 `leadgen migrate`",
                applied.map_or_else(|| "none".to_string(), |a| a.to_string())
            ));
        }
        let report = ReadinessReport {
            status: if reasons.is_empty() {
                Readiness::Ready
            } else {
                Readiness::NotReady
            },
            reasons,
            checks: ReadinessChecks {
                database,
                migrations_expected: expected,
                migrations_applied: applied,
                migrations_current: current,
                workers,
            },
        };
        if report.status == Readiness::Ready {
            ReadyResponse::Ready(Json(report))
        } else {
            ReadyResponse::NotReady(Json(report))
        }
    }

    /// Service health and its dependencies.
    #[oai(path = "/health", method = "get")]
    async fn health(&self, state: Data<&AppState>) -> HealthResponse {
        let t = Instant::now();
        let db_ok = queue::ping(&state.pool).await.is_ok();
        let db_ms = t.elapsed().as_secs_f64() * 1000.0;
        let depths = if db_ok {
            queue::depths(&state.pool).await.unwrap_or_default()
        } else {
            vec![]
        };
        let live = if db_ok {
            queue::live_workers(&state.pool, Duration::from_secs(30))
                .await
                .unwrap_or_default()
        } else {
            vec![]
        };
        let (pending, failed, oldest) = if db_ok {
            leadgen_core::repo::outbox::health(&state.pool)
                .await
                .unwrap_or((0, 0, None))
        } else {
            (0, 0, None)
        };
        let recorded = if db_ok {
            sources::health(&state.pool).await.unwrap_or_default()
        } else {
            vec![]
        };
        let source_health = source_states(&state.cfg.sources, &recorded);
        let mut queues = BTreeMap::new();
        let mut workers = BTreeMap::new();
        for stage in Stage::ALL {
            let q = stage.queue();
            let d = depths.iter().find(|d| d.queue == q);
            queues.insert(
                stage.name().to_string(),
                QueueDepth {
                    pending: d.map(|d| d.pending).unwrap_or(0),
                    running: d.map(|d| d.running).unwrap_or(0),
                    oldest_pending_seconds: d.and_then(|d| d.oldest_pending_secs),
                },
            );
            let n = live
                .iter()
                .find(|(w, _)| *w == q)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            workers.insert(stage.name().to_string(), n);
        }
        let total_workers: i64 = live.iter().map(|(_, n)| n).sum();
        let count = state.metrics.count.load(Ordering::Relaxed);
        let micros = state.metrics.total_micros.load(Ordering::Relaxed);
        let status = if !db_ok {
            HealthStatus::Unhealthy
        } else if total_workers == 0 {
            HealthStatus::Degraded
        } else {
            HealthStatus::Healthy
        };
        let body = Health {
            status,
            version: env!("CARGO_PKG_VERSION").into(),
            environment: state.cfg.environment.clone(),
            timestamp: chrono::Utc::now().into(),
            uptime_seconds: state.started.elapsed().as_secs(),
            services: Services {
                database: DatabaseHealth {
                    status: if db_ok {
                        DatabaseStatus::Healthy
                    } else {
                        DatabaseStatus::Unhealthy
                    },
                    response_time_ms: (db_ms * 100.0).round() / 100.0,
                },
                scraping_engine: ScrapingEngineHealth {
                    status: if total_workers > 0 {
                        EngineStatus::Healthy
                    } else {
                        EngineStatus::NoWorkers
                    },
                    live_workers: workers,
                    queue_depth: queues,
                },
                realtime: RealtimeHealth {
                    status: RealtimeStatus::Healthy,
                    watched_jobs: state.hub.watched_jobs() as u64,
                },
                email: EmailHealth {
                    transport: if state.cfg.mail.smtp_url.is_some() {
                        "smtp".into()
                    } else {
                        "folder".into()
                    },
                    pending,
                    failed_last_24h: failed,
                    oldest_pending_seconds: oldest.map(|s| (s * 10.0).round() / 10.0),
                },
                sources: source_health,
            },
            performance: RequestPerformance {
                requests_served: count,
                average_response_time_ms: if count == 0 {
                    0.0
                } else {
                    (micros as f64 / count as f64 / 10.0).round() / 100.0
                },
            },
        };
        if db_ok {
            HealthResponse::Ok(Json(body))
        } else {
            HealthResponse::Unavailable(Json(body))
        }
    }
}

/// Every enabled source with its last recorded state; Google Places without a key is
/// `needs_key` whatever was recorded, and a source no search has used yet is `ok`.
fn source_states(
    cfg: &leadgen_core::config::SourcesConfig,
    recorded: &[sources::SourceHealthRow],
) -> Vec<SourceHealth> {
    use crate::routes::search_types::SourceState;
    use leadgen_core::stages::discover::SourceState as Core;
    let places_key_missing = cfg.places.as_ref().is_some_and(|p| p.key.is_none());
    cfg.source_names()
        .into_iter()
        .map(|name| {
            let row = recorded.iter().find(|r| r.source == name);
            let mut state = match row.and_then(|r| Core::parse(&r.state)) {
                Some(Core::NeedsKey) => SourceState::NeedsKey,
                Some(Core::RateLimited) => SourceState::RateLimited,
                Some(Core::Failing) => SourceState::Failing,
                _ => SourceState::Ok,
            };
            let mut message = row.and_then(|r| r.message.clone());
            if name == "google_places" && places_key_missing {
                state = SourceState::NeedsKey;
                message = Some("set LEADGEN_GOOGLE_PLACES_KEY to search Google Places".into());
            }
            SourceHealth {
                name,
                state,
                message,
                checked_at: row.map(|r| r.checked_at.into()),
                last_ok_at: row.and_then(|r| r.last_ok_at.map(Into::into)),
                listed: row.map_or(0, |r| r.listed),
            }
        })
        .collect()
}
