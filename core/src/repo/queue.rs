//! Read and maintenance queries on the queue library's tables (`apalis.jobs`,
//! `apalis.workers`): depth per stage for health, persisted retry backoff, and pruning of
//! finished rows, without which fetch throughput collapses as they pile up. Also the plain
//! database round trip that health measures.

use super::Db;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Depth of one queue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueDepth {
    /// Queue name.
    pub queue: String,
    /// Waiting to run (including failed tasks due for retry).
    pub pending: i64,
    /// Claimed by a worker.
    pub running: i64,
    /// Age of the oldest waiting task, seconds.
    pub oldest_pending_secs: Option<f64>,
}

/// One round trip to the database: succeeds when it answers.
pub async fn ping<'c>(db: impl Db<'c>) -> sqlx::Result<()> {
    sqlx::query_scalar!(r#"SELECT 1 AS "one!""#)
        .fetch_one(db)
        .await?;
    Ok(())
}

/// Depth of every queue that has tasks.
pub async fn depths<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<QueueDepth>> {
    sqlx::query_as!(
        QueueDepth,
        r#"SELECT job_type AS queue,
                count(*) FILTER (WHERE status = 'Pending'
                                  OR (status = 'Failed' AND attempts < max_attempts)) AS "pending!",
                count(*) FILTER (WHERE status IN ('Queued', 'Running')) AS "running!",
                EXTRACT(EPOCH FROM now() - min(run_at) FILTER (WHERE status = 'Pending'))::float8
                  AS "oldest_pending_secs?"
         FROM apalis.jobs GROUP BY job_type ORDER BY job_type"#
    )
    .fetch_all(db)
    .await
}

/// Workers seen within `within`, per queue.
pub async fn live_workers<'c>(
    db: impl Db<'c>,
    within: Duration,
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT worker_type, count(*) AS "count!" FROM apalis.workers
         WHERE last_seen > now() - make_interval(secs => $1)
         GROUP BY worker_type ORDER BY worker_type"#,
        within.as_secs_f64(),
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.worker_type, r.count)).collect())
}

/// Moves a task's next run to `at`: the queue retries failed tasks as soon as they are due, so
/// the backoff lives in the row itself and survives restarts.
pub async fn retry_at<'c>(db: impl Db<'c>, task_id: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE apalis.jobs SET run_at = $2 WHERE id = $1",
        task_id,
        at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes finished tasks older than `keep`; returns how many.
pub async fn prune_finished<'c>(db: impl Db<'c>, keep: Duration, limit: i64) -> sqlx::Result<u64> {
    let r = sqlx::query!(
        "DELETE FROM apalis.jobs WHERE id IN (
           SELECT id FROM apalis.jobs
           WHERE (status IN ('Done', 'Killed') OR (status = 'Failed' AND attempts >= max_attempts))
             AND done_at < now() - make_interval(secs => $1)
           LIMIT $2)",
        keep.as_secs_f64(),
        limit,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

/// Deletes worker registrations not seen for `older_than` and holding no task.
pub async fn prune_workers<'c>(db: impl Db<'c>, older_than: Duration) -> sqlx::Result<u64> {
    let r = sqlx::query!(
        "DELETE FROM apalis.workers w WHERE last_seen < now() - make_interval(secs => $1)
           AND NOT EXISTS (SELECT 1 FROM apalis.jobs j WHERE j.lock_by = w.id)",
        older_than.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

/// Makes a task's current attempt its last, so the queue records it as failed for good.
pub async fn exhaust<'c>(db: impl Db<'c>, task_id: &str, attempts: i32) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE apalis.jobs SET max_attempts = LEAST(max_attempts, $2) WHERE id = $1",
        task_id,
        attempts,
    )
    .execute(db)
    .await?;
    Ok(())
}
