//! Fetch: a company's home page and its most valuable internal pages within the page budget,
//! stored raw; pages that need JavaScript are marked for the browser.

use crate::Ctx;
use crate::fetcher::{FetchError, Fetched};
use crate::runner::StageError;
use leadgen_core::jobs::{ItemJob, Stage};
use leadgen_core::model::Candidate;
use leadgen_core::repo::pages::{self, NewPage};
use leadgen_core::repo::{jobs, work_items};
use leadgen_core::stages::fetch::{
    HomePage, cross_domain_alias, needs_render, normalize_website, read_home, sitemap_locs,
};
use uuid::Uuid;

/// Runs the fetch stage for one company.
pub async fn run(ctx: &Ctx, job: &ItemJob) -> Result<(), StageError> {
    let Some(item) = work_items::get(&ctx.pool, job.item_id).await? else {
        return Ok(());
    };
    if item.stage != "fetch" {
        return Ok(());
    }
    let candidate: Candidate = serde_json::from_value(item.candidate.clone())
        .map_err(|e| StageError::GiveUp(format!("stored candidate unreadable: {e}")))?;
    let home = candidate
        .website
        .as_deref()
        .and_then(normalize_website)
        .ok_or_else(|| StageError::GiveUp("candidate has no usable website".into()))?;
    // A site crawled recently (by any search) is not crawled again: its pages are reused.
    let freshness = ctx.fetcher.config().freshness;
    if let (false, Some(domain)) = (freshness.is_zero(), item.domain.as_deref()) {
        let since = chrono::Utc::now() - chrono::Duration::from_std(freshness).unwrap_or_default();
        if pages::copy_fresh(&ctx.pool, job.item_id, domain, since).await? > 0 {
            let render = !pages::needing_render(&ctx.pool, job.item_id)
                .await?
                .is_empty();
            return next(ctx, job, render && ctx.renderer.is_some()).await;
        }
    }
    let home_page = match ctx.fetcher.get(home.as_str()).await {
        Ok(p) => p,
        Err(e) if e.is_transient() => return Err(StageError::Retry(e.to_string())),
        Err(e) => {
            note(ctx, job, &candidate, home.as_str(), &e).await?;
            return next(ctx, job, false).await;
        }
    };
    let base = url::Url::parse(&home_page.final_url).unwrap_or(home.clone());
    // One parse of the home page serves the render check and the link ranking.
    let read =
        (home_page.status < 400 && is_html(&home_page)).then(|| read_home(&home_page.body, &base));
    let mut any_render = read.as_ref().is_some_and(|r| r.needs_render);
    if let Ok(final_url) = url::Url::parse(&home_page.final_url)
        && let Some((alias, domain)) = cross_domain_alias(&home, &final_url)
    {
        pages::add_domain_alias(&ctx.pool, &alias, &domain, home.as_str()).await?;
    }
    let mut site = SitePages::default();
    site.add(
        ctx,
        job.item_id,
        home.as_str(),
        "home",
        home_page,
        any_render,
    )
    .await?;
    if let Some(read) = read {
        let budget = ctx.fetcher.config().page_budget.saturating_sub(1);
        let sitemap = sitemap_pages(ctx, &base, &read, budget).await;
        for (kind, link) in read.rank(&base, &sitemap, budget) {
            let fetched = fetch_into(ctx, job, &candidate.name, link.as_str(), &kind, &mut site);
            if let Some(needs) = fetched.await? {
                any_render |= needs;
            }
        }
    }
    if any_render && ctx.renderer.is_some() {
        return hand_on(ctx, job, true, &site).await;
    }
    if any_render {
        // Without a browser, say so instead of silently extracting from an empty shell.
        jobs::add_error(
            &ctx.pool,
            job.job_id,
            Some(job.item_id),
            "render",
            Some(&candidate.name),
            Some(home.as_str()),
            "the site shows its content only with JavaScript and no browser is configured \
             (LEADGEN_CHROMEDRIVER or LEADGEN_WEBDRIVER_URL), so only the static HTML was read",
        )
        .await?;
    }
    hand_on(ctx, job, false, &site).await
}

/// Pages a site's fetch job has read and not yet stored: written in one statement with the
/// hand-off to the next stage (or before, once they hold [`SITE_PAGES_BYTES`]), not one
/// statement per page. A crash before then loses no data: the job runs again and fetches them.
#[derive(Default)]
struct SitePages {
    /// (requested URL, kind, the page, whether it needs the browser).
    pages: Vec<(String, String, Fetched, bool)>,
    bytes: usize,
}

/// Page bytes a site's job holds before writing them early.
const SITE_PAGES_BYTES: usize = 1024 * 1024;

impl SitePages {
    async fn add(
        &mut self,
        ctx: &Ctx,
        item: Uuid,
        url: &str,
        kind: &str,
        page: Fetched,
        needs_render: bool,
    ) -> Result<(), StageError> {
        self.bytes += page.body.len();
        self.pages
            .push((url.to_string(), kind.to_string(), page, needs_render));
        if self.bytes >= SITE_PAGES_BYTES {
            self.write(&ctx.pool, item).await?;
            self.pages.clear();
            self.bytes = 0;
        }
        Ok(())
    }

