//! leadgen workers: one durable queue per pipeline stage (apalis-postgres), each stage's job a
//! thin shell that loads input from Postgres, calls the pure stage in `leadgen_core`, and
//! stores the output together with the next stage's job in one transaction.
//!
//! Queue settings that apalis-postgres leaves unsafe by default are set here: every worker
//! registers under a unique name; heartbeats every 5 s with 3 missed beats mean a dead worker's
//! jobs are taken over within ~20 s; idle workers wake on `LISTEN` and poll every second as a
//! fallback; retries back off in the database; finished rows are pruned continuously.

pub mod browser_gate;
pub mod fetcher;
mod give_up;
pub mod listen;
pub mod mail_dns;
pub mod mailer;
mod maintenance;
pub mod metrics;
pub mod net_guard;
mod progress;
pub mod renderer;
pub mod retention;
pub mod runner;
pub mod stage_clock;
pub mod stages;

use apalis::prelude::*;
use apalis_postgres::{Config as QueueConfig, PostgresStorage, Pubsub};
use leadgen_core::Config;
use leadgen_core::jobs::{DiscoverJob, FinalizeJob, ItemJob, NotifyJob, Stage};
use leadgen_core::stages::score::Weights;
use runner::{JobRef, StageError};
use serde::Serialize;
use sqlx::{PgPool, Postgres, Transaction};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Heartbeat of every queue worker.
pub const HEARTBEAT: Duration = Duration::from_secs(5);
/// Heartbeats a worker may miss before its jobs are given to others.
pub const MISSED_HEARTBEATS: usize = 3;

/// What every stage job can reach.
pub struct Ctx {
    /// Configuration.
    pub cfg: Config,
    /// Database pool.
    pub pool: PgPool,
    /// The crawler's HTTP client.
    pub fetcher: fetcher::Fetcher,
    /// Scoring weights.
    pub weights: Weights,
    /// Headless browser pool, when one is configured.
    pub renderer: Option<renderer::Renderer>,
    /// Email delivery: SMTP, or the mail folder without a server.
    pub mailer: mailer::Mailer,
    /// The file store, to delete the files of expired leads.
    pub files: leadgen_core::files::FileStore,
    /// Mail-domain checks for the addresses found.
    pub mail_dns: mail_dns::MailDns,
    /// Stage durations waiting to be written.
    pub stage_clock: stage_clock::StageClock,
}

impl Ctx {
    /// Builds the context.
    pub fn new(cfg: Config, pool: PgPool) -> anyhow::Result<Self> {
        let fetcher = fetcher::Fetcher::new(cfg.crawl.clone(), pool.clone())?;
        leadgen_core::email_check::load_disposable_from_env().map_err(anyhow::Error::msg)?;
        Ok(Self {
            mail_dns: mail_dns::MailDns::new(&cfg.email_dns),
            stage_clock: Default::default(),
            renderer: renderer::Renderer::from_config(&cfg),
            mailer: mailer::Mailer::from_config(&cfg.mail)?,
            files: leadgen_core::files::FileStore::open_for_deleting(&cfg.intake)?,
            weights: cfg.weights.clone(),
            cfg,
            pool,
            fetcher,
        })
    }

    /// Enqueues the next stage inside `tx`.
    pub async fn push<T: Serialize>(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        stage: Stage,
        payload: &T,
    ) -> Result<(), StageError> {
        leadgen_core::queue::push(tx, stage, payload, None, self.cfg.max_attempts as usize).await?;
        Ok(())
    }

    /// Enqueues several jobs of one stage inside `tx`.
    pub async fn push_many<T: Serialize>(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        stage: Stage,
        payloads: &[T],
    ) -> Result<(), StageError> {
        leadgen_core::queue::push_many(tx, stage, payloads, self.cfg.max_attempts as usize).await?;
        Ok(())
    }
}

/// Batch size and concurrency of a stage's queue: small batches for slow network stages so
/// work spreads across processes and a crash strands little; large ones for quick CPU stages.
/// The fetch stage's concurrency is the default of `LEADGEN_FETCH_CONCURRENCY`.
pub fn queue_tuning(stage: Stage) -> (usize, usize) {
    match stage {
        Stage::Discover => (2, 4),
        Stage::Fetch => (16, 64),
        Stage::Render => (1, 2),
        Stage::Extract => (8, 4),
        Stage::Enrich | Stage::Score | Stage::Merge => (32, 16),
        Stage::Finalize | Stage::Notify => (4, 4),
    }
}

fn backend<T>(pool: &PgPool, stage: Stage) -> PollWith<PostgresStorage<T>, Strategy> {
    stage_backend(pool, stage, queue_tuning(stage).0)
}

/// The queue backend of `stage` as the workers use it, fetching `batch` tasks at a time
/// (public so benchmarks measure exactly this setup).
pub fn stage_backend<T>(
    pool: &PgPool,
    stage: Stage,
    batch: usize,
) -> PollWith<PostgresStorage<T>, Strategy> {
    let config = QueueConfig::default()
        .queue(stage.queue())
        .batch_size(batch)
        .heartbeat_interval(HEARTBEAT)
        .missed_heartbeats(MISSED_HEARTBEATS);
    let strategy = Strategy::new().apply(listen::ListenStrategy::new(
        Pubsub::new(pool.clone(), stage.queue()),
        Duration::from_secs(1),
    ));
    PostgresStorage::<T>::new(pool)
        .with_config(config)
        .poll_with_strategy(strategy)
}

