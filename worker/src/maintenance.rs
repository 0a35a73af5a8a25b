//! Background upkeep of the queue tables, run by every worker process (the statements are
//! idempotent, so several processes doing it at once is harmless).

use leadgen_core::repo::queue;
use sqlx::PgPool;
use std::time::Duration;

/// Finished queue rows are kept this long for inspection, then deleted.
const KEEP_FINISHED: Duration = Duration::from_secs(600);

/// Prunes finished jobs and long-gone worker registrations every 30 s, forever.
pub async fn run(pool: PgPool) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        match queue::prune_finished(&pool, KEEP_FINISHED, 50_000).await {
            Ok(n) if n > 0 => tracing::debug!(pruned = n, "pruned finished queue rows"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not prune queue rows"),
        }
        if let Err(e) = queue::prune_workers(&pool, Duration::from_secs(3600)).await {
            tracing::warn!(error = %e, "could not prune worker registrations");
        }
    }
}
