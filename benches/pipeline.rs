//! End-to-end pipeline benchmark: searches covering every company of a generated sample web
//! run through the real HTTP API and the stage workers, all in this process, against a fresh
//! database, with the production per-host delay and artificial latency on every sample-web
//! response.
//!
//! Settings (environment): `LEADGEN_BENCH_COMPANIES` (default 200), `LEADGEN_BENCH_SEED`
//! (default 42), `LEADGEN_BENCH_LATENCY_MS` (`LO-HI`, default `20-80`), `LEADGEN_BENCH_DELAY_MS`
//! (per-host delay, default 1000), `LEADGEN_BENCH_START` (`directory`, the default, or
//! `domains`) and `LEADGEN_FETCH_CONCURRENCY` (sites crawled at once, default 64).
//!
//! With `directory`, the directory matches one industry per query, so one search per industry
//! runs concurrently, each over every city (the location names them all); sites are found as
//! the directory's pages are read. With `domains`, every site is known from the start: the
//! searches carry the sample web's domains (1,000 per search), as a list of known accounts would.
//! Prints wall time against the politeness floor, throughput, CPU time and peak RSS as a table,
//! then one JSON line with the same figures for scripts (`benches/crawl_compare.sh`). Figures
//! only: nothing is asserted.
//!
//! The crawl stages (discover, fetch, render) run on a runtime of their own with their own
//! database pool, as a crawl-only worker process (`leadgen worker --stages discover,fetch,render`)
//! would; the other stages, the API and the sample web run beside them. CPU time is counted over
//! the crawl (first search sent → last search finished): the whole process, the sample web's
//! own thread (served from a dedicated single-threaded runtime), leadgen (the difference), the
//! crawler's threads alone, and the Postgres backends serving this run's database (the
//! crawler's connections apart, by their `application_name`).

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

/// Clock ticks per second of `/proc/*/stat` CPU times (`USER_HZ`, 100 on Linux).
const TICKS_PER_S: f64 = 100.0;

/// User + system CPU seconds of process `pid` ("self" for this one), all threads, dead ones
/// included.
fn process_cpu_s(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / TICKS_PER_S)
}

/// CPU seconds one thread of this process has run (`schedstat`, nanoseconds).
fn thread_cpu_s(tid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

/// The kernel thread id of the calling thread.
fn current_tid() -> Option<u32> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// CPU seconds of the threads of this process whose name starts with `prefix`.
fn threads_cpu_s(prefix: &str) -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    tasks
        .flatten()
        .filter_map(|t| {
            let tid: u32 = t.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(t.path().join("comm")).ok()?;
            comm.starts_with(prefix)
                .then(|| thread_cpu_s(tid))
                .flatten()
        })
        .sum()
}

/// Backend process ids of the Postgres connections to this run's database.
async fn backend_pids(pool: &sqlx::PgPool) -> Vec<i32> {
    sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}

/// The `application_name` of the crawler's database connections.
const CRAWLER_APP: &str = "leadgen-crawler";

/// Backend process ids of the crawler's connections.
async fn crawler_backend_pids(pool: &sqlx::PgPool) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
    )
    .bind(CRAWLER_APP)
    .fetch_all(pool)
    .await
    .unwrap_or_default()
}

/// The stages a crawl-only worker runs.
const CRAWL_STAGES: [leadgen_core::jobs::Stage; 3] = [
    leadgen_core::jobs::Stage::Discover,
    leadgen_core::jobs::Stage::Fetch,
    leadgen_core::jobs::Stage::Render,
];

/// Runs the crawl stages on their own runtime (threads named `crawler…`) with their own pool
/// until `stop` turns true.
fn start_crawler(
    cfg: Config,
    db_url: String,
    mut stop: watch::Receiver<bool>,
) -> std::io::Result<std::thread::JoinHandle<anyhow::Result<()>>> {
    std::thread::Builder::new()
        .name("crawler-main".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("crawler")
                // Blocking threads stay, so the CPU they spent is still there to be read.
                .thread_keep_alive(Duration::from_secs(24 * 3600))
                .enable_all()
                .build()?;
            rt.block_on(async move {
                let pool = leadgen_core::db::connect_as(&db_url, 20, CRAWLER_APP).await?;
                let ctx = Arc::new(leadgen_worker::Ctx::new(cfg, pool)?);
                let stopped = async move {
                    let _ = stop.wait_for(|s| *s).await;
                };
                leadgen_worker::run(ctx, &CRAWL_STAGES, stopped).await
            })
        })
}

