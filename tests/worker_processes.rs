//! Worker processes sharing one database: a search finished by two processes loses and
//! duplicates nothing, the jobs of a SIGKILLed worker are completed by another, and a worker
//! (and the API's event relay) whose database connections are cut reconnects by itself. A worker
//! process serves its own metrics behind the metrics token.

mod common;

use common::{Spawn, TestApp, busiest_segment};
use futures::StreamExt;
use leadgen::chaos::WorkerProcess;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The sample directory's definition as a file, for worker processes.
fn directory_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("leadgen-directory-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        leadgen_core::sample_web::SampleWeb::DIRECTORY_DEFINITION,
    )
    .expect("write the directory definition");
    path
}

/// Starts `leadgen worker` for `app`'s database and sample web (its logs in the test output).
fn start_worker(app: &TestApp) -> WorkerProcess {
    start_worker_with(app, &[])
}

/// As [`start_worker`], with more environment variables.
fn start_worker_with(app: &TestApp, extra: &[(&str, &str)]) -> WorkerProcess {
    let env: Vec<(String, String)> = [
        ("DATABASE_URL", app.db_url.clone()),
        ("LEADGEN_PROXY", app.web.proxy_url()),
        ("LEADGEN_DNS_SERVERS", app.web.dns_addr().to_string()),
        ("LEADGEN_ALLOW_PRIVATE_NETWORKS", "true".into()),
        ("LEADGEN_SOURCES", "directories".into()),
        (
            "LEADGEN_DIRECTORIES",
            directory_file().to_string_lossy().into_owned(),
        ),
        ("LEADGEN_DOMAIN_DELAY_MS", "100".into()),
        (
            "RUST_LOG",
            std::env::var("LEADGEN_TEST_WORKER_LOG").unwrap_or_else(|_| "warn".into()),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .chain(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    .collect();
    WorkerProcess::start(Path::new(env!("CARGO_BIN_EXE_leadgen")), &env, None)
        .expect("start leadgen worker")
}

/// Waits until the fetch queue has a worker of every process in `pids` (worker names carry the
/// process id).
async fn wait_until_registered(app: &TestApp, pids: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT id FROM apalis.workers WHERE id LIKE 'fetch-%'")
                .fetch_all(&app.pool)
                .await
                .unwrap();
        if pids
            .iter()
            .all(|p| names.iter().any(|n| n.contains(&format!("-{p}-"))))
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "worker processes {pids:?} did not register: {names:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn start_search(app: &TestApp, max_results: u32) -> String {
    let (st, body) = app
        .post(
            "/api/v1/scrape/search",
            &json!({"industry": "dentist", "location": "Austin", "max_results": max_results}),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    body["job_id"].as_str().unwrap().to_string()
}

async fn assert_every_item_finished_once(app: &TestApp, job: &str) {
    let job_id = uuid::Uuid::parse_str(job).unwrap();
    let (discovered, processed, results): (i32, i32, i32) = sqlx::query_as(
        "SELECT discovered_count, processed_count, results_count FROM search_jobs WHERE id = $1",
    )
    .bind(job_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let items: i64 = sqlx::query_scalar("SELECT count(*) FROM work_items WHERE job_id = $1")
        .bind(job_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let unfinished: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM work_items WHERE job_id = $1 AND stage NOT IN ('done', 'filtered', 'failed')",
    )
    .bind(job_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let result_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM job_results WHERE job_id = $1")
        .bind(job_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let lead_events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM job_events WHERE job_id = $1 AND kind = 'lead_discovered'",
    )
    .bind(job_id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(discovered > 0);
    assert_eq!(
        items, discovered as i64,
        "one work item per discovered company"
    );
    assert_eq!(processed, discovered, "every company counted once");
    assert_eq!(unfinished, 0, "no work item left behind");
    assert_eq!(result_rows, results as i64);
    assert_eq!(
        lead_events, results as i64,
        "each lead announced exactly once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_worker_processes_finish_a_search_without_losing_or_repeating_work() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 200,
        ..Spawn::default()
    })
    .await;
    let a = start_worker(&app);
    let b = start_worker(&app);
    // Both are up before the search starts, so neither can take all of it while the other is
    // still starting.
    wait_until_registered(&app, &[a.pid(), b.pid()]).await;
    let job = start_search(&app, 30).await;
    let s = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(s["status"], "completed", "{s}");
    assert_every_item_finished_once(&app, &job).await;
    // Together the two processes kept every site's rate (the slots live in Postgres).
    common::assert_host_rate(&app.web.log(), app.cfg.crawl.host_delay);
    // Both processes took part (worker names carry the process id).
    let names: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT lock_by FROM apalis.jobs WHERE lock_by IS NOT NULL")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    for p in [a.pid(), b.pid()] {
        assert!(
            names.iter().any(|n| n.contains(&format!("-{p}-"))),
            "process {p} ran no job: {names:?}"
        );
    }
    drop((a, b));
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn overlapping_searches_on_two_processes_store_each_company_contact_and_lead_once() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 200,
        ..Spawn::default()
    })
    .await;
    let a = start_worker(&app);
    let b = start_worker(&app);
    // Three searches over the same companies at once: their merges of one company race
    // across the processes.
    let (industry, city, _) = busiest_segment(&app);
    let mut jobs = Vec::new();
    for max_results in [200, 200, 3] {
        let body = json!({"industry": industry, "location": city, "max_results": max_results});
        let (st, started) = app.post("/api/v1/scrape/search", &body).await;
        assert_eq!(st, 200, "{started}");
        jobs.push(started["job_id"].as_str().unwrap().to_string());
    }
    for job in &jobs {
        let s = app.wait_for_job(job, Duration::from_secs(180)).await;
        assert_eq!(s["status"], "completed", "{s}");
        assert_every_item_finished_once(&app, job).await;
    }
    let pool = &app.pool;
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(
        count(
            "SELECT count(*) FROM (SELECT domain FROM companies WHERE domain IS NOT NULL
               GROUP BY domain, address HAVING count(*) > 1) d"
        )
        .await,
        0,
        "a company stored twice"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM (SELECT 1 FROM contacts WHERE email IS NOT NULL
               GROUP BY company_id, lower(email) HAVING count(*) > 1) d"
        )
        .await,
        0,
        "a contact stored twice"
    );
    assert_eq!(
        count(
            "SELECT count(*) FROM companies c WHERE NOT EXISTS
               (SELECT 1 FROM leads l WHERE l.company_id = c.id)"
        )
        .await,
        0,
        "a company without its lead"
    );
    // The two searches for every company of the segment found the same leads; the small one
    // a few of them.
    let leads_of = |job: String| async move {
        sqlx::query_scalar::<_, uuid::Uuid>(
            "SELECT lead_id FROM job_results WHERE job_id = $1::uuid ORDER BY lead_id",
        )
        .bind(job)
        .fetch_all(pool)
        .await
        .unwrap()
    };
    let (all, again, few) = (
        leads_of(jobs[0].clone()).await,
        leads_of(jobs[1].clone()).await,
        leads_of(jobs[2].clone()).await,
    );
    assert!(all.len() > 3, "{} leads", all.len());
    assert_eq!(
        all, again,
        "two searches over the same companies made different leads"
    );
    assert_eq!(few.len(), 3);
    assert!(
        few.iter().all(|l| all.contains(l)),
        "{few:?} not in {all:?}"
    );
    drop((a, b));
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_of_a_killed_worker_are_completed_by_another() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 200,
        ..Spawn::default()
    })
    .await;
    let mut first = start_worker(&app);
    let job = start_search(&app, 30).await;
    // Wait until the first worker holds jobs, then kill it without warning.
    let deadline = Instant::now() + Duration::from_secs(60);
    let holder = format!("-{}-", first.pid());
    loop {
        let held: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM apalis.jobs WHERE status IN ('Queued', 'Running') AND lock_by LIKE '%' || $1 || '%'",
        )
        .bind(&holder)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        if held > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the worker never took a job");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    first.kill();
    let killed_at = Instant::now();
    let second = start_worker(&app);
    let s = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(s["status"], "completed", "{s}");
    assert!(killed_at.elapsed() < Duration::from_secs(90));
    assert_every_item_finished_once(&app, &job).await;
    drop(second);
    app.cleanup().await;
}

