//! The HTTP client of the crawler: honest User-Agent, the outbound proxy, timeouts, at most five
//! redirects, a body size cap, robots.txt obeyed and a per-host slot reserved in Postgres before
//! every request so the rate holds across all worker processes.

use chrono::Utc;
use futures::StreamExt;
use leadgen_core::config::CrawlConfig;
use leadgen_core::repo::politeness;
use leadgen_core::stages::fetch::{crawl_delay, robots_allows};
use sqlx::PgPool;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use url::Url;

/// How long a fetched robots.txt is trusted.
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
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
    /// Request duration.
    pub elapsed: Duration,
}

/// Why a fetch produced no usable response.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// robots.txt forbids the URL.
    #[error("robots.txt disallows {0}")]
    Disallowed(String),
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
    /// The politeness store could not be reached.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl FetchError {
    /// Whether trying again later may succeed.
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
}

impl Fetcher {
    /// Builds the client from the crawl configuration.
    pub fn new(cfg: CrawlConfig, pool: PgPool) -> Result<Self, reqwest::Error> {
        let mut b = reqwest::Client::builder()
            .user_agent(cfg.user_agent.clone())
            .connect_timeout(Duration::from_secs(10))
            .timeout(cfg.timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .pool_idle_timeout(Duration::from_secs(30))
            .no_proxy();
        if let Some(p) = &cfg.proxy {
            b = b.proxy(reqwest::Proxy::all(p)?);
        }
        Ok(Self {
            client: b.build()?,
            cfg,
            pool,
        })
    }

    /// The crawl configuration in force.
    pub fn config(&self) -> &CrawlConfig {
        &self.cfg
    }

    /// The host of `url` and the gap its requests need, or why robots.txt forbids it.
    async fn allowed(&self, url: &str) -> Result<(String, Duration), FetchError> {
        let parsed = Url::parse(url).map_err(|_| FetchError::InvalidUrl(url.into()))?;
        let host = parsed
            .host_str()
            .ok_or_else(|| FetchError::InvalidUrl(url.into()))?
            .to_ascii_lowercase();
        let robots = self.robots(&parsed, &host).await?;
        if !robots_allows(&robots, &self.cfg.user_agent, url) {
            return Err(FetchError::Disallowed(url.into()));
        }
        let delay = crawl_delay(&robots, &self.cfg.user_agent)
            .map(Duration::from_secs_f64)
            .unwrap_or(Duration::ZERO)
            .max(self.cfg.host_delay);
        Ok((host, delay))
    }

    /// Checks robots.txt for `url` and waits for the host's next request slot, for requests
    /// made by another client (the browser).
    pub async fn permit(&self, url: &str) -> Result<(), FetchError> {
        let (host, delay) = self.allowed(url).await?;
        let slot = politeness::reserve_slot(&self.pool, &host, delay).await?;
        tokio::time::sleep((slot - Utc::now()).to_std().unwrap_or(Duration::ZERO)).await;
        Ok(())
    }

    /// Fetches `url` politely: robots.txt checked, a per-host slot reserved, 429/503 with
    /// `Retry-After` and other 5xx retried a few times inline with backoff.
    pub async fn get(&self, url: &str) -> Result<Fetched, FetchError> {
        let (host, delay) = self.allowed(url).await?;
        let mut last = None;
        for attempt in 0..3u32 {
            let resp = self.polite_request(url, &host, delay).await?;
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
                politeness::pause_host(&self.pool, &host, until).await?;
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
        let slot = politeness::reserve_slot(&self.pool, host, gap).await?;
        let wait = (slot - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        tokio::time::sleep(wait).await;
        self.request(url).await
    }

    /// The host's robots.txt, from the shared cache or fetched once. A missing file (4xx) allows
    /// everything; one that cannot be read (5xx, network) disallows until it can.
    async fn robots(&self, url: &Url, host: &str) -> Result<String, FetchError> {
        if let Some(r) = politeness::robots(&self.pool, host).await? {
            return Ok(robots_body(r.http_status, r.body));
        }
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        let (status, body, ttl) = match self
            .polite_request(robots_url.as_str(), host, self.cfg.host_delay)
            .await
        {
            Ok(r) if r.status < 500 => (r.status as i32, r.body, ROBOTS_TTL),
            Ok(r) => (r.status as i32, String::new(), Duration::from_secs(60)),
            Err(_) => (0, String::new(), Duration::from_secs(60)),
        };
        politeness::put_robots(&self.pool, host, status, &body, ttl).await?;
        Ok(robots_body(status, body))
    }

    async fn request(&self, url: &str) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        let resp = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| FetchError::Network {
                url: url.into(),
                message: error_chain(&e),
            })?;
        let status = resp.status().as_u16();
        let final_url = resp.url().to_string();
        let mut headers = BTreeMap::new();
        for name in KEPT_HEADERS.iter().chain(&["retry-after"]) {
            if let Some(v) = resp.headers().get(*name).and_then(|v| v.to_str().ok()) {
                headers.insert(name.to_string(), v.to_string());
            }
        }
        let content_type = headers.get("content-type").cloned();
        let mut body = Vec::new();
        let mut truncated = false;
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| FetchError::Network {
                url: url.into(),
                message: error_chain(&e),
            })?;
            let room = self.cfg.max_page_bytes.saturating_sub(body.len());
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
        })
    }

    /// Fetches a URL politely without robots.txt (robots.txt itself, source APIs that have
    /// their own terms); still one request per slot.
    pub async fn get_unchecked(&self, url: &str) -> Result<Fetched, FetchError> {
        let parsed = Url::parse(url).map_err(|_| FetchError::InvalidUrl(url.into()))?;
        let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
        self.polite_request(url, &host, self.cfg.host_delay).await
    }
}

/// What to obey for a cached robots.txt response: the body for 2xx, allow-all for 4xx,
/// disallow-all when it could not be read.
fn robots_body(status: i32, body: String) -> String {
    match status {
        200..=299 => body,
        400..=499 => String::new(),
        _ => "User-agent: *\nDisallow: /\n".into(),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
