//! Finalize: once the last company of a search is done, write the completion summary and
//! quality metrics, announce `job_completed` and, when staff addresses are configured, queue
//! the completion email — all in one transaction.

use crate::Ctx;
use crate::runner::StageError;
use leadgen_core::jobs::{FinalizeJob, NotifyJob, Stage};
use leadgen_core::mail::{self, LeadLine, SearchCompleted};
use leadgen_core::repo::jobs::JobRow;
use leadgen_core::repo::leads::{self, LeadFilter};
use leadgen_core::repo::{events, jobs, outbox};
use serde_json::{Value, json};
use sqlx::{Postgres, Transaction};

/// Leads listed in the completion email.
const EMAIL_TOP_LEADS: i64 = 5;

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
    let q = jobs::result_quality(&mut *tx, job.job_id, hot, warm).await?;
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
        "high_quality_leads": q.hot,
        "medium_quality_leads": q.warm,
        "low_quality_leads": q.cold,
        "average_lead_score": q.average.map(|a| (a * 10.0).round() / 10.0),
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
    if !ctx.cfg.mail.notify_to.is_empty() {
        queue_completion_email(ctx, &mut tx, &row, &summary).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn queue_completion_email(
    ctx: &Ctx,
    tx: &mut Transaction<'_, Postgres>,
    row: &JobRow,
    summary: &Value,
) -> Result<(), StageError> {
    let filter = LeadFilter {
        job_id: Some(row.id),
        score_min: None,
        ..Default::default()
    };
    let top: Vec<LeadLine> = leads::list(&mut **tx, &filter, EMAIL_TOP_LEADS, 0)
        .await?
        .into_iter()
        .map(|l| LeadLine {
            lead_id: l.id,
            company: l.company_name.unwrap_or_else(|| "(unnamed company)".into()),
            website: l.website.or(l.domain),
            score: l.lead_score,
        })
        .collect();
    let text = |k: &str| row.criteria.get(k).and_then(Value::as_str);
    let email = mail::search_completed(&SearchCompleted {
        job_id: row.id,
        industry: text("industry"),
        location: text("location"),
        summary,
        top_leads: &top,
        hot_threshold: ctx.weights.hot as i32,
        public_url: ctx.cfg.public_url.as_deref(),
    });
    let key = format!("search_completed:{}", row.id);
    let new = outbox::NewEmail {
        kind: "search_completed",
        dedupe_key: &key,
        job_id: Some(row.id),
        recipients: &ctx.cfg.mail.notify_to,
        email: &email,
        message_id_domain: ctx.cfg.mail.from_domain(),
    };
    if let Some(email_id) = outbox::insert(&mut **tx, &new).await? {
        ctx.push(tx, Stage::Notify, &NotifyJob { email_id }).await?;
    }
    Ok(())
}
