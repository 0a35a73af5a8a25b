//! Typed configuration read from the environment once at start-up and validated there.
//!
//! Variables: `DATABASE_URL`, `LEADGEN_BIND`, `LEADGEN_ENV`, `LEADGEN_PUBLIC_URL`,
//! `LEADGEN_PROXY`, `LEADGEN_USER_AGENT`, `LEADGEN_USER_AGENTS`, `LEADGEN_DOMAIN_DELAY_MS`, `LEADGEN_PAGE_BUDGET`, `LEADGEN_FETCH_CONCURRENCY`,
//! `LEADGEN_FETCH_TIMEOUT_MS`, `LEADGEN_MAX_PAGE_BYTES`, `LEADGEN_FRESHNESS_HOURS`, `LEADGEN_SCORING`,
//! `LEADGEN_WEBDRIVER_URL`, `LEADGEN_CHROMEDRIVER`, `LEADGEN_RENDER_SESSIONS`,
//! `LEADGEN_RENDER_TIMEOUT_MS`, `LEADGEN_MAX_ATTEMPTS`, `LEADGEN_LOG_FORMAT`, `LEADGEN_SMTP_URL`,
//! `LEADGEN_MAIL_FROM`, `LEADGEN_NOTIFY_TO`, `LEADGEN_ALLOW_PRIVATE_NETWORKS`, `LEADGEN_CA_FILE`,
//! `LEADGEN_METRICS_BIND`, `LEADGEN_METRICS_TOKEN` and the API's security settings listed in [`SecurityConfig`], the lead form's in
//! [`IntakeConfig`] and the discovery sources' in [`SourcesConfig`].
//!
//! `LEADGEN_ALLOW_PRIVATE_NETWORKS` (`true` or `false`, default `false`): by default the crawler
//! only reaches public addresses on ports 80 and 443 and refuses a non-public outbound proxy
//! (see [`crate::destination`]); `true` lets it reach loopback, private and other non-public
//! networks and any port, for crawling an intranet or the sample web on loopback.
//! A bad value is reported with the variable's name and the reason; the database URL's password
//! is never printed, nor the SMTP URL (it may carry credentials).

mod intake;
mod security;
mod sources;

pub use intake::{ClamAv, FormText, IntakeConfig};
pub use security::{Rate, RateLimits, RouteGroup, SecurityConfig, TlsFiles};
pub use sources::{OsmConfig, PlacesConfig, SourcesConfig, default_intervals};
use std::net::SocketAddr;
use std::time::Duration;

/// A configuration variable that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration variable {var} is invalid: {reason}")]
pub struct ConfigError {
    /// The environment variable's name.
    pub var: &'static str,
    /// Why it was refused.
    pub reason: String,
}

