//! `GET /metrics`: the API's requests and the whole system's state in the Prometheus text
//! format (OpenMetrics).
//!
//! Requests (by route, method and status, with latency histograms) and the events the API
//! handles (searches started, lead submissions, lead status changes) are counted in this
//! process. What the system holds and is doing (tasks per stage and state, queue depth and age,
//! live workers, searches per status, leads per origin and status, people signed in) is read
//! from Postgres when scraped, at most once per [`REFRESH`], so any API process gives the same
//! picture. Each worker process serves its own counters (fetches, host waits, the browser
//! pool) on `LEADGEN_METRICS_BIND`.

use crate::state::AppState;
use leadgen_core::jobs::Stage;
use leadgen_core::repo::{metrics, queue};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long the state read from Postgres is reused between scrapes.
pub const REFRESH: Duration = Duration::from_secs(5);

/// Content type of the text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    stage: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TaskLabels {
    stage: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LeadLabels {
    origin: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChangeLabels {
    from: String,
    to: String,
}

/// The API process's metrics and the system state last read.
pub struct ApiMetrics {
    /// Requests answered (for health's average).
    pub count: AtomicU64,
    /// Sum of their durations in microseconds (for health's average).
    pub total_micros: AtomicU64,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    searches_started: Counter,
    lead_submissions: Counter,
    status_changes: Family<ChangeLabels, Counter>,
    tasks: Family<TaskLabels, Gauge>,
    queue_pending: Family<StageLabels, Gauge>,
    queue_running: Family<StageLabels, Gauge>,
    queue_oldest: Family<StageLabels, Gauge<f64, AtomicU64>>,
    workers: Family<StageLabels, Gauge>,
    searches: Family<StatusLabels, Gauge>,
    leads: Family<LeadLabels, Gauge>,
    active_users: Gauge,
    database_up: Gauge,
    /// When the system state was last read.
    read_at: Mutex<Option<Instant>>,
    /// Route labels seen so far.
    routes: std::sync::Mutex<std::collections::HashSet<String>>,
}

fn latency_histogram() -> Histogram {
    // 1 ms … about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Default for ApiMetrics {
    fn default() -> Self {
        let mut r = Registry::with_prefix("leadgen");
        let requests = Family::<RequestLabels, Counter>::default();
        r.register(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            requests.clone(),
        );
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        r.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route and method",
            latency.clone(),
        );
        let searches_started = Counter::default();
        r.register(
            "searches_started",
            "Searches started through this API process",
            searches_started.clone(),
        );
        let lead_submissions = Counter::default();
        r.register(
            "lead_submissions",
            "Public lead form submissions stored by this API process",
            lead_submissions.clone(),
        );
        let status_changes = Family::<ChangeLabels, Counter>::default();
        r.register(
            "lead_status_changes",
            "Lead status changes made by staff through this API process (the conversion funnel)",
            status_changes.clone(),
        );
        let tasks = Family::<TaskLabels, Gauge>::default();
        r.register(
            "tasks",
            "Pipeline tasks held in the queue now, by stage and state (finished ones are pruned)",
            tasks.clone(),
        );
        let queue_pending = Family::<StageLabels, Gauge>::default();
        r.register(
            "queue_pending",
            "Tasks waiting to run (failed ones due for a retry included)",
            queue_pending.clone(),
        );
        let queue_running = Family::<StageLabels, Gauge>::default();
        r.register(
            "queue_running",
            "Tasks claimed by a worker",
            queue_running.clone(),
        );
        let queue_oldest = Family::<StageLabels, Gauge<f64, AtomicU64>>::default();
        r.register(
            "queue_oldest_pending_seconds",
            "Age of the oldest waiting task",
            queue_oldest.clone(),
        );
        let workers = Family::<StageLabels, Gauge>::default();
        r.register(
            "workers_alive",
            "Queue workers seen in the last 30 s, by stage",
            workers.clone(),
        );
        let searches = Family::<StatusLabels, Gauge>::default();
        r.register("searches", "Searches by status", searches.clone());
        let leads = Family::<LeadLabels, Gauge>::default();
        r.register("leads", "Leads by origin and status", leads.clone());
        let active_users = Gauge::default();
        r.register(
            "active_users",
            "People with a session used in the last 15 minutes",
            active_users.clone(),
        );
        let database_up = Gauge::default();
        r.register(
            "database_up",
            "1 when the last read of the system state reached Postgres",
            database_up.clone(),
        );
        ApiMetrics {
            count: AtomicU64::new(0),
            total_micros: AtomicU64::new(0),
            registry: r,
            requests,
            latency,
            searches_started,
            lead_submissions,
            status_changes,
            tasks,
            queue_pending,
            queue_running,
            queue_oldest,
            workers,
            searches,
            leads,
            active_users,
            database_up,
            read_at: Mutex::new(None),
            routes: Default::default(),
        }
    }
}

