//! Job events written by the stages: progress after each finished company, the discovered lead,
//! completion and failure. Each is appended in the caller's transaction.

use crate::Ctx;
use crate::runner::StageError;
use leadgen_core::jobs::{FinalizeJob, Stage};
use leadgen_core::repo::events;
use leadgen_core::repo::jobs::JobRow;
use serde_json::{Value, json};
use sqlx::{Postgres, Transaction};

/// The `job_progress` message for a job's current counters.
pub fn progress_message(row: &JobRow, message: &str) -> Value {
    json!({
        "type": "job_progress",
        "job_id": row.id,
        "status": row.status,
        "progress": row.progress(),
        "current_step": row.current_step,
        "results_count": row.results_count,
        "processed_count": row.processed_count,
        "remaining_count": row.remaining(),
        "message": message,
    })
}

/// Records a finished company: the lead event when there is one, progress, and the finalize
/// job when it was the last.
pub async fn item_done(
    ctx: &Ctx,
    tx: &mut Transaction<'_, Postgres>,
    row: &JobRow,
    lead_event: Value,
) -> Result<(), StageError> {
    if !lead_event.is_null() {
        events::append(&mut **tx, row.id, "lead_discovered", &lead_event).await?;
    }
    let msg = format!(
        "{} of {} companies processed",
        row.processed_count, row.discovered_count
    );
    events::append(
        &mut **tx,
        row.id,
        "job_progress",
        &progress_message(row, &msg),
    )
    .await?;
    if row.all_items_finished() && row.status == "running" {
        ctx.push(tx, Stage::Finalize, &FinalizeJob { job_id: row.id })
            .await?;
    }
    Ok(())
}

/// Records a failed job.
pub async fn failed(
    tx: &mut Transaction<'_, Postgres>,
    row: &JobRow,
    reason: &str,
) -> Result<(), StageError> {
    let payload = json!({
        "type": "job_failed",
        "job_id": row.id,
        "status": "failed",
        "error": reason,
        "results_count": row.results_count,
    });
    events::append(&mut **tx, row.id, "job_failed", &payload).await?;
    Ok(())
}
