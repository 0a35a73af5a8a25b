//! Discovery sources: per search (state, counts, done), per source overall (health), and the
//! geocoder's cache.

use super::Db;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

/// One source of one search.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobSourceRow {
    /// Source name.
    pub source: String,
    /// ok, needs_key, rate_limited, failing.
    pub state: String,
    /// Whether it has nothing more to add.
    pub done: bool,
    /// Records the source listed.
    pub listed: i32,
    /// Of those, candidates the search accepted.
    pub accepted: i32,
    /// Requests made to the source for this search.
    pub requests: i32,
    /// What the source last reported.
    pub message: Option<String>,
}

/// The last known state of a source.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SourceHealthRow {
    /// Source name.
    pub source: String,
    /// ok, needs_key, rate_limited, failing.
    pub state: String,
    /// What it last reported.
    pub message: Option<String>,
    /// When it was last used.
    pub checked_at: DateTime<Utc>,
    /// When it last answered well.
    pub last_ok_at: Option<DateTime<Utc>>,
    /// Records listed over all searches.
    pub listed: i64,
}

/// Records the sources of a new search; a source that cannot run is recorded done, in its
/// state, with the reason.
pub async fn plan<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
    sources: &[String],
    states: &[String],
    done: &[bool],
    messages: &[Option<String>],
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO job_sources (job_id, source, state, done, message)
         SELECT $1, * FROM UNNEST($2::text[], $3::text[], $4::bool[], $5::text[])",
        job_id,
        sources,
        states,
        done,
        messages as &[Option<String>],
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The sources of a search, in the order they were planned.
pub async fn for_job<'c>(db: impl Db<'c>, job_id: Uuid) -> sqlx::Result<Vec<JobSourceRow>> {
    sqlx::query_as!(
        JobSourceRow,
        "SELECT source, state, done, listed, accepted, requests, message
         FROM job_sources WHERE job_id = $1 ORDER BY source",
        job_id
    )
    .fetch_all(db)
    .await
}

/// What one page of a source brought: counts added, state, and whether the source is done.
#[derive(Debug, Clone)]
pub struct SourceProgress<'a> {
    /// Records listed on the page.
    pub listed: i32,
    /// Candidates accepted from it.
    pub accepted: i32,
    /// Requests the page cost.
    pub requests: i32,
    /// State after the page.
    pub state: &'a str,
    /// Message to show (`None` keeps the last one).
    pub message: Option<&'a str>,
    /// The source has nothing more to add.
    pub done: bool,
}

/// Adds a page's progress to a search's source and returns whether every source of the search
/// is now done.
pub async fn record<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
    source: &str,
    p: &SourceProgress<'_>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"WITH updated AS (
             UPDATE job_sources SET listed = listed + $3, accepted = accepted + $4,
                    requests = requests + $5, state = $6,
                    message = COALESCE($7, message), done = done OR $8
             WHERE job_id = $1 AND source = $2
             RETURNING source, done)
           SELECT NOT EXISTS (
             SELECT 1 FROM job_sources s
             WHERE s.job_id = $1 AND NOT s.done
               AND s.source NOT IN (SELECT source FROM updated WHERE done)) AS "all_done!""#,
        job_id,
        source,
        p.listed,
        p.accepted,
        p.requests,
        p.state,
        p.message,
        p.done,
    )
    .fetch_one(db)
    .await
}

/// Whether a search's source is already done (a re-run page has nothing to do).
pub async fn is_done<'c>(db: impl Db<'c>, job_id: Uuid, source: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query_scalar!(
        "SELECT done FROM job_sources WHERE job_id = $1 AND source = $2",
        job_id,
        source
    )
    .fetch_optional(db)
    .await?
    .unwrap_or(true))
}

/// Closes every source of a search (its `max_results` is reached).
pub async fn close_all<'c>(db: impl Db<'c>, job_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE job_sources SET done = true WHERE job_id = $1 AND NOT done",
        job_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a source's state for the health endpoint.
pub async fn report<'c>(
    db: impl Db<'c>,
    source: &str,
    state: &str,
    message: Option<&str>,
    listed: i64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO source_health (source, state, message, listed, last_ok_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $2 = 'ok' THEN now() END)
         ON CONFLICT (source) DO UPDATE SET state = EXCLUDED.state,
             message = EXCLUDED.message, checked_at = now(),
             listed = source_health.listed + EXCLUDED.listed,
             last_ok_at = COALESCE(EXCLUDED.last_ok_at, source_health.last_ok_at)",
        source,
        state,
        message,
        listed,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The last known state of every source that has been used.
pub async fn health<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<SourceHealthRow>> {
    sqlx::query_as!(
        SourceHealthRow,
        "SELECT source, state, message, checked_at, last_ok_at, listed
         FROM source_health ORDER BY source"
    )
    .fetch_all(db)
    .await
}

/// A cached geocoder answer younger than `ttl`: `Some(None)` is a cached "no such place".
pub async fn cached_area<'c>(
    db: impl Db<'c>,
    query: &str,
    ttl: Duration,
) -> sqlx::Result<Option<Option<Value>>> {
    sqlx::query_scalar!(
        "SELECT area FROM geocode_cache
         WHERE query = $1 AND fetched_at > now() - make_interval(secs => $2)",
        query,
        ttl.as_secs_f64(),
    )
    .fetch_optional(db)
    .await
}

/// Caches a geocoder answer (`None`: nothing matched).
pub async fn cache_area<'c>(
    db: impl Db<'c>,
    query: &str,
    area: Option<&Value>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO geocode_cache (query, area) VALUES ($1, $2)
         ON CONFLICT (query) DO UPDATE SET area = EXCLUDED.area, fetched_at = now()",
        query,
        area,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How many of a search's companies each filter turned away (`max_results` for those left
/// out because the search already had enough results).
pub async fn filtered_reasons<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT COALESCE(NULLIF(split_part(error, ':', 1), ''), 'max_results') AS "filter!",
                  count(*) AS "n!"
           FROM work_items WHERE job_id = $1 AND stage = 'filtered'
           GROUP BY 1 ORDER BY 2 DESC, 1"#,
        job_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.filter, r.n)).collect())
}