    async fn write<'c>(&self, db: impl sqlx::PgExecutor<'c>, item: Uuid) -> sqlx::Result<()> {
        if self.pages.is_empty() {
            return Ok(());
        }
        let headers: Vec<serde_json::Value> = self
            .pages
            .iter()
            .map(|(_, _, p, _)| serde_json::to_value(&p.headers).unwrap_or_default())
            .collect();
        let rows: Vec<NewPage<'_>> = self
            .pages
            .iter()
            .zip(&headers)
            .map(|((url, kind, p, needs_render), headers)| {
                new_page(url, kind, p, *needs_render, headers)
            })
            .collect();
        pages::upsert_many(db, item, &rows).await
    }
}

/// Most sitemap entries read for ranking.
const SITEMAP_ENTRIES: usize = 500;

/// The page URLs of the site's sitemap: the one robots.txt declares, or `/sitemap.xml` when the
/// home page's own links do not fill the page budget. A missing or unreadable sitemap is no
/// error: the home page's links are used alone.
async fn sitemap_pages(ctx: &Ctx, base: &url::Url, home: &HomePage, budget: usize) -> Vec<String> {
    let declared = ctx.fetcher.sitemaps(base).await.unwrap_or_default();
    let url = match declared.into_iter().next() {
        Some(u) => u,
        None if home.rank(base, &[], budget).len() < budget => match base.join("/sitemap.xml") {
            Ok(u) => u.to_string(),
            Err(_) => return Vec::new(),
        },
        None => return Vec::new(),
    };
    match ctx.fetcher.get(&url).await {
        Ok(p) if p.status == 200 => sitemap_locs(&p.body, SITEMAP_ENTRIES),
        _ => Vec::new(),
    }
}

fn is_html(p: &Fetched) -> bool {
    p.content_type.as_deref().is_none_or(|c| c.contains("html"))
}

/// Whether a fetched page needs the browser (one HTML parse).
fn page_needs_render(p: &Fetched) -> bool {
    is_html(p) && p.status < 400 && needs_render(&p.body)
}

/// The row stored for a fetched page (bodies of non-HTML answers are not kept).
fn new_page<'a>(
    url: &'a str,
    kind: &'a str,
    p: &'a Fetched,
    needs_render: bool,
    headers: &'a serde_json::Value,
) -> NewPage<'a> {
    NewPage {
        url,
        final_url: &p.final_url,
        kind,
        http_status: p.status as i32,
        content_type: p.content_type.as_deref(),
        body: if is_html(p) { p.body.as_str() } else { "" },
        truncated: p.truncated,
        needs_render,
        headers,
        elapsed_ms: p.elapsed.as_millis().min(i32::MAX as u128) as i32,
    }
}

async fn note(
    ctx: &Ctx,
    job: &ItemJob,
    c: &Candidate,
    url: &str,
    e: &FetchError,
) -> Result<(), StageError> {
    jobs::add_error(
        &ctx.pool,
        job.job_id,
        Some(job.item_id),
        "fetch",
        Some(&c.name),
        Some(url),
        &e.to_string(),
    )
    .await?;
    Ok(())
}

/// Fetches and stores one internal page; returns whether it needs the browser, or `None` when
/// it could not be fetched (the error is recorded and the company goes on).
pub async fn fetch_one(
    ctx: &Ctx,
    job: &ItemJob,
    company: &str,
    url: &str,
    kind: &str,
) -> Result<Option<bool>, StageError> {
    let mut one = SitePages::default();
    let needs = fetch_into(ctx, job, company, url, kind, &mut one).await?;
    one.write(&ctx.pool, job.item_id).await?;
    Ok(needs)
}

/// Fetches one internal page into `site`; returns whether it needs the browser, or `None` when
/// it could not be fetched (the error is recorded and the company goes on).
async fn fetch_into(
    ctx: &Ctx,
    job: &ItemJob,
    company: &str,
    url: &str,
    kind: &str,
    site: &mut SitePages,
) -> Result<Option<bool>, StageError> {
    match ctx.fetcher.get(url).await {
        Ok(p) => {
            let needs = page_needs_render(&p);
            site.add(ctx, job.item_id, url, kind, p, needs).await?;
            Ok(Some(needs))
        }
        Err(e) => {
            jobs::add_error(
                &ctx.pool,
                job.job_id,
                Some(job.item_id),
                "fetch",
                Some(company),
                Some(url),
                &e.to_string(),
            )
            .await?;
            Ok(None)
        }
    }
}

/// Stores the site's pages and hands the company on, in one transaction.
async fn hand_on(
    ctx: &Ctx,
    job: &ItemJob,
    render: bool,
    site: &SitePages,
) -> Result<(), StageError> {
    let (to, stage) = if render {
        ("render", Stage::Render)
    } else {
        ("extract", Stage::Extract)
    };
    let mut tx = ctx.pool.begin().await?;
    site.write(&mut *tx, job.item_id).await?;
    if work_items::advance(&mut *tx, job.item_id, "fetch", to).await? {
        ctx.push(&mut tx, stage, job).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn next(ctx: &Ctx, job: &ItemJob, render: bool) -> Result<(), StageError> {
    hand_on(ctx, job, render, &SitePages::default()).await
}
