//! A business directory's result page, fetched like any page (robots.txt, per-host slots), and
//! the detail pages of the listings the search will accept.

use super::{Found, SourceError, status_error};
use crate::Ctx;
use leadgen_core::jobs::DiscoverJob;
use leadgen_core::model::SearchCriteria;

pub(super) async fn page(
    ctx: &Ctx,
    criteria: &SearchCriteria,
    job: &DiscoverJob,
    name: &str,
    room: usize,
) -> Result<Found, SourceError> {
    let Some(dir) = ctx
        .cfg
        .sources
        .directories
        .iter()
        .find(|d| d.def.name == name)
    else {
        return Err(SourceError::Fatal(format!(
            "the directory `{name}` is no longer configured"
        )));
    };
    let url = job
        .cursor
        .clone()
        .unwrap_or_else(|| dir.search_url(&criteria.industry, &criteria.location, job.page));
    let page = ctx.fetcher.get(&url).await?;
    if let Some(e) = status_error(&format!("the directory ({url})"), page.status, &page.body) {
        return Err(e);
    }
    let parsed = dir
        .parse_page(
            &page.body,
            &page.final_url,
            &criteria.industry,
            &criteria.location,
            job.page,
        )
        .map_err(SourceError::Fatal)?;
    let listed = parsed.listings.len();
    let mut requests = 1;
    let mut candidates = Vec::with_capacity(listed);
    for (i, listing) in parsed.listings.into_iter().enumerate() {
        let mut c = listing.candidate;
        // Only listings the search can still accept are worth a request each.
        if i < room
            && let Some(detail) = listing.detail_url
        {
            requests += 1;
            // A detail page that cannot be read leaves the listing as the result page gave it.
            if let Ok(d) = ctx.fetcher.get(&detail).await
                && d.status < 400
            {
                dir.apply_detail(&mut c, &d.body, &d.final_url);
            }
        }
        candidates.push(c);
    }
    Ok(Found {
        candidates,
        listed,
        requests,
        next: parsed.next.map(|u| (job.page + 1, Some(u))),
        message: None,
    })
}
