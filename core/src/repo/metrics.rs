//! Counts of what the whole system holds and is doing, read for the metrics endpoint: tasks per
//! queue and state, searches per status, leads per origin and status, people signed in; and the
//! schema version readiness compares with the binary's.

use super::Db;
use std::time::Duration;

/// How many rows share a pair of labels.
#[derive(Debug, Clone)]
pub struct Count2 {
    /// First label (a queue, an origin).
    pub a: String,
    /// Second label (a state, a status).
    pub b: String,
    /// Rows.
    pub count: i64,
}

/// Tasks per queue and queue state (`Pending`, `Running`, `Done`, `Failed`, `Killed` …); done
/// and failed rows are pruned after a while, so these are what the table holds now.
pub async fn tasks<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<Count2>> {
    sqlx::query_as!(
        Count2,
        r#"SELECT job_type AS "a!", status AS "b!", count(*) AS "count!"
           FROM apalis.jobs GROUP BY 1, 2 ORDER BY 1, 2"#
    )
    .fetch_all(db)
    .await
}

/// Searches per status.
pub async fn searches<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT status, count(*) AS "count!" FROM search_jobs GROUP BY 1 ORDER BY 1"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.status, r.count)).collect())
}

/// Leads per origin (`discovered`, `inbound`, `imported`) and status: the conversion funnel.
pub async fn leads<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<Count2>> {
    sqlx::query_as!(
        Count2,
        r#"SELECT origin AS "a!", status AS "b!", count(*) AS "count!"
           FROM leads GROUP BY 1, 2 ORDER BY 1, 2"#
    )
    .fetch_all(db)
    .await
}

/// People with an open session used within `within`.
pub async fn active_users<'c>(db: impl Db<'c>, within: Duration) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(DISTINCT user_id) AS "count!" FROM sessions
           WHERE ended_at IS NULL AND expires_at > now()
             AND last_seen_at > now() - make_interval(secs => $1)"#,
        within.as_secs_f64(),
    )
    .fetch_one(db)
    .await
}

/// The newest migration applied successfully, if any (`None` too for a database never
/// migrated).
pub async fn latest_migration<'c>(db: impl Db<'c>) -> sqlx::Result<Option<i64>> {
    // Checked at run time: the table is the migrator's own, created when it first runs, so it
    // is absent from the schema the compile-time check reads.
    let r = sqlx::query_scalar::<_, Option<i64>>(
        "SELECT max(version) FROM public._sqlx_migrations WHERE success",
    )
    .fetch_one(db)
    .await;
    match r {
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => Ok(None),
        other => other,
    }
}
