//! Keeps the crawler off networks it has no business reaching (loopback, private, link-local,
//! cloud metadata, …; see [`leadgen_core::destination`]) unless `LEADGEN_ALLOW_PRIVATE_NETWORKS`
//! is set.
//!
//! Two layers: every URL, and every redirect hop (the fetcher follows redirects itself), is
//! checked before its request (scheme, port, IP literals, and the addresses its name resolves
//! to, so a refusal is a permanent, explained failure); and the HTTP client resolves names
//! through [`PublicOnlyResolver`], so the address actually connected is public even if DNS
//! changed since the check. With an
//! outbound proxy the proxy resolves the sites' names, so the proxy's own address is checked
//! instead: at start-up when it is an IP literal or `localhost`, on first use when it is a name.

use crate::fetcher::FetchError;
use leadgen_core::config::CrawlConfig;
use leadgen_core::destination::{self, NonPublic};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use url::{Host, Url};

/// Why the crawler's HTTP client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// The outbound proxy is on a network the crawler may not reach.
    #[error("{0}")]
    Proxy(String),
    /// The extra trusted certificates could not be read.
    #[error("{0}")]
    Roots(String),
    /// reqwest refused the settings.
    #[error(transparent)]
    Client(#[from] reqwest::Error),
}

/// What a name resolved to, when it is no use.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The lookup itself failed.
    #[error("DNS lookup failed: {0}")]
    Failed(#[from] std::io::Error),
    /// Every address is non-public; the reason names them ("resolves to a private address …").
    #[error("{0}")]
    NonPublic(String),
}

/// Resolves `name` with the system resolver and keeps only public addresses; fails with the
/// reason when none is left.
pub async fn public_addrs(name: &str) -> Result<Vec<SocketAddr>, LookupError> {
    let mut public = Vec::new();
    let mut refused: Vec<(IpAddr, NonPublic)> = Vec::new();
    for addr in tokio::net::lookup_host((name, 0)).await? {
        match destination::classify(addr.ip()) {
            None if !public.contains(&addr) => public.push(addr),
            None => {}
            Some(kind) if !refused.iter().any(|(ip, _)| *ip == addr.ip()) => {
                refused.push((addr.ip(), kind))
            }
            Some(_) => {}
        }
    }
    if public.is_empty() {
        return Err(LookupError::NonPublic(destination::describe_resolved(
            &refused,
        )));
    }
    if !refused.is_empty() {
        tracing::debug!(name, ?refused, "non-public addresses dropped");
    }
    Ok(public)
}

/// The crawler's DNS resolver: only public addresses are ever handed to the connector.
#[derive(Debug, Clone, Default)]
pub struct PublicOnlyResolver {
    /// The outbound proxy's host name, so its refusal names `LEADGEN_PROXY`.
    proxy_host: Option<String>,
}

/// A connection refused because its name resolves to no public address.
#[derive(Debug, thiserror::Error)]
#[error("refused to connect: {0}")]
pub struct ConnectRefused(String);

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let name = name.as_str().to_string();
        let is_proxy = self
            .proxy_host
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(&name));
        Box::pin(async move {
            match public_addrs(&name).await {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as Addrs),
                Err(LookupError::NonPublic(reason)) => {
                    let who = if is_proxy {
                        format!("LEADGEN_PROXY host {name}")
                    } else {
                        name
                    };
                    Err(Box::new(ConnectRefused(format!("{who} {reason}"))) as _)
                }
                Err(LookupError::Failed(e)) => Err(Box::new(e) as _),
            }
        })
    }
}

/// The crawler's destination policy, built once from the crawl configuration.
#[derive(Debug)]
pub struct NetGuard {
    allow_private: bool,
    /// The proxy's host name when it must be resolved on first use.
    proxy_name: Option<String>,
    /// The proxy as shown in messages (`scheme://host:port`, never credentials).
    proxy_shown: String,
    proxy_checked: tokio::sync::OnceCell<()>,
}

