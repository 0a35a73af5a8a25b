//! Enrich: facts → industry, size, technology stack, signals and opportunities, and the
//! verdict on every email address (its domain's mail exchangers asked of DNS).

use crate::Ctx;
use crate::runner::StageError;
use leadgen_core::email_check::{Verification, domains};
use leadgen_core::jobs::{ItemJob, Stage};
use leadgen_core::model::{Candidate, Facts};
use leadgen_core::repo::work_items;
use leadgen_core::stages::enrich::{email_checks, enrich};

/// Runs the enrich stage for one company.
pub async fn run(ctx: &Ctx, job: &ItemJob) -> Result<(), StageError> {
    let Some(item) = work_items::get(&ctx.pool, job.item_id).await? else {
        return Ok(());
    };
    if item.stage != "enrich" {
        return Ok(());
    }
    let candidate: Candidate = serde_json::from_value(item.candidate.clone())
        .map_err(|e| StageError::GiveUp(format!("stored candidate unreadable: {e}")))?;
    let facts: Facts = serde_json::from_value(item.facts.clone().unwrap_or_default())
        .map_err(|e| StageError::GiveUp(format!("stored facts unreadable: {e}")))?;
    let mut enrichment = enrich(&facts, &candidate);
    // Only addresses that passed the offline checks are worth a DNS question.
    let to_check = domains(
        enrichment
            .email_checks
            .iter()
            .filter(|c| c.status != Verification::Invalid)
            .map(|c| c.address.as_str()),
    );
    if !to_check.is_empty() {
        let mail = ctx.mail_dns.check_all(&ctx.pool, &to_check).await?;
        enrichment.email_checks = email_checks(&facts, &enrichment.people_emails, &mail);
    }
    let value = serde_json::to_value(&enrichment).expect("enrichment serialises");
    let mut tx = ctx.pool.begin().await?;
    if work_items::advance(&mut *tx, job.item_id, "enrich", "score").await? {
        work_items::set_enrichment(&mut *tx, job.item_id, &value).await?;
        ctx.push(&mut tx, Stage::Score, job).await?;
    }
    tx.commit().await?;
    Ok(())
}