fn worker_name(stage: Stage, restarts: usize) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    format!(
        "{}-{host}-{}-{restarts}-{:08x}",
        stage.name(),
        std::process::id(),
        fastrand::u32(..)
    )
}

async fn discover_job(
    job: DiscoverJob,
    attempt: Attempt,
    id: TaskId,
    ctx: Data<Arc<Ctx>>,
) -> Result<(), StageError> {
    let r = JobRef {
        stage: Stage::Discover,
        job_id: Some(job.job_id),
        item_id: None,
        email_id: None,
        task_id: id.to_string(),
        attempt: attempt.current(),
        source: Some(job.source.clone()),
    };
    runner::run(&ctx, r, stages::discover::run(&ctx, &job)).await
}

async fn finalize_job(
    job: FinalizeJob,
    attempt: Attempt,
    id: TaskId,
    ctx: Data<Arc<Ctx>>,
) -> Result<(), StageError> {
    let r = JobRef {
        stage: Stage::Finalize,
        job_id: Some(job.job_id),
        item_id: None,
        email_id: None,
        task_id: id.to_string(),
        attempt: attempt.current(),
        source: None,
    };
    runner::run(&ctx, r, stages::finalize::run(&ctx, &job)).await
}

async fn notify_job(
    job: NotifyJob,
    attempt: Attempt,
    id: TaskId,
    ctx: Data<Arc<Ctx>>,
) -> Result<(), StageError> {
    let r = JobRef {
        stage: Stage::Notify,
        job_id: None,
        item_id: None,
        email_id: Some(job.email_id),
        task_id: id.to_string(),
        attempt: attempt.current(),
        source: None,
    };
    runner::run(&ctx, r, stages::notify::run(&ctx, &job)).await
}

macro_rules! item_handler {
    ($name:ident, $stage:expr, $module:ident) => {
        async fn $name(
            job: ItemJob,
            attempt: Attempt,
            id: TaskId,
            ctx: Data<Arc<Ctx>>,
        ) -> Result<(), StageError> {
            let r = JobRef {
                stage: $stage,
                job_id: Some(job.job_id),
                item_id: Some(job.item_id),
                email_id: None,
                task_id: id.to_string(),
                attempt: attempt.current(),
                source: None,
            };
            runner::run(&ctx, r, stages::$module::run(&ctx, &job)).await
        }
    };
}
item_handler!(fetch_job, Stage::Fetch, fetch);
item_handler!(render_job, Stage::Render, render);
item_handler!(extract_job, Stage::Extract, extract);
item_handler!(enrich_job, Stage::Enrich, enrich);
item_handler!(score_job, Stage::Score, score);
item_handler!(merge_job, Stage::Merge, merge);

/// The stages a worker process runs by default: all of them.
pub fn default_stages() -> Vec<Stage> {
    Stage::ALL.to_vec()
}

/// Runs workers for `stages` until `shutdown` resolves, then lets in-flight jobs finish (up to
/// 30 s) and returns.
pub async fn run(
    ctx: Arc<Ctx>,
    stages: &[Stage],
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let pool = ctx.pool.clone();
    // A worker whose database connection fails ends with an error; it is rebuilt (with a new
    // name, so the jobs the old one held are rescued as orphans). While the database is down the
    // rebuilt worker waits on the pool's acquire timeout, so restarts do not spin. Nothing is
    // rebuilt once the process is shutting down or its pool is closed.
    let restart_pool = pool.clone();
    let mut monitor = Monitor::new().should_restart(move |worker, error| {
        if worker.is_shutting_down() || restart_pool.is_closed() {
            return false;
        }
        tracing::warn!(worker = %worker.name(), restarts = worker.restarts(), %error,
            "queue worker failed; restarting it");
        true
    });
    macro_rules! register {
        ($stage:expr, $ty:ty, $handler:ident) => {{
            let (pool, ctx) = (pool.clone(), ctx.clone());
            let stage = $stage;
            monitor = monitor.register(move |restarts| {
                WorkerBuilder::new(worker_name(stage, restarts))
                    .backend(backend::<$ty>(&pool, stage))
                    .data(ctx.clone())
                    .catch_panic()
                    .concurrency(match stage {
                        Stage::Fetch => ctx.cfg.crawl.fetch_concurrency,
                        _ => queue_tuning(stage).1,
                    })
                    .build($handler)
            });
        }};
    }
    for stage in stages {
        match stage {
            Stage::Discover => register!(Stage::Discover, DiscoverJob, discover_job),
            Stage::Fetch => register!(Stage::Fetch, ItemJob, fetch_job),
            Stage::Extract => register!(Stage::Extract, ItemJob, extract_job),
            Stage::Enrich => register!(Stage::Enrich, ItemJob, enrich_job),
            Stage::Score => register!(Stage::Score, ItemJob, score_job),
            Stage::Merge => register!(Stage::Merge, ItemJob, merge_job),
            Stage::Finalize => register!(Stage::Finalize, FinalizeJob, finalize_job),
            Stage::Render => register!(Stage::Render, ItemJob, render_job),
            Stage::Notify => register!(Stage::Notify, NotifyJob, notify_job),
        }
    }
    let maintenance = tokio::spawn(maintenance::run(ctx.clone()));
    let result = monitor
        .shutdown_timeout(Duration::from_secs(30))
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await;
    maintenance.abort();
    result.map_err(|e| anyhow::anyhow!("worker monitor stopped: {e}"))
}
