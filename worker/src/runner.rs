//! Runs one stage job: the attempt bookkeeping around a stage's work. A failure is retried with
//! exponential backoff written into the queue row (so it survives restarts) until the attempts
//! run out; then the stage's give-up rule records it in the job's errors. A job whose worker
//! died counts that as an attempt, so a job that keeps crashing workers ends too.

use crate::Ctx;
use chrono::Utc;
use futures::FutureExt;
use leadgen_core::jobs::Stage;
use leadgen_core::repo::{jobs, queue};
use std::future::Future;
use std::time::{Duration, Instant};
use tracing::field::Empty;
use tracing::{Instrument, info, info_span, warn};
use uuid::Uuid;

/// How a stage's work failed.
#[derive(Debug, thiserror::Error)]
pub enum StageError {
    /// Trying again later may succeed (network, database, a site's 5xx).
    #[error("{0}")]
    Retry(String),
    /// Trying again cannot help.
    #[error("{0}")]
    GiveUp(String),
}

impl From<sqlx::Error> for StageError {
    fn from(e: sqlx::Error) -> Self {
        StageError::Retry(format!("database: {e}"))
    }
}

impl From<apalis_postgres::Error> for StageError {
    fn from(e: apalis_postgres::Error) -> Self {
        StageError::Retry(format!("queue: {e}"))
    }
}

/// Identity of the job being run.
#[derive(Debug, Clone)]
pub struct JobRef {
    /// Stage.
    pub stage: Stage,
    /// The search, for the stages that work on one.
    pub job_id: Option<Uuid>,
    /// The company inside it, for per-company stages.
    pub item_id: Option<Uuid>,
    /// The outbox email, for the notify stage.
    pub email_id: Option<Uuid>,
    /// The queue task's id.
    pub task_id: String,
    /// 1 on the first run.
    pub attempt: usize,
    /// The discovery source, for the discover stage.
    pub source: Option<String>,
}

/// Backoff before attempt `attempt + 1`: 2, 4, 8 … seconds (capped at 5 minutes) plus up to 25%
/// jitter so retries of many jobs do not arrive together.
pub fn backoff(attempt: usize) -> Duration {
    let base = 2u64.saturating_pow(attempt.min(8) as u32).min(300);
    let jitter = fastrand::u64(0..=base * 250);
    Duration::from_millis(base * 1000 + jitter)
}

/// Runs `work` for `job`, applying the retry and give-up rules.
pub async fn run<F>(ctx: &Ctx, job: JobRef, work: F) -> Result<(), StageError>
where
    F: Future<Output = Result<(), StageError>>,
{
    // Ids as plain text, so that a log search by a search's, company's or task's id finds
    // every line written while working on it.
    let span = info_span!("stage", stage = job.stage.name(), task_id = %job.task_id,
        attempt = job.attempt, job_id = Empty, item_id = Empty, email_id = Empty);
    for (field, id) in [
        ("job_id", job.job_id),
        ("item_id", job.item_id),
        ("email_id", job.email_id),
    ] {
        if let Some(id) = id {
            span.record(field, tracing::field::display(id));
        }
    }
    async {
        let max = ctx.cfg.max_attempts as usize;
        if job.attempt > max {
            let msg = format!("gave up after {} attempts: the worker running it stopped", job.attempt - 1);
            crate::give_up::give_up(ctx, &job, &msg).await?;
            return Err(StageError::GiveUp(msg));
        }
        let started = Instant::now();
        // A panic in a stage counts as a failed attempt, so it is retried and finally given up
        // like any other failure instead of leaving the company stuck.
        let outcome = match std::panic::AssertUnwindSafe(work).catch_unwind().await {
            Ok(r) => r,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "unknown panic".into());
                Err(StageError::Retry(format!("stage panicked: {what}")))
            }
        };
        let took = started.elapsed();
        let stage = job.stage.name();
        match outcome {
            Ok(()) => {
                crate::metrics::job_finished(stage, "done", took);
                let ms = took.as_secs_f64() * 1000.0;
                info!(took_ms = ms.round() as u64, "task done");
                for b in ctx.stage_clock.add(stage, ms) {
                    let written =
                        jobs::record_stage_times(&ctx.pool, b.stage, b.samples, b.mean_ms).await;
                    if let Err(e) = written {
                        warn!(error = %e, "could not record stage times");
                    }
                }
                Ok(())
            }
            Err(StageError::Retry(msg)) if job.attempt < max => {
                crate::metrics::job_finished(stage, "retry", took);
                let wait = backoff(job.attempt);
                warn!(error = %msg, retry_in_ms = wait.as_millis() as u64, "stage failed; will retry");
                let at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                queue::retry_at(&ctx.pool, &job.task_id, at).await?;
                Err(StageError::Retry(msg))
            }
            Err(e) => {
                crate::metrics::job_finished(stage, "failed", took);
                let msg = e.to_string();
                warn!(error = %msg, "stage gave up");
                crate::give_up::give_up(ctx, &job, &msg).await?;
                queue::exhaust(&ctx.pool, &job.task_id, job.attempt as i32).await?;
                Err(StageError::GiveUp(msg))
            }
        }
    }
    .instrument(span)
    .await
}
