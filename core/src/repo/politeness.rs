//! Politeness state shared by all workers: cached robots.txt and per-host request slots.

use super::Db;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// A cached robots.txt.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RobotsRow {
    /// HTTP status it was served with (0 when it could not be fetched).
    pub http_status: i32,
    /// Body.
    pub body: String,
}

/// The cached robots.txt of a host, if still fresh.
pub async fn robots<'c>(db: impl Db<'c>, host: &str) -> sqlx::Result<Option<RobotsRow>> {
    sqlx::query_as!(
        RobotsRow,
        "SELECT http_status, body FROM robots_cache WHERE host = $1 AND expires_at > now()",
        host,
    )
    .fetch_optional(db)
    .await
}

/// Caches a host's robots.txt for `ttl`.
pub async fn put_robots<'c>(
    db: impl Db<'c>,
    host: &str,
    status: i32,
    body: &str,
    ttl: Duration,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO robots_cache (host, http_status, body, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))
         ON CONFLICT (host) DO UPDATE SET http_status = EXCLUDED.http_status, body = EXCLUDED.body,
           fetched_at = now(), expires_at = EXCLUDED.expires_at",
        host,
        status,
        body,
        ttl.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Reserves the next request slot for `host`, `gap` after the previous one, and returns when it
/// starts. One atomic UPSERT: concurrent workers on any machine get distinct, spaced slots.
pub async fn reserve_slot<'c>(
    db: impl Db<'c>,
    host: &str,
    gap: Duration,
) -> sqlx::Result<DateTime<Utc>> {
    sqlx::query_scalar!(
        r#"INSERT INTO host_slots (host, next_allowed_at)
         VALUES ($1, clock_timestamp() + make_interval(secs => $2))
         ON CONFLICT (host) DO UPDATE SET next_allowed_at =
           GREATEST(host_slots.next_allowed_at, clock_timestamp()) + make_interval(secs => $2)
         RETURNING next_allowed_at - make_interval(secs => $2) AS "slot!""#,
        host,
        gap.as_secs_f64(),
    )
    .fetch_one(db)
    .await
}

/// Pushes a host's next slot to at least `until` (a 429/503 with `Retry-After`).
pub async fn pause_host<'c>(db: impl Db<'c>, host: &str, until: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO host_slots (host, next_allowed_at) VALUES ($1, $2)
         ON CONFLICT (host) DO UPDATE SET
           next_allowed_at = GREATEST(host_slots.next_allowed_at, EXCLUDED.next_allowed_at)",
        host,
        until,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Takes `host`'s next request slot in one statement: when the host's gap has passed and no
/// request to it is in flight, starts the slot now (the next one `gap` later) and holds the host
/// for `lease` (until [`release_host`]), and returns `None`. Otherwise nothing changes and the
/// answer is when to try again: the host's next slot, or, while a request is in flight, that
/// slot with `busy` set.
pub async fn try_claim<'c>(
    db: impl Db<'c>,
    host: &str,
    gap: Duration,
    lease: Duration,
) -> sqlx::Result<Option<(DateTime<Utc>, bool)>> {
    let r = sqlx::query!(
        r#"WITH claimed AS (
             INSERT INTO host_slots (host, next_allowed_at, busy_until)
             VALUES ($1, clock_timestamp() + make_interval(secs => $2),
                     clock_timestamp() + make_interval(secs => $3))
             ON CONFLICT (host) DO UPDATE SET next_allowed_at = EXCLUDED.next_allowed_at,
               busy_until = EXCLUDED.busy_until
             WHERE host_slots.next_allowed_at <= clock_timestamp()
               AND (host_slots.busy_until IS NULL OR host_slots.busy_until <= clock_timestamp())
             RETURNING 1 AS one
           )
           SELECT EXISTS (SELECT 1 FROM claimed) AS "claimed!",
                  s.next_allowed_at AS "next_allowed_at?",
                  coalesce(s.busy_until > clock_timestamp(), false) AS "busy!"
             FROM (SELECT 1) AS one
             LEFT JOIN host_slots s ON s.host = $1"#,
        host,
        gap.as_secs_f64(),
        lease.as_secs_f64(),
    )
    .fetch_one(db)
    .await?;
    Ok(match (r.claimed, r.next_allowed_at) {
        (true, _) => None,
        (false, Some(next)) => Some((next, r.busy)),
        // Lost to a concurrent first insert: the row exists now.
        (false, None) => Some((Utc::now(), true)),
    })
}

/// Holds `host` for `lease` from now: for a request still in flight when the hold its claim
/// gave is about to run out.
pub async fn hold_host<'c>(db: impl Db<'c>, host: &str, lease: Duration) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE host_slots SET busy_until = clock_timestamp() + make_interval(secs => $2)
          WHERE host = $1",
        host,
        lease.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Frees `host` after a request completed.
pub async fn release_host<'c>(db: impl Db<'c>, host: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE host_slots SET busy_until = NULL WHERE host = $1",
        host
    )
    .execute(db)
    .await?;
    Ok(())
}