impl NetGuard {
    /// Builds the policy; refuses a proxy that is an IP literal or `localhost` on a non-public
    /// network unless private networks are allowed.
    pub fn new(cfg: &CrawlConfig) -> Result<Self, SetupError> {
        let mut guard = NetGuard {
            allow_private: cfg.allow_private_networks,
            proxy_name: None,
            proxy_shown: String::new(),
            proxy_checked: tokio::sync::OnceCell::new(),
        };
        let Some(proxy) = &cfg.proxy else {
            return Ok(guard);
        };
        let url = Url::parse(proxy)
            .map_err(|e| SetupError::Proxy(format!("LEADGEN_PROXY is not a URL: {e}")))?;
        let host = url
            .host()
            .ok_or_else(|| SetupError::Proxy("LEADGEN_PROXY has no host".into()))?;
        guard.proxy_shown = format!(
            "{}://{}:{}",
            url.scheme(),
            host,
            url.port_or_known_default().unwrap_or(0)
        );
        if guard.allow_private {
            return Ok(guard);
        }
        if let Some(reason) = destination::host_refusal(&host) {
            return Err(SetupError::Proxy(guard.proxy_refusal(&reason)));
        }
        if let Host::Domain(name) = host {
            guard.proxy_name = Some(name.to_string());
        }
        Ok(guard)
    }

    fn proxy_refusal(&self, reason: &str) -> String {
        format!(
            "the outbound proxy LEADGEN_PROXY={} is refused: {reason}; set \
             LEADGEN_ALLOW_PRIVATE_NETWORKS=true to use a proxy on a private network",
            self.proxy_shown
        )
    }

    /// The resolver the HTTP client must use, or `None` when private networks are allowed
    /// (the system resolver then answers unfiltered).
    pub fn resolver(&self) -> Option<PublicOnlyResolver> {
        (!self.allow_private).then(|| PublicOnlyResolver {
            proxy_host: self.proxy_name.clone(),
        })
    }

    /// Whether the crawler may fetch `url`: [`FetchError::Refused`] with the reason when not.
    /// Without a proxy, a name is resolved here so that a non-public destination is refused
    /// for good; the resolver still checks the address actually connected.
    pub async fn check(&self, url: &str) -> Result<(), FetchError> {
        let parsed = Url::parse(url).map_err(|_| FetchError::InvalidUrl(url.into()))?;
        let refused = |reason: String| FetchError::Refused {
            url: url.into(),
            reason,
        };
        destination::check_url(&parsed, self.allow_private).map_err(refused)?;
        if self.allow_private {
            return Ok(());
        }
        if !self.proxy_shown.is_empty() {
            return self.check_proxy(url).await;
        }
        if let Some(Host::Domain(name)) = parsed.host() {
            match public_addrs(name).await {
                Ok(_) => {}
                Err(LookupError::NonPublic(reason)) => {
                    return Err(refused(format!("{name} {reason}")));
                }
                // The request reports an unresolvable name itself.
                Err(LookupError::Failed(_)) => {}
            }
        }
        Ok(())
    }

