//! Discover: read one page of one source of a search, keep the raw records, accept candidates
//! up to the search's `max_results` (across all its sources), and enqueue their next stage and
//! the source's next page, all in one transaction.
//!
//! A source that is told to slow down or fails for a while is retried (its state shows
//! `rate_limited` or `failing` meanwhile); one that cannot succeed (a refused key, a removed
//! definition, retries used up) ends for that search, recorded in its errors, and the search
//! goes on with the others. A search fails only when every source failed and none found
//! anything.

mod directory;
mod osm;
mod places;

use crate::fetcher::FetchError;
use crate::runner::StageError;
use crate::{Ctx, progress};
use leadgen_core::jobs::{DiscoverJob, FinalizeJob, ItemJob, Stage};
use leadgen_core::model::{Candidate, SearchCriteria};
use leadgen_core::repo::sources::{self, SourceProgress};
use leadgen_core::repo::{companies, events, jobs, leads, pages, work_items};
use leadgen_core::stages::discover::{SourceState, domains};
use leadgen_core::stages::merge::{ListingIndex, candidate_domain};
use leadgen_core::survivorship;
use sqlx::{Postgres, Transaction};
use std::collections::HashMap;

/// What one page of a source brought.
pub(crate) struct Found {
    candidates: Vec<Candidate>,
    /// Records the source listed (some may lack a name and not become candidates).
    listed: usize,
    /// Requests the page cost.
    requests: usize,
    /// The next page (number and cursor); `None` when the source has no more.
    next: Option<(u32, Option<String>)>,
    /// What to tell the user about this source.
    message: Option<String>,
}

impl Found {
    /// A source that has nothing for this search, and why.
    fn nothing(message: String, requests: usize) -> Found {
        Found {
            candidates: Vec::new(),
            listed: 0,
            requests,
            next: None,
            message: Some(message),
        }
    }
}

/// How a source page failed.
pub(crate) enum SourceError {
    /// Try again later; the state to show meanwhile and why.
    Later(SourceState, String),
    /// No retry can help: the source ends for this search.
    Fatal(String),
    /// The database (or queue) failed: retry without blaming the source.
    Stage(StageError),
}

impl From<sqlx::Error> for SourceError {
    fn from(e: sqlx::Error) -> Self {
        SourceError::Stage(e.into())
    }
}

impl From<FetchError> for SourceError {
    fn from(e: FetchError) -> Self {
        match e {
            FetchError::Database(e) => SourceError::Stage(e.into()),
            e if e.is_transient() => SourceError::Later(SourceState::Failing, e.to_string()),
            e => SourceError::Fatal(e.to_string()),
        }
    }
}

/// Maps an HTTP status of a source's answer to the error it means, `None` for success.
fn status_error(service: &str, status: u16, body: &str) -> Option<SourceError> {
    let snippet: String = body.chars().take(200).collect();
    match status {
        200..=299 => None,
        429 => Some(SourceError::Later(
            SourceState::RateLimited,
            format!("{service} answered 429 Too Many Requests"),
        )),
        500..=599 => Some(SourceError::Later(
            SourceState::Failing,
            format!("{service} answered HTTP {status}"),
        )),
        _ => Some(SourceError::Fatal(format!(
            "{service} answered HTTP {status}: {}",
            leadgen_core::stages::discover::squash(&snippet)
        ))),
    }
}

