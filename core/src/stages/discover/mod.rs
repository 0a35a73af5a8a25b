//! Discover: the sources that propose candidate companies for a search. Each source is a plugin
//! behind one shape: a plan entry when the search starts, then pages read by the worker, each
//! page turned into candidates by a pure function here.
//!
//! - [`directory`]: business directories declared in TOML.
//! - [`osm`]: OpenStreetMap through Nominatim (geocoding) and Overpass (the query).
//! - [`places`]: Google Places Text Search.
//! - [`domains`]: a list of company domains given with the search.
//!
//! LinkedIn is not a source: its robots.txt forbids crawling and the crawler obeys. LinkedIn
//! company and people URLs are collected from company sites and JSON-LD `sameAs` instead.

pub mod directory;
pub mod domains;
pub mod osm;
pub mod places;

use crate::config::SourcesConfig;
use crate::model::SearchCriteria;
use serde::{Deserialize, Serialize};

/// How a source is doing, in `/api/v1/health` and in a search's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// Answering normally.
    Ok,
    /// Configured without the API key it needs; searches go on without it.
    NeedsKey,
    /// Told to slow down (429 or quota); retried after the pause.
    RateLimited,
    /// Failing (errors, unreadable answers, a refused key).
    Failing,
}

impl SourceState {
    /// The stored and reported name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceState::Ok => "ok",
            SourceState::NeedsKey => "needs_key",
            SourceState::RateLimited => "rate_limited",
            SourceState::Failing => "failing",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<SourceState> {
        [
            SourceState::Ok,
            SourceState::NeedsKey,
            SourceState::RateLimited,
            SourceState::Failing,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }
}

/// One source a search will use, decided when it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSource {
    /// `directory:<name>`, `osm`, `google_places` or `domains`.
    pub name: String,
    /// `Some` when the source cannot run at all (no key): it is recorded as done in that state.
    pub skip: Option<(SourceState, String)>,
}

/// The sources a search uses: only `domains` when it names its companies, else every enabled
/// source (a source without its key is listed, skipped, and says why).
pub fn plan(cfg: &SourcesConfig, criteria: &SearchCriteria) -> Vec<PlannedSource> {
    let run = |name: String| PlannedSource { name, skip: None };
    if !criteria.domains.is_empty() {
        return vec![run(domains::SOURCE.into())];
    }
    let mut out: Vec<PlannedSource> = cfg
        .directories
        .iter()
        .map(|d| run(d.source_name()))
        .collect();
    if cfg.osm.is_some() {
        out.push(run(osm::SOURCE.into()));
    }
    if let Some(p) = &cfg.places {
        out.push(match p.key {
            Some(_) => run(places::SOURCE.into()),
            None => PlannedSource {
                name: places::SOURCE.into(),
                skip: Some((
                    SourceState::NeedsKey,
                    "set LEADGEN_GOOGLE_PLACES_KEY to search Google Places".into(),
                )),
            },
        });
    }
    out
}

/// Collapses runs of whitespace and trims.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PlacesConfig;

    #[test]
    fn plans_enabled_sources_or_only_the_domains() {
        let cfg = SourcesConfig {
            places: Some(PlacesConfig {
                base_url: "https://places.googleapis.com".into(),
                key: None,
            }),
            ..SourcesConfig::default()
        };
        let mut criteria = SearchCriteria {
            industry: "dentist".into(),
            location: "Austin".into(),
            company_size: None,
            max_results: 10,
            filters: Default::default(),
            domains: vec![],
        };
        let p = plan(&cfg, &criteria);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].skip.as_ref().unwrap().0, SourceState::NeedsKey);
        criteria.domains = vec!["http://a.test/".into()];
        assert_eq!(plan(&cfg, &criteria)[0].name, "domains");
        assert_eq!(
            SourceState::parse("rate_limited"),
            Some(SourceState::RateLimited)
        );
    }
}
