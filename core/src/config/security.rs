//! Who may reach the API and how hard: signing keys and session lifetimes, per-client rate
//! limits, sign-in throttling, trusted proxies, CORS, body size and TLS.
//!
//! Variables: `LEADGEN_JWT_SECRET`, `LEADGEN_ACCESS_TOKEN_MINUTES`, `LEADGEN_SESSION_IDLE_MINUTES`,
//! `LEADGEN_SESSION_MAX_HOURS`, `LEADGEN_RATE_LIMITS`, `LEADGEN_LOGIN_FREE_FAILURES`,
//! `LEADGEN_TRUSTED_PROXIES`, `LEADGEN_CORS_ORIGINS`, `LEADGEN_MAX_BODY_BYTES`,
//! `LEADGEN_TLS_CERT`, `LEADGEN_TLS_KEY`.

use super::{ConfigError, parse};
use ipnet::IpNet;
use std::path::PathBuf;
use std::time::Duration;

/// Security settings of the API.
#[derive(Clone)]
pub struct SecurityConfig {
    /// HMAC key for access tokens (`LEADGEN_JWT_SECRET`, at least 32 bytes; secret, never
    /// logged). Required in production; elsewhere a random one is made per process when unset.
    pub jwt_secret: Option<String>,
    /// Lifetime of an access token (`LEADGEN_ACCESS_TOKEN_MINUTES`, default 15).
    pub access_token_ttl: Duration,
    /// A session without activity for this long ends (`LEADGEN_SESSION_IDLE_MINUTES`, default
    /// 30).
    pub session_idle: Duration,
    /// A session ends this long after sign-in whatever the activity
    /// (`LEADGEN_SESSION_MAX_HOURS`, default 12).
    pub session_max: Duration,
    /// Request rates per client and route group (`LEADGEN_RATE_LIMITS`).
    pub rate_limits: RateLimits,
    /// Failed sign-ins allowed per account and address before delays start
    /// (`LEADGEN_LOGIN_FREE_FAILURES`, default 5; an address gets 6 times as many over all
    /// accounts).
    pub login_free_failures: u32,
    /// Peers whose `X-Forwarded-For` is believed (`LEADGEN_TRUSTED_PROXIES`, CIDRs).
    pub trusted_proxies: Vec<IpNet>,
    /// Origins allowed to call the API from a browser (`LEADGEN_CORS_ORIGINS`); none by default.
    pub cors_origins: Vec<String>,
    /// Largest request body accepted (`LEADGEN_MAX_BODY_BYTES`, default 1 MiB).
    pub max_body_bytes: usize,
    /// PEM certificate chain and key to serve HTTPS directly (`LEADGEN_TLS_CERT`,
    /// `LEADGEN_TLS_KEY`, both or neither).
    pub tls: Option<TlsFiles>,
}

/// Certificate and key files.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// PEM certificate chain.
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// A rate: `burst` requests, refilled evenly over `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed in a burst, and per period.
    pub burst: u32,
    /// The period.
    pub per: Duration,
}

/// Groups of routes that share a rate limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RouteGroup {
    /// Sign-in and token refresh, per client address.
    Auth,
    /// Unauthenticated public endpoints (the lead form), per client address.
    Public,
    /// Reading (GET), per user or key.
    Read,
    /// Changing (POST, PATCH, DELETE), per user or key.
    Write,
    /// CSV export, per user or key.
    Export,
}

impl RouteGroup {
    /// Every group.
    pub const ALL: [RouteGroup; 5] = [
        RouteGroup::Auth,
        RouteGroup::Public,
        RouteGroup::Read,
        RouteGroup::Write,
        RouteGroup::Export,
    ];

    /// Its name in `LEADGEN_RATE_LIMITS`.
    pub fn name(self) -> &'static str {
        match self {
            RouteGroup::Auth => "auth",
            RouteGroup::Public => "public",
            RouteGroup::Read => "read",
            RouteGroup::Write => "write",
            RouteGroup::Export => "export",
        }
    }
}

/// The rate of each route group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimits {
    rates: [Rate; 5],
}

impl Default for RateLimits {
    fn default() -> Self {
        let per_min = |burst| Rate {
            burst,
            per: Duration::from_secs(60),
        };
        RateLimits {
            rates: [
                per_min(20),
                per_min(30),
                per_min(1200),
                per_min(300),
                per_min(30),
            ],
        }
    }
}

impl RateLimits {
    /// The rate of `group`.
    pub fn get(&self, group: RouteGroup) -> Rate {
        self.rates[group as usize]
    }

