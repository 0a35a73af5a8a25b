//! Extract: stored pages → facts; the source's own listing fills what the site did not say.

use crate::Ctx;
use crate::runner::StageError;
use leadgen_core::jobs::{ItemJob, Stage};
use leadgen_core::model::{Address, Candidate, Found};
use leadgen_core::repo::{pages, work_items};
use leadgen_core::stages::extract::{extract, normalize_email, normalize_phone};

/// How often a company listed without a website looks again whether discovery is over.
const LISTING_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);
/// Longest it waits for the search's other listings.
const MAX_LISTING_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// Runs the extract stage for one company.
pub async fn run(ctx: &Ctx, job: &ItemJob) -> Result<(), StageError> {
    let Some(item) = work_items::get(&ctx.pool, job.item_id).await? else {
        return Ok(());
    };
    if item.stage != "extract" {
        return Ok(());
    }
    // Listed without a website while the search's sources are still being read: another
    // listing may yet name the site (and send the company to be fetched), so it waits rather
    // than being finished from the listing alone; which source answered first must not decide
    // whether a site is read.
    if item.domain.is_none()
        && work_items::awaits_listings(&ctx.pool, job.item_id, MAX_LISTING_WAIT).await?
    {
        let mut tx = ctx.pool.begin().await?;
        leadgen_core::queue::push(
            &mut tx,
            Stage::Extract,
            job,
            Some(LISTING_RECHECK),
            ctx.cfg.max_attempts as usize,
        )
        .await?;
        tx.commit().await?;
        return Ok(());
    }
    let candidate: Candidate = serde_json::from_value(item.candidate.clone())
        .map_err(|e| StageError::GiveUp(format!("stored candidate unreadable: {e}")))?;
    let stored = pages::for_item(&ctx.pool, job.item_id).await?;
    let mut facts = tokio::task::spawn_blocking(move || extract(&stored, None))
        .await
        .map_err(|e| StageError::GiveUp(format!("extraction crashed: {e}")))?;
    let region = facts
        .address
        .as_ref()
        .and_then(|a| a.value.country.clone())
        .unwrap_or_else(|| "US".into());
    if facts.name.is_none() {
        facts.name = Some(Found {
            value: candidate.name.clone(),
            source_url: candidate.source_url.clone(),
            confidence: 0.7,
        });
    }
    if let Some(p) = candidate
        .phone
        .as_deref()
        .and_then(|p| normalize_phone(p, &region))
        && !facts.phones.iter().any(|f| f.value == p)
    {
        facts.phones.push(Found {
            value: p,
            source_url: candidate.source_url.clone(),
            confidence: 0.7,
        });
    }
    if facts.address.is_none() {
        // A source's address in parts (map, places) is better than its one-line form.
        let value = match (&candidate.address_parts, &candidate.address) {
            (Some(parts), _) => Some((parts.clone(), 0.7)),
            (None, Some(a)) => Some((
                Address {
                    street: Some(a.clone()),
                    ..Address::default()
                },
                0.6,
            )),
            _ => None,
        };
        if let Some((value, confidence)) = value {
            facts.address = Some(Found {
                value,
                source_url: candidate.source_url.clone(),
                confidence,
            });
        }
    }
    if let Some(e) = candidate.email.as_deref().and_then(normalize_email)
        && !facts.emails.iter().any(|f| f.value == e)
    {
        facts.emails.push(Found {
            value: e,
            source_url: candidate.source_url.clone(),
            confidence: 0.7,
        });
    }
    let value = serde_json::to_value(&facts).expect("facts serialise");
    let mut tx = ctx.pool.begin().await?;
    if work_items::advance(&mut *tx, job.item_id, "extract", "enrich").await? {
        work_items::set_facts(&mut *tx, job.item_id, &value).await?;
        ctx.push(&mut tx, Stage::Enrich, job).await?;
    }
    tx.commit().await?;
    Ok(())
}
