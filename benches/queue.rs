//! Queue benchmark: no-op jobs through the same apalis-postgres setup the stage workers use
//! (one durable queue, `LISTEN` plus a 1 s poll, heartbeat 5 s × 3 missed), on a fresh database
//! with durable commits.
//!
//! For each (workers, fetch batch, concurrency) setting it measures
//! - enqueue rate: `LEADGEN_BENCH_JOBS` (default 20,000) jobs pushed with the stages' helper,
//!   500 per transaction;
//! - drain rate: those jobs run by freshly started workers, until the last is marked done;
//! - enqueue→start latency in steady state: a trickle of jobs at a fixed rate (200/s for 5 s),
//!   one job per transaction as stages enqueue, each carrying its enqueue timestamp.
//!
//! Then the rescue time: a worker child process (this binary again, with
//! `LEADGEN_BENCH_QUEUE_CHILD` set) takes a batch of jobs and hangs in them; it is killed with
//! SIGKILL and the time until another worker has run every one of its jobs is measured.
//!
//! Figures only: nothing is asserted.

use apalis::prelude::*;
use apalis_postgres::PostgresStorage;
use leadgen_core::jobs::Stage;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::oneshot;

/// Set in the environment of the child process that takes jobs and hangs; holds the database URL.
const CHILD_ENV: &str = "LEADGEN_BENCH_QUEUE_CHILD";
/// The queue the bench uses (a fresh database, so no stage shares it).
const STAGE: Stage = Stage::Score;
/// (workers, fetch batch, concurrency per worker) settings compared.
const SETTINGS: [(usize, usize, usize); 4] =
    [(1, 10, 8), (1, 100, 64), (1, 1000, 128), (2, 1000, 128)];
/// Steady-state trickle: jobs per second and seconds.
const TRICKLE_RATE: u64 = 200;
const TRICKLE_SECS: u64 = 5;
/// Jobs per enqueue transaction when filling the queue.
const ENQUEUE_CHUNK: usize = 500;
/// Rescue trials; the worker is killed at a different heartbeat phase each time.
const RESCUE_TRIALS: usize = 3;

/// A no-op job that carries its enqueue time.
#[derive(Serialize, Deserialize)]
struct NoopJob {
    /// Microseconds since the Unix epoch, taken just before the job's transaction.
    enqueued_us: i64,
}

/// What the bench's handlers report back.
#[derive(Default)]
struct Probe {
    done: AtomicUsize,
    record: AtomicBool,
    latencies_ms: Mutex<Vec<f64>>,
}

fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

async fn noop(job: NoopJob, probe: Data<Arc<Probe>>) -> Result<(), BoxDynError> {
    if probe.record.load(Ordering::Relaxed) {
        let ms = (now_us() - job.enqueued_us) as f64 / 1000.0;
        probe
            .latencies_ms
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ms);
    }
    probe.done.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

async fn hang(_job: NoopJob) -> Result<(), BoxDynError> {
    std::future::pending::<()>().await;
    Ok(())
}

/// The stage workers' backend, for the bench's queue.
fn backend(pool: &PgPool, batch: usize) -> PollWith<PostgresStorage<NoopJob>, Strategy> {
    leadgen_worker::stage_backend(pool, STAGE, batch)
}

