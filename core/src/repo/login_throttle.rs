//! Failed sign-ins counted per key, shared by every API process.

use super::Db;
use chrono::{DateTime, Utc};

/// When a key may next try to sign in, if it is held back.
pub async fn blocked_until<'c>(
    db: impl Db<'c>,
    keys: &[String],
    now: DateTime<Utc>,
) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar!(
        "SELECT max(blocked_until) FROM login_throttle
         WHERE key = ANY($1) AND blocked_until > $2",
        keys,
        now
    )
    .fetch_one(db)
    .await
}

/// Counts a failure for `key` (starting again when the last one is older than `reset_after`);
/// returns the failures counted.
pub async fn add_failure<'c>(
    db: impl Db<'c>,
    key: &str,
    now: DateTime<Utc>,
    reset_after: std::time::Duration,
) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        "INSERT INTO login_throttle AS t (key, failures, last_failure_at)
         VALUES ($1, 1, $2)
         ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN t.last_failure_at < $2 - make_interval(secs => $3)
                             THEN 1 ELSE t.failures + 1 END,
             last_failure_at = $2
         RETURNING failures",
        key,
        now,
        reset_after.as_secs_f64(),
    )
    .fetch_one(db)
    .await
}

/// Holds `key` back until `until`.
pub async fn block<'c>(db: impl Db<'c>, key: &str, until: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE login_throttle SET blocked_until = greatest(blocked_until, $2) WHERE key = $1",
        key,
        until
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets the failures of `key` (after a successful sign-in).
pub async fn clear<'c>(db: impl Db<'c>, key: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM login_throttle WHERE key = $1", key)
        .execute(db)
        .await?;
    Ok(())
}
