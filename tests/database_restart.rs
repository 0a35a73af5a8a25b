//! The database going away in the middle of a search, on a private PostgreSQL cluster this test
//! stops and starts: while it is away the API answers 503 with a clear error (readiness too,
//! liveness still 200); once it is back everything recovers by itself — the API answers, the
//! workers reconnect, and the search completes with every company processed exactly once and
//! none given up.

mod common;

use common::{Spawn, TestApp};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_database_restart_in_the_middle_of_a_search_is_ridden_out() {
    let dir = std::env::temp_dir().join(format!("leadgen-pg-{}", uuid::Uuid::new_v4()));
    let cluster = leadgen::postgres::PrivateCluster::start_in(&dir.join("data"))
        .expect("a private PostgreSQL cluster from the machine's binaries");
    let app = TestApp::spawn_with(Spawn {
        server: Some(cluster.url()),
        companies: 200,
        ..Spawn::default()
    })
    .await;
    let job = app.search_busiest(20).await;
    let deadline = Instant::now() + Duration::from_secs(90);
    while app.processed(&job).await < 2 {
        assert!(Instant::now() < deadline, "no progress before the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Away: a clear 503 within the pool's 10 s wait, not a hang or a 500.
    cluster.stop().expect("stop the cluster");
    let asked = Instant::now();
    let (st, e) = app.get("/api/v1/leads").await;
    assert_eq!(st, 503, "{e}");
    assert!(e.to_string().contains("the database is unavailable"), "{e}");
    assert!(
        asked.elapsed() < Duration::from_secs(15),
        "{:?}",
        asked.elapsed()
    );
    let (st, ready) = app.get("/api/v1/health/ready").await;
    assert_eq!(st, 503, "{ready}");
    let (st, _) = app.get("/api/v1/health/live").await;
    assert_eq!(st, 200);

    // Back: readiness recovers by itself and the search completes, every company once.
    cluster.start().expect("start the cluster again");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (st, ready) = app.get("/api/v1/health/ready").await;
        if st == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "not ready again: {ready}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let s = app.wait_for_job(&job, Duration::from_secs(180)).await;
    assert_eq!(s["status"], "completed", "{s}");
    let (discovered, done): (i32, i32) = sqlx::query_as(
        "SELECT discovered_count, processed_count FROM search_jobs WHERE id = $1::uuid",
    )
    .bind(&job)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(done, discovered, "every company counted once");
    let unfinished: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM work_items WHERE job_id = $1::uuid AND stage NOT IN ('done', 'filtered', 'failed')",
    )
    .bind(&job)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(unfinished, 0);
    // Jobs that met the outage were retried, not given up.
    let failed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM work_items WHERE job_id = $1::uuid AND stage = 'failed'",
    )
    .bind(&job)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(failed, 0, "companies given up because of the outage");
    let (st, _) = app.get("/api/v1/leads").await;
    assert_eq!(st, 200);
    app.cleanup().await;
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
}