/// Runs the discover stage for one page of one source.
pub async fn run(ctx: &Ctx, job: &DiscoverJob) -> Result<(), StageError> {
    let Some(row) = jobs::get(&ctx.pool, job.job_id).await? else {
        return Err(StageError::GiveUp("search job no longer exists".into()));
    };
    if !matches!(row.status.as_str(), "initiated" | "running")
        || row.discovery_done
        || sources::is_done(&ctx.pool, job.job_id, &job.source).await?
    {
        return Ok(());
    }
    let criteria: SearchCriteria = serde_json::from_value(row.criteria.clone())
        .map_err(|e| StageError::GiveUp(format!("stored criteria unreadable: {e}")))?;
    if job.page == 1 {
        let mut tx = ctx.pool.begin().await?;
        jobs::set_running(&mut *tx, job.job_id, "discovering").await?;
        let row = jobs::get(&mut *tx, job.job_id)
            .await?
            .unwrap_or(row.clone());
        let msg = format!("searching {}", job.source);
        events::append(
            &mut *tx,
            job.job_id,
            "job_progress",
            &progress::progress_message(&row, &msg),
        )
        .await?;
        tx.commit().await?;
    }
    let room = (row.max_results - row.discovered_count).max(0) as usize;
    let source = job.source.as_str();
    let result = match source {
        domains::SOURCE => Ok(Found {
            listed: criteria.domains.len(),
            candidates: domains::candidates(&criteria.domains),
            requests: 0,
            next: None,
            message: None,
        }),
        "osm" => osm::page(ctx, &criteria, room).await,
        "google_places" => places::page(ctx, &criteria, job).await,
        s => match s.strip_prefix("directory:") {
            Some(name) => directory::page(ctx, &criteria, job, name, room).await,
            None => Err(SourceError::Fatal(format!("unknown source `{s}`"))),
        },
    };
    match result {
        Ok(found) => accept(ctx, job, found).await,
        Err(SourceError::Later(state, message)) => {
            let mut tx = ctx.pool.begin().await?;
            let progress = SourceProgress {
                listed: 0,
                accepted: 0,
                requests: 1,
                state: state.as_str(),
                message: Some(&message),
                done: false,
            };
            sources::record(&mut *tx, job.job_id, source, &progress).await?;
            sources::report(&mut *tx, source, state.as_str(), Some(&message), 0).await?;
            tx.commit().await?;
            Err(StageError::Retry(format!("{source}: {message}")))
        }
        Err(SourceError::Fatal(message)) => {
            let mut tx = ctx.pool.begin().await?;
            let message = format!("{source}: {message}");
            jobs::add_error(&mut *tx, job.job_id, None, "discover", None, None, &message).await?;
            close_failed(ctx, &mut tx, job.job_id, source, &message).await?;
            tx.commit().await?;
            Ok(())
        }
        Err(SourceError::Stage(e)) => Err(e),
    }
}

/// Ends a search's source as failing (retries used up or no retry can help) and finishes
/// discovery when it was the last source still running.
pub(crate) async fn close_failed(
    ctx: &Ctx,
    tx: &mut Transaction<'_, Postgres>,
    job_id: uuid::Uuid,
    source: &str,
    message: &str,
) -> Result<(), StageError> {
    let Some(row) = jobs::get_for_update(&mut **tx, job_id).await? else {
        return Ok(());
    };
    let progress = SourceProgress {
        listed: 0,
        accepted: 0,
        requests: 0,
        state: SourceState::Failing.as_str(),
        message: Some(message),
        done: true,
    };
    let all_done = sources::record(&mut **tx, job_id, source, &progress).await?;
    sources::report(
        &mut **tx,
        source,
        SourceState::Failing.as_str(),
        Some(message),
        0,
    )
    .await?;
    if all_done && !row.discovery_done {
        let row = jobs::add_discovered(&mut **tx, job_id, 0, true).await?;
        finish_discovery(ctx, tx, &row).await?;
    }
    Ok(())
}

/// Discovery is over: fail the search when every source failed and nothing was found, else
/// finalize it once its companies are all processed.
async fn finish_discovery(
    ctx: &Ctx,
    tx: &mut Transaction<'_, Postgres>,
    row: &jobs::JobRow,
) -> Result<(), StageError> {
    if row.discovered_count == 0 {
        let all = sources::for_job(&mut **tx, row.id).await?;
        if !all.is_empty() && all.iter().all(|s| s.state != SourceState::Ok.as_str()) {
            let reasons: Vec<String> = all
                .iter()
                .map(|s| match &s.message {
                    Some(m) if m.starts_with(&s.source) => m.clone(),
                    Some(m) => format!("{}: {m}", s.source),
                    None => format!("{}: {}", s.source, s.state),
                })
                .collect();
            let reason = format!("no source could be searched ({})", reasons.join("; "));
            let row = jobs::fail(&mut **tx, row.id, &reason).await?;
            progress::failed(tx, &row, &reason).await?;
            return Ok(());
        }
    }
    if row.all_items_finished() && row.status == "running" {
        ctx.push(tx, Stage::Finalize, &FinalizeJob { job_id: row.id })
            .await?;
    }
    Ok(())
}

/// Adds a listing's fields to the company of an already merged lead.
async fn absorb_sighting(
    tx: &mut Transaction<'_, Postgres>,
    lead: uuid::Uuid,
    c: &Candidate,
) -> Result<(), StageError> {
    let Some(company) = leads::company_of(&mut **tx, lead).await? else {
        return Ok(());
    };
    if !companies::lock(&mut **tx, company).await? {
        return Ok(());
    }
    let now = chrono::Utc::now();
    companies::add_values(&mut **tx, company, &survivorship::from_candidate(c, now)).await?;
    companies::refresh(&mut *tx, company, now).await?;
    Ok(())
}

