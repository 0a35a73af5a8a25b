//! OpenStreetMap: the location geocoded with Nominatim (cached in Postgres, one request per
//! second across all workers by default), then one Overpass query for the industry's tags in
//! that area.

use super::{Found, SourceError, status_error};
use crate::Ctx;
use crate::fetcher::{ServiceBody, ServiceCall};
use leadgen_core::config::OsmConfig;
use leadgen_core::industry::classify_text;
use leadgen_core::model::SearchCriteria;
use leadgen_core::repo::sources;
use leadgen_core::stages::discover::SourceState;
use leadgen_core::stages::discover::osm::{
    Area, OverpassError, industry_tags, nominatim_url, overpass_query, parse_nominatim,
    parse_overpass,
};
use std::time::Duration;

/// How long a geocoded location is trusted.
const GEOCODE_TTL: Duration = Duration::from_secs(30 * 24 * 3600);
/// Overpass's own time limit for one query, in seconds.
const QUERY_TIMEOUT: u32 = 25;

pub(super) async fn page(
    ctx: &Ctx,
    criteria: &SearchCriteria,
    room: usize,
) -> Result<Found, SourceError> {
    let Some(cfg) = &ctx.cfg.sources.osm else {
        return Err(SourceError::Fatal("OpenStreetMap is not enabled".into()));
    };
    let Some(slug) = classify_text(&criteria.industry) else {
        return Ok(Found::nothing(
            format!("no map tags for the industry `{}`", criteria.industry),
            0,
        ));
    };
    if criteria.location.trim().is_empty() {
        return Ok(Found::nothing("no location to search in".into(), 0));
    }
    let (area, mut requests) = geocode(ctx, cfg, &criteria.location).await?;
    let Some(area) = area else {
        return Ok(Found::nothing(
            format!("the geocoder does not know `{}`", criteria.location),
            requests,
        ));
    };
    // Ask for more than the room: some elements have no name, others are already known.
    let limit = (room.max(1) * 3).clamp(50, 3000) as u32;
    let query = overpass_query(industry_tags(slug), &area, limit, QUERY_TIMEOUT);
    let resp = ctx
        .fetcher
        .call_service(ServiceCall {
            service: "overpass",
            gap: ctx.cfg.sources.interval("overpass"),
            url: &cfg.overpass_url,
            headers: &[],
            body: ServiceBody::Form(&[("data", &query)]),
        })
        .await?;
    requests += 1;
    if let Some(e) = status_error("Overpass", resp.status, &resp.body) {
        return Err(e);
    }
    let candidates = parse_overpass(&resp.body).map_err(|e| match e {
        OverpassError::Busy(m) => SourceError::Later(SourceState::Failing, m),
        OverpassError::Invalid(m) => SourceError::Fatal(m),
    })?;
    Ok(Found {
        listed: candidates.len(),
        candidates,
        requests,
        next: None,
        message: Some(format!("{slug} in {}", area.display_name)),
    })
}

/// The area of a location, from the cache or one geocoder request; with the requests made.
async fn geocode(
    ctx: &Ctx,
    cfg: &OsmConfig,
    location: &str,
) -> Result<(Option<Area>, usize), SourceError> {
    let key = format!("{}|{}", cfg.nominatim_url, location.trim().to_lowercase());
    if let Some(cached) = sources::cached_area(&ctx.pool, &key, GEOCODE_TTL).await? {
        return Ok((cached.and_then(|v| serde_json::from_value(v).ok()), 0));
    }
    let url = nominatim_url(&cfg.nominatim_url, location);
    let resp = ctx
        .fetcher
        .call_service(ServiceCall {
            service: "nominatim",
            gap: ctx.cfg.sources.interval("nominatim"),
            url: &url,
            headers: &[],
            body: ServiceBody::None,
        })
        .await?;
    if let Some(e) = status_error("Nominatim", resp.status, &resp.body) {
        return Err(e);
    }
    let area = parse_nominatim(&resp.body).map_err(SourceError::Fatal)?;
    let value = area
        .as_ref()
        .map(|a| serde_json::to_value(a).expect("area serialises"));
    sources::cache_area(&ctx.pool, &key, value.as_ref()).await?;
    Ok((area, 1))
}
