//! Chaos runs: searches over every site of a generated sample web, worked by several `leadgen
//! worker` processes while one of them is SIGKILLed and replaced on a fixed period and,
//! optionally, the database is stopped and started in the middle. Afterwards every search must
//! have completed, no queue task may be left unfinished, every failure must carry its reason,
//! and every company, contact and lead must be stored once.
//!
//! `tests/chaos.rs` runs it small inside the test command; `cargo bench --bench chaos` runs it
//! at full scale and prints the report (tasks per stage, each kill with the tasks it held and
//! how long their rescue took, throughput around the database restart).

use crate::postgres::PrivateCluster;
use crate::sample_web::SampleWebServer;
use anyhow::Context;
use leadgen_core::sample_web::{SampleWeb, SampleWebOptions};
use sqlx::PgPool;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Sites per search (the API's largest `max_results`).
const SITES_PER_SEARCH: usize = 1000;
/// How often the run looks at the database.
const TICK: Duration = Duration::from_millis(200);
/// Throughput is compared over windows of this length.
const WINDOW: Duration = Duration::from_secs(10);
/// Throughput after a restart is counted in steps of this length.
const STEP: Duration = Duration::from_secs(5);
/// How long after the database is back the throughput is followed.
const FOLLOW: Duration = Duration::from_secs(30);
/// Share of the throughput before the restart that counts as recovered.
const RECOVERED_SHARE: f64 = 0.95;
/// No kill this close to a database restart, so that the two are measured apart.
const QUIET_AROUND_RESTART: Duration = Duration::from_secs(40);

/// What a chaos run does.
#[derive(Debug, Clone)]
pub struct ChaosPlan {
    /// Companies in the generated sample web; every one with a website is searched for.
    pub companies: usize,
    /// The sample web's seed.
    pub seed: u64,
    /// Worker processes kept running (one is killed and replaced at a time).
    pub workers: usize,
    /// Time between two kills.
    pub kill_every: Duration,
    /// Per-host delay the workers keep.
    pub host_delay: Duration,
    /// A database stop and start in the middle of the run (needs a private cluster).
    pub restart: Option<DatabaseRestart>,
    /// When set, a rolling restart at this time from the start of the searches: each worker
    /// in turn gets a replacement and then SIGTERM, and is waited for.
    pub rolling_restart_at: Option<Duration>,
    /// Longest the searches may take.
    pub deadline: Duration,
}

/// When the database goes away and for how long.
#[derive(Debug, Clone, Copy)]
pub struct DatabaseRestart {
    /// Time from the start of the searches to the stop.
    pub after: Duration,
    /// Time the database stays stopped.
    pub down_for: Duration,
}

/// One SIGKILL and what it cost.
#[derive(Debug, Clone)]
pub struct Kill {
    /// Time from the start of the searches.
    pub at: Duration,
    /// The killed process.
    pub pid: u32,
    /// Tasks the process had taken from the queue (running or waiting in its buffer).
    pub held: usize,
    /// Of those, tasks it was running: another worker runs them again.
    pub running: usize,
    /// Until the last held task was back in the queue (or finished), from the kill.
    pub released_after: Option<Duration>,
    /// Until every held task had finished elsewhere, from the kill.
    pub finished_after: Option<Duration>,
}

/// One worker stopped with SIGTERM in a rolling restart.
#[derive(Debug, Clone)]
pub struct GracefulStop {
    /// The stopped process.
    pub pid: u32,
    /// Tasks it held when told to stop.
    pub held: usize,
    /// From SIGTERM to its exit.
    pub exit_after: Duration,
    /// Tasks still held under its name after it exited (none when it stopped cleanly).
    pub left_held: usize,
}

/// Queue throughput around a database restart.
#[derive(Debug, Clone)]
pub struct RestartFigures {
    /// From the stop until the database accepted connections again.
    pub down: Duration,
    /// Tasks finished per second over the 30 s before the stop.
    pub before_per_s: f64,
    /// Tasks finished per second in each 5 s after the database was back (30 s in all).
    pub after_per_s: Vec<f64>,
    /// End of the first 10 s window after the database was back whose throughput reached 95% of
    /// the throughput before, from the moment it was back.
    pub recovered_after: Option<Duration>,
}

/// What a chaos run measured and what it found wrong.
#[derive(Debug, Clone, Default)]
pub struct ChaosReport {
    /// From the first search to the last one finished.
    pub wall: Duration,
    /// Searches started.
    pub searches: usize,
    /// Companies the searches discovered.
    pub companies: i64,
    /// Leads stored.
    pub leads: i64,
    /// Queue tasks created, per stage.
    pub tasks_by_stage: Vec<(String, i64)>,
    /// Companies given up (each with its reason).
    pub companies_failed: i64,
    /// The kills, in order.
    pub kills: Vec<Kill>,
    /// Throughput around the database restart, when there was one.
    pub restart: Option<RestartFigures>,
    /// The workers stopped in the rolling restart, in order.
    pub rolling: Vec<GracefulStop>,
    /// Worker log lines written inside a queue task (stage and runner targets); each must name
    /// its queue task and its search, work item or email in its spans.
    pub task_log_lines: usize,
    /// Everything found wrong; empty when the run passed.
    pub violations: Vec<String>,
    /// Where the worker processes' logs are (kept when something was wrong, or with
    /// `LEADGEN_CHAOS_KEEP_LOGS` set).
    pub logs: Option<PathBuf>,
}

impl ChaosReport {
    /// Queue tasks created, all stages.
    pub fn tasks(&self) -> i64 {
        self.tasks_by_stage.iter().map(|(_, n)| n).sum()
    }

    /// The report as text: a summary, tasks per stage, one line per kill, the restart.
    pub fn render(&self) -> String {
        let secs =
            |d: Option<Duration>| d.map_or("never".into(), |d| format!("{:.1} s", d.as_secs_f64()));
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} searches, {} companies, {} leads, {} companies given up; {} queue tasks in {:.1} s ({:.0} tasks/s)",
            self.searches,
            self.companies,
            self.leads,
            self.companies_failed,
            self.tasks(),
            self.wall.as_secs_f64(),
            self.tasks() as f64 / self.wall.as_secs_f64().max(0.001)
        );
        let stages: Vec<String> = self
            .tasks_by_stage
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        let _ = writeln!(out, "tasks per stage: {}", stages.join(", "));
        let _ = writeln!(
            out,
            "{} worker log lines written inside tasks, each naming its task and its search, item or email",
            self.task_log_lines
        );
        let _ = writeln!(
            out,
            "| kill at | process | tasks held | of which running (run again) | back in the queue after | all finished after |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for k in &self.kills {
            let _ = writeln!(
                out,
                "| {:.1} s | {} | {} | {} | {} | {} |",
                k.at.as_secs_f64(),
                k.pid,
                k.held,
                k.running,
                secs(k.released_after),
                secs(k.finished_after)
            );
        }
        if !self.kills.is_empty() {
            let n = self.kills.len() as f64;
            let running: usize = self.kills.iter().map(|k| k.running).sum();
            let worst = self.kills.iter().filter_map(|k| k.released_after).max();
            let _ = writeln!(
                out,
                "{} kills: {:.1} tasks run again per kill on average, slowest rescue {}",
                self.kills.len(),
                running as f64 / n,
                secs(worst)
            );
        }
        for g in &self.rolling {
            let _ = writeln!(
                out,
                "rolling restart: worker {} held {} tasks at SIGTERM, exited after {:.1} s, left {} held",
                g.pid,
                g.held,
                g.exit_after.as_secs_f64(),
                g.left_held
            );
        }
        if let Some(r) = &self.restart {
            let after: Vec<String> = r.after_per_s.iter().map(|v| format!("{v:.0}")).collect();
            let _ = writeln!(
                out,
                "database restart: down {:.1} s; tasks/s before {:.0}, after (per 5 s) {}; ≥ 95% again after {}",
                r.down.as_secs_f64(),
                r.before_per_s,
                after.join(" "),
                secs(r.recovered_after)
            );
        }
        for v in &self.violations {
            let _ = writeln!(out, "VIOLATION: {v}");
        }
        out
    }
}

