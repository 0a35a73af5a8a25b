//! Render: pages that need JavaScript are loaded in headless Chromium (every browser request
//! through a [`BrowserGate`], under the same robots.txt, destination rules and per-host
//! politeness as plain fetches); when the home page only became readable in the
//! browser, the internal links it reveals are fetched too, within the page budget.

use crate::browser_gate::BrowserGate;
use crate::runner::StageError;
use crate::{Ctx, stages::fetch};
use leadgen_core::jobs::{ItemJob, Stage};
use leadgen_core::repo::{jobs, pages, work_items};
use leadgen_core::stages::fetch::rank_links;

/// Runs the render stage for one company.
pub async fn run(ctx: &Ctx, job: &ItemJob) -> Result<(), StageError> {
    let Some(item) = work_items::get(&ctx.pool, job.item_id).await? else {
        return Ok(());
    };
    if item.stage != "render" {
        return Ok(());
    }
    let Some(renderer) = ctx.renderer.as_ref() else {
        return Err(StageError::GiveUp(
            "no browser is configured on this worker".into(),
        ));
    };
    let company = item
        .candidate
        .get("name")
        .and_then(|n| n.as_str())
        .unwrap_or("")
        .to_string();
    let mut queue = pages::needing_render(&ctx.pool, job.item_id).await?;
    let mut done = 0usize;
    while let Some(url) = queue.pop() {
        // Checked here too, so a refusal is recorded with its reason rather than rendered as
        // the gate's 403 page.
        let host = match ctx.fetcher.allowed(&url).await {
            Ok((host, _)) => host,
            Err(e) if e.is_transient() => return Err(StageError::Retry(e.to_string())),
            Err(e) => {
                jobs::add_error(
                    &ctx.pool,
                    job.job_id,
                    Some(job.item_id),
                    "render",
                    Some(&company),
                    Some(&url),
                    &e.to_string(),
                )
                .await?;
                continue;
            }
        };
        let gate = BrowserGate::open(ctx.fetcher.clone(), &host, renderer.gate_ip().await)
            .await
            .map_err(|e| StageError::Retry(format!("browser gate: {e}")))?;
        let rendered = renderer
            .render(&url, ctx.fetcher.agent_for(&host), &gate.proxy_url())
            .await;
        drop(gate);
        let html = rendered.map_err(|e| StageError::Retry(format!("{url}: {e}")))?;
        pages::set_rendered(&ctx.pool, job.item_id, &url, &html).await?;
        done += 1;
        let stored = pages::for_item(&ctx.pool, job.item_id).await?;
        if stored.first().is_some_and(|p| p.url == url) {
            // The home page's links were invisible before rendering: fetch them now.
            let budget = ctx
                .fetcher
                .config()
                .page_budget
                .saturating_sub(stored.len());
            let base = url::Url::parse(&url).map_err(|e| StageError::GiveUp(e.to_string()))?;
            for (kind, link) in rank_links(&html, &base, budget) {
                if stored.iter().any(|p| p.url == link.as_str()) {
                    continue;
                }
                if let Some(needs) =
                    fetch::fetch_one(ctx, job, &company, link.as_str(), &kind).await?
                    && needs
                {
                    queue.push(link.to_string());
                }
            }
        }
    }
    tracing::debug!(pages = done, "rendered");
    let mut tx = ctx.pool.begin().await?;
    if work_items::advance(&mut *tx, job.item_id, "render", "extract").await? {
        ctx.push(&mut tx, Stage::Extract, job).await?;
    }
    tx.commit().await?;
    Ok(())
}
