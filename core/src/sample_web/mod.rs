//! The sample web: a deterministic generator of fake companies, their websites and a business
//! directory, plus the ground truth of what a perfect crawl would extract.
//!
//! Everything is pure and seeded: the same [`SampleWebOptions`] always give byte-identical
//! responses for the same sequence of requests. Serving it over HTTP lives in the `leadgen`
//! binary crate; this module only answers `(host, path)` pairs with a [`SampleResponse`].
//!
//! What is where:
//! - [`SampleWeb::ground_truth`] lists one record per real company (no duplicates). Companies
//!   without a website (about 8%) appear only in the directory; their `domain` and `website` are
//!   empty and every site-derived field is empty.
//! - [`SampleWeb::duplicate_listings`] lists the extra directory entries that are the same
//!   business listed again under a variant name (about 5% of listings), each with
//!   `duplicate_of` set to the canonical company's domain. Their `website` is either the
//!   canonical URL or `http://www.<domain>/`, which answers with a 301 to the canonical host.

mod data;
mod dedup_set;
pub use dedup_set::LabelledRecord;
mod directory;
mod dns;
pub use dns::MailRecords;
mod generate;
mod phones;
pub mod seed;
mod services;
mod site;
#[cfg(test)]
mod tests;
mod text;

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How to generate a sample web.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleWebOptions {
    /// Seed of everything: names, sites, behaviours and per-request jitter.
    pub seed: u64,
    /// Number of real companies (duplicate directory listings come on top).
    pub companies: usize,
    /// Inclusive range of artificial latency in milliseconds added to every response;
    /// `None` adds none (slow sites still add their own delay).
    pub latency_ms: Option<(u64, u64)>,
}

impl Default for SampleWebOptions {
    fn default() -> Self {
        SampleWebOptions {
            seed: 42,
            companies: 200,
            latency_ms: None,
        }
    }
}

/// One HTTP response of the sample web.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampleResponse {
    /// HTTP status code.
    pub status: u16,
    /// Response headers, `Content-Type` included.
    pub headers: Vec<(String, String)>,
    /// Response body.
    pub body: Vec<u8>,
    /// How long the server should wait before answering.
    pub delay: Duration,
}

impl SampleResponse {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// A JSON response (for injected answers: rate limits, service errors).
    pub fn json(status: u16, body: &serde_json::Value) -> SampleResponse {
        SampleResponse::new(status, "application/json", body.to_string())
    }

