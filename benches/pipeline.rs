//! End-to-end pipeline benchmark: searches covering every company of a generated sample web
//! (default 200, `LEADGEN_BENCH_COMPANIES`) run through the real HTTP API and the stage workers,
//! all in this process, against a fresh database, with the production per-host delay (1 s,
//! `LEADGEN_BENCH_DELAY_MS` overrides) and 20–80 ms of latency on every sample-web response.
//!
//! The directory matches one industry per query, so one search per industry runs concurrently,
//! each over every city (the location names them all). Prints wall time against the politeness
//! floor (the time the per-host delay alone imposes on the busiest host), throughput and peak
//! RSS as a table. Figures only: nothing is asserted.

use leadgen::sample_web::SampleWebServer;
use leadgen_core::Config;
use leadgen_core::sample_web::{SampleWeb, SampleWebOptions};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Longest the bench waits for the searches before it reports what it has.
const DEADLINE: Duration = Duration::from_secs(30 * 60);

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

fn server_url() -> String {
    std::env::var("LEADGEN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// Peak resident set size of this process in MiB (`VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

async fn drop_database(name: &str) {
    let url = format!("{}/postgres", server_url());
    if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await {
        let c: &mut sqlx::PgConnection = &mut c;
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(c).await;
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let companies = env_num("LEADGEN_BENCH_COMPANIES", 200) as usize;
    let delay = Duration::from_millis(env_num("LEADGEN_BENCH_DELAY_MS", 1000));

    let name = format!("leadgen_bench_{}", uuid::Uuid::new_v4().simple());
    let db_url = leadgen::postgres::ensure_database(&server_url(), &name).await?;
    let result = run(companies, delay, &db_url).await;
    drop_database(&name).await;
    result
}

async fn run(companies: usize, delay: Duration, db_url: &str) -> anyhow::Result<()> {
    let pool = leadgen_core::db::connect(db_url, 20).await?;
    leadgen::cli::migrate(&pool).await?;
    let web = SampleWeb::generate(SampleWebOptions {
        companies,
        latency_ms: Some((20, 80)),
        ..SampleWebOptions::default()
    });
    let with_site = web
        .ground_truth()
        .iter()
        .filter(|t| !t.domain.is_empty())
        .count();
    let web = SampleWebServer::start(web, "127.0.0.1:0".parse()?).await?;

    let mut cfg = Config::from_lookup(|_| None)?;
    cfg.database_url = Some(db_url.to_string());
    cfg.bind = "127.0.0.1:0".parse()?;
    cfg.crawl.proxy = Some(web.proxy_url());
    cfg.crawl.host_delay = delay;
    cfg.directory_url = Some(
        "http://directory.test/search?industry={industry}&location={location}&page={page}".into(),
    );

    let (stop, rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let ctx = Arc::new(leadgen_worker::Ctx::new(cfg.clone(), pool.clone())?);
    let workers = {
        let rx = rx.clone();
        tokio::spawn(async move {
            leadgen_worker::run(ctx, &leadgen_worker::default_stages(), stopped(rx)).await
        })
    };
    let server =
        leadgen_api::Server::bind(cfg.bind, leadgen::cli::api_state(cfg.clone(), pool.clone()))
            .await?;
    let base = format!("http://{}", server.addr());
    let api = tokio::spawn(server.run(stopped(rx)));
    let http = reqwest::Client::builder().no_proxy().build()?;

    let location = SampleWeb::cities().join(" ");
    eprintln!(
        "pipeline bench: {companies} companies ({with_site} with a website), host delay {} ms, \
         {} concurrent searches (one per industry, location \"{location}\")",
        delay.as_millis(),
        SampleWeb::industries().len()
    );

    let started = Instant::now();
    let mut jobs = Vec::new();
    for industry in SampleWeb::industries() {
        let body = json!({"industry": industry, "location": location, "max_results": 1000});
        let r = http
            .post(format!("{base}/api/v1/scrape/search"))
            .json(&body)
            .send()
            .await?;
        let status = r.status();
        let answer: Value = r.json().await?;
        anyhow::ensure!(status.is_success(), "search refused: {status} {answer}");
        let id = answer["job_id"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no job_id in {answer}"))?;
        jobs.push(id.to_string());
    }

    let mut finished: HashMap<String, Value> = HashMap::new();
    let mut last_report = Instant::now();
    while finished.len() < jobs.len() && started.elapsed() < DEADLINE {
        for id in &jobs {
            if finished.contains_key(id) {
                continue;
            }
            let s: Value = http
                .get(format!("{base}/api/v1/scrape/status/{id}"))
                .send()
                .await?
                .json()
                .await?;
            if matches!(s["status"].as_str(), Some("completed" | "failed")) {
                finished.insert(id.clone(), s);
            }
        }
        if last_report.elapsed() >= Duration::from_secs(15) {
            last_report = Instant::now();
            eprintln!(
                "  {:>5.0} s: {}/{} searches finished, {} sample-web requests",
                started.elapsed().as_secs_f64(),
                finished.len(),
                jobs.len(),
                web.log().len()
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let wall = started.elapsed().as_secs_f64();
    let timed_out = finished.len() < jobs.len();

    let log = web.log();
    let mut per_host: HashMap<&str, u64> = HashMap::new();
    for e in &log {
        *per_host.entry(e.host.as_str()).or_default() += 1;
    }
    let (busiest, busiest_n) = per_host
        .iter()
        .max_by_key(|(h, n)| (**n, std::cmp::Reverse(**h)))
        .map(|(h, n)| (h.to_string(), *n))
        .unwrap_or_default();
    let floor = busiest_n.saturating_sub(1) as f64 * delay.as_secs_f64();
    let site_floor = per_host
        .iter()
        .filter(|(h, _)| **h != "directory.test")
        .map(|(_, n)| n.saturating_sub(1))
        .max()
        .unwrap_or(0) as f64
        * delay.as_secs_f64();

    let (items, pages, hosts): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM work_items),
                (SELECT count(*) FROM pages),
                (SELECT count(DISTINCT substring(p.url from '^[a-z]+://([^/:]+)')) FROM pages p)",
    )
    .fetch_one(&pool)
    .await?;
    let sum = |key: &str| -> i64 {
        finished
            .values()
            .map(|s| s[key].as_i64().unwrap_or(0))
            .sum()
    };
    let failed_jobs = finished
        .values()
        .filter(|s| s["status"] == "failed")
        .count();

    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(35), workers).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), api).await;
    pool.close().await;
    web.shutdown().await;

    let rows: Vec<(&str, String)> = vec![
        (
            "companies in the sample web",
            format!("{companies} ({with_site} with a website)"),
        ),
        (
            "searches",
            format!(
                "{} ({} completed, {failed_jobs} failed{})",
                jobs.len(),
                finished.len() - failed_jobs,
                if timed_out { ", rest timed out" } else { "" }
            ),
        ),
        (
            "companies discovered / processed",
            format!(
                "{} / {}  (work items {items})",
                sum("discovered_count"),
                sum("processed_count")
            ),
        ),
        (
            "leads (results) / failed",
            format!("{} / {}", sum("results_count"), sum("failed_count")),
        ),
        (
            "pages stored (pages table)",
            format!("{pages} from {hosts} hosts"),
        ),
        (
            "sample-web requests",
            format!("{} to {} hosts", log.len(), per_host.len()),
        ),
        ("host delay", format!("{} ms", delay.as_millis())),
        ("wall time", format!("{wall:.1} s")),
        (
            "politeness floor",
            format!("{floor:.1} s  (busiest host {busiest}: {busiest_n} requests)"),
        ),
        (
            "  floor over company sites only",
            format!("{site_floor:.1} s"),
        ),
        (
            "wall / floor",
            if floor > 0.0 {
                format!("{:.2}", wall / floor)
            } else {
                "n/a".into()
            },
        ),
        ("pages/s (stored)", format!("{:.2}", pages as f64 / wall)),
        (
            "requests/s (sample web)",
            format!("{:.2}", log.len() as f64 / wall),
        ),
        (
            "peak RSS (VmHWM, whole process)",
            peak_rss_mib().map_or("n/a".into(), |m| format!("{m:.1} MiB")),
        ),
    ];
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    println!();
    println!("pipeline benchmark (API + workers + sample web in one process)");
    println!("{}", "-".repeat(width + 40));
    for (k, v) in &rows {
        println!("{k:<width$}  {v}");
    }
    Ok(())
}