/// The politeness floor when every site is known from the start: the host whose own requests
/// (as many as this run sent), spaced by the host delay or its robots.txt `Crawl-delay` when
/// that is longer, take longest. Returns the floor and that host.
fn host_floor(web: &SampleWeb, per_host: &HashMap<&str, u64>, delay: Duration) -> (f64, String) {
    let delay = delay.as_secs_f64();
    let mut worst = (0.0, String::new());
    for (host, n) in per_host {
        let site = host.strip_prefix("www.").unwrap_or(host);
        let floor = n.saturating_sub(1) as f64 * delay.max(crawl_delay_of(web, site));
        if floor > worst.0 {
            worst = (floor, host.to_string());
        }
    }
    worst
}

/// The `Crawl-delay` of `site`'s robots.txt, 0 without one.
fn crawl_delay_of(web: &SampleWeb, site: &str) -> f64 {
    // After the crawl every flaky robots.txt answers, so this reads the real rules.
    let robots = web.respond(site, "/robots.txt").text();
    robots
        .lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case("crawl-delay"))
        .filter_map(|(_, v)| v.trim().parse::<f64>().ok())
        .fold(0.0, f64::max)
}

/// CPU seconds of each listed Postgres backend (those whose `/proc` entry is readable).
fn backends_cpu(pids: &[i32]) -> HashMap<i32, f64> {
    pids.iter()
        .filter_map(|p| process_cpu_s(&p.to_string()).map(|c| (*p, c)))
        .collect()
}

/// The sample web served from its own thread on a single-threaded runtime, so that the CPU
/// time spent answering the crawler can be measured apart from the crawler's own.
struct WebThread {
    server: SampleWebServer,
    tid: Option<u32>,
    stop: tokio::sync::oneshot::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl WebThread {
    fn start(web: SampleWeb) -> anyhow::Result<WebThread> {
        let (ready, started) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("sample-web".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready.send(Err(anyhow::Error::from(e)));
                        return;
                    }
                };
                rt.block_on(async move {
                    let server =
                        SampleWebServer::start(web, "127.0.0.1:0".parse().expect("address")).await;
                    let ok = server.is_ok();
                    let _ = ready.send(server.map(|s| (s, current_tid())));
                    if ok {
                        // Keep driving the server's tasks until told to stop.
                        let _ = stopped.await;
                    }
                });
            })?;
        let (server, tid) = started.recv()??;
        Ok(WebThread {
            server,
            tid,
            stop,
            thread,
        })
    }

    fn cpu_s(&self) -> Option<f64> {
        thread_cpu_s(self.tid?)
    }

    async fn shutdown(self) {
        // The server's tasks run on the web thread, which keeps running until `stop`.
        self.server.shutdown().await;
        let _ = self.stop.send(());
        let _ = tokio::task::spawn_blocking(move || self.thread.join()).await;
    }
}