/// Enqueues `n` no-op jobs stamped with the current time, in one transaction.
async fn push_noops(pool: &PgPool, n: usize) -> anyhow::Result<()> {
    let jobs: Vec<NoopJob> = (0..n)
        .map(|_| NoopJob {
            enqueued_us: now_us(),
        })
        .collect();
    let mut tx = pool.begin().await?;
    leadgen_core::queue::push_many(
        &mut tx,
        STAGE,
        &jobs,
        leadgen_core::queue::DEFAULT_MAX_ATTEMPTS,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Running no-op workers; stopped with [`Workers::stop`].
struct Workers {
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Workers {
    fn start(
        pool: &PgPool,
        tag: &str,
        workers: usize,
        batch: usize,
        conc: usize,
        probe: &Arc<Probe>,
    ) -> Self {
        let mut monitor = Monitor::new();
        for i in 0..workers {
            let (pool, probe) = (pool.clone(), probe.clone());
            let name = format!("bench-{tag}-{i}-{:08x}", fastrand_u32());
            monitor = monitor.register(move |restarts| {
                WorkerBuilder::new(format!("{name}-{restarts}"))
                    .backend(backend(&pool, batch))
                    .data(probe.clone())
                    .concurrency(conc)
                    .build(noop)
            });
        }
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let r = monitor
                .shutdown_timeout(Duration::from_secs(10))
                .run_with_signal(async move {
                    let _ = stopped.await;
                    Ok(())
                })
                .await;
            if let Err(e) = r {
                eprintln!("worker monitor stopped: {e}");
            }
        });
        Workers { stop, task }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(15), self.task).await;
    }
}

/// A random number from the clock and the process id (no RNG crate in this package).
fn fastrand_u32() -> u32 {
    let n = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    n ^ std::process::id().rotate_left(16)
}