/// Most distinct route labels kept; later new ones are counted as `other`.
const MAX_ROUTES: usize = 300;

/// The route a request is counted under: its path with ids (UUIDs, numbers) as `{id}`, or
/// `unmatched` for a path no route serves, so made-up paths cannot grow the label set.
pub fn route_label(path: &str, matched: bool) -> String {
    if !matched {
        return "unmatched".into();
    }
    let mut route = String::with_capacity(path.len());
    for segment in path.split('/').skip(1) {
        route.push('/');
        let id = segment.parse::<uuid::Uuid>().is_ok()
            || (!segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()));
        route.push_str(if id { "{id}" } else { segment });
    }
    if route.is_empty() {
        route.push('/');
    }
    route
}

impl ApiMetrics {
    /// Counts one answered request; `matched` says whether a route served it (a 404 of a
    /// route, such as an unknown lead, is counted under that route).
    pub fn request(&self, method: &str, path: &str, matched: bool, status: u16, took: Duration) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.total_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        let mut route = route_label(path, matched);
        {
            // Malformed ids of real routes still make new labels; past a bound they pool.
            let mut known = self.routes.lock().unwrap_or_else(|e| e.into_inner());
            if !known.contains(&route) {
                if known.len() < MAX_ROUTES {
                    known.insert(route.clone());
                } else {
                    route = "other".into();
                }
            }
        }
        let method = method.to_string();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.clone(),
                method: method.clone(),
            })
            .observe(took.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels {
                route,
                method,
                status,
            })
            .inc();
    }

    /// Counts a search started.
    pub fn search_started(&self) {
        self.searches_started.inc();
    }

    /// Counts a stored lead form submission.
    pub fn lead_submitted(&self) {
        self.lead_submissions.inc();
    }

    /// Counts a lead moved from one status to another.
    pub fn status_changed(&self, from: &str, to: &str) {
        self.status_changes
            .get_or_create(&ChangeLabels {
                from: from.into(),
                to: to.into(),
            })
            .inc();
    }

    /// Reads the system state from Postgres unless it was read within [`REFRESH`].
    async fn refresh(&self, state: &AppState) {
        let mut read_at = self.read_at.lock().await;
        if read_at.is_some_and(|t| t.elapsed() < REFRESH) {
            return;
        }
        *read_at = Some(Instant::now());
        let pool = &state.pool;
        let read = async {
            Ok::<_, sqlx::Error>((
                metrics::tasks(pool).await?,
                queue::depths(pool).await?,
                queue::live_workers(pool, Duration::from_secs(30)).await?,
                metrics::searches(pool).await?,
                metrics::leads(pool).await?,
                metrics::active_users(pool, Duration::from_secs(15 * 60)).await?,
            ))
        };
        let (tasks, depths, live, searches, leads, users) = match read.await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "reading the system state for metrics");
                self.database_up.set(0);
                return;
            }
        };
        self.database_up.set(1);
        // Stage names rather than queue names, and every stage present even when empty.
        let stage_of = |queue: &str| {
            Stage::ALL
                .iter()
                .find(|s| s.queue() == queue)
                .map(|s| s.name().to_string())
        };
        self.tasks.clear();
        for t in tasks {
            if let Some(stage) = stage_of(&t.a) {
                self.tasks
                    .get_or_create(&TaskLabels {
                        stage,
                        state: t.b.to_ascii_lowercase(),
                    })
                    .set(t.count);
            }
        }
        for stage in Stage::ALL {
            let labels = StageLabels {
                stage: stage.name().into(),
            };
            let d = depths.iter().find(|d| d.queue == stage.queue());
            self.queue_pending
                .get_or_create(&labels)
                .set(d.map_or(0, |d| d.pending));
            self.queue_running
                .get_or_create(&labels)
                .set(d.map_or(0, |d| d.running));
            self.queue_oldest
                .get_or_create(&labels)
                .set(d.and_then(|d| d.oldest_pending_secs).unwrap_or(0.0));
            let alive = live
                .iter()
                .find(|(q, _)| *q == stage.queue())
                .map_or(0, |(_, n)| *n);
            self.workers.get_or_create(&labels).set(alive);
        }
        self.searches.clear();
        for (status, n) in searches {
            self.searches.get_or_create(&StatusLabels { status }).set(n);
        }
        self.leads.clear();
        for l in leads {
            self.leads
                .get_or_create(&LeadLabels {
                    origin: l.a,
                    status: l.b,
                })
                .set(l.count);
        }
        self.active_users.set(users);
    }

    /// Everything, in the text format, the system state read first when due.
    pub async fn render(&self, state: &AppState) -> String {
        self.refresh(state).await;
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Whether `authorization` (the request's header) carries `token` as a bearer token; compared
/// by digest so the time taken says nothing about the token.
pub fn token_matches(authorization: Option<&str>, token: &str) -> bool {
    use sha2::{Digest, Sha256};
    let given = authorization
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default()
        .trim();
    Sha256::digest(given.as_bytes()) == Sha256::digest(token.as_bytes())
}

/// `GET /metrics`: the text format, behind `LEADGEN_METRICS_TOKEN` when one is set.
#[poem::handler]
pub async fn endpoint(
    req: &poem::Request,
    state: poem::web::Data<&AppState>,
) -> poem::Result<poem::Response> {
    if let Some(token) = &state.cfg.metrics_token {
        let auth = req
            .headers()
            .get(poem::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !token_matches(auth, token) {
            return Err(crate::error::ApiError::Unauthorized(
                "send the metrics token (LEADGEN_METRICS_TOKEN) as a bearer token".into(),
            )
            .into());
        }
    }
    let body = state.metrics.render(&state).await;
    Ok(poem::Response::builder()
        .content_type(CONTENT_TYPE)
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_paths_are_folded_and_unknown_paths_pooled() {
        assert_eq!(
            route_label("/api/v1/leads/0190a7b2-4c1e-7d2f-9a3b-5c6d7e8f9a0b", true),
            "/api/v1/leads/{id}"
        );
        assert_eq!(
            route_label("/api/v1/users/17/sessions", true),
            "/api/v1/users/{id}/sessions"
        );
        assert_eq!(route_label("/", true), "/");
        assert_eq!(route_label("/no/such/page/xyz", false), "unmatched");
    }

    #[test]
    fn route_labels_are_bounded() {
        let m = ApiMetrics::default();
        for i in 0..MAX_ROUTES + 50 {
            m.request(
                "GET",
                &format!("/api/v1/leads/x{i}"),
                true,
                400,
                Duration::ZERO,
            );
        }
        assert_eq!(m.routes.lock().unwrap().len(), MAX_ROUTES);
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &m.registry).unwrap();
        assert!(
            text.contains(
                r#"leadgen_http_requests_total{route="other",method="GET",status="400"} 50"#
            ),
            "{text}"
        );
    }
}
