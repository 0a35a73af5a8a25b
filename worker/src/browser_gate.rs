//! The browser's only way out: a forward proxy on loopback, one per rendered site, that headless
//! Chromium sends every request through (the page, its scripts, styles, images and XHRs).
//!
//! Without it the browser would be a second crawler outside the rules: a rendered page could
//! load a robots.txt-disallowed URL, hammer its own host with parallel asset requests, or point
//! an `<img>` at a private address or the cloud metadata service. Through the gate:
//! - every plain-HTTP request passes the fetcher's destination rules and robots.txt (a refusal
//!   is a 403 naming the reason, and nothing is sent);
//! - requests to the rendered site's own host take that host's slots, like plain fetches across
//!   all workers (spaced by the host delay or `Crawl-delay`, one in flight); other hosts (CDNs,
//!   widgets) are checked but not spaced, since the site chose to load them;
//! - HTTPS arrives as `CONNECT` tunnels, whose requests are encrypted: the destination is
//!   checked and connected to by its checked address, and a tunnel to the site's own host takes
//!   one slot;
//! - the upstream side is the crawler's own client, so `LEADGEN_PROXY` applies to the browser
//!   exactly as to fetches.

use crate::fetcher::{FetchError, Fetcher};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderName};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Largest request body passed on (form posts and XHRs of a page are small).
const MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// Largest response passed back to the browser (a page's script bundle may be big).
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Headers that belong to one connection, never passed on (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// A running gate; closed (its listener and tunnels stopped) when dropped.
pub struct BrowserGate {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

struct Gate {
    fetcher: Fetcher,
    /// The rendered site's host (lower case), whose requests are spaced.
    site: String,
}

impl BrowserGate {
    /// Starts a gate for rendering pages of `site` (a host name) with `fetcher`'s rules.
    pub async fn open(fetcher: Fetcher, site: &str) -> std::io::Result<BrowserGate> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let gate = Arc::new(Gate {
            fetcher,
            site: site.to_ascii_lowercase(),
        });
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let gate = gate.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let gate = gate.clone();
                        async move { Ok::<_, std::convert::Infallible>(gate.handle(req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
                // Finished connections are reaped so a long render does not accumulate them.
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(BrowserGate { addr, task })
    }

    /// The proxy URL to give the browser.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for BrowserGate {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection and tunnel.
        self.task.abort();
    }
}

fn answer(status: StatusCode, message: String) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(message)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// The status a refused or failed request is answered with.
fn refusal(e: &FetchError) -> StatusCode {
    match e {
        FetchError::Disallowed(_) | FetchError::Refused { .. } => StatusCode::FORBIDDEN,
        FetchError::InvalidUrl(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::BAD_GATEWAY,
    }
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Headers named by `Connection` are hop-by-hop too.
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

impl Gate {
    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        if req.method() == Method::CONNECT {
            return self.tunnel(req).await;
        }
        match self.forward(req).await {
            Ok(r) => r,
            Err(e) => answer(refusal(&e), e.to_string()),
        }
    }

    fn is_site(&self, host: &str) -> bool {
        host == self.site
    }

    /// Passes one plain-HTTP request on, checked and (for the site's own host) spaced.
    async fn forward(&self, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, FetchError> {
        let url = req.uri().to_string();
        if req.uri().scheme_str() != Some("http") {
            return Err(FetchError::InvalidUrl(url));
        }
        let (host, gap) = self.fetcher.allowed(&url).await?;
        let (parts, body) = req.into_parts();
        let body = Limited::new(body, MAX_REQUEST_BYTES)
            .collect()
            .await
            .map_err(|e| FetchError::Network {
                url: url.clone(),
                message: format!("request body: {e}"),
            })?
            .to_bytes();
        let mut headers = parts.headers;
        strip_hop_by_hop(&mut headers);
        headers.remove(header::HOST);
        let request = self
            .fetcher
            .client()
            .request(parts.method, &url)
            .headers(headers)
            .body(body);
        if self.is_site(&host) {
            self.fetcher
                .in_slot(&host, gap, read_response(request, &url))
                .await?
        } else {
            read_response(request, &url).await
        }
    }

    /// Opens a `CONNECT` tunnel to a checked destination.
    async fn tunnel(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let Some(authority) = req.uri().authority().cloned() else {
            return answer(StatusCode::BAD_REQUEST, "CONNECT needs host:port".into());
        };
        let port = authority.port_u16().unwrap_or(443);
        let host = authority.host().to_ascii_lowercase();
        let url = if port == 443 {
            format!("https://{host}/")
        } else {
            format!("https://{host}:{port}/")
        };
        if let Err(e) = self.fetcher.destination(&url).await {
            return answer(refusal(&e), e.to_string());
        }
        if self.is_site(&host) {
            let gap = self.fetcher.config().host_delay;
            if let Err(e) = self.fetcher.take_turn(&host, gap).await {
                return answer(refusal(&e), e.to_string());
            }
        }
        let upstream = match self.connect(&host, port).await {
            Ok(s) => s,
            Err(message) => {
                return answer(StatusCode::BAD_GATEWAY, format!("{url}: {message}"));
            }
        };
        tokio::spawn(async move {
            if let Ok(upgraded) = hyper::upgrade::on(req).await {
                let mut client = TokioIo::new(upgraded);
                let mut upstream = upstream;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            }
        });
        Response::new(Full::new(Bytes::new()))
    }

    /// A connection to `host:port`: through the outbound proxy when one is set, otherwise to an
    /// address the destination rules allow (the one checked is the one connected).
    async fn connect(&self, host: &str, port: u16) -> Result<TcpStream, String> {
        let cfg = self.fetcher.config();
        let timeout = Duration::from_secs(10);
        let connecting = async {
            if let Some(proxy) = &cfg.proxy {
                let p = url::Url::parse(proxy).map_err(|e| e.to_string())?;
                let proxy_host = p.host_str().ok_or("the proxy has no host")?;
                let proxy_port = p.port_or_known_default().unwrap_or(80);
                let mut s = TcpStream::connect((proxy_host, proxy_port))
                    .await
                    .map_err(|e| format!("proxy: {e}"))?;
                open_proxy_tunnel(&mut s, host, port).await?;
                return Ok(s);
            }
            let addrs: Vec<SocketAddr> = if cfg.allow_private_networks {
                tokio::net::lookup_host((host, port))
                    .await
                    .map_err(|e| e.to_string())?
                    .collect()
            } else {
                crate::net_guard::public_addrs(host)
                    .await
                    .map_err(|e| format!("{host} {e}"))?
                    .into_iter()
                    .map(|a| SocketAddr::new(a.ip(), port))
                    .collect()
            };
            let mut last = String::from("no address");
            for addr in addrs {
                match TcpStream::connect(addr).await {
                    Ok(s) => return Ok(s),
                    Err(e) => last = e.to_string(),
                }
            }
            Err(last)
        };
        tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| format!("no connection within {timeout:?}"))?
    }
}

/// Sends `request` and reads the answer whole (up to [`MAX_RESPONSE_BYTES`]), hop-by-hop
/// headers removed.
async fn read_response(
    request: reqwest::RequestBuilder,
    url: &str,
) -> Result<Response<Full<Bytes>>, FetchError> {
    let network = |e: reqwest::Error| FetchError::Network {
        url: url.into(),
        message: crate::fetcher::error_chain(&e),
    };
    let mut upstream = request.send().await.map_err(network)?;
    let status = upstream.status();
    let mut headers = std::mem::take(upstream.headers_mut());
    let mut body = Vec::new();
    while let Some(chunk) = upstream.chunk().await.map_err(network)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(FetchError::Network {
                url: url.into(),
                message: format!("response larger than {MAX_RESPONSE_BYTES} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    strip_hop_by_hop(&mut headers);
    headers.remove(header::CONTENT_LENGTH);
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    *r.headers_mut() = headers;
    Ok(r)
}

/// Asks an HTTP proxy on `s` for a tunnel to `host:port`.
async fn open_proxy_tunnel(s: &mut TcpStream, host: &str, port: u16) -> Result<(), String> {
    let hello = format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n");
    s.write_all(hello.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte up to the blank line, so nothing of the tunnel itself is consumed.
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 || s.read(&mut byte).await.map_err(|e| e.to_string())? == 0 {
            return Err("the proxy closed the connection".into());
        }
        head.push(byte[0]);
    }
    let status_line = String::from_utf8_lossy(&head);
    let status_line = status_line.lines().next().unwrap_or_default();
    match status_line.split_whitespace().nth(1) {
        Some(code) if code.starts_with('2') => Ok(()),
        _ => Err(format!("the proxy refused the tunnel: {status_line}")),
    }
}