fn server_url() -> String {
    std::env::var("LEADGEN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

async fn clear_queue(pool: &PgPool) -> anyhow::Result<()> {
    sqlx::query("TRUNCATE apalis.jobs").execute(pool).await?;
    Ok(())
}

/// Pushes `n` jobs, `ENQUEUE_CHUNK` per transaction; returns jobs per second.
async fn enqueue(pool: &PgPool, n: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut left = n;
    while left > 0 {
        let k = left.min(ENQUEUE_CHUNK);
        push_noops(pool, k).await?;
        left -= k;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Waits until `probe` has counted `n` jobs or `limit` passes; returns whether it did.
async fn wait_done(probe: &Probe, n: usize, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while probe.done.load(Ordering::Relaxed) < n {
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    true
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

struct Row {
    label: String,
    enqueue_per_s: f64,
    /// Seconds from starting the workers until every handler had run.
    ran_secs: f64,
    /// Seconds from starting the workers until the last job was marked done.
    drain_secs: Option<f64>,
    trickle_rate: f64,
    trickle_seen: usize,
    trickle_sent: usize,
    p50: f64,
    p99: f64,
    max: f64,
}

async fn measure(
    pool: &PgPool,
    n: usize,
    (workers, batch, conc): (usize, usize, usize),
) -> anyhow::Result<Row> {
    let label = format!("{workers} × {conc}, batch {batch}");
    eprintln!("setting {label}: enqueue {n} …");
    clear_queue(pool).await?;
    let enqueue_per_s = enqueue(pool, n).await?;

    // Drain: start workers on the full queue, wait until every job ran and is marked done.
    eprintln!("setting {label}: drain …");
    let probe = Arc::new(Probe::default());
    let tag = format!("b{batch}c{conc}w{workers}");
    let start_epoch = now_us() as f64 / 1e6;
    let started = Instant::now();
    let running = Workers::start(pool, &tag, workers, batch, conc, &probe);
    let limit = Duration::from_secs(600);
    let ran = wait_done(&probe, n, limit).await;
    let ran_secs = started.elapsed().as_secs_f64();
    let mut drain_secs = None;
    if ran {
        loop {
            let (done, last): (i64, Option<f64>) = sqlx::query_as(
                "SELECT count(*), EXTRACT(EPOCH FROM max(done_at))::float8 FROM apalis.jobs
                 WHERE job_type = $1 AND status = 'Done'",
            )
            .bind(STAGE.queue())
            .fetch_one(pool)
            .await?;
            if done as usize >= n {
                let secs = last.map_or(started.elapsed().as_secs_f64(), |l| l - start_epoch);
                drain_secs = Some(secs);
                break;
            }
            if started.elapsed() > limit {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    // Steady state: finished rows pruned, idle workers, a trickle of single-job transactions.
    eprintln!("setting {label}: trickle {TRICKLE_RATE}/s for {TRICKLE_SECS} s …");
    clear_queue(pool).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let before = probe.done.load(Ordering::Relaxed);
    probe.record.store(true, Ordering::Relaxed);
    let total = (TRICKLE_RATE * TRICKLE_SECS) as usize;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / TRICKLE_RATE));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let trickle_start = Instant::now();
    for _ in 0..total {
        tick.tick().await;
        let job = NoopJob {
            enqueued_us: now_us(),
        };
        let mut tx = pool.begin().await?;
        leadgen_core::queue::push(
            &mut tx,
            STAGE,
            &job,
            None,
            leadgen_core::queue::DEFAULT_MAX_ATTEMPTS,
        )
        .await?;
        tx.commit().await?;
    }
    let trickle_rate = total as f64 / trickle_start.elapsed().as_secs_f64();
    wait_done(&probe, before + total, Duration::from_secs(10)).await;
    probe.record.store(false, Ordering::Relaxed);
    running.stop().await;

    let mut lat =
        std::mem::take(&mut *probe.latencies_ms.lock().unwrap_or_else(|e| e.into_inner()));
    lat.sort_by(f64::total_cmp);
    Ok(Row {
        label,
        enqueue_per_s,
        ran_secs,
        drain_secs,
        trickle_rate,
        trickle_seen: lat.len(),
        trickle_sent: total,
        p50: percentile(&lat, 0.50),
        p99: percentile(&lat, 0.99),
        max: lat.last().copied().unwrap_or(f64::NAN),
    })
}

/// Jobs held by workers whose name starts with `prefix`.
async fn held_by(pool: &PgPool, prefix: &str) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM apalis.jobs WHERE job_type = $1
           AND status IN ('Queued', 'Running') AND lock_by LIKE $2 || '%'",
    )
    .bind(STAGE.queue())
    .bind(prefix)
    .fetch_one(pool)
    .await?)
}

/// One rescue trial; returns seconds from SIGKILL until every stranded job ran elsewhere.
async fn rescue_trial(pool: &PgPool, db_url: &str, trial: usize) -> anyhow::Result<Option<f64>> {
    let (batch, conc) = leadgen_worker::queue_tuning(Stage::Fetch);
    clear_queue(pool).await?;
    push_noops(pool, batch).await?;

    let exe = std::env::current_exe()?;
    let mut child = tokio::process::Command::new(exe)
        .env(CHILD_ENV, db_url)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let prefix = format!("bench-hung-{}-", child.id().unwrap_or(0));
    let deadline = Instant::now() + Duration::from_secs(60);
    while held_by(pool, &prefix).await? < batch as i64 {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the hanging worker never took its jobs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A healthy worker is already running when the other one dies, as in production; kill at a
    // different point of the heartbeat cycle in each trial.
    let probe = Arc::new(Probe::default());
    let rescuer = Workers::start(pool, &format!("rescuer{trial}"), 1, batch, conc, &probe);
    tokio::time::sleep(Duration::from_millis(500 + 1700 * trial as u64)).await;
    child.start_kill()?;
    let killed = Instant::now();
    let _ = child.wait().await;
    let ran = wait_done(&probe, batch, Duration::from_secs(120)).await;
    let secs = killed.elapsed().as_secs_f64();
    rescuer.stop().await;
    Ok(ran.then_some(secs))
}

/// The child process: one worker with the fetch stage's tuning whose jobs never finish.
async fn child_main(db_url: String) -> anyhow::Result<()> {
    let pool = leadgen_core::db::connect(&db_url, 4).await?;
    let (batch, conc) = leadgen_worker::queue_tuning(Stage::Fetch);
    let name = format!("bench-hung-{}-", std::process::id());
    let worker = WorkerBuilder::new(name)
        .backend(backend(&pool, batch))
        .concurrency(conc)
        .build(hang);
    worker.run().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    if let Ok(url) = std::env::var(CHILD_ENV) {
        return child_main(url).await;
    }
    let n = std::env::var("LEADGEN_BENCH_JOBS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(20_000usize);
    let name = format!("leadgen_bench_{}", uuid::Uuid::new_v4().simple());
    let db_url = leadgen::postgres::ensure_database(&server_url(), &name).await?;
    let result = run(n, &db_url).await;
    let url = format!("{}/postgres", server_url());
    if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await {
        let c: &mut sqlx::PgConnection = &mut c;
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(c).await;
    }
    result
}

async fn run(n: usize, db_url: &str) -> anyhow::Result<()> {
    let pool = leadgen_core::db::connect(db_url, 40).await?;
    leadgen::cli::migrate(&pool).await?;
    let (version, sync): (String, String) = sqlx::query_as(
        "SELECT current_setting('server_version'), current_setting('synchronous_commit')",
    )
    .fetch_one(&pool)
    .await?;

    let mut rows = Vec::new();
    for setting in SETTINGS {
        rows.push(measure(&pool, n, setting).await?);
    }
    let mut rescues = Vec::new();
    for trial in 0..RESCUE_TRIALS {
        eprintln!("rescue trial {} …", trial + 1);
        rescues.push(rescue_trial(&pool, db_url, trial).await?);
    }
    pool.close().await;

    println!();
    println!(
        "queue benchmark: {n} no-op jobs per setting, apalis-postgres, Postgres {version}, \
         synchronous_commit={sync}, LISTEN + 1 s poll"
    );
    println!(
        "latency: trickle of {TRICKLE_RATE} jobs/s for {TRICKLE_SECS} s, one job per transaction, \
         idle workers, finished rows pruned"
    );
    println!();
    let head = [
        "workers × concurrency, fetch batch",
        "enqueue jobs/s",
        "drain jobs/s",
        "drain s (ran/done)",
        "trickle /s",
        "p50 ms",
        "p99 ms",
        "max ms",
    ];
    let table: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            [
                r.label.clone(),
                format!("{:.0}", r.enqueue_per_s),
                r.drain_secs
                    .map_or("timeout".into(), |s| format!("{:.0}", n as f64 / s)),
                format!(
                    "{:.2} / {}",
                    r.ran_secs,
                    r.drain_secs.map_or("-".into(), |s| format!("{s:.2}"))
                ),
                if r.trickle_seen == r.trickle_sent {
                    format!("{:.0}", r.trickle_rate)
                } else {
                    format!(
                        "{:.0} ({}/{} ran)",
                        r.trickle_rate, r.trickle_seen, r.trickle_sent
                    )
                },
                format!("{:.1}", r.p50),
                format!("{:.1}", r.p99),
                format!("{:.1}", r.max),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..8)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .chain([head[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut s = format!("{:<w$}", cells[0], w = widths[0]);
        for (c, cell) in cells.iter().enumerate().skip(1) {
            s.push_str(&format!("  {:>w$}", cell, w = widths[c]));
        }
        println!("{s}");
    };
    line(&head.map(String::from));
    println!("{}", "-".repeat(widths.iter().sum::<usize>() + 2 * 7));
    for r in &table {
        line(r);
    }
    let goal_row: [String; 8] = [
        "goal".into(),
        String::new(),
        "≥ 5000".into(),
        String::new(),
        String::new(),
        String::new(),
        "≤ 50".into(),
        String::new(),
    ];
    line(&goal_row);
    println!();
    let (batch, conc) = leadgen_worker::queue_tuning(Stage::Fetch);
    let figures: Vec<String> = rescues
        .iter()
        .map(|r| r.map_or("not rescued within 120 s".into(), |s| format!("{s:.1} s")))
        .collect();
    println!(
        "rescue after SIGKILL ({batch} jobs held by a worker with the fetch tuning, batch {batch} × \
         {conc}; heartbeat {} s × {} missed): {}   goal ≤ 30 s",
        leadgen_worker::HEARTBEAT.as_secs(),
        leadgen_worker::MISSED_HEARTBEATS,
        figures.join(", ")
    );
    Ok(())
}