    /// The same response with one more header.
    pub fn with_header(mut self, name: &str, value: &str) -> SampleResponse {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> SampleResponse {
        SampleResponse {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    fn html(status: u16, body: String) -> SampleResponse {
        SampleResponse::new(status, "text/html; charset=utf-8", body)
    }

    fn text_plain(status: u16, body: impl Into<Vec<u8>>) -> SampleResponse {
        SampleResponse::new(status, "text/plain; charset=utf-8", body)
    }
}

/// One request to the sample web.
#[derive(Clone, Copy, Debug)]
pub struct SampleRequest<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// Host name without port.
    pub host: &'a str,
    /// Path and query, e.g. `/search?q=austin`.
    pub path_and_query: &'a str,
    /// Request headers.
    pub headers: &'a [(String, String)],
    /// Request body (empty for `GET`).
    pub body: &'a [u8],
}

/// What a perfect crawl of one company would extract.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TruthCompany {
    /// Company name as written on its site.
    pub name: String,
    /// Lowercase host, e.g. `acme-dental-austin.test`; empty when the company has no website.
    pub domain: String,
    /// `http://<domain>/`; empty when the company has no website.
    pub website: String,
    /// Industry slug, one of [`SampleWeb::industries`].
    pub industry: String,
    /// Street line, e.g. `1200 Congress Ave, Suite 300` or `Torstraße 12`.
    pub street: String,
    /// City display name, one of [`SampleWeb::cities`].
    pub city: String,
    /// State or region: `TX`, `England`, `Berlin`.
    pub region: String,
    /// Postal code.
    pub postal_code: String,
    /// ISO-3166 alpha-2 country code.
    pub country: String,
    /// The company's own numbers in E.164.
    pub phones: Vec<String>,
    /// The company's general addresses (info@, office@…), obfuscated ones included. Personal
    /// addresses are in `people[].email`; everything on the site is the union of both.
    pub emails: Vec<String>,
    /// Social profile URLs exactly as linked (`https://www.linkedin.com/company/<slug>`,
    /// `https://twitter.com/<handle>`, `https://www.facebook.com/<handle>`,
    /// `https://www.instagram.com/<handle>`).
    pub socials: Vec<String>,
    /// People listed on `/team` (not visible to a crawler obeying a `Disallow: /team`).
    pub people: Vec<TruthPerson>,
    /// Founding year shown on `/about`.
    pub founded_year: Option<i32>,
    /// Employee count shown on `/about`.
    pub employee_count: Option<u32>,
    /// Number of jobs listed on `/careers`.
    pub open_roles: u32,
    /// Technologies detectable from pages and headers: `jQuery`, `React`, `WordPress`,
    /// `Google Analytics`, `Shopify`, `Stripe`, `HubSpot`, `Intercom`, `Bootstrap`, `Nginx`
    /// (`Server` header), `PHP` (`X-Powered-By` header).
    pub technologies: Vec<String>,
    /// `json-ld`, `microdata`, `plain`, `js-only` (content only after running JS), or `none`
    /// when there is no website.
    pub markup: String,
    /// Paths disallowed for `User-agent: *` in robots.txt.
    pub robots_disallow: Vec<String>,
    /// `normal`, `flaky` (503 twice then ok, per path), `slow` (1.5 s extra), `down` (always
    /// 503) or `rate-limited` (429 with `Retry-After: 1` on the first request to each path).
    pub behaviour: String,
    /// For duplicate directory listings: the domain of the canonical company.
    pub duplicate_of: Option<String>,
    /// Growth posts on `/news`, newest first; the site has a news page when this is not empty.
    #[serde(default)]
    pub news: Vec<TruthNews>,
    /// Index in `people` of the person `/news` names as press contact, with their mailbox.
    #[serde(default)]
    pub press_contact: Option<usize>,
}

/// A post on a company's news page that is evidence of growth.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TruthNews {
    /// `funding`, `new_location` or `press_mention`.
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

impl TruthCompany {
    /// Whether a crawler obeying robots.txt may fetch `path` (simple prefix rules).
    pub fn allows(&self, path: &str) -> bool {
        !self
            .robots_disallow
            .iter()
            .any(|d| path.starts_with(d.as_str()))
    }
}

/// One person on a company's team page.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct TruthPerson {
    /// Full name.
    pub name: String,
    /// Job title as written.
    pub title: String,
    /// Personal email when the team page shows one.
    pub email: Option<String>,
    /// The person's real address at the company, shown or not (the company's one pattern
    /// applied to the name): what a guessed address should be.
    #[serde(default)]
    pub mailbox: String,
    /// Owner, founder, CEO, managing partner and the like.
    #[serde(default)]
    pub decision_maker: bool,
}

/// A generated sample web. Cheap to share: wrap it in an `Arc`; `respond` takes `&self`.
pub struct SampleWeb {
    opts: SampleWebOptions,
    built: generate::Built,
    by_domain: HashMap<String, usize>,
    /// Requests seen per `host path`, for flaky and rate-limited sites and reproducible jitter.
    hits: Mutex<HashMap<String, u32>>,
    /// Answers queued by [`SampleWeb::inject`], per host, served before anything else.
    injected: Mutex<HashMap<String, std::collections::VecDeque<SampleResponse>>>,
}