/// Stores a page's records and accepts its candidates within the search's remaining room.
async fn accept(ctx: &Ctx, job: &DiscoverJob, found: Found) -> Result<(), StageError> {
    let mut tx = ctx.pool.begin().await?;
    // The job row's lock serialises all sources of the search: max_results is never
    // overshot and exactly one page sees the last source finish.
    let Some(row) = jobs::get_for_update(&mut *tx, job.job_id).await? else {
        return Ok(());
    };
    if row.discovery_done || sources::is_done(&mut *tx, job.job_id, &job.source).await? {
        return Ok(());
    }
    let mut room = (row.max_results - row.discovered_count).max(0) as usize;
    let mut fetch = Vec::new();
    let mut extract = Vec::new();
    // Items found before, now given a website: fetched, but not counted as found again.
    let mut refetch = Vec::new();
    let mut listings = ListingIndex::default();
    let mut merged = HashMap::new();
    for item in work_items::listed(&mut *tx, job.job_id).await? {
        if let Ok(c) = serde_json::from_value::<Candidate>(item.candidate) {
            listings.add(item.id, &item.dedup_key, &c);
        }
        if let Some(lead) = item.lead_id {
            merged.insert(item.id, lead);
        }
    }
    let mut seen_again = 0;
    for c in &found.candidates {
        let payload = serde_json::to_value(c).expect("candidate serialises");
        pages::add_source_record(&mut *tx, job.job_id, &c.source, &c.source_url, &payload).await?;
        // Another source's (or page's) listing of a company the search already has adds its
        // fields to that company instead of being worked a second time.
        if let Some(item_id) = listings.find(c, &ctx.cfg.dedup) {
            work_items::add_sighting(&mut *tx, item_id, &payload).await?;
            // The first listing had no website and this one has: the company's site is
            // crawled after all, whichever source happened to list it first.
            if let (Some(domain), Some(website)) = (candidate_domain(c), c.website.as_deref())
                && work_items::adopt_website(&mut *tx, item_id, &domain, website).await?
            {
                refetch.push(ItemJob {
                    job_id: job.job_id,
                    item_id,
                });
            }
            if let Some(lead) = merged.get(&item_id) {
                absorb_sighting(&mut tx, *lead, c).await?;
            }
            seen_again += 1;
            continue;
        }
        if room == 0 {
            continue;
        }
        let domain = candidate_domain(c);
        let key = listings.free_key(c);
        let Some(item_id) =
            work_items::insert(&mut *tx, job.job_id, &key, domain.as_deref(), &payload).await?
        else {
            continue;
        };
        listings.add(item_id, &key, c);
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
    let accepted = fetch.len() + extract.len();
    let source_done = found.next.is_none() || room == 0;
    let progress = SourceProgress {
        listed: found.listed as i32,
        accepted: accepted as i32,
        requests: found.requests as i32,
        state: SourceState::Ok.as_str(),
        message: found.message.as_deref(),
        done: source_done,
    };
    let all_done = sources::record(&mut *tx, job.job_id, &job.source, &progress).await?;
    if room == 0 {
        sources::close_all(&mut *tx, job.job_id).await?;
    }
    sources::report(
        &mut *tx,
        &job.source,
        SourceState::Ok.as_str(),
        found.message.as_deref(),
        found.listed as i64,
    )
    .await?;
    let discovery_done = all_done || room == 0;
    let row = jobs::add_discovered(&mut *tx, job.job_id, accepted as i32, discovery_done).await?;
    ctx.push_many(&mut tx, Stage::Fetch, &fetch).await?;
    ctx.push_many(&mut tx, Stage::Fetch, &refetch).await?;
    ctx.push_many(&mut tx, Stage::Extract, &extract).await?;
    if let (false, Some((page, cursor))) = (source_done, found.next) {
        let next = DiscoverJob {
            job_id: job.job_id,
            source: job.source.clone(),
            page,
            cursor,
        };
        ctx.push(&mut tx, Stage::Discover, &next).await?;
    }
    let mut msg = format!(
        "{} companies found so far ({} from {})",
        row.discovered_count, accepted, job.source
    );
    if seen_again > 0 {
        msg.push_str(&format!("; {seen_again} already found by another source"));
    }
    events::append(
        &mut *tx,
        job.job_id,
        "job_progress",
        &progress::progress_message(&row, &msg),
    )
    .await?;
    if discovery_done {
        finish_discovery(ctx, &mut tx, &row).await?;
    }
    tx.commit().await?;
    Ok(())
}