/// Everything the processes need to know about their environment.
#[derive(Clone)]
pub struct Config {
    /// Postgres connection URL (secret: never logged).
    pub database_url: Option<String>,
    /// A read replica of it (`DATABASE_REPLICA_URL`): the API runs its read-only queries there
    /// (lead list, export, analytics); unset: everything on the primary.
    pub database_replica_url: Option<String>,
    /// Address the API listens on.
    pub bind: SocketAddr,
    /// development, staging or production.
    pub environment: String,
    /// Public base URL of the dashboard and API, for links.
    pub public_url: Option<String>,
    /// Crawler settings.
    pub crawl: CrawlConfig,
    /// Discovery sources (see [`SourcesConfig`]).
    pub sources: SourcesConfig,
    /// Scoring weights and quality thresholds (`LEADGEN_SCORING`: a TOML file, see
    /// [`crate::stages::score::Weights::from_toml`]; documented defaults without it).
    pub weights: crate::stages::score::Weights,
    /// Deduplication thresholds (`LEADGEN_DEDUP_THRESHOLDS`).
    pub dedup: crate::dedup::Thresholds,
    /// WebDriver endpoint (chromedriver) for rendering JavaScript-only pages.
    pub webdriver_url: Option<String>,
    /// Path of a chromedriver binary the worker starts and supervises itself.
    pub chromedriver: Option<String>,
    /// Browser sessions rendering at once per worker process.
    pub render_sessions: usize,
    /// Longest a browser page load may take.
    pub render_timeout: Duration,
    /// How often a failing stage job is tried before it is given up.
    pub max_attempts: u32,
    /// Emit JSON logs.
    pub json_logs: bool,
    /// Outgoing email.
    pub mail: MailConfig,
    /// Who may reach the API and how hard (see [`SecurityConfig`]).
    pub security: SecurityConfig,
    /// The public lead form (see [`IntakeConfig`]).
    pub intake: IntakeConfig,
    /// Leads without activity for this long are deleted with their files, leaving an audit
    /// tombstone (`LEADGEN_RETENTION_DAYS`, default 730 = 2 years; 0 keeps leads forever).
    pub retention: Option<Duration>,
    /// How email domains are checked for mail exchangers.
    pub email_dns: EmailDnsConfig,
    /// Where `leadgen worker` serves its own metrics at `/metrics` (`LEADGEN_METRICS_BIND`;
    /// unset: not served). The API serves the system's at `/metrics` on its own address.
    pub metrics_bind: Option<SocketAddr>,
    /// Bearer token `/metrics` asks for (`LEADGEN_METRICS_TOKEN`, at least 16 characters);
    /// unset: open, for a scraper on a private network.
    pub metrics_token: Option<String>,
    /// Over a large lead store, the all-leads analytics summary may be this old
    /// (`LEADGEN_ANALYTICS_MAX_AGE_SECS`, default 60; 0 always computes it afresh).
    pub analytics_max_age: Duration,
}

/// Where the worker asks DNS about email domains (`LEADGEN_DNS_SERVERS`,
/// `LEADGEN_DNS_TIMEOUT_MS`, `LEADGEN_MAIL_DOMAIN_TTL_HOURS`).
#[derive(Clone, Debug, PartialEq)]
pub struct EmailDnsConfig {
    /// `None`: no lookups (every address stays `unverified`); an empty list: the system's
    /// resolvers (`/etc/resolv.conf`); else these servers.
    pub servers: Option<Vec<SocketAddr>>,
    /// Longest one lookup may take before the address is left `unverified`.
    pub timeout: Duration,
    /// How long an answer is kept in the shared cache.
    pub ttl: Duration,
}

impl Default for EmailDnsConfig {
    fn default() -> Self {
        EmailDnsConfig {
            servers: Some(Vec::new()),
            timeout: Duration::from_secs(3),
            ttl: Duration::from_secs(7 * 86_400),
        }
    }
}

