//! Read replicas: with `DATABASE_REPLICA_URL` the API runs the lead list, the CSV export and
//! analytics on a real streaming replica (a private primary and a standby made from its base
//! backup), and everything else — writes and the lead's own page — on the primary. Pausing the
//! standby's replay shows which one answered.

mod common;

use common::{Spawn, TestApp};
use leadgen_core::sample_web::seed::SeedOptions;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn replica_sql(url: &str, sql: &'static str) {
    let pool = leadgen_core::db::connect(url, 1).await.expect("replica");
    sqlx::query(sql).execute(&pool).await.expect(sql);
    pool.close().await;
}

async fn status_count(app: &TestApp, status: &str) -> i64 {
    let (st, body) = app
        .get(&format!("/api/v1/leads?status={status}&limit=1"))
        .await;
    assert_eq!(st, 200, "{body}");
    body["pagination"]["total_count"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_go_to_the_replica_and_writes_to_the_primary() {
    let dir = std::env::temp_dir().join(format!("leadgen-pg-{}", uuid::Uuid::new_v4()));
    let primary = leadgen::postgres::PrivateCluster::start_in(&dir.join("primary"))
        .expect("a private PostgreSQL cluster from the machine's binaries");
    let standby = leadgen::postgres::PrivateCluster::standby_of(&primary, &dir.join("standby"))
        .expect("a streaming replica of it");
    let app = TestApp::spawn_with(Spawn {
        server: Some(primary.url()),
        replica: Some(standby.url()),
        workers: false,
        ..Spawn::default()
    })
    .await;
    let name = app.db_url.rsplit('/').next().unwrap().to_string();
    let replica_db = format!("{}/{name}", standby.url());
    let opts = SeedOptions {
        leads: 2_000,
        seed: 5,
        now: chrono::Utc::now(),
    };
    leadgen::seed::run(&app.pool, opts).await.unwrap();

    // The replica catches up, and the list (read there) shows every lead.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (st, page) = app.get("/api/v1/leads?limit=1").await;
        assert_eq!(st, 200, "{page}");
        if page["pagination"]["total_count"] == 2_000 {
            break;
        }
        assert!(Instant::now() < deadline, "replica never caught up: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let converted = status_count(&app, "CONVERTED").await;

    // Replay paused: a status change is written on the primary (a write sent to the read-only
    // standby would fail), the lead's own page shows it at once, the list does not yet.
    replica_sql(&replica_db, "SELECT pg_wal_replay_pause()").await;
    let (_, pending) = app.get("/api/v1/leads?status=PENDING&limit=1").await;
    let lead = pending["leads"][0]["lead_id"].as_str().unwrap().to_string();
    let (_, detail) = app.get(&format!("/api/v1/leads/{lead}")).await;
    let changed = app
        .http
        .patch(app.url(&format!("/api/v1/leads/{lead}")))
        .json(&json!({"status": "CONVERTED", "version": detail["version"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200, "{}", changed.text().await.unwrap());
    let (_, detail) = app.get(&format!("/api/v1/leads/{lead}")).await;
    assert_eq!(
        detail["status"], "CONVERTED",
        "the lead's page reads the primary"
    );
    assert_eq!(
        status_count(&app, "CONVERTED").await,
        converted,
        "the list reads the paused replica"
    );
    let csv = app
        .get_text("/api/v1/export/csv?status=CONVERTED&fields=lead_id")
        .await;
    assert!(!csv.contains(&lead), "the export reads the replica too");
    let (st, summary) = app.get("/api/v1/analytics/summary").await;
    assert_eq!(st, 200, "{summary}");

    // Replay resumed: the list catches up by itself.
    replica_sql(&replica_db, "SELECT pg_wal_replay_resume()").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    while status_count(&app, "CONVERTED").await != converted + 1 {
        assert!(
            Instant::now() < deadline,
            "the list never showed the change"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let total: Value = summary["total_leads"].clone();
    assert_eq!(total, 2_000);
    app.cleanup().await;
    drop(standby);
    drop(primary);
    let _ = std::fs::remove_dir_all(&dir);
}
