//! The HTTP client of the crawler: honest User-Agent, the outbound proxy, timeouts, at most five
//! redirects, a body size cap, robots.txt obeyed and a per-host slot reserved in Postgres before
//! every request so the rate holds across all worker processes (a `governor` limiter per host
//! spaces this process's own requests before they reserve a slot).

use crate::net_guard::{NetGuard, SetupError};
use chrono::Utc;
use futures::StreamExt;
use leadgen_core::config::CrawlConfig;
use leadgen_core::repo::politeness;
use leadgen_core::stages::fetch::{crawl_delay, robots_allows};
use sqlx::PgPool;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// How long a fetched robots.txt is trusted.
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// Redirect hops followed before a fetch is given up.
pub const MAX_REDIRECTS: usize = 5;
/// Longest `Retry-After` honoured inline; longer pauses fail the request for a later retry.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(30);
/// Response headers kept with a page (technology detection reads them).
const KEPT_HEADERS: [&str; 5] = [
    "server",
    "x-powered-by",
    "content-type",
    "x-generator",
    "via",
];

/// Longest header value kept with a page.
const MAX_HEADER_VALUE: usize = 512;

/// The response headers kept with a page: those technology detection and the fetcher read,
/// every `x-` header (frameworks, caches and hosts announce themselves there), and the names of
/// the cookies set (`name=` only: values can be session secrets and are not stored).
fn kept_headers(all: &reqwest::header::HeaderMap) -> BTreeMap<String, String> {
    let mut headers = BTreeMap::new();
    let mut cookies: Vec<&str> = Vec::new();
    for (name, value) in all {
        let name = name.as_str();
        let Ok(v) = value.to_str() else { continue };
        if name == "set-cookie" {
            if let Some((cookie, _)) = v.split_once('=') {
                cookies.push(cookie.trim());
            }
        } else if (KEPT_HEADERS.contains(&name)
            || matches!(name, "retry-after" | "location" | "cf-ray")
            || name.starts_with("x-"))
            && v.len() <= MAX_HEADER_VALUE
        {
            headers
                .entry(name.to_string())
                .or_insert_with(|| v.to_string());
        }
    }
    if !cookies.is_empty() {
        let names: Vec<String> = cookies.iter().map(|c| format!("{c}=")).collect();
        headers.insert("set-cookie".to_string(), names.join("\n"));
    }
    headers
}

/// Largest answer read from a source's API (an Overpass answer for a big city is megabytes).
const SERVICE_MAX_BYTES: usize = 32 * 1024 * 1024;

/// The body of a [`ServiceCall`].
#[derive(Debug, Clone, Copy)]
pub enum ServiceBody<'a> {
    /// A `GET` without a body.
    None,
    /// A `POST` of form fields.
    Form(&'a [(&'a str, &'a str)]),
    /// A `POST` of JSON.
    Json(&'a serde_json::Value),
}

/// One request to a source's API.
#[derive(Debug, Clone, Copy)]
pub struct ServiceCall<'a> {
    /// The quota it counts against: `nominatim`, `overpass`, `google_places`.
    pub service: &'a str,
    /// Least time between two requests to the service.
    pub gap: Duration,
    /// URL.
    pub url: &'a str,
    /// Extra headers (API keys, field masks).
    pub headers: &'a [(&'a str, &'a str)],
    /// Body.
    pub body: ServiceBody<'a>,
}

/// A fetched response.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// URL after redirects.
    pub final_url: String,
    /// HTTP status.
    pub status: u16,
    /// Content type.
    pub content_type: Option<String>,
    /// Body as text (lossy UTF-8), cut at the size cap.
    pub body: String,
    /// Whether the body was cut.
    pub truncated: bool,
    /// Selected headers.
    pub headers: BTreeMap<String, String>,
    /// Request duration (of the last hop).
    pub elapsed: Duration,
    /// URLs that redirected, in order, before `final_url` answered.
    pub redirects: Vec<String>,
}