/// Reads `LEADGEN_DNS_SERVERS`: `system` (default), `off`, or a comma-separated list of
/// `ip` or `ip:port` (port 53 when left out).
pub fn parse_dns_servers(value: &str) -> Result<Option<Vec<SocketAddr>>, String> {
    match value.trim() {
        "" | "system" => Ok(Some(Vec::new())),
        "off" => Ok(None),
        list => list
            .split(',')
            .map(str::trim)
            .map(|s| {
                s.parse::<SocketAddr>()
                    .or_else(|_| {
                        s.parse::<std::net::IpAddr>()
                            .map(|ip| SocketAddr::new(ip, 53))
                    })
                    .map_err(|_| format!("`{s}` is not an IP address or IP:port"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}

/// Outgoing email: where it is sent from and through, and who on staff hears of searches.
#[derive(Clone)]
pub struct MailConfig {
    /// SMTP server URL (`smtp://host:port`, `smtps://user:pass@host`, `?tls=required`);
    /// secret, never logged. Without it no email is sent.
    pub smtp_url: Option<String>,
    /// From: mailbox, `Name <address>` or a bare address.
    pub from: String,
    /// Staff addresses told of completed searches and new inbound leads.
    pub notify_to: Vec<String>,
    /// Without an SMTP server, emails are written here as `.eml` files instead
    /// (`LEADGEN_MAIL_DIR`, default `.leadgen/mail`), so nothing is lost and the demo shows them.
    pub mail_dir: std::path::PathBuf,
}

impl MailConfig {
    /// The domain of the From: address, used in Message-IDs.
    pub fn from_domain(&self) -> &str {
        let addr = self.from.rsplit('<').next().unwrap_or(&self.from);
        addr.rsplit('@')
            .next()
            .unwrap_or("localhost")
            .trim_end_matches('>')
    }
}

/// How the crawler behaves toward websites.
#[derive(Clone, Debug)]
pub struct CrawlConfig {
    /// Outbound HTTP proxy for every fetch (also how tests reach the sample web).
    pub proxy: Option<String>,
    /// User-Agent sent with every request; its first word is the robots.txt product token.
    pub user_agent: String,
    /// Optional rotation (`LEADGEN_USER_AGENTS`, `|`-separated): each host is always sent the
    /// same one of them, chosen by the host's name, and robots.txt is obeyed for that one's
    /// product token. Empty: `user_agent` for every host.
    pub user_agents: Vec<String>,
    /// Minimum time between two requests to one host, across all workers.
    pub host_delay: Duration,
    /// Most pages fetched per site.
    pub page_budget: usize,
    /// Sites one worker process crawls at once (`LEADGEN_FETCH_CONCURRENCY`, default 64). A
    /// site's fetch job mostly waits for its host's next slot, so this is what lets many polite
    /// hosts be fetched side by side; each costs a little memory, not a thread.
    pub fetch_concurrency: usize,
    /// Total time allowed for one request.
    pub timeout: Duration,
    /// Largest body read; the rest is cut and the page marked truncated.
    pub max_page_bytes: usize,
    /// A site whose pages were fetched this recently (by any search) is not fetched again: its
    /// stored pages are reused (`LEADGEN_FRESHNESS_HOURS`, default 168 = 7 days; 0 = always fetch).
    pub freshness: Duration,
    /// Whether loopback, private and other non-public addresses (and ports other than 80 and
    /// 443) may be reached, directly or as the outbound proxy.
    pub allow_private_networks: bool,
    /// A PEM file of certificates trusted besides the system's (`LEADGEN_CA_FILE`), for sites
    /// behind an organisation's own certificate authority (an intranet, a TLS-inspecting
    /// proxy). Fetches and the browser's requests both verify against it.
    pub ca_file: Option<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url.as_ref().map(|_| "<set>"))
            .field(
                "database_replica_url",
                &self.database_replica_url.as_ref().map(|_| "<set>"),
            )
            .field("bind", &self.bind)
            .field("environment", &self.environment)
            .field("crawl", &self.crawl)
            .field("sources", &self.sources)
            .field("weights", &self.weights)
            .field("webdriver_url", &self.webdriver_url)
            .field("smtp_url", &self.mail.smtp_url.as_ref().map(|_| "<set>"))
            .field("mail_from", &self.mail.from)
            .field("notify_to", &self.mail.notify_to)
            .field("security", &self.security)
            .field("intake", &self.intake)
            .field("metrics_bind", &self.metrics_bind)
            .field("analytics_max_age", &self.analytics_max_age)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<set>"),
            )
            .finish_non_exhaustive()
    }
}

/// The product's default User-Agent: names the product, its version and where to learn more.
pub fn default_user_agent() -> String {
    format!(
        "leadgen/{} (+https://github.com/leadgen/leadgen#crawler)",
        env!("CARGO_PKG_VERSION")
    )
}

impl Config {
    /// Reads and validates the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `get`, so tests can pass variables without touching the
    /// process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let bind = parse(
            "LEADGEN_BIND",
            non_empty("LEADGEN_BIND"),
            "127.0.0.1:8080".parse().expect("valid default"),
        )?;
        let metrics_bind = match non_empty("LEADGEN_METRICS_BIND") {
            None => None,
            Some(v) => Some(v.trim().parse::<SocketAddr>().map_err(|e| ConfigError {
                var: "LEADGEN_METRICS_BIND",
                reason: format!("`{v}` is not an address such as 0.0.0.0:9187: {e}"),
            })?),
        };
        let metrics_token = non_empty("LEADGEN_METRICS_TOKEN");
        let analytics_max_age: u64 = parse(
            "LEADGEN_ANALYTICS_MAX_AGE_SECS",
            non_empty("LEADGEN_ANALYTICS_MAX_AGE_SECS"),
            60,
        )?;
        if analytics_max_age > 86_400 {
            return Err(ConfigError {
                var: "LEADGEN_ANALYTICS_MAX_AGE_SECS",
                reason: "must be at most 86400 (a day)".into(),
            });
        }
        if metrics_token.as_ref().is_some_and(|t| t.trim().len() < 16) {
            return Err(ConfigError {
                var: "LEADGEN_METRICS_TOKEN",
                reason: "must be at least 16 characters".into(),
            });
        }
        let environment = non_empty("LEADGEN_ENV").unwrap_or_else(|| "development".into());
        if !["development", "staging", "production"].contains(&environment.as_str()) {
            return Err(ConfigError {
                var: "LEADGEN_ENV",
                reason: format!("`{environment}` is not one of development, staging, production"),
            });
        }
        let database_url = non_empty("DATABASE_URL");
        if let Some(url) = &database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                var: "DATABASE_URL",
                reason: "must start with postgres:// or postgresql://".into(),
            });
        }
        let database_replica_url = non_empty("DATABASE_REPLICA_URL");
        if let Some(url) = &database_replica_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                var: "DATABASE_REPLICA_URL",
                reason: "must start with postgres:// or postgresql://".into(),
            });
        }
        let proxy = non_empty("LEADGEN_PROXY");
        if let Some(p) = &proxy {
            check_url("LEADGEN_PROXY", p)?;
        }
        let public_url = non_empty("LEADGEN_PUBLIC_URL");
        if let Some(p) = &public_url {
            check_url("LEADGEN_PUBLIC_URL", p)?;
        }
        let webdriver_url = non_empty("LEADGEN_WEBDRIVER_URL");
        if let Some(p) = &webdriver_url {
            check_url("LEADGEN_WEBDRIVER_URL", p)?;
        }
        let ca_file = non_empty("LEADGEN_CA_FILE");
        if let Some(p) = &ca_file
            && !std::path::Path::new(p).is_file()
        {
            return Err(ConfigError {
                var: "LEADGEN_CA_FILE",
                reason: format!("`{p}` is not a file"),
            });
        }
        let chromedriver = non_empty("LEADGEN_CHROMEDRIVER");
        if let Some(p) = &chromedriver
            && !std::path::Path::new(p).is_file()
        {
            return Err(ConfigError {
                var: "LEADGEN_CHROMEDRIVER",
                reason: format!("`{p}` is not a file"),
            });
        }
        let render_sessions: usize = parse(
            "LEADGEN_RENDER_SESSIONS",
            non_empty("LEADGEN_RENDER_SESSIONS"),
            2,
        )?;
        if render_sessions == 0 || render_sessions > 32 {
            return Err(ConfigError {
                var: "LEADGEN_RENDER_SESSIONS",
                reason: "must be between 1 and 32".into(),
            });
        }
        let render_timeout_ms: u64 = parse(
            "LEADGEN_RENDER_TIMEOUT_MS",
            non_empty("LEADGEN_RENDER_TIMEOUT_MS"),
            20_000,
        )?;
        let sources = sources::sources_config(&non_empty)?;
        let weights = match non_empty("LEADGEN_SCORING") {
            None => crate::stages::score::Weights::default(),
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
                    var: "LEADGEN_SCORING",
                    reason: format!("`{path}`: {e}"),
                })?;
                crate::stages::score::Weights::from_toml(&text, &path).map_err(|reason| {
                    ConfigError {
                        var: "LEADGEN_SCORING",
                        reason,
                    }
                })?
            }
        };
        let host_delay_ms: u64 = parse(
            "LEADGEN_DOMAIN_DELAY_MS",
            non_empty("LEADGEN_DOMAIN_DELAY_MS"),
            1000,
        )?;
        let page_budget: usize = parse("LEADGEN_PAGE_BUDGET", non_empty("LEADGEN_PAGE_BUDGET"), 8)?;
        if page_budget == 0 || page_budget > 100 {
            return Err(ConfigError {
                var: "LEADGEN_PAGE_BUDGET",
                reason: "must be between 1 and 100".into(),
            });
        }
        let fetch_concurrency: usize = parse(
            "LEADGEN_FETCH_CONCURRENCY",
            non_empty("LEADGEN_FETCH_CONCURRENCY"),
            64,
        )?;
        if fetch_concurrency == 0 || fetch_concurrency > 4096 {
            return Err(ConfigError {
                var: "LEADGEN_FETCH_CONCURRENCY",
                reason: "must be between 1 and 4096".into(),
            });
        }
        let timeout_ms: u64 = parse(
            "LEADGEN_FETCH_TIMEOUT_MS",
            non_empty("LEADGEN_FETCH_TIMEOUT_MS"),
            15_000,
        )?;
        let freshness_hours: u64 = parse(
            "LEADGEN_FRESHNESS_HOURS",
            non_empty("LEADGEN_FRESHNESS_HOURS"),
            168,
        )?;
        if freshness_hours > 24 * 365 {
            return Err(ConfigError {
                var: "LEADGEN_FRESHNESS_HOURS",
                reason: "must be at most 8760 (a year)".into(),
            });
        }
        let max_page_bytes: usize = parse(
            "LEADGEN_MAX_PAGE_BYTES",
            non_empty("LEADGEN_MAX_PAGE_BYTES"),
            2 * 1024 * 1024,
        )?;
        let max_attempts: u32 =
            parse("LEADGEN_MAX_ATTEMPTS", non_empty("LEADGEN_MAX_ATTEMPTS"), 4)?;
        if max_attempts == 0 || max_attempts > 25 {
            return Err(ConfigError {
                var: "LEADGEN_MAX_ATTEMPTS",
                reason: "must be between 1 and 25".into(),
            });
        }
        let json_logs = match non_empty("LEADGEN_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(ConfigError {
                    var: "LEADGEN_LOG_FORMAT",
                    reason: format!("`{other}` is not one of text, json"),
                });
            }
        };
        let allow_private_networks: bool = parse(
            "LEADGEN_ALLOW_PRIVATE_NETWORKS",
            non_empty("LEADGEN_ALLOW_PRIVATE_NETWORKS"),
            false,
        )?;
        let mail = mail_config(&non_empty)?;
        let security = security::security_config(&non_empty)?;
        let intake = intake::intake_config(&non_empty)?;
        let retention_days: u64 = parse(
            "LEADGEN_RETENTION_DAYS",
            non_empty("LEADGEN_RETENTION_DAYS"),
            730,
        )?;
        if retention_days > 36_500 {
            return Err(ConfigError {
                var: "LEADGEN_RETENTION_DAYS",
                reason: "must be at most 36500 (0 keeps leads forever)".into(),
            });
        }
        let retention = (retention_days > 0).then(|| Duration::from_secs(retention_days * 86_400));
        let user_agents: Vec<String> = non_empty("LEADGEN_USER_AGENTS")
            .map(|v| {
                v.split('|')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        if let Some(bad) = user_agents
            .iter()
            .find(|a| !a.is_ascii() || a.chars().any(|c| c.is_ascii_control()))
        {
            return Err(ConfigError {
                var: "LEADGEN_USER_AGENTS",
                reason: format!(
                    "`{bad}` is not a valid header value (ASCII, no control characters)"
                ),
            });
        }
        let dedup = match non_empty(crate::dedup::Thresholds::ENV) {
            Some(spec) => crate::dedup::Thresholds::parse(&spec).map_err(|reason| ConfigError {
                var: crate::dedup::Thresholds::ENV,
                reason,
            })?,
            None => crate::dedup::Thresholds::default(),
        };
        let dns_timeout_ms: u64 = parse(
            "LEADGEN_DNS_TIMEOUT_MS",
            non_empty("LEADGEN_DNS_TIMEOUT_MS"),
            3000,
        )?;
        if !(100..=60_000).contains(&dns_timeout_ms) {
            return Err(ConfigError {
                var: "LEADGEN_DNS_TIMEOUT_MS",
                reason: "must be between 100 and 60000".into(),
            });
        }
        let mail_domain_ttl_hours: u64 = parse(
            "LEADGEN_MAIL_DOMAIN_TTL_HOURS",
            non_empty("LEADGEN_MAIL_DOMAIN_TTL_HOURS"),
            168,
        )?;
        if mail_domain_ttl_hours > 24 * 365 {
            return Err(ConfigError {
                var: "LEADGEN_MAIL_DOMAIN_TTL_HOURS",
                reason: "must be at most 8760 (a year)".into(),
            });
        }
        let email_dns = EmailDnsConfig {
            servers: parse_dns_servers(&non_empty("LEADGEN_DNS_SERVERS").unwrap_or_default())
                .map_err(|reason| ConfigError {
                    var: "LEADGEN_DNS_SERVERS",
                    reason,
                })?,
            timeout: Duration::from_millis(dns_timeout_ms),
            ttl: Duration::from_secs(mail_domain_ttl_hours.max(1) * 3600),
        };
        Ok(Config {
            analytics_max_age: Duration::from_secs(analytics_max_age),
            metrics_bind,
            metrics_token: metrics_token.map(|t| t.trim().to_string()),
            email_dns,
            dedup,
            mail,
            security,
            intake,
            retention,
            database_url,
            database_replica_url,
            bind,
            environment,
            public_url,
            crawl: CrawlConfig {
                proxy,
                user_agent: non_empty("LEADGEN_USER_AGENT").unwrap_or_else(default_user_agent),
                user_agents,
                host_delay: Duration::from_millis(host_delay_ms),
                page_budget,
                fetch_concurrency,
                timeout: Duration::from_millis(timeout_ms),
                max_page_bytes,
                freshness: Duration::from_secs(freshness_hours * 3600),
                allow_private_networks,
                ca_file,
            },
            sources,
            weights,
            webdriver_url,
            chromedriver,
            render_sessions,
            render_timeout: Duration::from_millis(render_timeout_ms),
            max_attempts,
            json_logs,
        })
    }
}

