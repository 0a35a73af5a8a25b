//! The job event stream: rows in `job_events`, announced with `pg_notify` on
//! [`CHANNEL`] carrying only the job id, so listeners re-read from their last event id.

use super::Db;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// The LISTEN/NOTIFY channel of job events.
pub const CHANNEL: &str = "leadgen_job_events";

/// One stored event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    /// Monotonic id; clients resume after it.
    pub id: i64,
    /// Job it belongs to.
    pub job_id: Uuid,
    /// job_progress, lead_discovered, job_completed or job_failed.
    pub kind: String,
    /// Message body.
    pub payload: Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Appends an event and notifies listeners when the surrounding transaction commits.
pub async fn append<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
    kind: &str,
    payload: &Value,
) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"WITH e AS (INSERT INTO job_events (job_id, kind, payload) VALUES ($1, $2, $3) RETURNING id)
         SELECT e.id AS "id!" FROM e, LATERAL (SELECT pg_notify($4, $1::text)) n"#,
        job_id,
        kind,
        payload,
        CHANNEL,
    )
    .fetch_one(db)
    .await
}

/// Events of a job after `after_id`, oldest first.
pub async fn after<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
    after_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as!(
        EventRow,
        "SELECT id, job_id, kind, payload, created_at FROM job_events
         WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        job_id,
        after_id,
        limit,
    )
    .fetch_all(db)
    .await
}

/// The id of a job's last event that is not terminal (0 when there is none): what a status
/// snapshot taken now covers, so only a terminal event is replayed after it.
pub async fn last_non_terminal_id<'c>(db: impl Db<'c>, job_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT COALESCE(max(id), 0) AS "id!" FROM job_events
         WHERE job_id = $1 AND kind NOT IN ('job_completed', 'job_failed')"#,
        job_id,
    )
    .fetch_one(db)
    .await
}
