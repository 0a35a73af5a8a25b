//! Score: enriched company → lead score with its explained breakdown.

use crate::Ctx;
use crate::runner::StageError;
use leadgen_core::jobs::{ItemJob, Stage};
use leadgen_core::model::{Enrichment, Facts};
use leadgen_core::repo::work_items;
use leadgen_core::stages::score::score;

/// Runs the score stage for one company.
pub async fn run(ctx: &Ctx, job: &ItemJob) -> Result<(), StageError> {
    let Some(item) = work_items::get(&ctx.pool, job.item_id).await? else {
        return Ok(());
    };
    if item.stage != "score" {
        return Ok(());
    }
    let facts: Facts = serde_json::from_value(item.facts.clone().unwrap_or_default())
        .map_err(|e| StageError::GiveUp(format!("stored facts unreadable: {e}")))?;
    let enrichment: Enrichment =
        serde_json::from_value(item.enrichment.clone().unwrap_or_default())
            .map_err(|e| StageError::GiveUp(format!("stored enrichment unreadable: {e}")))?;
    let s = score(&facts, &enrichment, item.domain.is_some(), &ctx.weights);
    let value = serde_json::to_value(&s).expect("score serialises");
    let mut tx = ctx.pool.begin().await?;
    if work_items::advance(&mut *tx, job.item_id, "score", "merge").await? {
        work_items::set_score(&mut *tx, job.item_id, &value).await?;
        ctx.push(&mut tx, Stage::Merge, job).await?;
    }
    tx.commit().await?;
    Ok(())
}
