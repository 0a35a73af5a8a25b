//! What a worker process has done, in the Prometheus text format: jobs by stage and outcome with
//! their durations, fetches by status, how long requests waited for their host's slot, and the
//! browser pool's use. Served by `leadgen worker` at `/metrics` on `LEADGEN_METRICS_BIND`.
//!
//! One set per process (as Prometheus client libraries keep them): the stages, the fetcher and
//! the renderer all count into it wherever they run.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::LazyLock;
use std::time::Duration;

/// A stage and how its job ended.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    stage: &'static str,
    /// `done`, `retry` (failed, will run again) or `failed` (given up).
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StageLabels {
    stage: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    /// `2xx` … `5xx`, `error` (no answer) or `refused` (robots.txt or the destination rules).
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RenderLabels {
    /// `done` or `failed`.
    outcome: &'static str,
}

/// Every metric of the process.
struct Metrics {
    registry: Registry,
    jobs: Family<JobLabels, Counter>,
    job_seconds: Family<StageLabels, Histogram, fn() -> Histogram>,
    fetches: Family<StatusLabels, Counter>,
    slot_wait: Histogram,
    renders: Family<RenderLabels, Counter>,
    render_sessions: Gauge,
}

fn seconds_histogram() -> Histogram {
    // 5 ms … about 80 s.
    Histogram::new(exponential_buckets(0.005, 2.0, 15))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("leadgen_worker");
    let jobs = Family::<JobLabels, Counter>::default();
    registry.register(
        "jobs",
        "Pipeline jobs run, by stage and outcome",
        jobs.clone(),
    );
    let job_seconds: Family<StageLabels, Histogram, fn() -> Histogram> =
        Family::new_with_constructor(seconds_histogram);
    registry.register(
        "job_duration_seconds",
        "Time a stage's job took, retried and failed runs included",
        job_seconds.clone(),
    );
    let fetches = Family::<StatusLabels, Counter>::default();
    registry.register(
        "fetches",
        "HTTP requests made by the crawler and the browser's gate, by answer",
        fetches.clone(),
    );
    let slot_wait = seconds_histogram();
    registry.register(
        "host_slot_wait_seconds",
        "Time a request waited for its host's next slot (politeness), across all hosts",
        slot_wait.clone(),
    );
    let renders = Family::<RenderLabels, Counter>::default();
    registry.register(
        "renders",
        "Pages rendered in the browser, by outcome",
        renders.clone(),
    );
    let render_sessions = Gauge::default();
    registry.register(
        "render_sessions_in_use",
        "Browser sessions open now",
        render_sessions.clone(),
    );
    Metrics {
        registry,
        jobs,
        job_seconds,
        fetches,
        slot_wait,
        renders,
        render_sessions,
    }
});

/// Counts one finished run of a `stage` job: `outcome` is `done`, `retry` or `failed`.
pub fn job_finished(stage: &'static str, outcome: &'static str, took: Duration) {
    let m = &*METRICS;
    m.jobs.get_or_create(&JobLabels { stage, outcome }).inc();
    m.job_seconds
        .get_or_create(&StageLabels { stage })
        .observe(took.as_secs_f64());
}

/// Counts one request answered with `status` (0: no answer).
pub fn fetched(status: u16) {
    let status = match status {
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        500..=599 => "5xx",
        _ => "error",
    };
    METRICS
        .fetches
        .get_or_create(&StatusLabels { status })
        .inc();
}

/// Counts one request refused before it was sent (robots.txt, destination rules).
pub fn refused() {
    METRICS
        .fetches
        .get_or_create(&StatusLabels { status: "refused" })
        .inc();
}

/// Records how long a request waited for its host's slot.
pub fn waited_for_slot(took: Duration) {
    METRICS.slot_wait.observe(took.as_secs_f64());
}

/// A browser session held open; counted in use until dropped.
pub struct RenderSession(());

/// Counts a browser session as in use until the returned guard is dropped.
pub fn render_started() -> RenderSession {
    METRICS.render_sessions.inc();
    RenderSession(())
}

impl Drop for RenderSession {
    fn drop(&mut self) {
        METRICS.render_sessions.dec();
    }
}

/// Counts one render by outcome (`done` or `failed`).
pub fn rendered(ok: bool) {
    let outcome = if ok { "done" } else { "failed" };
    METRICS
        .renders
        .get_or_create(&RenderLabels { outcome })
        .inc();
}

/// The process's metrics in the Prometheus text format.
pub fn encode() -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &METRICS.registry);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_appear_in_the_text_format() {
        job_finished("fetch", "done", Duration::from_millis(30));
        fetched(404);
        refused();
        waited_for_slot(Duration::from_millis(900));
        {
            let _s = render_started();
            assert!(encode().contains("leadgen_worker_render_sessions_in_use 1"));
        }
        rendered(true);
        let text = encode();
        assert!(
            text.contains(r#"leadgen_worker_jobs_total{stage="fetch",outcome="done"}"#),
            "{text}"
        );
        assert!(text.contains(r#"leadgen_worker_fetches_total{status="4xx"}"#));
        assert!(text.contains(r#"leadgen_worker_fetches_total{status="refused"}"#));
        assert!(text.contains("leadgen_worker_host_slot_wait_seconds_count"));
        assert!(text.contains(r#"leadgen_worker_job_duration_seconds_count{stage="fetch"}"#));
        assert!(text.contains("leadgen_worker_render_sessions_in_use 0"));
        assert!(text.ends_with("# EOF\n"));
    }
}