fn mail_config(non_empty: &impl Fn(&str) -> Option<String>) -> Result<MailConfig, ConfigError> {
    let smtp_url = non_empty("LEADGEN_SMTP_URL");
    if let Some(u) = &smtp_url {
        // The URL may hold a password: the reason never repeats the value.
        let parsed = url::Url::parse(u).map_err(|e| ConfigError {
            var: "LEADGEN_SMTP_URL",
            reason: format!("not a URL: {e}"),
        })?;
        if !["smtp", "smtps"].contains(&parsed.scheme()) || parsed.host_str().is_none() {
            return Err(ConfigError {
                var: "LEADGEN_SMTP_URL",
                reason: "must be smtp://host[:port] or smtps://host[:port]".into(),
            });
        }
        if let Some((_, tls)) = parsed.query_pairs().find(|(k, _)| k == "tls")
            && !["required", "starttls", "opportunistic"].contains(&tls.as_ref())
        {
            return Err(ConfigError {
                var: "LEADGEN_SMTP_URL",
                reason: format!("tls={tls} is not one of starttls, required, opportunistic"),
            });
        }
    }
    // `tls=starttls` reads better; lettre calls the same mode `required`.
    let smtp_url = smtp_url.map(|u| u.replace("tls=starttls", "tls=required"));
    let from =
        non_empty("LEADGEN_MAIL_FROM").unwrap_or_else(|| "leadgen <leadgen@localhost>".into());
    let with_name = email_address::Options::default().with_display_text();
    email_address::EmailAddress::parse_with_options(from.trim(), with_name).map_err(|e| {
        ConfigError {
            var: "LEADGEN_MAIL_FROM",
            reason: format!("`{from}` is not an email address: {e}"),
        }
    })?;
    let mut notify_to = Vec::new();
    for a in non_empty("LEADGEN_NOTIFY_TO")
        .or_else(|| non_empty("LEADGEN_NOTIFY_EMAILS"))
        .unwrap_or_default()
        .split(',')
    {
        let a = a.trim();
        if a.is_empty() {
            continue;
        }
        email_address::EmailAddress::parse_with_options(a, Default::default()).map_err(|e| {
            ConfigError {
                var: "LEADGEN_NOTIFY_TO",
                reason: format!("`{a}` is not an email address: {e}"),
            }
        })?;
        notify_to.push(a.to_string());
    }
    Ok(MailConfig {
        smtp_url,
        from: from.trim().to_string(),
        notify_to,
        mail_dir: non_empty("LEADGEN_MAIL_DIR")
            .unwrap_or_else(|| ".leadgen/mail".into())
            .into(),
    })
}

