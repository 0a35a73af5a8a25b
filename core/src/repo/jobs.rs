//! Search jobs: creation, lifecycle, counters, errors and measured stage timings.

use super::Db;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// A search job as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    /// Job id.
    pub id: Uuid,
    /// initiated, running, completed, failed, cancelled.
    pub status: String,
    /// The search criteria as the client sent them (normalised).
    pub criteria: Value,
    /// The stage currently doing most of the work.
    pub current_step: String,
    /// Upper bound on results.
    pub max_results: i32,
    /// Candidates accepted for processing.
    pub discovered_count: i32,
    /// Candidates finished (done, failed or filtered).
    pub processed_count: i32,
    /// Candidates given up on.
    pub failed_count: i32,
    /// Candidates that did not meet the filters.
    pub filtered_count: i32,
    /// Leads in the job's results.
    pub results_count: i32,
    /// Whether discovery has finished adding candidates.
    pub discovery_done: bool,
    /// Estimated completion time.
    pub estimated_completion: DateTime<Utc>,
    /// When a worker first picked the job up.
    pub started_at: Option<DateTime<Utc>>,
    /// When it completed or failed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Why it failed.
    pub failure_reason: Option<String>,
    /// Completion summary.
    pub summary: Option<Value>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// An error recorded against a job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobErrorRow {
    /// Stage that failed.
    pub stage: String,
    /// Company name, when the error concerns one.
    pub company: Option<String>,
    /// URL involved.
    pub url: Option<String>,
    /// What went wrong.
    pub message: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Inserts a new job.
pub async fn insert<'c>(
    db: impl Db<'c>,
    id: Uuid,
    criteria: &Value,
    max_results: i32,
    estimated_completion: DateTime<Utc>,
) -> sqlx::Result<JobRow> {
    sqlx::query_as!(
        JobRow,
        "INSERT INTO search_jobs (id, criteria, max_results, estimated_completion)
         VALUES ($1, $2, $3, $4) RETURNING *",
        id,
        criteria,
        max_results,
        estimated_completion,
    )
    .fetch_one(db)
    .await
}

/// The newest jobs, newest first.
pub async fn recent<'c>(db: impl Db<'c>, limit: i64) -> sqlx::Result<Vec<JobRow>> {
    sqlx::query_as!(
        JobRow,
        "SELECT * FROM search_jobs ORDER BY created_at DESC LIMIT $1",
        limit
    )
    .fetch_all(db)
    .await
}

/// Loads a job.
pub async fn get<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<Option<JobRow>> {
    sqlx::query_as!(JobRow, "SELECT * FROM search_jobs WHERE id = $1", id)
        .fetch_optional(db)
        .await
}

/// Loads a job and locks it for the rest of the transaction (serialises completion checks).
pub async fn get_for_update<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<Option<JobRow>> {
    sqlx::query_as!(
        JobRow,
        "SELECT * FROM search_jobs WHERE id = $1 FOR UPDATE",
        id
    )
    .fetch_optional(db)
    .await
}

/// Marks a job running at `step`; the first call records the start time.
pub async fn set_running<'c>(db: impl Db<'c>, id: Uuid, step: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE search_jobs SET status = 'running', current_step = $2,
                started_at = COALESCE(started_at, now())
         WHERE id = $1 AND status IN ('initiated', 'running')",
        id,
        step,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Adds newly accepted candidates and optionally closes discovery.
pub async fn add_discovered<'c>(
    db: impl Db<'c>,
    id: Uuid,
    added: i32,
    discovery_done: bool,
) -> sqlx::Result<JobRow> {
    sqlx::query_as!(
        JobRow,
        "UPDATE search_jobs SET discovered_count = discovered_count + $2,
                discovery_done = discovery_done OR $3
         WHERE id = $1 RETURNING *",
        id,
        added,
        discovery_done,
    )
    .fetch_one(db)
    .await
}

/// How a work item ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOutcome {
    /// Stored as a lead in the job's results.
    Result,
    /// Stored, but did not meet the job's filters.
    Filtered,
    /// Given up on after errors.
    Failed,
}

/// Counts one finished work item and returns the updated job.
pub async fn item_finished<'c>(
    db: impl Db<'c>,
    id: Uuid,
    outcome: ItemOutcome,
) -> sqlx::Result<JobRow> {
    let (r, f, x): (i32, i32, i32) = match outcome {
        ItemOutcome::Result => (1, 0, 0),
        ItemOutcome::Filtered => (0, 1, 0),
        ItemOutcome::Failed => (0, 0, 1),
    };
    sqlx::query_as!(
        JobRow,
        "UPDATE search_jobs SET processed_count = processed_count + 1,
                results_count = results_count + $2, filtered_count = filtered_count + $3,
                failed_count = failed_count + $4
         WHERE id = $1 RETURNING *",
        id,
        r,
        f,
        x,
    )
    .fetch_one(db)
    .await
}