/// Why a fetch produced no usable response.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// robots.txt forbids the URL.
    #[error("robots.txt disallows {0}")]
    Disallowed(String),
    /// The destination is one the crawler may not reach (scheme, port, or a non-public address;
    /// see [`crate::net_guard`]); permanent, like a robots.txt refusal.
    #[error("refused {url}: {reason}")]
    Refused {
        /// URL.
        url: String,
        /// Why, e.g. "intranet.example resolves to a private address 10.0.0.5".
        reason: String,
    },
    /// The site answered with a server error or rate limit after inline retries; worth retrying later.
    #[error("{url} answered HTTP {status}")]
    Transient {
        /// URL.
        url: String,
        /// Status.
        status: u16,
    },
    /// Network failure (connect, timeout, TLS).
    #[error("{url}: {message}")]
    Network {
        /// URL.
        url: String,
        /// What happened.
        message: String,
    },
    /// The URL is unusable.
    #[error("invalid URL {0}")]
    InvalidUrl(String),
    /// More redirect hops than [`MAX_REDIRECTS`].
    #[error("{0}: more than 5 redirects")]
    TooManyRedirects(String),
    /// The politeness store could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl FetchError {
    /// Whether trying again later may succeed (never for robots.txt or safety refusals).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            FetchError::Transient { .. } | FetchError::Network { .. } | FetchError::Database(_)
        )
    }
}

/// The crawler's HTTP client.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    cfg: CrawlConfig,
    pool: PgPool,
    guard: Arc<NetGuard>,
    /// In-process spacing per host: concurrent jobs of this process for one host queue here
    /// instead of each reserving a slot further and further ahead in Postgres.
    local: Option<Arc<HostLimiter>>,
    /// One robots.txt fetch per host at a time in this process: jobs that miss the shared cache
    /// together wait for the first one's answer instead of each fetching the file.
    robots_flights: Arc<std::sync::Mutex<BTreeMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// robots.txt rules this process read lately, so a site's every request does not ask
    /// Postgres again; kept for [`LOCAL_ROBOTS_TTL`], within the shared cache's own expiry.
    robots_local: Arc<std::sync::Mutex<HashMap<String, LocalRobots>>>,
}

/// When this process read a host's robots.txt rules, and the rules.
type LocalRobots = (Instant, Arc<str>);

/// How long this process reuses a robots.txt it read from the shared cache. As short as the
/// shared cache keeps an unreadable file's disallow-all, so a recovered site is not refused
/// longer than it would be without the local copy.
const LOCAL_ROBOTS_TTL: Duration = Duration::from_secs(60);

/// Per-host GCRA limiter of one process.
type HostLimiter = governor::DefaultKeyedRateLimiter<String>;

/// How often a request waiting for another one to the same host to finish checks again.
const IN_FLIGHT_POLL: Duration = Duration::from_millis(20);
/// Hosts remembered by the in-process limiter before idle ones are forgotten.
const LOCAL_HOSTS: usize = 50_000;

/// Counts a request refused before it was sent (robots.txt, destination rules).
pub(crate) fn count_refusal(e: &FetchError) {
    if matches!(e, FetchError::Disallowed(_) | FetchError::Refused { .. }) {
        crate::metrics::refused();
    }
}

