//! Background upkeep run by every worker process: pruning the queue tables and the hourly
//! retention sweep (every statement is idempotent, so several processes doing it at once is
//! harmless).

use crate::Ctx;
use leadgen_core::repo::queue;
use std::sync::Arc;
use std::time::Duration;

/// Finished queue rows are kept this long for inspection, then deleted.
const KEEP_FINISHED: Duration = Duration::from_secs(600);

/// How often expired leads are looked for.
const RETENTION_EVERY: Duration = Duration::from_secs(3600);

/// Prunes finished jobs and long-gone worker registrations every 30 s and sweeps expired leads
/// every hour, forever.
pub async fn run(ctx: Arc<Ctx>) {
    let pool = &ctx.pool;
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    let mut last_sweep: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        if last_sweep.is_none_or(|t| t.elapsed() >= RETENTION_EVERY) {
            last_sweep = Some(tokio::time::Instant::now());
            match crate::retention::sweep(&ctx, chrono::Utc::now()).await {
                Ok(n) if n > 0 => tracing::info!(deleted = n, "expired leads deleted"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention sweep failed"),
            }
        }
        match queue::prune_finished(pool, KEEP_FINISHED, 50_000).await {
            Ok(n) if n > 0 => tracing::debug!(pruned = n, "pruned finished queue rows"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not prune queue rows"),
        }
        if let Err(e) = queue::prune_workers(pool, Duration::from_secs(3600)).await {
            tracing::warn!(error = %e, "could not prune worker registrations");
        }
    }
}
