//! What happens when a stage job has used up its attempts. Fetch and render degrade (the company
//! goes on with what was fetched); a discovery source closes (the job fails if every source
//! failed and nothing was found); the
//! per-company stages fail that company; an email is marked failed in the outbox; every case
//! that concerns a search is recorded in the job's errors.

use crate::Ctx;
use crate::progress;
use crate::runner::{JobRef, StageError};
use leadgen_core::jobs::{ItemJob, Stage};
use leadgen_core::repo::{audit, jobs, outbox, work_items};
use serde_json::json;

/// Applies the give-up rule of `job.stage` in one transaction.
pub async fn give_up(ctx: &Ctx, job: &JobRef, message: &str) -> Result<(), StageError> {
    let mut tx = ctx.pool.begin().await?;
    if let Some(email_id) = job.email_id
        && outbox::fail(&mut *tx, email_id, message).await?
    {
        let entry = audit::AuditEntry {
            actor_type: "system",
            actor_id: None,
            actor_label: "notify",
            action: "email.failed",
            outcome: "failed",
            target_type: Some("email"),
            target_id: Some(email_id.to_string()),
            ip: None,
            request_id: None,
            detail: json!({ "reason": message }),
        };
        audit::record(&mut *tx, &entry, chrono::Utc::now()).await?;
    }
    let Some(job_id) = job.job_id else {
        tx.commit().await?;
        return Ok(());
    };
    let item = match job.item_id {
        Some(id) => work_items::get(&mut *tx, id).await?,
        None => None,
    };
    let company = item.as_ref().and_then(|i| {
        i.candidate
            .get("name")
            .and_then(|n| n.as_str())
            .map(str::to_string)
    });
    let url = item.as_ref().and_then(|i| {
        i.candidate
            .get("website")
            .and_then(|n| n.as_str())
            .map(str::to_string)
    });
    jobs::add_error(
        &mut *tx,
        job_id,
        job.item_id,
        job.stage.name(),
        company.as_deref(),
        url.as_deref(),
        message,
    )
    .await?;
    match (job.stage, job.item_id) {
        (Stage::Discover, _) => {
            let source = job.source.as_deref().unwrap_or("discovery");
            crate::stages::discover::close_failed(ctx, &mut tx, job_id, source, message).await?;
        }
        (Stage::Fetch | Stage::Render, Some(item_id))
            if work_items::advance(&mut *tx, item_id, job.stage.name(), "extract").await? =>
        {
            let payload = ItemJob { job_id, item_id };
            ctx.push(&mut tx, Stage::Extract, &payload).await?;
        }
        (Stage::Finalize, _) => {
            let row = jobs::fail(&mut *tx, job_id, message).await?;
            progress::failed(&mut tx, &row, message).await?;
        }
        (_, Some(item_id)) if work_items::fail(&mut *tx, item_id, message).await? => {
            let row = jobs::item_finished(&mut *tx, job_id, jobs::ItemOutcome::Failed).await?;
            progress::item_done(ctx, &mut tx, &row, json!(null)).await?;
        }
        _ => {}
    }
    tx.commit().await?;
    Ok(())
}