/// Companies of `job` finished so far.
/// Terminates every other session on the test database, as a database failover or a network
/// cut would: the worker's pool, its LISTEN connection and the API's relay all lose theirs.
async fn cut_connections(app: &TestApp) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_whose_database_connections_are_cut_reconnects_and_finishes_the_search() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 200,
        ..Spawn::default()
    })
    .await;
    let worker = start_worker(&app);
    let (industry, city, companies) = busiest_segment(&app);
    assert!(
        companies >= 4,
        "no segment to cut twice in: {industry} in {city} has {companies}"
    );
    let (st, body) = app
        .post(
            "/api/v1/scrape/search",
            &json!({"industry": industry, "location": city, "max_results": 20}),
        )
        .await;
    assert_eq!(st, 200, "{body}");
    let job = body["job_id"].as_str().unwrap().to_string();
    let ws_url = format!(
        "{}/api/v1/ws/jobs/{job}",
        app.base.replace("http://", "ws://")
    );
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("{ws_url}?access_token={}", app.admin_token))
            .await
            .expect("websocket connects");

    // Cut every connection twice while the search runs: once when the first company is done,
    // again at half way.
    for threshold in [1, (companies.min(20) as i32 / 2).max(2)] {
        let deadline = Instant::now() + Duration::from_secs(90);
        while app.processed(&job).await < threshold {
            assert!(
                Instant::now() < deadline,
                "no progress to {threshold} companies"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            cut_connections(&app).await > 0,
            "the worker had connections to cut"
        );
    }

    let s = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(s["status"], "completed", "{s}");
    assert_every_item_finished_once(&app, &job).await;

    // The WebSocket opened before the cuts still gets the completion: the API's relay
    // reconnected and caught up.
    let completed = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(Ok(m)) = ws.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
                let v: Value = serde_json::from_str(&t).unwrap();
                if v["type"] == "job_completed" {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert_eq!(
        completed,
        Ok(true),
        "job_completed delivered after the cuts"
    );
    drop(worker);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_process_serves_its_own_metrics_behind_the_token() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 40,
        ..Spawn::default()
    })
    .await;
    let port = common::SmtpSink::free_port();
    let bind = format!("127.0.0.1:{port}");
    let token = "worker-metrics-0123456789";
    let _worker = start_worker_with(
        &app,
        &[
            ("LEADGEN_METRICS_BIND", &bind),
            ("LEADGEN_METRICS_TOKEN", token),
        ],
    );
    let job = start_search(&app, 5).await;
    let s = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(s["status"], "completed", "{s}");

    let url = format!("http://{bind}/metrics");
    let http = reqwest::Client::new();
    let refused = http.get(&url).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let r = http.get(&url).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = r.text().await.unwrap();
    let count = |series: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    assert!(
        count(r#"leadgen_worker_fetches_total{status="2xx"}"#) >= 1.0,
        "{text}"
    );
    assert!(
        count(r#"leadgen_worker_jobs_total{stage="fetch",outcome="done"}"#) >= 1.0,
        "{text}"
    );
    assert!(count(r#"leadgen_worker_jobs_total{stage="finalize",outcome="done"}"#) >= 1.0);
    assert!(
        count("leadgen_worker_host_slot_wait_seconds_count") >= 1.0,
        "{text}"
    );
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_told_to_stop_finishes_what_it_holds_and_takes_nothing_new() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 200,
        ..Spawn::default()
    })
    .await;
    let mut a = start_worker(&app);
    wait_until_registered(&app, &[a.pid()]).await;
    let job = start_search(&app, 30).await;
    let mine = format!("%-{}-%", a.pid());
    let held = |app: &TestApp, mine: String| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM apalis.jobs WHERE status IN ('Queued', 'Running') AND lock_by LIKE $1",
            )
            .bind(mine)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    // Asked to stop while it holds work.
    let deadline = Instant::now() + Duration::from_secs(60);
    while held(&app, mine.clone()).await == 0 {
        assert!(Instant::now() < deadline, "the worker never took a job");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let asked: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT clock_timestamp()")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let sent = Command::new("kill")
        .args(["-TERM", &a.pid().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    // It ends by itself within its 30 s shutdown bound, cleanly.
    let deadline = Instant::now() + Duration::from_secs(45);
    let status = loop {
        if let Some(s) = a.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "the worker did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "the worker exited with {status}");
    // Nothing is left held by it, and it took nothing after it was told to stop (a moment's
    // grace for a fetch already on its way to the database).
    assert_eq!(
        held(&app, mine.clone()).await,
        0,
        "jobs left held by the stopped worker"
    );
    let late: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM apalis.jobs WHERE lock_by LIKE $1 AND lock_at > $2 + interval '1 second'",
    )
    .bind(&mine)
    .bind(asked)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(late, 0, "jobs taken after the worker was told to stop");
    // Another worker finishes the search: nothing lost, nothing done twice.
    let _b = start_worker(&app);
    let s = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(s["status"], "completed", "{s}");
    assert_every_item_finished_once(&app, &job).await;
    app.cleanup().await;
}
