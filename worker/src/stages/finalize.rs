//! Finalize: once the last company of a search is done, write the completion summary and
//! quality metrics and announce `job_completed`.

use crate::Ctx;
use crate::runner::StageError;
use leadgen_core::jobs::FinalizeJob;
use leadgen_core::repo::{events, jobs};
use serde_json::json;

/// Runs the finalize stage for one search.
pub async fn run(ctx: &Ctx, job: &FinalizeJob) -> Result<(), StageError> {
    let mut tx = ctx.pool.begin().await?;
    let Some(row) = jobs::get_for_update(&mut *tx, job.job_id).await? else {
        return Ok(());
    };
    if row.status != "running" || !row.all_items_finished() {
        return Ok(());
    }
    let (hot, warm) = (ctx.weights.hot as i32, ctx.weights.warm as i32);
    let q: (i64, i64, i64, Option<f64>) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE lead_score >= $2), count(*) FILTER (WHERE lead_score >= $3 AND lead_score < $2),
                count(*) FILTER (WHERE lead_score < $3), avg(lead_score)::float8
         FROM job_results WHERE job_id = $1",
    )
    .bind(job.job_id)
    .bind(hot)
    .bind(warm)
    .fetch_one(&mut *tx)
    .await?;
    let started = row.started_at.unwrap_or(row.created_at);
    let secs = (chrono::Utc::now() - started).num_milliseconds() as f64 / 1000.0;
    let processed = row.processed_count.max(0);
    let successful = processed - row.failed_count;
    let summary = json!({
        "total_processed": processed,
        "successful": successful,
        "failed": row.failed_count,
        "filtered_out": row.filtered_count,
        "results": row.results_count,
        "high_quality_leads": q.0,
        "medium_quality_leads": q.1,
        "low_quality_leads": q.2,
        "average_lead_score": q.3.map(|a| (a * 10.0).round() / 10.0),
        "processing_time_seconds": (secs * 10.0).round() / 10.0,
        "success_rate": if processed == 0 { 0.0 } else { (successful as f64 * 1000.0 / processed as f64).round() / 10.0 },
    });
    let row = jobs::complete(&mut *tx, job.job_id, &summary).await?;
    events::append(
        &mut *tx,
        job.job_id,
        "job_completed",
        &json!({
            "type": "job_completed",
            "job_id": job.job_id,
            "status": "completed",
            "progress": 100,
            "results_count": row.results_count,
            "summary": summary,
            "completed_at": row.completed_at,
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