fn parse<T: std::str::FromStr>(
    var: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match value {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|e: T::Err| ConfigError {
            var,
            reason: format!("`{v}`: {e}"),
        }),
    }
}

fn check_url(var: &'static str, value: &str) -> Result<(), ConfigError> {
    let u = url::Url::parse(value).map_err(|e| ConfigError {
        var,
        reason: format!("not a URL: {e}"),
    })?;
    if !["http", "https"].contains(&u.scheme()) {
        return Err(ConfigError {
            var,
            reason: "must be an http:// or https:// URL".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| m.get(k).cloned())
    }

    #[test]
    fn defaults_are_valid() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.crawl.page_budget, 8);
        assert!(c.crawl.user_agent.starts_with("leadgen/"));
        assert!(!c.crawl.allow_private_networks);
    }

    #[test]
    fn private_networks_are_allowed_only_when_asked() {
        let c = cfg(&[("LEADGEN_ALLOW_PRIVATE_NETWORKS", "true")]).unwrap();
        assert!(c.crawl.allow_private_networks);
        let c = cfg(&[("LEADGEN_ALLOW_PRIVATE_NETWORKS", "false")]).unwrap();
        assert!(!c.crawl.allow_private_networks);
        let e = cfg(&[("LEADGEN_ALLOW_PRIVATE_NETWORKS", "yes")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_ALLOW_PRIVATE_NETWORKS");
        assert!(e.to_string().contains("LEADGEN_ALLOW_PRIVATE_NETWORKS"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = cfg(&[("LEADGEN_BIND", "nonsense")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_BIND");
        let e = cfg(&[("LEADGEN_PAGE_BUDGET", "0")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_PAGE_BUDGET");
        let e = cfg(&[("LEADGEN_FETCH_CONCURRENCY", "5000")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_FETCH_CONCURRENCY");
        assert!(e.to_string().contains("between 1 and 4096"), "{e}");
        assert_eq!(cfg(&[]).unwrap().crawl.fetch_concurrency, 64);
        let e = cfg(&[("LEADGEN_METRICS_BIND", "everywhere")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_METRICS_BIND");
        let e = cfg(&[("LEADGEN_METRICS_TOKEN", "short")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_METRICS_TOKEN");
        let e = cfg(&[("LEADGEN_CA_FILE", "/nonexistent/ca.pem")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_CA_FILE");
        assert!(e.to_string().contains("is not a file"), "{e}");
        let e = cfg(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(e.var, "DATABASE_URL");
        let e = cfg(&[("LEADGEN_SOURCES", "nope")]).unwrap_err();
        assert!(e.to_string().contains("LEADGEN_SOURCES"));
    }

    #[test]
    fn dns_servers_are_system_off_or_a_list() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.email_dns.servers, Some(vec![]));
        assert_eq!(c.email_dns.timeout, Duration::from_secs(3));
        let c = cfg(&[("LEADGEN_DNS_SERVERS", "off")]).unwrap();
        assert_eq!(c.email_dns.servers, None);
        let c = cfg(&[("LEADGEN_DNS_SERVERS", "10.0.0.2, 127.0.0.1:5353")]).unwrap();
        assert_eq!(
            c.email_dns.servers,
            Some(vec![
                "10.0.0.2:53".parse().unwrap(),
                "127.0.0.1:5353".parse().unwrap()
            ])
        );
        let e = cfg(&[("LEADGEN_DNS_SERVERS", "dns.example")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_DNS_SERVERS");
        assert!(e.reason.contains("dns.example"));
        let e = cfg(&[("LEADGEN_DNS_TIMEOUT_MS", "5")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_DNS_TIMEOUT_MS");
    }

    #[test]
    fn user_agent_rotation_is_a_pipe_separated_list() {
        let c = cfg(&[("LEADGEN_USER_AGENTS", "leadgen/1 (+a) | acme-bot/2 (+b)|")]).unwrap();
        assert_eq!(c.crawl.user_agents, ["leadgen/1 (+a)", "acme-bot/2 (+b)"]);
        let e = cfg(&[("LEADGEN_USER_AGENTS", "ok/1|bad\u{7}/2")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_USER_AGENTS");
    }

    #[test]
    fn mail_settings_are_checked_and_secrets_kept_out_of_messages() {
        let c = cfg(&[
            (
                "LEADGEN_SMTP_URL",
                "smtp://user:s3cret@mail.example.com:587",
            ),
            ("LEADGEN_MAIL_FROM", "Leads Team <leads@example.com>"),
            ("LEADGEN_NOTIFY_TO", "a@example.com, b@example.com"),
        ])
        .unwrap();
        assert_eq!(c.mail.notify_to, ["a@example.com", "b@example.com"]);
        assert_eq!(c.mail.from_domain(), "example.com");
        assert!(!format!("{c:?}").contains("s3cret"));

        let c = cfg(&[(
            "LEADGEN_SMTP_URL",
            "smtp://u:p@mail.example.com:587?tls=starttls",
        )])
        .unwrap();
        assert!(c.mail.smtp_url.unwrap().ends_with("?tls=required"));
        let e = cfg(&[("LEADGEN_SMTP_URL", "smtp://mail.example.com?tls=maybe")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_SMTP_URL");
        let e = cfg(&[("LEADGEN_SMTP_URL", "http://user:s3cret@mail.example.com")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_SMTP_URL");
        assert!(!e.to_string().contains("s3cret"));
        let c = cfg(&[("LEADGEN_NOTIFY_EMAILS", "a@example.com")]).unwrap();
        assert_eq!(
            c.mail.notify_to,
            ["a@example.com"],
            "written to the mail folder"
        );
        let e = cfg(&[
            ("LEADGEN_SMTP_URL", "smtp://localhost:25"),
            ("LEADGEN_NOTIFY_TO", "not-an-address"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "LEADGEN_NOTIFY_TO");
        let e = cfg(&[("LEADGEN_MAIL_FROM", "nobody")]).unwrap_err();
        assert_eq!(e.var, "LEADGEN_MAIL_FROM");
    }
}