/// The politeness floor along the critical path: a site cannot be crawled before the directory
/// page that lists it has been read, and then needs its own requests (as many as this run sent)
/// spaced by the host delay, or by its robots.txt `Crawl-delay` when that is longer. Directory
/// pages are placed one host delay apart, in the order this run read them. Returns the floor and
/// the site that sets it.
fn critical_path_floor(
    web: &SampleWeb,
    per_host: &HashMap<&str, u64>,
    log: &[leadgen::sample_web::RequestLogEntry],
    delay: Duration,
) -> (f64, String) {
    let delay = delay.as_secs_f64();
    let canonical = |h: &str| h.strip_prefix("www.").unwrap_or(h).to_string();
    // When each site's listing could have been read at the earliest.
    let mut listed_at: HashMap<String, f64> = HashMap::new();
    let directory = log
        .iter()
        .filter(|e| e.host == SampleWeb::DIRECTORY_HOST)
        .enumerate();
    for (k, e) in directory {
        if !e.path.starts_with("/search") {
            continue;
        }
        // Directory pages do not depend on earlier requests, so asking again is harmless.
        let body = web.respond(SampleWeb::DIRECTORY_HOST, &e.path).text();
        for rest in body.split("class=\"website\" href=\"").skip(1) {
            let href = rest.split('"').next().unwrap_or_default();
            if let Some(host) = url::Url::parse(href)
                .ok()
                .and_then(|u| u.host_str().map(canonical))
            {
                listed_at.entry(host).or_insert(k as f64 * delay);
            }
        }
    }
    let mut worst = (0.0, String::new());
    for (host, n) in per_host {
        let Some(start) = listed_at.get(&canonical(host)) else {
            continue;
        };
        let crawl_delay = crawl_delay_of(web, &canonical(host));
        let floor = start + n.saturating_sub(1) as f64 * delay.max(crawl_delay);
        if floor > worst.0 {
            worst = (floor, host.to_string());
        }
    }
    worst
}

/// The most company sites being crawled at the same moment: each site counts from its first
/// request to its last one in the sample web's log (the directory is not a company site).
fn max_sites_in_flight(log: &[leadgen::sample_web::RequestLogEntry]) -> usize {
    let mut span: HashMap<&str, (std::time::SystemTime, std::time::SystemTime)> = HashMap::new();
    for e in log.iter().filter(|e| e.host != SampleWeb::DIRECTORY_HOST) {
        let s = span.entry(e.host.as_str()).or_insert((e.at, e.at));
        s.0 = s.0.min(e.at);
        s.1 = s.1.max(e.at);
    }
    // Starts before ends at the same instant, so touching spans count as overlapping.
    let mut edges: Vec<(std::time::SystemTime, i32)> = span
        .values()
        .flat_map(|(a, b)| [(*a, -1), (*b, 1)])
        .collect();
    edges.sort();
    let (mut now, mut most) = (0i32, 0i32);
    for (_, edge) in edges {
        now -= edge;
        most = most.max(now);
    }
    most as usize
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
    let opts = SampleWebOptions {
        seed: env_num("LEADGEN_BENCH_SEED", 42),
        companies: env_num("LEADGEN_BENCH_COMPANIES", 200) as usize,
        latency_ms: Some(latency_range()?),
    };
    let delay = Duration::from_millis(env_num("LEADGEN_BENCH_DELAY_MS", 1000));

    let name = format!("leadgen_bench_{}", uuid::Uuid::new_v4().simple());
    let db_url = leadgen::postgres::ensure_database(&server_url(), &name).await?;
    let result = run(opts, delay, &db_url).await;
    drop_database(&name).await;
    result
}

/// `LEADGEN_BENCH_LATENCY_MS` as `LO-HI` (or one number), default 20–80 ms.
fn latency_range() -> anyhow::Result<(u64, u64)> {
    let Ok(v) = std::env::var("LEADGEN_BENCH_LATENCY_MS") else {
        return Ok((20, 80));
    };
    let parse = |s: &str| s.trim().parse::<u64>();
    let range = match v.split_once('-') {
        Some((lo, hi)) => (parse(lo), parse(hi)),
        None => (parse(&v), parse(&v)),
    };
    match range {
        (Ok(lo), Ok(hi)) if lo <= hi => Ok((lo, hi)),
        _ => anyhow::bail!("LEADGEN_BENCH_LATENCY_MS must look like 20-80, not {v:?}"),
    }
}

