//! Google Places Text Search, one page of 20 per job, following `nextPageToken`.

use super::{Found, SourceError};
use crate::Ctx;
use crate::fetcher::{ServiceBody, ServiceCall};
use leadgen_core::jobs::DiscoverJob;
use leadgen_core::model::SearchCriteria;
use leadgen_core::stages::discover::SourceState;
use leadgen_core::stages::discover::places::{FIELD_MASK, parse_places, search_body, search_url};

pub(super) async fn page(
    ctx: &Ctx,
    criteria: &SearchCriteria,
    job: &DiscoverJob,
) -> Result<Found, SourceError> {
    let Some(cfg) = &ctx.cfg.sources.places else {
        return Err(SourceError::Fatal("Google Places is not enabled".into()));
    };
    let Some(key) = cfg.key.as_deref() else {
        return Err(SourceError::Fatal(
            "no API key (set LEADGEN_GOOGLE_PLACES_KEY)".into(),
        ));
    };
    let body = search_body(
        &criteria.industry,
        &criteria.location,
        job.cursor.as_deref(),
    );
    let url = search_url(&cfg.base_url);
    let resp = ctx
        .fetcher
        .call_service(ServiceCall {
            service: "google_places",
            gap: ctx.cfg.sources.interval("google_places"),
            url: &url,
            headers: &[("X-Goog-Api-Key", key), ("X-Goog-FieldMask", FIELD_MASK)],
            body: ServiceBody::Json(&body),
        })
        .await?;
    match parse_places(resp.status, &resp.body) {
        Ok(page) => Ok(Found {
            listed: page.candidates.len(),
            candidates: page.candidates,
            requests: 1,
            next: page.next.map(|t| (job.page + 1, Some(t))),
            message: None,
        }),
        Err(e) if e.is_rate_limit() => {
            Err(SourceError::Later(SourceState::RateLimited, e.to_string()))
        }
        Err(e) if e.is_key_problem() => {
            Err(SourceError::Fatal(format!("the API key was refused: {e}")))
        }
        Err(e) if e.is_transient() => Err(SourceError::Later(SourceState::Failing, e.to_string())),
        Err(e) => Err(SourceError::Fatal(e.to_string())),
    }
}