    /// On first use, resolves a proxy given by name and refuses it when it has no public address.
    async fn check_proxy(&self, url: &str) -> Result<(), FetchError> {
        let Some(name) = &self.proxy_name else {
            return Ok(());
        };
        if self.proxy_checked.initialized() {
            return Ok(());
        }
        match public_addrs(name).await {
            Ok(_) => {
                let _ = self.proxy_checked.set(());
                Ok(())
            }
            Err(LookupError::NonPublic(reason)) => Err(FetchError::Refused {
                url: url.into(),
                reason: self.proxy_refusal(&format!("{name} {reason}")),
            }),
            // Unresolvable now: the request fails by itself and the check runs again next time.
            Err(LookupError::Failed(_)) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn crawl(proxy: Option<&str>, allow_private: bool) -> CrawlConfig {
        let mut c = leadgen_core::Config::from_lookup(|_| None).unwrap().crawl;
        c.proxy = proxy.map(Into::into);
        c.allow_private_networks = allow_private;
        c
    }

    /// A loopback HTTP server that records the paths it was asked for and answers 200.
    async fn listener() -> (u16, Arc<Mutex<Vec<String>>>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split(' ').nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push(path);
                let resp = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\
                            Connection: close\r\n\r\nok";
                let _ = s.write_all(resp.as_bytes()).await;
            }
        });
        (port, seen)
    }

    fn client(guard: &NetGuard) -> reqwest::Client {
        let mut b = reqwest::Client::builder().no_proxy();
        if let Some(r) = guard.resolver() {
            b = b.dns_resolver(r);
        }
        b.build().unwrap()
    }

    #[tokio::test]
    async fn the_resolver_never_hands_out_a_loopback_address() {
        let e = public_addrs("localhost").await.unwrap_err();
        assert!(e.to_string().contains("a loopback address"), "{e}");

        let (port, seen) = listener().await;
        let guard = NetGuard::new(&crawl(None, false)).unwrap();
        let e = client(&guard)
            .get(format!("http://localhost:{port}/page"))
            .send()
            .await
            .unwrap_err();
        let msg = crate::fetcher::error_chain(&e);
        assert!(
            msg.contains("refused to connect: localhost resolves to a loopback address"),
            "{msg}"
        );
        assert!(
            seen.lock().unwrap().is_empty(),
            "no request reached the listener"
        );

        // Allowed: the system resolver answers and the listener is reached.
        let guard = NetGuard::new(&crawl(None, true)).unwrap();
        assert!(guard.resolver().is_none());
        let r = client(&guard)
            .get(format!("http://localhost:{port}/page"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(*seen.lock().unwrap(), ["/page"]);
    }

    #[tokio::test]
    async fn a_proxy_name_that_resolves_to_loopback_is_refused_naming_leadgen_proxy() {
        // As a name other than `localhost` resolving to loopback would be (not refused at start).
        let guard = NetGuard {
            allow_private: false,
            proxy_name: Some("localhost".into()),
            proxy_shown: "http://localhost:3128".into(),
            proxy_checked: tokio::sync::OnceCell::new(),
        };
        let e = guard.check("http://www.example.com/").await.unwrap_err();
        assert!(matches!(e, FetchError::Refused { .. }), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("LEADGEN_PROXY=http://localhost:3128 is refused: localhost resolves to a loopback address"),
            "{msg}"
        );
        // And the connector never gets its address either.
        let name: Name = "localhost".parse().unwrap();
        let e = guard.resolver().unwrap().resolve(name).await.err().unwrap();
        assert!(
            e.to_string()
                .contains("LEADGEN_PROXY host localhost resolves to a loopback address"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn urls_are_checked_before_any_request() {
        let guard = NetGuard::new(&crawl(None, false)).unwrap();
        for (url, needle) in [
            ("ftp://example.com/", "scheme `ftp`"),
            ("http://127.0.0.1:9/", "127.0.0.1 is a loopback address"),
            ("http://localhost/", "localhost is a loopback address"),
            ("http://[::ffff:169.254.169.254]/", "cloud metadata"),
            ("http://example.com:8080/", "port 8080"),
        ] {
            let e = guard.check(url).await.unwrap_err();
            assert!(!e.is_transient(), "{url}");
            assert!(matches!(e, FetchError::Refused { .. }), "{url}: {e}");
            assert!(e.to_string().contains(needle), "{url}: {e}");
        }
        let allowed = NetGuard::new(&crawl(None, true)).unwrap();
        allowed.check("http://127.0.0.1:9/").await.unwrap();
        assert!(allowed.check("file:///etc/passwd").await.is_err());
    }

    #[test]
    fn a_proxy_on_a_private_network_is_refused_unless_allowed() {
        for proxy in [
            "http://127.0.0.1:8899",
            "http://user:s3cret@localhost:3128",
            "http://10.0.0.5:3128",
            "http://[::1]:3128",
        ] {
            let e = NetGuard::new(&crawl(Some(proxy), false)).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains("LEADGEN_PROXY"), "{msg}");
            assert!(msg.contains("LEADGEN_ALLOW_PRIVATE_NETWORKS"), "{msg}");
            assert!(!msg.contains("s3cret"), "{msg}");
            NetGuard::new(&crawl(Some(proxy), true)).unwrap();
        }
        NetGuard::new(&crawl(Some("http://203.0.113.1:3128"), true)).unwrap();
        assert!(NetGuard::new(&crawl(Some("http://203.0.113.1:3128"), false)).is_err());
        NetGuard::new(&crawl(Some("http://proxy.example.com:3128"), false)).unwrap();
    }
}