    /// Reads `group=N/unit,...` (unit `s`, `min` or `h`) over the defaults.
    pub fn parse(spec: &str) -> Result<RateLimits, String> {
        let mut limits = RateLimits::default();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, rate) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not group=N/unit"))?;
            let group = RouteGroup::ALL
                .into_iter()
                .find(|g| g.name() == name.trim())
                .ok_or_else(|| {
                    format!("unknown group `{name}`; known: auth, public, read, write, export")
                })?;
            let (n, unit) = rate
                .trim()
                .split_once('/')
                .ok_or_else(|| format!("`{rate}` is not N/unit, e.g. 600/min"))?;
            let burst: u32 = n
                .trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("`{n}` is not a positive number of requests"))?;
            let per = match unit.trim() {
                "s" | "sec" => Duration::from_secs(1),
                "min" | "m" => Duration::from_secs(60),
                "h" | "hour" => Duration::from_secs(3600),
                other => return Err(format!("unit `{other}` is not one of s, min, h")),
            };
            limits.rates[group as usize] = Rate { burst, per };
        }
        Ok(limits)
    }
}

impl SecurityConfig {
    /// Checks what only the API needs: in production a shared signing key, so that every API
    /// process accepts every token (workers and migrations run without one).
    pub fn check_for_api(&self, environment: &str) -> Result<(), ConfigError> {
        if self.jwt_secret.is_none() && environment == "production" {
            return Err(ConfigError {
                var: "LEADGEN_JWT_SECRET",
                reason: "is required in production, so that every API process signs and checks \
                         tokens with the same key (e.g. `openssl rand -base64 48`)"
                    .into(),
            });
        }
        Ok(())
    }
}

impl std::fmt::Debug for SecurityConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecurityConfig")
            .field("jwt_secret", &self.jwt_secret.as_ref().map(|_| "<set>"))
            .field("access_token_ttl", &self.access_token_ttl)
            .field("session_idle", &self.session_idle)
            .field("session_max", &self.session_max)
            .field("rate_limits", &self.rate_limits)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("cors_origins", &self.cors_origins)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

