//! What operators watch: `/metrics` (requests by route and status with latencies, the
//! pipeline's queues and workers, searches, leads by status, status changes, people signed in;
//! the worker's own jobs and fetches), behind its token when one is set, and the liveness and
//! readiness probes.

mod common;

use common::{Spawn, TestApp};
use serde_json::{Value, json};
use std::time::Duration;

/// The value of the sample `name{labels}` in a text-format scrape, if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| {
        l.strip_prefix(series)?
            .strip_prefix(' ')?
            .trim()
            .parse()
            .ok()
    })
}

async fn scrape(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(app.url("/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    if status == 200 {
        let ct = r.headers()["content-type"].to_str().unwrap().to_string();
        assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
    }
    (status, r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metrics_show_the_requests_the_pipeline_and_the_business() {
    let app = TestApp::spawn_with(Spawn {
        companies: 40,
        ..Spawn::default()
    })
    .await;
    let job = app.search_busiest(5).await;
    let s = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(s["status"], "completed", "{s}");

    // Staff reach out to one of the leads.
    let (st, list) = app.get("/api/v1/leads?limit=1").await;
    assert_eq!(st, 200, "{list}");
    let lead = &list["leads"][0];
    let id = lead["lead_id"].as_str().unwrap();
    let r = app
        .http
        .patch(app.url(&format!("/api/v1/leads/{id}")))
        .json(&json!({ "version": lead["version"], "status": "REACHED_OUT" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (st, _) = app
        .get("/api/v1/leads/00000000-0000-0000-0000-000000000000")
        .await;
    assert_eq!(st, 404);
    for made_up in ["/no/such/page", "/api/v1/nothing-here"] {
        let (st, _) = app.get(made_up).await;
        assert_eq!(st, 404);
    }

    let (st, text) = scrape(&app, None).await;
    assert_eq!(st, 200, "{text}");
    assert!(text.ends_with("# EOF\n"));
    // Requests, by route with ids folded, method and status, and their latencies.
    let started =
        r#"leadgen_http_requests_total{route="/api/v1/scrape/search",method="POST",status="200"}"#;
    assert_eq!(sample(&text, started), Some(1.0), "{text}");
    let polled = r#"leadgen_http_requests_total{route="/api/v1/scrape/status/{id}",method="GET",status="200"}"#;
    assert!(sample(&text, polled).unwrap_or(0.0) >= 1.0, "{text}");
    // Paths no route serves are pooled; a lead that does not exist is a 404 of a real route.
    assert_eq!(
        sample(
            &text,
            r#"leadgen_http_requests_total{route="unmatched",method="GET",status="404"}"#
        ),
        Some(2.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"leadgen_http_requests_total{route="/api/v1/leads/{id}",method="GET",status="404"}"#
        ) == Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            r#"leadgen_http_request_duration_seconds_count{route="/api/v1/leads/{id}",method="PATCH"}"#
        ) == Some(1.0),
        "{text}"
    );
    // The business: searches, leads by origin and status, the status change.
    assert_eq!(sample(&text, "leadgen_searches_started_total"), Some(1.0));
    assert_eq!(
        sample(&text, r#"leadgen_searches{status="completed"}"#),
        Some(1.0)
    );
    let leads: i64 = sqlx::query_scalar("SELECT count(*) FROM leads WHERE origin = 'discovered'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let pending = sample(
        &text,
        r#"leadgen_leads{origin="discovered",status="PENDING"}"#,
    );
    let reached = sample(
        &text,
        r#"leadgen_leads{origin="discovered",status="REACHED_OUT"}"#,
    );
    assert_eq!(reached, Some(1.0), "{text}");
    assert_eq!(pending.unwrap_or(0.0) + 1.0, leads as f64, "{text}");
    assert_eq!(
        sample(
            &text,
            r#"leadgen_lead_status_changes_total{from="PENDING",to="REACHED_OUT"}"#
        ),
        Some(1.0)
    );
    // The test admin signed in once.
    assert_eq!(sample(&text, "leadgen_active_users"), Some(1.0), "{text}");
    // The pipeline: every stage's queue, its workers, the database.
    for stage in ["discover", "fetch", "extract", "score", "finalize"] {
        let pending = format!(r#"leadgen_queue_pending{{stage="{stage}"}}"#);
        assert_eq!(sample(&text, &pending), Some(0.0), "{text}");
        let alive = format!(r#"leadgen_workers_alive{{stage="{stage}"}}"#);
        assert!(sample(&text, &alive).unwrap_or(0.0) >= 1.0, "{text}");
    }
    assert_eq!(sample(&text, "leadgen_database_up"), Some(1.0));

    // The workers (in this process here) count their own jobs and fetches.
    let worker = leadgen_worker::metrics::encode();
    let fetched = r#"leadgen_worker_fetches_total{status="2xx"}"#;
    assert!(sample(&worker, fetched).unwrap_or(0.0) >= 1.0, "{worker}");
    let done = r#"leadgen_worker_jobs_total{stage="fetch",outcome="done"}"#;
    assert!(sample(&worker, done).unwrap_or(0.0) >= 1.0, "{worker}");
    assert!(sample(&worker, "leadgen_worker_host_slot_wait_seconds_count").unwrap_or(0.0) >= 1.0);
    app.cleanup().await;
}

#[tokio::test]
async fn metrics_need_the_token_when_one_is_set() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 5,
        configure: Some(|cfg| cfg.metrics_token = Some("scrape-me-please-0123".into())),
        ..Spawn::default()
    })
    .await;
    let (st, body) = scrape(&app, None).await;
    assert_eq!(st, 401);
    let e: Value = serde_json::from_str(&body).unwrap();
    assert!(e.to_string().contains("LEADGEN_METRICS_TOKEN"), "{e}");
    let (st, _) = scrape(&app, Some("wrong-token-0123456789")).await;
    assert_eq!(st, 401);
    let (st, text) = scrape(&app, Some("scrape-me-please-0123")).await;
    assert_eq!(st, 200);
    assert!(text.contains("leadgen_database_up 1"), "{text}");
    app.cleanup().await;
}

#[tokio::test]
async fn liveness_and_readiness_say_what_an_orchestrator_needs() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 5,
        ..Spawn::default()
    })
    .await;
    let (st, live) = app.get("/api/v1/health/live").await;
    assert_eq!(st, 200);
    assert_eq!(live["status"], "alive");

    // Ready: the database answers and has every migration; no worker runs, which is said but
    // does not stop the API from serving.
    let (st, ready) = app.get("/api/v1/health/ready").await;
    assert_eq!(st, 200, "{ready}");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["checks"]["migrations_current"], true);
    assert_eq!(
        ready["checks"]["migrations_applied"],
        ready["checks"]["migrations_expected"]
    );
    assert_eq!(ready["checks"]["workers"]["fetch"]["ok"], false, "{ready}");

    // A schema behind this version is not ready, and says what to run.
    sqlx::query(
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let (st, behind) = app.get("/api/v1/health/ready").await;
    assert_eq!(st, 503, "{behind}");
    assert_eq!(behind["status"], "not_ready");
    assert!(
        behind["reasons"][0]
            .as_str()
            .unwrap()
            .contains("leadgen migrate"),
        "{behind}"
    );

    // Without the database: not ready, still alive.
    app.pool.close().await;
    let (st, down) = app.get("/api/v1/health/ready").await;
    assert_eq!(st, 503, "{down}");
    assert_eq!(down["checks"]["database"], false);
    assert!(down["reasons"][0].as_str().unwrap().contains("database"));
    let (st, _) = app.get("/api/v1/health/live").await;
    assert_eq!(st, 200);
    app.cleanup().await;
}