async fn run(opts: SampleWebOptions, delay: Duration, db_url: &str) -> anyhow::Result<()> {
    let pool = leadgen_core::db::connect(db_url, 20).await?;
    leadgen::cli::migrate(&pool).await?;
    let (companies, seed, (lat_lo, lat_hi)) =
        (opts.companies, opts.seed, opts.latency_ms.unwrap_or((0, 0)));
    let web = SampleWeb::generate(opts);
    let with_site = web
        .ground_truth()
        .iter()
        .filter(|t| !t.domain.is_empty())
        .count();
    let web_thread = WebThread::start(web)?;
    let web = &web_thread.server;

    // The sample web's proxy is on loopback, which the crawler refuses unless told otherwise.
    let mut cfg = Config::from_lookup(|k| {
        (k == "LEADGEN_ALLOW_PRIVATE_NETWORKS").then(|| "true".to_string())
    })?;
    cfg.database_url = Some(db_url.to_string());
    cfg.bind = "127.0.0.1:0".parse()?;
    cfg.crawl.proxy = Some(web.proxy_url());
    cfg.email_dns.servers = Some(vec![web.dns_addr()]);
    // The sample web's proxy listens on loopback.
    cfg.crawl.allow_private_networks = true;
    cfg.crawl.host_delay = delay;
    cfg.crawl.fetch_concurrency = env_num("LEADGEN_FETCH_CONCURRENCY", 64) as usize;
    let by_domains = match std::env::var("LEADGEN_BENCH_START").as_deref() {
        Err(_) | Ok("directory") => false,
        Ok("domains") => true,
        Ok(other) => {
            anyhow::bail!("LEADGEN_BENCH_START must be directory or domains, not {other:?}")
        }
    };
    let domains = web_thread.server.web().site_domains();
    // The directory alone, so that runs compare with earlier figures.
    cfg.sources = leadgen_core::config::SourcesConfig {
        directories: vec![SampleWeb::directory_source()],
        ..leadgen_core::config::SourcesConfig::default()
    };

    let (stop, rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let ctx = Arc::new(leadgen_worker::Ctx::new(cfg.clone(), pool.clone())?);
    let workers = {
        let rx = rx.clone();
        let rest: Vec<_> = leadgen_worker::default_stages()
            .into_iter()
            .filter(|s| !CRAWL_STAGES.contains(s))
            .collect();
        tokio::spawn(async move { leadgen_worker::run(ctx, &rest, stopped(rx)).await })
    };
    let crawler = start_crawler(cfg.clone(), db_url.to_string(), rx.clone())?;
    let server = leadgen_api::Server::bind(
        cfg.bind,
        leadgen::cli::api_state(cfg.clone(), pool.clone())?,
    )
    .await?;
    let base = format!("http://{}", server.addr());
    let api = tokio::spawn(server.run(stopped(rx)));
    let password = leadgen::accounts::demo_admin(&pool, "bench@leadgen.test").await?;
    let signed_in: Value = reqwest::Client::builder()
        .no_proxy()
        .build()?
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "email": "bench@leadgen.test", "password": password }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!(
            "Bearer {}",
            signed_in["access_token"].as_str().unwrap_or_default()
        )
        .parse()?,
    );
    let http = reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .build()?;

    let location = SampleWeb::cities().join(" ");
    let bodies: Vec<Value> = if by_domains {
        domains
            .chunks(1000)
            .map(|d| json!({"domains": d, "max_results": 1000}))
            .collect()
    } else {
        SampleWeb::industries()
            .iter()
            .map(|i| json!({"industry": i, "location": location, "max_results": 1000}))
            .collect()
    };
    let start = if by_domains {
        format!("{} domain lists of up to 1,000 sites", bodies.len())
    } else {
        format!("one per industry, location \"{location}\"")
    };
    eprintln!(
        "pipeline bench: {companies} companies ({with_site} with a website, seed {seed}, \
         latency {lat_lo}-{lat_hi} ms), host delay {} ms, fetch concurrency {}, {} concurrent \
         searches ({start})",
        delay.as_millis(),
        cfg.crawl.fetch_concurrency,
        bodies.len()
    );

    let pg_before = backends_cpu(&backend_pids(&pool).await);
    let cpu_before = process_cpu_s("self");
    let crawler_cpu_before = threads_cpu_s("crawler");
    let web_cpu_before = web_thread.cpu_s();
    let started = Instant::now();
    let t0 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs_f64();
    let mut jobs = Vec::new();
    for body in &bodies {
        let r = http
            .post(format!("{base}/api/v1/scrape/search"))
            .json(body)
            .send()
            .await?;
        let status = r.status();
        let answer: Value = r.json().await?;
        anyhow::ensure!(status.is_success(), "search refused: {status} {answer}");
        let id = answer["job_id"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("no job_id in {answer}"))?;
        jobs.push(id.parse::<uuid::Uuid>()?);
    }

    // Waiting costs next to nothing (one small query a few times a second, not the status
    // endpoint, whose polling would add its own CPU to the figures), and the wall time comes from
    // the completion times the jobs recorded, so the poll interval does not pad it.
    let mut done = 0usize;
    let mut last_report = Instant::now();
    while done < jobs.len() && started.elapsed() < DEADLINE {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM search_jobs
              WHERE id = ANY($1) AND status IN ('completed', 'failed', 'cancelled')",
        )
        .bind(&jobs)
        .fetch_one(&pool)
        .await?;
        done = n as usize;
        if last_report.elapsed() >= Duration::from_secs(15) {
            last_report = Instant::now();
            eprintln!(
                "  {:>5.0} s: {done}/{} searches finished, {} sample-web requests",
                started.elapsed().as_secs_f64(),
                jobs.len(),
                web.log().len()
            );
        }
    }
    let timed_out = done < jobs.len();
    let last_done: Option<f64> = sqlx::query_scalar(
        "SELECT extract(epoch FROM max(coalesce(completed_at, updated_at)))::float8
           FROM search_jobs WHERE id = ANY($1)",
    )
    .bind(&jobs)
    .fetch_one(&pool)
    .await?;
    let wall = match last_done {
        Some(t) if !timed_out && t > t0 => t - t0,
        _ => started.elapsed().as_secs_f64(),
    };
    let cpu_process = match (cpu_before, process_cpu_s("self")) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let cpu_web = match (web_cpu_before, web_thread.cpu_s()) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let cpu_leadgen = cpu_process.map(|p| p - cpu_web.unwrap_or(0.0));
    let cpu_crawler = threads_cpu_s("crawler") - crawler_cpu_before;
    let crawler_pids = crawler_backend_pids(&pool).await;
    // Backends that served this run: their CPU now, less what they had at the start. Backends
    // that exited during the run are not counted, so this is a lower bound.
    let pg_used: HashMap<i32, f64> = backends_cpu(&backend_pids(&pool).await)
        .iter()
        .map(|(pid, now)| (*pid, now - pg_before.get(pid).copied().unwrap_or(0.0)))
        .collect();
    let cpu_postgres: f64 = pg_used.values().sum();
    let cpu_postgres_crawler: f64 = crawler_pids.iter().filter_map(|p| pg_used.get(p)).sum();

    let mut finished: HashMap<uuid::Uuid, Value> = HashMap::new();
    for id in &jobs {
        let s: Value = http
            .get(format!("{base}/api/v1/scrape/status/{id}"))
            .send()
            .await?
            .json()
            .await?;
        if matches!(s["status"].as_str(), Some("completed" | "failed")) {
            finished.insert(*id, s);
        }
    }
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

    let in_flight = max_sites_in_flight(&log);
    let (path_floor, path_host) = if by_domains {
        host_floor(web.web(), &per_host, delay)
    } else {
        critical_path_floor(web.web(), &per_host, &log, delay)
    };
    // With every site known at the start, the floor is the slowest host's own.
    let (floor, busiest, busiest_n) = if by_domains {
        let n = per_host.get(path_host.as_str()).copied().unwrap_or(0);
        (path_floor, path_host.clone(), n)
    } else {
        (floor, busiest, busiest_n)
    };

    let (items, pages, pages_ok, hosts): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM work_items),
                (SELECT count(*) FROM pages),
                (SELECT count(*) FROM pages WHERE http_status = 200),
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
    let _ = tokio::task::spawn_blocking(move || crawler.join()).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), api).await;
    pool.close().await;
    let requests = log.len();
    let peak_rss = peak_rss_mib();
    web_thread.shutdown().await;
    let per_1000 = |cpu: Option<f64>| cpu.filter(|_| pages > 0).map(|c| c * 1000.0 / pages as f64);
    let secs = |cpu: Option<f64>| cpu.map_or("n/a".into(), |c| format!("{c:.2} s"));

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
            format!("{pages} from {hosts} hosts ({pages_ok} with status 200)"),
        ),
        (
            "sample-web requests",
            format!("{requests} to {} hosts", per_host.len()),
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
            "  floor along the critical path",
            format!(
                "{path_floor:.1} s  ({path_host}: directory page, then its own requests; \
                 wall / this {:.2})",
                wall / path_floor.max(f64::EPSILON)
            ),
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
            "most sites in progress at once",
            format!("{in_flight}  (first to last request per host)"),
        ),
        (
            "requests/s (sample web)",
            format!("{:.2}", requests as f64 / wall),
        ),
        ("CPU, whole process", secs(cpu_process)),
        ("  of which the sample web", secs(cpu_web)),
        ("  leadgen (API + workers)", secs(cpu_leadgen)),
        (
            "  per 1,000 pages stored",
            per_1000(cpu_leadgen).map_or("n/a".into(), |c| format!("{c:.2} s")),
        ),
        (
            "  of which the crawler (discover, fetch, render)",
            secs(Some(cpu_crawler)),
        ),
        (
            "  per 1,000 pages stored",
            per_1000(Some(cpu_crawler)).map_or("n/a".into(), |c| format!("{c:.2} s")),
        ),
        (
            "CPU, Postgres backends",
            format!(
                "{cpu_postgres:.2} s ({} per 1,000 pages)",
                per_1000(Some(cpu_postgres)).map_or("n/a".into(), |c| format!("{c:.2} s"))
            ),
        ),
        (
            "  of which the crawler's connections",
            format!(
                "{cpu_postgres_crawler:.2} s ({} per 1,000 pages)",
                per_1000(Some(cpu_postgres_crawler)).map_or("n/a".into(), |c| format!("{c:.2} s"))
            ),
        ),
        (
            "peak RSS (VmHWM, whole process)",
            peak_rss.map_or("n/a".into(), |m| format!("{m:.1} MiB")),
        ),
    ];
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    println!();
    println!("pipeline benchmark (API + workers + sample web in one process)");
    println!("{}", "-".repeat(width + 40));
    for (k, v) in &rows {
        println!("{k:<width$}  {v}");
    }
    // The same figures on one line for scripts: always the last line of the output.
    let summary = json!({
        "bench": "pipeline",
        "companies": companies,
        "seed": seed,
        "latency_ms": [lat_lo, lat_hi],
        "industries": SampleWeb::industries(),
        "cities": SampleWeb::cities(),
        "host_delay_s": delay.as_secs_f64(),
        "start": if by_domains { "domains" } else { "directory" },
        "domains": if by_domains { json!(domains) } else { json!([]) },
        "fetch_concurrency": cfg.crawl.fetch_concurrency,
        "searches": jobs.len(),
        "searches_completed": finished.len() - failed_jobs,
        "searches_failed": failed_jobs,
        "timed_out": timed_out,
        "pages": pages,
        "pages_ok": pages_ok,
        "hosts": hosts,
        "requests": requests,
        "max_sites_in_flight": in_flight,
        "busiest_host": busiest,
        "busiest_host_requests": busiest_n,
        "wall_s": wall,
        "floor_s": floor,
        "site_floor_s": site_floor,
        "critical_path_floor_s": path_floor,
        "critical_path_host": path_host,
        "wall_over_floor": (floor > 0.0).then(|| wall / floor),
        "pages_per_s": pages as f64 / wall,
        "cpu_process_s": cpu_process,
        "cpu_sample_web_s": cpu_web,
        "cpu_leadgen_s": cpu_leadgen,
        "cpu_leadgen_per_1000_pages_s": per_1000(cpu_leadgen),
        "cpu_postgres_s": cpu_postgres,
        "cpu_crawler_s": cpu_crawler,
        "cpu_crawler_per_1000_pages_s": per_1000(Some(cpu_crawler)),
        "cpu_postgres_crawler_s": cpu_postgres_crawler,
        "peak_rss_mib": peak_rss,
    });
    println!("{summary}");
    Ok(())
}