pub(super) fn security_config(
    non_empty: &impl Fn(&str) -> Option<String>,
) -> Result<SecurityConfig, ConfigError> {
    let jwt_secret = non_empty("LEADGEN_JWT_SECRET");
    match &jwt_secret {
        Some(s) if s.len() < 32 => {
            return Err(ConfigError {
                var: "LEADGEN_JWT_SECRET",
                reason: "must be at least 32 bytes (e.g. `openssl rand -base64 48`)".into(),
            });
        }
        _ => {}
    }
    let minutes = |var: &'static str, default: u64, max: u64| -> Result<Duration, ConfigError> {
        let v: u64 = parse(var, non_empty(var), default)?;
        if v == 0 || v > max {
            return Err(ConfigError {
                var,
                reason: format!("must be between 1 and {max}"),
            });
        }
        Ok(Duration::from_secs(v * 60))
    };
    let access_token_ttl = minutes("LEADGEN_ACCESS_TOKEN_MINUTES", 15, 60)?;
    let session_idle = minutes("LEADGEN_SESSION_IDLE_MINUTES", 30, 24 * 60)?;
    let session_max = minutes("LEADGEN_SESSION_MAX_HOURS", 12, 24 * 30)? * 60;
    let rate_limits = match non_empty("LEADGEN_RATE_LIMITS") {
        Some(spec) => RateLimits::parse(&spec).map_err(|reason| ConfigError {
            var: "LEADGEN_RATE_LIMITS",
            reason,
        })?,
        None => RateLimits::default(),
    };
    let login_free_failures: u32 = parse(
        "LEADGEN_LOGIN_FREE_FAILURES",
        non_empty("LEADGEN_LOGIN_FREE_FAILURES"),
        5,
    )?;
    if login_free_failures == 0 || login_free_failures > 100 {
        return Err(ConfigError {
            var: "LEADGEN_LOGIN_FREE_FAILURES",
            reason: "must be between 1 and 100".into(),
        });
    }
    let mut trusted_proxies = Vec::new();
    for p in non_empty("LEADGEN_TRUSTED_PROXIES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let net = p
            .parse::<IpNet>()
            .or_else(|_| p.parse::<std::net::IpAddr>().map(IpNet::from))
            .map_err(|_| ConfigError {
                var: "LEADGEN_TRUSTED_PROXIES",
                reason: format!("`{p}` is not an IP address or CIDR network"),
            })?;
        trusted_proxies.push(net);
    }
    let mut cors_origins = Vec::new();
    for o in non_empty("LEADGEN_CORS_ORIGINS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
    {
        let u = url::Url::parse(o).map_err(|e| ConfigError {
            var: "LEADGEN_CORS_ORIGINS",
            reason: format!("`{o}` is not an origin: {e}"),
        })?;
        if !["http", "https"].contains(&u.scheme()) || u.path() != "/" || u.query().is_some() {
            return Err(ConfigError {
                var: "LEADGEN_CORS_ORIGINS",
                reason: format!("`{o}` is not an origin like https://app.example.com"),
            });
        }
        cors_origins.push(u.origin().ascii_serialization());
    }
    let max_body_bytes: usize = parse(
        "LEADGEN_MAX_BODY_BYTES",
        non_empty("LEADGEN_MAX_BODY_BYTES"),
        1024 * 1024,
    )?;
    if max_body_bytes < 1024 {
        return Err(ConfigError {
            var: "LEADGEN_MAX_BODY_BYTES",
            reason: "must be at least 1024".into(),
        });
    }
    let tls = match (non_empty("LEADGEN_TLS_CERT"), non_empty("LEADGEN_TLS_KEY")) {
        (None, None) => None,
        (Some(cert), Some(key)) => {
            for (var, p) in [("LEADGEN_TLS_CERT", &cert), ("LEADGEN_TLS_KEY", &key)] {
                if !std::path::Path::new(p).is_file() {
                    return Err(ConfigError {
                        var,
                        reason: format!("`{p}` is not a file"),
                    });
                }
            }
            Some(TlsFiles {
                cert: cert.into(),
                key: key.into(),
            })
        }
        (Some(_), None) => {
            return Err(ConfigError {
                var: "LEADGEN_TLS_KEY",
                reason: "is needed with LEADGEN_TLS_CERT".into(),
            });
        }
        (None, Some(_)) => {
            return Err(ConfigError {
                var: "LEADGEN_TLS_CERT",
                reason: "is needed with LEADGEN_TLS_KEY".into(),
            });
        }
    };
    Ok(SecurityConfig {
        jwt_secret,
        access_token_ttl,
        session_idle,
        session_max,
        rate_limits,
        login_free_failures,
        trusted_proxies,
        cors_origins,
        max_body_bytes,
        tls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sec(vars: &[(&str, &str)], env: &str) -> Result<SecurityConfig, ConfigError> {
        let get = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        let c = security_config(&get)?;
        c.check_for_api(env)?;
        Ok(c)
    }

    #[test]
    fn defaults_follow_the_seed() {
        let c = sec(&[], "development").unwrap();
        assert_eq!(c.session_idle, Duration::from_secs(30 * 60));
        assert_eq!(c.access_token_ttl, Duration::from_secs(15 * 60));
        assert_eq!(c.rate_limits.get(RouteGroup::Auth).burst, 20);
        assert!(c.tls.is_none() && c.cors_origins.is_empty());
    }

    #[test]
    fn production_needs_a_long_shared_secret() {
        assert_eq!(
            sec(&[], "production").unwrap_err().var,
            "LEADGEN_JWT_SECRET"
        );
        let e = sec(&[("LEADGEN_JWT_SECRET", "short")], "development").unwrap_err();
        assert!(e.reason.contains("32 bytes") && !e.reason.contains("short"));
        let long = "x".repeat(40);
        assert!(
            !format!(
                "{:?}",
                sec(&[("LEADGEN_JWT_SECRET", &long)], "production").unwrap()
            )
            .contains(&long)
        );
    }

    #[test]
    fn rate_limits_parse_over_the_defaults() {
        let r = RateLimits::parse("read=10/s, export=2/h").unwrap();
        assert_eq!(
            r.get(RouteGroup::Read),
            Rate {
                burst: 10,
                per: Duration::from_secs(1)
            }
        );
        assert_eq!(r.get(RouteGroup::Export).per, Duration::from_secs(3600));
        assert_eq!(
            r.get(RouteGroup::Write),
            RateLimits::default().get(RouteGroup::Write)
        );
        assert!(
            RateLimits::parse("reads=1/s")
                .unwrap_err()
                .contains("unknown group")
        );
        assert!(RateLimits::parse("read=0/s").is_err());
        assert!(
            RateLimits::parse("read=5/day")
                .unwrap_err()
                .contains("unit")
        );
    }

    #[test]
    fn proxies_and_origins_are_checked() {
        let c = sec(
            &[
                ("LEADGEN_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
                ("LEADGEN_CORS_ORIGINS", "https://app.example.com"),
            ],
            "development",
        )
        .unwrap();
        assert_eq!(c.trusted_proxies.len(), 2);
        assert_eq!(c.cors_origins, ["https://app.example.com"]);
        let e = sec(&[("LEADGEN_TRUSTED_PROXIES", "10.0.0.0/33")], "development").unwrap_err();
        assert_eq!(e.var, "LEADGEN_TRUSTED_PROXIES");
        let e = sec(
            &[("LEADGEN_CORS_ORIGINS", "https://a.example.com/path")],
            "development",
        )
        .unwrap_err();
        assert_eq!(e.var, "LEADGEN_CORS_ORIGINS");
        let e = sec(&[("LEADGEN_TLS_CERT", "/etc/hostname")], "development").unwrap_err();
        assert_eq!(e.var, "LEADGEN_TLS_KEY");
    }
}