/// The certificates in the PEM file `path` (`LEADGEN_CA_FILE`), trusted besides the system's.
fn extra_roots(path: &str) -> Result<Vec<reqwest::Certificate>, SetupError> {
    let refused = |reason: String| SetupError::Roots(format!("LEADGEN_CA_FILE `{path}`: {reason}"));
    let pem = std::fs::read(path).map_err(|e| refused(e.to_string()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| refused(e.to_string()))?;
    if certs.is_empty() {
        return Err(refused("holds no PEM certificate".into()));
    }
    Ok(certs)
}

impl Fetcher {
    /// Builds the client from the crawl configuration. Unless private networks are allowed,
    /// names resolve to public addresses only, redirects are checked hop by hop, and a proxy
    /// on a non-public address (IP literal or `localhost`) is refused here.
    pub fn new(cfg: CrawlConfig, pool: PgPool) -> Result<Self, SetupError> {
        let guard = Arc::new(NetGuard::new(&cfg)?);
        let mut b = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(Duration::from_secs(10))
            .timeout(cfg.timeout)
            // Redirects are followed in `get`, hop by hop, each checked like a new request.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(30))
            .no_proxy();
        if let Some(resolver) = guard.resolver() {
            b = b.dns_resolver(resolver);
        }
        if let Some(p) = &cfg.proxy {
            b = b.proxy(reqwest::Proxy::all(p)?);
        }
        if let Some(path) = &cfg.ca_file {
            b = b.tls_certs_merge(extra_roots(path)?);
        }
        Ok(Self {
            client: b.build()?,
            local: governor::Quota::with_period(cfg.host_delay)
                .map(|q| Arc::new(governor::RateLimiter::keyed(q))),
            cfg,
            pool,
            guard,
            robots_flights: Default::default(),
            robots_local: Default::default(),
        })
    }

    /// The crawl configuration in force.
    pub fn config(&self) -> &CrawlConfig {
        &self.cfg
    }

    /// The sitemaps the robots.txt of `url`'s host declares (read from the shared cache, so
    /// after a fetch from that host this costs no request).
    pub async fn sitemaps(&self, url: &Url) -> Result<Vec<String>, FetchError> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let robots = self.robots(url, &host).await?;
        Ok(leadgen_core::stages::fetch::robots_sitemaps(&robots))
    }

    /// The User-Agent `host` is sent: the configured one, or the rotation entry its name picks
    /// (stable, so a site always sees the same one and robots.txt is read for it).
    pub fn agent_for(&self, host: &str) -> &str {
        match self.cfg.user_agents.len() {
            0 => &self.cfg.user_agent,
            n => {
                use std::hash::{Hash, Hasher};
                // Fixed keys: every worker process picks the same entry for a host.
                let mut h = std::hash::DefaultHasher::new();
                host.hash(&mut h);
                &self.cfg.user_agents[(h.finish() % n as u64) as usize]
            }
        }
    }

    /// The host of `url` and the gap its requests need, or why robots.txt or the destination
    /// rules forbid it.
    pub async fn allowed(&self, url: &str) -> Result<(String, Duration), FetchError> {
        let host = self.destination(url).await?;
        let parsed = Url::parse(url).map_err(|_| FetchError::InvalidUrl(url.into()))?;
        let robots = self.robots(&parsed, &host).await?;
        let agent = self.agent_for(&host);
        if !robots_allows(&robots, agent, url) {
            return Err(FetchError::Disallowed(url.into()));
        }
        let delay = crawl_delay(&robots, agent)
            .map(Duration::from_secs_f64)
            .unwrap_or(Duration::ZERO)
            .max(self.cfg.host_delay);
        Ok((host, delay))
    }

    /// Runs `work` (one request to `host`) in the host's next request slot, `gap` after the
    /// previous one across all workers, with no other request to the host in flight meanwhile.
    ///
    /// The claim holds the host until its next slot, which no request may start before anyway:
    /// work that finishes well within that (nearly every response) needs no second statement to
    /// free the host. Work still running at half the gap holds the host for the request
    /// timeout, and frees it when done.
    pub async fn in_slot<T>(
        &self,
        host: &str,
        gap: Duration,
        work: impl std::future::Future<Output = T>,
    ) -> Result<T, FetchError> {
        self.take_slot(host, gap, gap).await?;
        tokio::pin!(work);
        tokio::select! {
            done = &mut work => return Ok(done),
            _ = tokio::time::sleep(gap / 2) => {}
        }
        // The lease outlasts the request's own timeout, so it only expires for a dead worker.
        politeness::hold_host(&self.pool, host, self.cfg.timeout + Duration::from_secs(5)).await?;
        let done = work.await;
        politeness::release_host(&self.pool, host).await?;
        Ok(done)
    }

    /// The HTTP client behind every fetch (destination rules, outbound proxy, timeouts, no
    /// redirects followed), for requests checked and spaced by the caller.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Waits for this process's turn, then for the host's next slot (spacing) with no other
    /// request to it in flight anywhere, and holds the host for `lease`.
    async fn take_slot(
        &self,
        host: &str,
        gap: Duration,
        lease: Duration,
    ) -> Result<(), FetchError> {
        let asked = Instant::now();
        if let Some(local) = &self.local {
            local.until_key_ready(&host.to_string()).await;
            if local.len() > LOCAL_HOSTS {
                local.retain_recent();
            }
        }
        // One statement per try: usually the first, since the limiter above has already
        // waited out this process's own last request. Another worker's request, a longer
        // Crawl-delay or a Retry-After pause make it wait for the host's next slot; a slow
        // response still in flight is polled for, its lease bounding the wait even if its
        // worker died.
        while let Some((next, busy)) = politeness::try_claim(&self.pool, host, gap, lease).await? {
            let wait = (next - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            tokio::time::sleep(if busy { wait.max(IN_FLIGHT_POLL) } else { wait }).await;
        }
        crate::metrics::waited_for_slot(asked.elapsed());
        Ok(())
    }

    /// Fetches `url` politely: robots.txt checked, a per-host slot reserved, 429/503 with
    /// `Retry-After` and other 5xx retried a few times inline with backoff.
    ///
    /// Redirects are followed here, at most [`MAX_REDIRECTS`], each hop a request of its own:
    /// checked against robots.txt and the destination rules, in its host's slot. The hops are
    /// in [`Fetched::redirects`].
    pub async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        self.follow(url, true).await
    }

    /// Requests `url` and follows its redirects, each hop checked and spaced like a request of
    /// its own; `obey_robots` is false only for robots.txt itself (which RFC 9309 says to
    /// follow through redirects).
    async fn follow(&self, url: &str, obey_robots: bool) -> Result<Fetched, FetchError> {
        let mut current = url.to_string();
        let mut redirects = Vec::new();
        loop {
            let (host, delay) = if obey_robots {
                self.allowed(&current).await.inspect_err(count_refusal)?
            } else {
                (self.destination(&current).await?, self.cfg.host_delay)
            };
            let mut resp = self.with_retries(&current, &host, delay).await?;
            let location = resp.headers.get("location").cloned();
            let next = match (resp.status, location) {
                (301 | 302 | 303 | 307 | 308, Some(loc)) => Url::parse(&current)
                    .and_then(|base| base.join(loc.trim()))
                    .ok(),
                _ => None,
            };
            let Some(next) = next else {
                resp.redirects = redirects;
                return Ok(resp);
            };
            if redirects.len() == MAX_REDIRECTS {
                return Err(FetchError::TooManyRedirects(url.into()));
            }
            redirects.push(current);
            current = next.to_string();
        }
    }

    /// The host of `url` when the crawler may connect to it at all (scheme, port, address).
    pub async fn destination(&self, url: &str) -> Result<String, FetchError> {
        self.guard.check(url).await?;
        Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .ok_or_else(|| FetchError::InvalidUrl(url.into()))
    }

    /// One request in the host's slots, with 429/503 (`Retry-After` honoured, the host paused)
    /// and other 5xx retried inline with backoff a few times.
    async fn with_retries(
        &self,
        url: &str,
        host: &str,
        delay: Duration,
    ) -> Result<Fetched, FetchError> {
        let mut last = None;
        for attempt in 0..3u32 {
            let resp = self.polite_request(url, host, delay).await?;
            if resp.status == 429 || resp.status >= 500 {
                let wait = resp
                    .headers
                    .get("retry-after")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs)
                    .unwrap_or(Duration::from_millis(500 * 2u64.pow(attempt)));
                if wait > MAX_INLINE_WAIT {
                    return Err(FetchError::Transient {
                        url: url.into(),
                        status: resp.status,
                    });
                }
                let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                politeness::pause_host(&self.pool, host, until).await?;
                last = Some(resp.status);
                continue;
            }
            return Ok(resp);
        }
        Err(FetchError::Transient {
            url: url.into(),
            status: last.unwrap_or(503),
        })
    }

    async fn polite_request(
        &self,
        url: &str,
        host: &str,
        gap: Duration,
    ) -> Result<Fetched, FetchError> {
        self.in_slot(host, gap, self.request(url)).await?
    }

    /// The host's robots.txt, from the shared cache or fetched once. A missing file (4xx) allows
    /// everything; one that cannot be read (5xx, network) disallows until it can.
    async fn robots(&self, url: &Url, host: &str) -> Result<Arc<str>, FetchError> {
        if let Some(rules) = self.local_robots(host) {
            return Ok(rules);
        }
        let rules = self.shared_robots(url, host).await?;
        let mut local = self.robots_local.lock().unwrap_or_else(|e| e.into_inner());
        if local.len() >= LOCAL_HOSTS {
            local.retain(|_, (at, _)| at.elapsed() < LOCAL_ROBOTS_TTL);
        }
        local.insert(host.to_string(), (Instant::now(), rules.clone()));
        Ok(rules)
    }

    /// The rules this process read for `host` less than [`LOCAL_ROBOTS_TTL`] ago.
    fn local_robots(&self, host: &str) -> Option<Arc<str>> {
        let local = self.robots_local.lock().unwrap_or_else(|e| e.into_inner());
        local
            .get(host)
            .filter(|(at, _)| at.elapsed() < LOCAL_ROBOTS_TTL)
            .map(|(_, rules)| rules.clone())
    }

    /// The host's robots.txt from the cache all workers share, or fetched into it.
    async fn shared_robots(&self, url: &Url, host: &str) -> Result<Arc<str>, FetchError> {
        // One lookup, under this process's turn for the host: whoever held the turn before has
        // stored its answer by then.
        let flight = self
            .robots_flights
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(host.to_string())
            .or_default()
            .clone();
        let result = {
            let _turn = flight.lock().await;
            match politeness::robots(&self.pool, host).await {
                Ok(Some(r)) => Ok(robots_body(r.http_status, r.body).into()),
                Ok(None) => self.fetch_robots(url, host).await.map(Arc::from),
                Err(e) => Err(e.into()),
            }
        };
        let mut flights = self
            .robots_flights
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // The map's handle and ours: nobody else is waiting for this host.
        if Arc::strong_count(&flight) <= 2 {
            flights.remove(host);
        }
        result
    }

    /// Fetches, caches and returns `host`'s robots.txt (see [`Fetcher::robots`]).
    async fn fetch_robots(&self, url: &Url, host: &str) -> Result<String, FetchError> {
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        // A 429 or 5xx is retried like any page; only a lasting failure disallows (a 429 is
        // "not now", never the "no robots.txt" that other 4xx answers mean).
        // Boxed: following redirects checks robots.txt, which may fetch robots.txt.
        let (status, body, ttl) = match Box::pin(self.follow(robots_url.as_str(), false)).await {
            Ok(r) if r.status < 500 && r.status != 429 => (r.status as i32, r.body, ROBOTS_TTL),
            Ok(r) => (r.status as i32, String::new(), Duration::from_secs(60)),
            // RFC 9309: after too many redirects the file may be taken as unavailable.
            Err(FetchError::TooManyRedirects(_)) => (404, String::new(), ROBOTS_TTL),
            Err(FetchError::Transient { status, .. }) => {
                (status as i32, String::new(), Duration::from_secs(60))
            }
            Err(e) if e.is_transient() => (0, String::new(), Duration::from_secs(60)),
            Err(e) => return Err(e),
        };
        politeness::put_robots(&self.pool, host, status, &body, ttl).await?;
        let body = robots_body(status, body);
        // The robots.txt request itself went out at the default gap; a longer Crawl-delay
        // applies from it on, so the first page waits for it too.
        if let Some(d) = crawl_delay(&body, self.agent_for(host)).map(Duration::from_secs_f64)
            && d > self.cfg.host_delay
        {
            let until = Utc::now() + chrono::Duration::from_std(d).unwrap_or_default();
            politeness::pause_host(&self.pool, host, until).await?;
        }
        Ok(body)
    }

    async fn request(&self, url: &str) -> Result<Fetched, FetchError> {
        let host = Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
            .unwrap_or_default();
        let req = self
            .client
            .get(url)
            .header(reqwest::header::USER_AGENT, self.agent_for(&host));
        self.send(req, url, self.cfg.max_page_bytes, false).await
    }

    /// Sends `req` and reads the answer: up to `cap` bytes of a text body (of any body when
    /// `any_type`), binary types recorded but not read.
    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        url: &str,
        cap: usize,
        any_type: bool,
    ) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        let resp = req.send().await.map_err(|e| {
            crate::metrics::fetched(0);
            FetchError::Network {
                url: url.into(),
                message: error_chain(&e),
            }
        })?;
        let status = resp.status().as_u16();
        crate::metrics::fetched(status);
        let final_url = resp.url().to_string();
        let headers = kept_headers(resp.headers());
        let content_type = headers.get("content-type").cloned();
        let mut body = Vec::new();
        let mut truncated = false;
        // PDFs, images and other binary types are recorded (status, type, headers), not read.
        let readable = any_type || content_type.as_deref().is_none_or(is_text_type);
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await
            && readable
        {
            let chunk = chunk.map_err(|e| FetchError::Network {
                url: url.into(),
                message: error_chain(&e),
            })?;
            let room = cap.saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched {
            final_url,
            status,
            content_type,
            body: String::from_utf8_lossy(&body).into_owned(),
            truncated,
            headers,
            elapsed: started.elapsed(),
            redirects: Vec::new(),
        })
    }

    /// A request to a source's API rather than a web page: no robots.txt (the service's own
    /// terms and quotas govern it), the destination checked like any fetch, and one slot of
    /// the service's quota (`gap` apart, across all workers) per request. A 429 pauses the
    /// service for its `Retry-After` (30 s without one) and is returned to the caller.
    pub async fn call_service(&self, call: ServiceCall<'_>) -> Result<Fetched, FetchError> {
        self.destination(call.url).await?;
        let key = format!("service:{}", call.service);
        let slot = politeness::reserve_slot(&self.pool, &key, call.gap).await?;
        tokio::time::sleep((slot - Utc::now()).to_std().unwrap_or(Duration::ZERO)).await;
        let mut req = match call.body {
            ServiceBody::None => self.client.get(call.url),
            ServiceBody::Form(pairs) => {
                let mut ser = url::form_urlencoded::Serializer::new(String::new());
                for (k, v) in pairs {
                    ser.append_pair(k, v);
                }
                self.client
                    .post(call.url)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    )
                    .body(ser.finish())
            }
            ServiceBody::Json(v) => self.client.post(call.url).json(v),
        };
        req = req.header(reqwest::header::USER_AGENT, &self.cfg.user_agent);
        for (k, v) in call.headers {
            req = req.header(*k, *v);
        }
        let resp = self.send(req, call.url, SERVICE_MAX_BYTES, true).await?;
        if resp.status == 429 {
            let wait = resp
                .headers
                .get("retry-after")
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map_or(Duration::from_secs(30), Duration::from_secs);
            let until = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            politeness::pause_host(&self.pool, &key, until).await?;
        }
        Ok(resp)
    }

    /// Fetches a URL politely without robots.txt (robots.txt itself, source APIs that have
    /// their own terms); still one request per slot.
    pub async fn get_unchecked(&self, url: &str) -> Result<Fetched, FetchError> {
        let parsed = Url::parse(url).map_err(|_| FetchError::InvalidUrl(url.into()))?;
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        self.polite_request(url, &host, self.cfg.host_delay).await
    }
}

/// Whether a body of this media type is text the crawler reads (HTML, XHTML, XML such as
/// sitemaps, plain text such as robots.txt).
fn is_text_type(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media.starts_with("text/") || media.ends_with("/xml") || media.ends_with("+xml")
}

/// What to obey for a cached robots.txt response: the body for 2xx, allow-all for 4xx,
/// disallow-all when it could not be read.
fn robots_body(status: i32, body: String) -> String {
    match status {
        200..=299 => body,
        429 => "User-agent: *\nDisallow: /\n".into(),
        400..=499 => String::new(),
        _ => "User-agent: *\nDisallow: /\n".into(),
    }
}

/// An error with its sources, `outer: inner: innermost`.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