/// A `leadgen worker` child process, killed when dropped.
pub struct WorkerProcess {
    child: Child,
}

impl WorkerProcess {
    /// Starts `bin worker` with `env`; its output is appended to `log`, or, without one, its
    /// logs (standard error) go where this process's do.
    pub fn start(
        bin: &Path,
        env: &[(String, String)],
        log: Option<&Path>,
    ) -> anyhow::Result<WorkerProcess> {
        let mut cmd = Command::new(bin);
        cmd.arg("worker").envs(env.iter().map(|(k, v)| (k, v)));
        match log {
            Some(log) => {
                let out = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)?;
                cmd.stdout(Stdio::from(out.try_clone()?))
                    .stderr(Stdio::from(out));
            }
            None => {
                cmd.stdout(Stdio::null());
            }
        }
        let child = cmd
            .spawn()
            .with_context(|| format!("start {} worker", bin.display()))?;
        Ok(WorkerProcess { child })
    }

    /// The process id (worker names in the queue carry it).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to hand tasks back.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM (a graceful stop) and waits up to `within` for the process to exit;
    /// returns how long it took, or `None` if it was still running (it is then killed).
    pub fn terminate(&mut self, within: Duration) -> anyhow::Result<Option<Duration>> {
        let asked = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()?;
        anyhow::ensure!(status.success(), "kill -TERM {} failed", self.pid());
        while asked.elapsed() < within {
            if self.exited() {
                return Ok(Some(asked.elapsed()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        Ok(None)
    }

    /// How the process ended, if it has.
    pub fn try_wait(&mut self) -> std::io::Result<Option<std::process::ExitStatus>> {
        self.child.try_wait()
    }

    /// Whether the process ended by itself.
    pub fn exited(&mut self) -> bool {
        matches!(self.try_wait(), Ok(Some(_)))
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Where the run's database lives.
pub enum ChaosDatabase<'a> {
    /// A server the run creates a fresh database on (`postgres://user@host:port`).
    Server(String),
    /// A private cluster, which a planned restart stops and starts.
    Cluster(&'a PrivateCluster),
}

/// The end of the first 10 s window (two 5 s steps of `after_per_s`) whose throughput reaches
/// 95% of `before_per_s`, counted from the first step.
pub fn recovered_after(before_per_s: f64, after_per_s: &[f64]) -> Option<Duration> {
    let steps = (WINDOW.as_secs() / STEP.as_secs()) as usize;
    after_per_s
        .windows(steps)
        .position(|w| w.iter().sum::<f64>() / steps as f64 >= RECOVERED_SHARE * before_per_s)
        .map(|k| STEP * k as u32 + WINDOW)
}

/// Runs `plan` with `bin` (the `leadgen` executable) as the worker processes.
pub async fn run(
    plan: &ChaosPlan,
    bin: &Path,
    db: ChaosDatabase<'_>,
) -> anyhow::Result<ChaosReport> {
    anyhow::ensure!(plan.workers >= 2, "a chaos run needs at least two workers");
    let (base, cluster) = match db {
        ChaosDatabase::Server(url) => (url, None),
        ChaosDatabase::Cluster(c) => (c.url(), Some(c)),
    };
    anyhow::ensure!(
        plan.restart.is_none() || cluster.is_some(),
        "a database restart needs a private cluster"
    );
    let name = format!("leadgen_chaos_{}", uuid::Uuid::new_v4().simple());
    let url = crate::postgres::ensure_database(&base, &name).await?;
    let logs = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&logs)?;
    let result = Run::prepare(plan, bin, &url, &logs, cluster).await;
    let report = match result {
        Ok(mut run) => {
            let r = run.execute().await;
            run.stop_workers();
            r
        }
        Err(e) => Err(e),
    };
    drop_database(&base, &name).await;
    let mut report = report?;
    // Kept when something was wrong, or when asked for.
    if report.violations.is_empty() && std::env::var_os("LEADGEN_CHAOS_KEEP_LOGS").is_none() {
        let _ = std::fs::remove_dir_all(&logs);
    } else {
        report.logs = Some(logs);
    }
    Ok(report)
}

async fn drop_database(base: &str, name: &str) {
    use sqlx::Connection;
    if let Ok(mut c) = sqlx::PgConnection::connect(&format!("{base}/postgres")).await {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await;
    }
}

/// A kill whose tasks are still being followed.
struct Rescue {
    index: usize,
    killed: Instant,
    tasks: Vec<String>,
    holders: Vec<String>,
}

/// A restart whose throughput is still being followed.
struct Recovery {
    stopped_at: chrono::DateTime<chrono::Utc>,
    back_at: chrono::DateTime<chrono::Utc>,
    back: Instant,
    down: Duration,
}

struct Run<'a> {
    plan: &'a ChaosPlan,
    bin: PathBuf,
    env: Vec<(String, String)>,
    logs: PathBuf,
    pool: PgPool,
    web: SampleWebServer,
    cluster: Option<&'a PrivateCluster>,
    state: leadgen_api::state::AppState,
    workers: Vec<WorkerProcess>,
    started: usize,
    report: ChaosReport,
}

impl<'a> Run<'a> {
    async fn prepare(
        plan: &'a ChaosPlan,
        bin: &Path,
        url: &str,
        logs: &Path,
        cluster: Option<&'a PrivateCluster>,
    ) -> anyhow::Result<Run<'a>> {
        let pool = leadgen_core::db::connect(url, 5).await?;
        crate::cli::migrate(&pool).await?;
        // Every task the queue ever holds, counted as it is created: finished tasks are pruned
        // after ten minutes, and an append-only log takes no lock a stage would wait on.
        sqlx::raw_sql(
            "CREATE TABLE chaos_tasks (id text NOT NULL, job_type text NOT NULL);
             CREATE FUNCTION chaos_note_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN INSERT INTO chaos_tasks SELECT id, job_type FROM created; RETURN NULL; END $$;
             CREATE TRIGGER chaos_note_tasks AFTER INSERT ON apalis.jobs
               REFERENCING NEW TABLE AS created FOR EACH STATEMENT
               EXECUTE FUNCTION chaos_note_tasks();",
        )
        .execute(&pool)
        .await?;
        let web = SampleWeb::generate(SampleWebOptions {
            seed: plan.seed,
            companies: plan.companies,
            latency_ms: None,
        });
        let web = SampleWebServer::start(web, "127.0.0.1:0".parse()?).await?;
        let directory = logs.join("directory.toml");
        std::fs::write(&directory, SampleWeb::DIRECTORY_DEFINITION)?;
        let env: Vec<(String, String)> = [
            ("DATABASE_URL", url.to_string()),
            ("LEADGEN_PROXY", web.proxy_url()),
            ("LEADGEN_DNS_SERVERS", web.dns_addr().to_string()),
            ("LEADGEN_ALLOW_PRIVATE_NETWORKS", "true".into()),
            ("LEADGEN_SOURCES", "directories".into()),
            (
                "LEADGEN_DIRECTORIES",
                directory.to_string_lossy().into_owned(),
            ),
            (
                "LEADGEN_DOMAIN_DELAY_MS",
                plan.host_delay.as_millis().to_string(),
            ),
            ("LEADGEN_LOG_FORMAT", "json".into()),
            ("RUST_LOG", "warn,leadgen_worker=info".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let lookup = |k: &str| {
            env.iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        };
        let cfg = leadgen_core::Config::from_lookup(lookup)?;
        let state = crate::cli::api_state(cfg, pool.clone())?;
        let mut run = Run {
            plan,
            bin: bin.to_path_buf(),
            env,
            logs: logs.to_path_buf(),
            pool,
            web,
            cluster,
            state,
            workers: Vec::new(),
            started: 0,
            report: ChaosReport::default(),
        };
        for _ in 0..plan.workers {
            let w = run.start_worker()?;
            run.workers.push(w);
        }
        let pids: Vec<u32> = run.workers.iter().map(WorkerProcess::pid).collect();
        run.wait_until_registered(&pids).await?;
        Ok(run)
    }

    fn start_worker(&mut self) -> anyhow::Result<WorkerProcess> {
        self.started += 1;
        let log = self.logs.join(format!("worker-{}.log", self.started));
        WorkerProcess::start(&self.bin, &self.env, Some(&log))
    }

    fn stop_workers(&mut self) {
        for w in &mut self.workers {
            w.kill();
        }
    }

    /// Waits until every process in `pids` has registered its fetch worker.
    async fn wait_until_registered(&self, pids: &[u32]) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let names: Vec<String> =
                sqlx::query_scalar("SELECT id FROM apalis.workers WHERE id LIKE 'fetch-%'")
                    .fetch_all(&self.pool)
                    .await?;
            if pids
                .iter()
                .all(|p| names.iter().any(|n| n.contains(&format!("-{p}-"))))
            {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "worker processes {pids:?} did not register"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts one search per 1,000 sites of the sample web; returns their ids.
    async fn start_searches(&self) -> anyhow::Result<Vec<uuid::Uuid>> {
        let domains = self.web.web().site_domains();
        let mut ids = Vec::new();
        for chunk in domains.chunks(SITES_PER_SEARCH) {
            let body = serde_json::json!({"domains": chunk, "max_results": SITES_PER_SEARCH});
            let criteria = leadgen_core::validate::search_criteria(&body)
                .map_err(|e| anyhow::anyhow!("search refused: {e:?}"))?;
            let row = leadgen_api::routes::search::start_search(&self.state, &criteria)
                .await
                .map_err(|e| anyhow::anyhow!("search refused: {e:?}"))?;
            ids.push(row.id);
        }
        Ok(ids)
    }

    async fn execute(&mut self) -> anyhow::Result<ChaosReport> {
        let jobs = self.start_searches().await?;
        self.report.searches = jobs.len();
        let start = Instant::now();
        let mut next_kill = self.plan.kill_every;
        let mut victim = 0usize;
        let mut rescues: Vec<Rescue> = Vec::new();
        let mut recovery: Option<Recovery> = None;
        let mut restarted = false;
        let mut rolled = false;
        loop {
            tokio::time::sleep(TICK).await;
            let now = start.elapsed();
            anyhow::ensure!(
                now < self.plan.deadline,
                "the searches did not finish within {:?}: {}",
                self.plan.deadline,
                self.report.render()
            );
            self.replace_exited_workers()?;
            if let Some(r) = self.plan.restart
                && !restarted
                && now >= r.after
            {
                restarted = true;
                recovery = Some(self.restart_database(r.down_for).await?);
            }
            if let Some(r) = &recovery
                && r.back.elapsed() >= FOLLOW + Duration::from_secs(1)
            {
                self.report.restart = Some(self.throughput_around(r).await?);
                recovery = None;
            }
            if let Some(at) = self.plan.rolling_restart_at
                && !rolled
                && now >= at
            {
                rolled = true;
                self.rolling_restart().await?;
            }
            if now >= next_kill {
                // From now, not from the missed time: after a rolling restart (which holds the
                // loop) the kills must not come all at once.
                next_kill = now + self.plan.kill_every;
                if !self.near_restart(now) {
                    rescues.push(self.kill_one(victim, now).await?);
                    victim = (victim + 1) % self.workers.len();
                }
            }
            self.follow_rescues(&mut rescues).await;
            let finished: i64 = match sqlx::query_scalar(
                "SELECT count(*) FROM search_jobs
                  WHERE id = ANY($1) AND status IN ('completed', 'failed', 'cancelled')",
            )
            .bind(&jobs)
            .fetch_one(&self.pool)
            .await
            {
                Ok(n) => n,
                // The database may be away for a moment; the next tick asks again.
                Err(_) => continue,
            };
            if finished as usize == jobs.len() && recovery.is_none() {
                self.report.wall = start.elapsed();
                break;
            }
        }
        // The last rescues may still be waiting out the heartbeat window.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !rescues.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(TICK).await;
            self.follow_rescues(&mut rescues).await;
        }
        self.verify(&jobs).await?;
        Ok(self.report.clone())
    }

    fn near_restart(&self, now: Duration) -> bool {
        self.plan.restart.is_some_and(|r| {
            now + QUIET_AROUND_RESTART >= r.after
                && now <= r.after + r.down_for + QUIET_AROUND_RESTART
        })
    }

    /// Replaces every worker in turn: the replacement starts, then the old one gets SIGTERM and
    /// is waited for (its own bound is 30 s); whatever it still holds afterwards is a fault.
    async fn rolling_restart(&mut self) -> anyhow::Result<()> {
        for i in 0..self.workers.len() {
            let replacement = self.start_worker()?;
            let mut old = std::mem::replace(&mut self.workers[i], replacement);
            let pid = old.pid();
            let held = self.held_by(pid).await?.len();
            let exited = tokio::task::spawn_blocking(move || {
                let r = old.terminate(Duration::from_secs(45));
                (old, r)
            })
            .await?;
            let exit_after = exited.1?;
            let left_held = self.held_by(pid).await?.len();
            if exit_after.is_none() {
                self.report
                    .violations
                    .push(format!("worker {pid} did not exit within 45 s of SIGTERM"));
            }
            if left_held > 0 {
                self.report.violations.push(format!(
                    "worker {pid} exited after SIGTERM still holding {left_held} tasks"
                ));
            }
            self.report.rolling.push(GracefulStop {
                pid,
                held,
                exit_after: exit_after.unwrap_or(Duration::from_secs(45)),
                left_held,
            });
        }
        Ok(())
    }

    /// Tasks taken by process `pid` and not finished: (id, status, worker name).
    async fn held_by(&self, pid: u32) -> anyhow::Result<Vec<(String, String, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, status, lock_by FROM apalis.jobs
              WHERE lock_by LIKE '%-' || $1 || '-%' AND status IN ('Queued', 'Running')",
        )
        .bind(pid.to_string())
        .fetch_all(&self.pool)
        .await?)
    }

    fn replace_exited_workers(&mut self) -> anyhow::Result<()> {
        for i in 0..self.workers.len() {
            if self.workers[i].exited() {
                let pid = self.workers[i].pid();
                self.report
                    .violations
                    .push(format!("worker process {pid} exited by itself"));
                self.workers[i] = self.start_worker()?;
            }
        }
        Ok(())
    }

    /// SIGKILLs worker `index`, starts its replacement, and notes what the dead one held.
    async fn kill_one(&mut self, index: usize, at: Duration) -> anyhow::Result<Rescue> {
        let pid = self.workers[index].pid();
        self.workers[index].kill();
        let killed = Instant::now();
        self.workers[index] = self.start_worker()?;
        // Dead, its tasks stay as they are until the heartbeat window hands them back.
        let held = self.held_by(pid).await?;
        let mut holders: Vec<String> = held.iter().map(|(_, _, l)| l.clone()).collect();
        holders.sort();
        holders.dedup();
        self.report.kills.push(Kill {
            at,
            pid,
            held: held.len(),
            running: held.iter().filter(|(_, s, _)| s == "Running").count(),
            released_after: None,
            finished_after: None,
        });
        Ok(Rescue {
            index: self.report.kills.len() - 1,
            killed,
            tasks: held.into_iter().map(|(id, _, _)| id).collect(),
            holders,
        })
    }

    /// Notes, for each followed kill, when its tasks left the dead process and when they
    /// finished; forgets kills whose tasks all finished.
    async fn follow_rescues(&mut self, rescues: &mut Vec<Rescue>) {
        let mut still = Vec::new();
        for r in rescues.drain(..) {
            let counts: Result<(i64, i64), _> = sqlx::query_as(
                "SELECT count(*) FILTER (WHERE lock_by = ANY($2) AND status IN ('Queued', 'Running')),
                        count(*) FILTER (WHERE status NOT IN ('Done', 'Failed', 'Killed'))
                   FROM apalis.jobs WHERE id = ANY($1)",
            )
            .bind(&r.tasks)
            .bind(&r.holders)
            .fetch_one(&self.pool)
            .await;
            let Ok((held, unfinished)) = counts else {
                still.push(r);
                continue;
            };
            let kill = &mut self.report.kills[r.index];
            if held == 0 && kill.released_after.is_none() {
                kill.released_after = Some(r.killed.elapsed());
            }
            if unfinished == 0 {
                kill.finished_after = Some(r.killed.elapsed());
            } else {
                still.push(r);
            }
        }
        *rescues = still;
    }

    /// Stops the cluster for `down_for`, starts it again, and waits until it answers.
    async fn restart_database(&self, down_for: Duration) -> anyhow::Result<Recovery> {
        let cluster = self
            .cluster
            .context("a database restart needs a private cluster")?;
        let stopped_at: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("SELECT now()")
            .fetch_one(&self.pool)
            .await?;
        let stop = Instant::now();
        cluster.stop()?;
        // The outage itself: nothing to wait for but the clock.
        tokio::time::sleep(down_for).await;
        cluster.start()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        let back_at = loop {
            match sqlx::query_scalar::<_, chrono::DateTime<chrono::Utc>>("SELECT now()")
                .fetch_one(&self.pool)
                .await
            {
                Ok(t) => break t,
                Err(e) => anyhow::ensure!(
                    Instant::now() < deadline,
                    "the database did not come back: {e}"
                ),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        Ok(Recovery {
            stopped_at,
            back_at,
            back: Instant::now(),
            down: stop.elapsed(),
        })
    }

    async fn finished_between(
        &self,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<f64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM apalis.jobs WHERE status = 'Done' AND done_at >= $1 AND done_at < $2",
        )
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?;
        Ok(n as f64 / ((to - from).num_milliseconds() as f64 / 1000.0))
    }

    async fn throughput_around(&self, r: &Recovery) -> anyhow::Result<RestartFigures> {
        let before = chrono::Duration::seconds(30);
        let before_per_s = self
            .finished_between(r.stopped_at - before, r.stopped_at)
            .await?;
        let step = chrono::Duration::from_std(STEP)?;
        let mut after_per_s = Vec::new();
        for i in 0..(FOLLOW.as_secs() / STEP.as_secs()) as i32 {
            let from = r.back_at + step * i;
            after_per_s.push(self.finished_between(from, from + step).await?);
        }
        Ok(RestartFigures {
            down: r.down,
            before_per_s,
            recovered_after: recovered_after(before_per_s, &after_per_s),
            after_per_s,
        })
    }

    /// Reads the workers' JSON logs: every line a stage or the task runner wrote must carry its
    /// queue task's id and the id of what it was working on (search, work item or email) in its
    /// spans, so that a log search by id finds it.
    fn check_task_logs(&mut self) -> anyhow::Result<()> {
        let mut anonymous = 0usize;
        let mut example = None;
        for entry in std::fs::read_dir(&self.logs)? {
            let path = entry?.path();
            if path.extension().is_none_or(|e| e != "log") {
                continue;
            }
            let text = std::fs::read_to_string(&path)?;
            for line in text.lines() {
                let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                    continue;
                };
                let target = v["target"].as_str().unwrap_or_default();
                if !(target.starts_with("leadgen_worker::stages")
                    || target.starts_with("leadgen_worker::runner"))
                {
                    continue;
                }
                self.report.task_log_lines += 1;
                let has = |key: &str| {
                    v["spans"].as_array().is_some_and(|spans| {
                        spans.iter().any(|s| {
                            s[key].as_str().is_some_and(|id| {
                                uuid::Uuid::parse_str(id).is_ok() || key == "task_id"
                            })
                        })
                    })
                };
                let named = has("task_id") && (has("job_id") || has("item_id") || has("email_id"));
                if !named {
                    anonymous += 1;
                    example.get_or_insert_with(|| line.to_string());
                }
            }
        }
        if let Some(line) = example {
            self.report.violations.push(format!(
                "{anonymous} task log lines lack their task id or their search, item or email id, e.g. {line}"
            ));
        }
        Ok(())
    }

    /// Checks what the run left behind and fills the report's counts.
    async fn verify(&mut self, jobs: &[uuid::Uuid]) -> anyhow::Result<()> {
        let pool = self.pool.clone();
        // Finishing a search can leave a task or two behind it (notifications, the last
        // acknowledgements); they end within moments.
        let deadline = Instant::now() + Duration::from_secs(60);
        let open = loop {
            let open: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM apalis.jobs WHERE status IN ('Pending', 'Queued', 'Running')",
            )
            .fetch_one(&pool)
            .await?;
            if open == 0 || Instant::now() >= deadline {
                break open;
            }
            tokio::time::sleep(TICK).await;
        };
        let v = &mut self.report.violations;
        if open > 0 {
            v.push(format!("{open} queue tasks never finished"));
        }
        let unexplained: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM apalis.jobs WHERE status IN ('Failed', 'Killed') AND last_result IS NULL",
        )
        .fetch_one(&pool)
        .await?;
        if unexplained > 0 {
            v.push(format!("{unexplained} queue tasks failed without a reason"));
        }
        let searches: Vec<(uuid::Uuid, String, i32, i32, i32)> = sqlx::query_as(
            "SELECT id, status, discovered_count, processed_count, results_count
               FROM search_jobs WHERE id = ANY($1)",
        )
        .bind(jobs)
        .fetch_all(&pool)
        .await?;
        for (id, status, discovered, processed, results) in &searches {
            if status != "completed" {
                v.push(format!("search {id} ended {status}"));
            }
            if processed != discovered {
                v.push(format!(
                    "search {id}: {processed} of {discovered} companies counted as processed"
                ));
            }
            let (items, unfinished, silent, rows, announced): (i64, i64, i64, i64, i64) =
                sqlx::query_as(
                    "SELECT (SELECT count(*) FROM work_items WHERE job_id = $1),
                            (SELECT count(*) FROM work_items WHERE job_id = $1
                              AND stage NOT IN ('done', 'filtered', 'failed')),
                            (SELECT count(*) FROM work_items WHERE job_id = $1
                              AND stage = 'failed' AND coalesce(error, '') = ''),
                            (SELECT count(*) FROM job_results WHERE job_id = $1),
                            (SELECT count(*) FROM job_events WHERE job_id = $1
                              AND kind = 'lead_discovered')",
                )
                .bind(id)
                .fetch_one(&pool)
                .await?;
            if items != *discovered as i64 {
                v.push(format!(
                    "search {id}: {items} work items for {discovered} companies"
                ));
            }
            if unfinished > 0 {
                v.push(format!(
                    "search {id}: {unfinished} companies left unfinished"
                ));
            }
            if silent > 0 {
                v.push(format!(
                    "search {id}: {silent} companies given up without a reason"
                ));
            }
            if rows != *results as i64 || announced != *results as i64 {
                v.push(format!(
                    "search {id}: {results} results, {rows} result rows, {announced} announced"
                ));
            }
        }
        let duplicates = [
            (
                "companies stored twice",
                "SELECT count(*) FROM (SELECT 1 FROM companies WHERE domain IS NOT NULL
                   GROUP BY domain, address HAVING count(*) > 1) d",
            ),
            (
                "contacts stored twice",
                "SELECT count(*) FROM (SELECT 1 FROM contacts WHERE email IS NOT NULL
                   GROUP BY company_id, lower(email) HAVING count(*) > 1) d",
            ),
            (
                "companies with more than one lead",
                "SELECT count(*) FROM (SELECT 1 FROM leads WHERE company_id IS NOT NULL
                   GROUP BY company_id HAVING count(*) > 1) d",
            ),
            (
                "companies without a lead",
                "SELECT count(*) FROM companies c
                  WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.company_id = c.id)",
            ),
        ];
        for (what, sql) in duplicates {
            let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await?;
            if n > 0 {
                v.push(format!("{n} {what}"));
            }
        }
        self.check_task_logs()?;
        self.report.companies = searches.iter().map(|s| s.2 as i64).sum();
        self.report.leads = sqlx::query_scalar("SELECT count(*) FROM leads")
            .fetch_one(&pool)
            .await?;
        self.report.companies_failed =
            sqlx::query_scalar("SELECT count(*) FROM work_items WHERE stage = 'failed'")
                .fetch_one(&pool)
                .await?;
        self.report.tasks_by_stage = sqlx::query_as(
            "SELECT job_type, count(*) FROM chaos_tasks GROUP BY job_type ORDER BY count(*) DESC",
        )
        .fetch_all(&pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_is_the_end_of_the_first_window_back_at_95_percent() {
        // 100 tasks/s before; the second and third steps together average 95.
        let after = [10.0, 90.0, 100.0, 100.0, 100.0, 100.0];
        assert_eq!(
            recovered_after(100.0, &after),
            Some(Duration::from_secs(15))
        );
        assert_eq!(
            recovered_after(100.0, &[100.0; 6]),
            Some(Duration::from_secs(10))
        );
        assert_eq!(recovered_after(100.0, &[94.0; 6]), None);
        assert_eq!(recovered_after(100.0, &[]), None);
    }
}