/// Closes a job as completed with its summary.
pub async fn complete<'c>(db: impl Db<'c>, id: Uuid, summary: &Value) -> sqlx::Result<JobRow> {
    sqlx::query_as!(
        JobRow,
        "UPDATE search_jobs SET status = 'completed', current_step = 'completed',
                completed_at = now(), summary = $2
         WHERE id = $1 RETURNING *",
        id,
        summary,
    )
    .fetch_one(db)
    .await
}

/// Closes a job as failed with the reason.
pub async fn fail<'c>(db: impl Db<'c>, id: Uuid, reason: &str) -> sqlx::Result<JobRow> {
    sqlx::query_as!(
        JobRow,
        "UPDATE search_jobs SET status = 'failed', current_step = 'failed',
                completed_at = now(), failure_reason = $2
         WHERE id = $1 RETURNING *",
        id,
        reason,
    )
    .fetch_one(db)
    .await
}

/// Records an error a client will see in the job status.
#[allow(clippy::too_many_arguments)]
pub async fn add_error<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
    work_item_id: Option<Uuid>,
    stage: &str,
    company: Option<&str>,
    url: Option<&str>,
    message: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO job_errors (job_id, work_item_id, stage, company, url, message)
         VALUES ($1, $2, $3, $4, $5, $6)",
        job_id,
        work_item_id,
        stage,
        company,
        url,
        message,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The first `limit` errors of a job, oldest first.
pub async fn errors<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<JobErrorRow>> {
    sqlx::query_as!(
        JobErrorRow,
        "SELECT stage, company, url, message, created_at FROM job_errors
         WHERE job_id = $1 ORDER BY id LIMIT $2",
        job_id,
        limit,
    )
    .fetch_all(db)
    .await
}

/// How a job's results divide into hot, warm and cold leads.
#[derive(Debug, Clone, Copy)]
pub struct ResultQuality {
    /// Leads scoring `hot` or more.
    pub hot: i64,
    /// Leads scoring from `warm` up to `hot`.
    pub warm: i64,
    /// Leads scoring below `warm`.
    pub cold: i64,
    /// Mean score, when there are results.
    pub average: Option<f64>,
}

/// Counts a job's results by quality, with the scores they had when the job found them.
pub async fn result_quality<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
    hot: i32,
    warm: i32,
) -> sqlx::Result<ResultQuality> {
    sqlx::query_as!(
        ResultQuality,
        r#"SELECT count(*) FILTER (WHERE lead_score >= $2) AS "hot!",
                  count(*) FILTER (WHERE lead_score >= $3 AND lead_score < $2) AS "warm!",
                  count(*) FILTER (WHERE lead_score < $3) AS "cold!",
                  avg(lead_score)::float8 AS average
           FROM job_results WHERE job_id = $1"#,
        job_id,
        hot,
        warm
    )
    .fetch_one(db)
    .await
}

/// Folds `samples` measured durations of `stage`, averaging `mean_ms`, into the running
/// average used for estimates (over about the last 1,000 samples).
pub async fn record_stage_times<'c>(
    db: impl Db<'c>,
    stage: &str,
    samples: u32,
    mean_ms: f64,
) -> sqlx::Result<()> {
    let samples = i64::from(samples.clamp(1, 1000));
    sqlx::query!(
        "INSERT INTO stage_timings (stage, samples, avg_ms) VALUES ($1, $2, $3)
         ON CONFLICT (stage) DO UPDATE SET
           samples = LEAST(stage_timings.samples + $2, 1000),
           avg_ms = stage_timings.avg_ms + ($3 - stage_timings.avg_ms)
                    * LEAST($2::float8 / LEAST(stage_timings.samples + $2, 1000), 1.0),
           updated_at = now()",
        stage,
        samples,
        mean_ms,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Average measured duration per stage, in milliseconds.
pub async fn stage_times<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<(String, f64)>> {
    let rows = sqlx::query!("SELECT stage, avg_ms FROM stage_timings")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.stage, r.avg_ms)).collect())
}

/// Jobs still waiting or running, for estimates of queued work.
pub async fn active_backlog<'c>(db: impl Db<'c>) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(SUM(GREATEST(max_results - processed_count, 0)), 0)::bigint AS "backlog!"
         FROM search_jobs WHERE status IN ('initiated', 'running')"#
    )
    .fetch_one(db)
    .await
}

impl JobRow {
    /// Progress 0–100: finished candidates over discovered ones; 100 only once completed.
    pub fn progress(&self) -> u8 {
        if matches!(self.status.as_str(), "completed") {
            return 100;
        }
        if self.discovered_count == 0 {
            return if self.discovery_done { 99 } else { 0 };
        }
        let done = self.processed_count as f64 / self.discovered_count as f64;
        let scale = if self.discovery_done { 99.0 } else { 90.0 };
        (done * scale).floor().clamp(0.0, 99.0) as u8
    }

    /// Candidates not finished yet (or, while discovering, the ones still to find).
    pub fn remaining(&self) -> i32 {
        if self.discovery_done {
            (self.discovered_count - self.processed_count).max(0)
        } else {
            (self.max_results - self.processed_count).max(0)
        }
    }

    /// Whether every discovered candidate has finished and discovery is over.
    pub fn all_items_finished(&self) -> bool {
        self.discovery_done && self.processed_count >= self.discovered_count
    }
}