impl SampleWeb {
    /// The directory's host name.
    pub const DIRECTORY_HOST: &'static str = "directory.test";

    /// Generates the whole web from `opts`.
    pub fn generate(opts: SampleWebOptions) -> SampleWeb {
        let built = generate::build(opts.seed, opts.companies);
        let by_domain = built
            .truth
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.domain.is_empty())
            .map(|(i, t)| (t.domain.clone(), i))
            .collect();
        SampleWeb {
            opts,
            built,
            by_domain,
            hits: Mutex::new(HashMap::new()),
            injected: Mutex::new(HashMap::new()),
        }
    }

    /// The options this web was generated from.
    pub fn options(&self) -> &SampleWebOptions {
        &self.opts
    }

    /// The directory source's definition of the sample directory (TOML).
    pub const DIRECTORY_DEFINITION: &'static str = include_str!("localfinder.toml");

    /// The geocoder's host (Nominatim's search API).
    pub const NOMINATIM_HOST: &'static str = services::NOMINATIM_HOST;
    /// The map query service's host (Overpass API).
    pub const OVERPASS_HOST: &'static str = services::OVERPASS_HOST;
    /// The places service's host (Places API Text Search).
    pub const PLACES_HOST: &'static str = services::PLACES_HOST;
    /// The API key the places service accepts.
    pub const PLACES_KEY: &'static str = services::PLACES_KEY;

    /// The sample directory as a directory source.
    pub fn directory_source() -> crate::stages::discover::directory::Directory {
        crate::stages::discover::directory::Directory::from_toml(
            Self::DIRECTORY_DEFINITION,
            "localfinder.toml",
        )
        .expect("the sample directory definition is valid")
    }

    /// Every discovery source pointed at the sample web: its directory, its map services and
    /// its places service (with the key it accepts).
    pub fn sources_config() -> crate::config::SourcesConfig {
        crate::config::SourcesConfig {
            directories: vec![Self::directory_source()],
            osm: Some(crate::config::OsmConfig {
                nominatim_url: format!("http://{}", Self::NOMINATIM_HOST),
                overpass_url: format!("http://{}/api/interpreter", Self::OVERPASS_HOST),
            }),
            places: Some(crate::config::PlacesConfig {
                base_url: format!("http://{}", Self::PLACES_HOST),
                key: Some(Self::PLACES_KEY.into()),
            }),
            intervals: crate::config::default_intervals(),
        }
    }

    /// Queues `responses` as the next answers for `host`, whatever is asked: how tests make a
    /// service rate-limit, fail or answer an error once.
    pub fn inject(&self, host: &str, responses: Vec<SampleResponse>) {
        self.injected
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(host.to_ascii_lowercase())
            .or_default()
            .extend(responses);
    }

    /// Answers one request of any method (the map and places services take `POST`).
    pub fn respond_to(&self, req: &SampleRequest<'_>) -> SampleResponse {
        let host = req.host.trim_end_matches('.').to_ascii_lowercase();
        let queued = self
            .injected
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&host)
            .and_then(|q| q.pop_front());
        if let Some(r) = queued {
            return r;
        }
        let req = SampleRequest {
            host: &host,
            ..*req
        };
        if let Some(r) = services::respond(&self.built, &req) {
            return r;
        }
        self.respond(&host, req.path_and_query)
    }

    /// Answers one request. `host` is the host name without port; `path_and_query` looks like
    /// `/contact` or `/search?industry=dentist&location=austin&page=2`.
    pub fn respond(&self, host: &str, path_and_query: &str) -> SampleResponse {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let path_and_query = if path_and_query.is_empty() {
            "/"
        } else {
            path_and_query
        };
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        let hit = self.count_hit(&host, path_and_query);

        let mut resp = if host == Self::DIRECTORY_HOST {
            directory::respond(&self.built, path, query)
        } else if let Some(&i) = self.by_domain.get(&host) {
            self.respond_site(i, path, hit)
        } else if let Some(canon) = host
            .strip_prefix("www.")
            .filter(|h| self.by_domain.contains_key(*h))
        {
            let location = format!("http://{canon}{path_and_query}");
            let mut r = SampleResponse::html(
                301,
                format!(
                    "<html><body>Moved to <a href=\"{0}\">{0}</a></body></html>",
                    text::esc(&location)
                ),
            );
            r.headers.push(("Location".to_string(), location));
            r
        } else {
            SampleResponse::text_plain(502, "unknown host")
        };
        resp.delay += self.jitter(&host, path_and_query, hit);
        resp
    }

    /// One record per real company, in generation order.
    pub fn ground_truth(&self) -> &[TruthCompany] {
        &self.built.truth
    }

    /// Extra directory entries that repeat a company under a variant name; see the module docs.
    pub fn duplicate_listings(&self) -> &[TruthCompany] {
        &self.built.duplicates
    }

    /// The domains of the companies that have a website, in generation order.
    pub fn site_domains(&self) -> Vec<String> {
        self.built
            .truth
            .iter()
            .filter(|t| !t.domain.is_empty())
            .map(|t| t.domain.clone())
            .collect()
    }

    /// Number of real companies (the length of [`SampleWeb::ground_truth`]).
    pub fn companies(&self) -> usize {
        self.built.truth.len()
    }

    /// Industry slugs.
    pub fn industries() -> &'static [&'static str] {
        const SLUGS: [&str; data::INDUSTRIES.len()] = {
            let mut out = [""; data::INDUSTRIES.len()];
            let mut i = 0;
            while i < out.len() {
                out[i] = data::INDUSTRIES[i].slug;
                i += 1;
            }
            out
        };
        &SLUGS
    }

    /// City display names.
    pub fn cities() -> &'static [&'static str] {
        const NAMES: [&str; data::CITIES.len()] = {
            let mut out = [""; data::CITIES.len()];
            let mut i = 0;
            while i < out.len() {
                out[i] = data::CITIES[i].name;
                i += 1;
            }
            out
        };
        &NAMES
    }

    /// Returns the 1-based count of requests for `host path` including this one.
    fn count_hit(&self, host: &str, path_and_query: &str) -> u32 {
        let mut hits = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        let n = hits.entry(format!("{host} {path_and_query}")).or_insert(0);
        *n = n.saturating_add(1);
        *n
    }

    fn jitter(&self, host: &str, path_and_query: &str, hit: u32) -> Duration {
        let Some((lo, hi)) = self.opts.latency_ms else {
            return Duration::ZERO;
        };
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        let h = text::stable_hash(&[
            &self.opts.seed.to_le_bytes(),
            host.as_bytes(),
            path_and_query.as_bytes(),
            &hit.to_le_bytes(),
        ]);
        Duration::from_millis(lo + h % (hi - lo + 1))
    }

    fn respond_site(&self, i: usize, path: &str, hit: u32) -> SampleResponse {
        let truth = &self.built.truth[i];
        let mut resp = match truth.behaviour.as_str() {
            "down" => SampleResponse::html(503, site::error_page(503)),
            "flaky" if hit <= 2 => SampleResponse::html(503, site::error_page(503)),
            "rate-limited" if hit == 1 => {
                let mut r = SampleResponse::html(429, site::error_page(429));
                r.headers.push(("Retry-After".to_string(), "1".to_string()));
                r
            }
            _ => site::respond(&self.built, i, path),
        };
        if truth.behaviour == "slow" {
            resp.delay += Duration::from_millis(1500);
        }
        if let Some(site) = self.built.sites[i].as_ref() {
            if let Some(server) = site.server {
                resp.headers
                    .push(("Server".to_string(), server.to_string()));
            }
            if let Some(php) = site.powered_by {
                resp.headers
                    .push(("X-Powered-By".to_string(), php.to_string()));
            }
        }
        resp
    }
}
