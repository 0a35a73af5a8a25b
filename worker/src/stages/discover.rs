//! Discover: read one result page of the business directory, store the raw listings, accept
//! candidates up to the job's `max_results`, and enqueue their next stage and the next page.

use crate::runner::StageError;
use crate::{Ctx, progress};
use leadgen_core::jobs::{DiscoverJob, ItemJob, Stage};
use leadgen_core::model::SearchCriteria;
use leadgen_core::repo::{events, jobs, pages, work_items};
use leadgen_core::stages::discover::{DirectoryLayout, directory_search_url, parse_directory_page};
use leadgen_core::stages::merge::{candidate_domain, company_key};
use serde_json::json;

/// Runs the discover stage for one page.
pub async fn run(ctx: &Ctx, job: &DiscoverJob) -> Result<(), StageError> {
    let Some(row) = jobs::get(&ctx.pool, job.job_id).await? else {
        return Err(StageError::GiveUp("search job no longer exists".into()));
    };
    if !matches!(row.status.as_str(), "initiated" | "running") || row.discovery_done {
        return Ok(());
    }
    let criteria: SearchCriteria = serde_json::from_value(row.criteria.clone())
        .map_err(|e| StageError::GiveUp(format!("stored criteria unreadable: {e}")))?;
    let Some(template) = ctx.cfg.directory_url.as_deref() else {
        return Err(StageError::GiveUp(
            "no discovery source is configured (set LEADGEN_DIRECTORY_URL)".into(),
        ));
    };
    if job.page == 1 {
        let mut tx = ctx.pool.begin().await?;
        jobs::set_running(&mut *tx, job.job_id, "discovering").await?;
        let row = jobs::get(&mut *tx, job.job_id)
            .await?
            .unwrap_or(row.clone());
        events::append(
            &mut *tx,
            job.job_id,
            "job_progress",
            &progress::progress_message(&row, "searching the business directory"),
        )
        .await?;
        tx.commit().await?;
    }
    let url = directory_search_url(template, &criteria.industry, &criteria.location, job.page);
    let page = ctx.fetcher.get(&url).await.map_err(|e| {
        if e.is_transient() {
            StageError::Retry(e.to_string())
        } else {
            StageError::GiveUp(e.to_string())
        }
    })?;
    if page.status >= 400 {
        return Err(StageError::GiveUp(format!(
            "directory answered HTTP {} for {url}",
            page.status
        )));
    }
    let parsed = parse_directory_page(&page.body, &page.final_url, &DirectoryLayout::default())
        .map_err(StageError::GiveUp)?;

    let mut tx = ctx.pool.begin().await?;
    // Lock the job so concurrent pages (re-runs) never overshoot max_results.
    let Some(row) = jobs::get_for_update(&mut *tx, job.job_id).await? else {
        return Ok(());
    };
    if row.discovery_done {
        return Ok(());
    }
    let mut room = (row.max_results - row.discovered_count).max(0) as usize;
    let mut fetch = Vec::new();
    let mut extract = Vec::new();
    for c in &parsed.candidates {
        if room == 0 {
            break;
        }
        let payload = serde_json::to_value(c).expect("candidate serialises");
        pages::add_source_record(&mut *tx, job.job_id, &c.source, &c.source_url, &payload).await?;
        let domain = candidate_domain(c);
        let Some(item_id) = work_items::insert(
            &mut *tx,
            job.job_id,
            &company_key(c),
            domain.as_deref(),
            &payload,
        )
        .await?
        else {
            continue;
        };
        room -= 1;
        let next = ItemJob {
            job_id: job.job_id,
            item_id,
        };
        if domain.is_some() {
            fetch.push(next);
        } else {
            work_items::advance(&mut *tx, item_id, "fetch", "extract").await?;
            extract.push(next);
        }
    }
    let added = (fetch.len() + extract.len()) as i32;
    let done = room == 0 || parsed.next.is_none();
    let row = jobs::add_discovered(&mut *tx, job.job_id, added, done).await?;
    ctx.push_many(&mut tx, Stage::Fetch, &fetch).await?;
    ctx.push_many(&mut tx, Stage::Extract, &extract).await?;
    if !done {
        ctx.push(
            &mut tx,
            Stage::Discover,
            &DiscoverJob {
                job_id: job.job_id,
                page: job.page + 1,
            },
        )
        .await?;
    }
    let msg = format!("{} companies found so far", row.discovered_count);
    events::append(
        &mut *tx,
        job.job_id,
        "job_progress",
        &progress::progress_message(&row, &msg),
    )
    .await?;
    if done && row.all_items_finished() {
        ctx.push(&mut tx, Stage::Finalize, &json!({ "job_id": job.job_id }))
            .await?;
    }
    tx.commit().await?;
    Ok(())
}
