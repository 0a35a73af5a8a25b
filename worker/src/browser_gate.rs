//! The browser's only way out: a forward proxy on loopback, one per rendered site, that headless
//! Chromium sends every request through (the page, its scripts, styles, images and XHRs).
//!
//! Without it the browser would be a second crawler outside the rules: a rendered page could
//! load a robots.txt-disallowed URL, hammer its own host with parallel asset requests, or point
//! an `<img>` at a private address or the cloud metadata service. Through the gate:
//! - every request passes the fetcher's destination rules and robots.txt (a refusal is a 403
//!   naming the reason, and nothing is sent);
//! - requests to the rendered site's own host take that host's slots, like plain fetches across
//!   all workers (spaced by the host delay or `Crawl-delay`, one in flight); other hosts (CDNs,
//!   widgets) are checked but not spaced, since the site chose to load them;
//! - HTTPS arrives as `CONNECT` tunnels. The gate checks the destination, then ends the
//!   browser's TLS itself with a certificate of its own for that host (the browser is told to
//!   accept that one key, see [`certificate_pin`]), so each request inside is seen, checked and
//!   spaced like a plain one and sent on over a new, verified TLS connection;
//! - the upstream side is the crawler's own client, so `LEADGEN_PROXY`, the public-only resolver
//!   and certificate verification apply to the browser exactly as to fetches.

use crate::fetcher::{FetchError, Fetcher};
use base64::Engine;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderName};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rcgen::PublicKeyData;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, LazyLock, Mutex};
use tokio::net::TcpListener;
use tokio::sync::watch;
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

/// The key every certificate the gate shows the browser is made with: one per process, never
/// written anywhere, so only a browser started by this process with [`certificate_pin`] trusts
/// it.
struct GateKey {
    key: rcgen::KeyPair,
    /// base64 of the SHA-256 of the key's SubjectPublicKeyInfo, as Chromium's
    /// `--ignore-certificate-errors-spki-list` takes it.
    pin: String,
}

static GATE_KEY: LazyLock<Result<GateKey, String>> = LazyLock::new(|| {
    let key = rcgen::KeyPair::generate().map_err(|e| e.to_string())?;
    let spki = Sha256::digest(key.subject_public_key_info());
    Ok(GateKey {
        pin: base64::engine::general_purpose::STANDARD.encode(spki),
        key,
    })
});

/// The pin of the gate's certificate key, for the browser's
/// `--ignore-certificate-errors-spki-list`: the browser accepts the gate's certificates and
/// still no other unverifiable one (the gate verifies the real site's certificate upstream).
pub fn certificate_pin() -> Result<&'static str, String> {
    GATE_KEY
        .as_ref()
        .map(|k| k.pin.as_str())
        .map_err(|e| format!("the browser gate's key: {e}"))
}

/// A TLS server configuration presenting a certificate for `host` made with the gate's key.
fn tls_for(host: &str) -> Result<Arc<rustls::ServerConfig>, String> {
    let gate_key = GATE_KEY.as_ref().map_err(Clone::clone)?;
    let params =
        rcgen::CertificateParams::new(vec![host.to_string()]).map_err(|e| e.to_string())?;
    let cert = params
        .self_signed(&gate_key.key)
        .map_err(|e| e.to_string())?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(gate_key.key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert.der().to_vec())], key)
        .map_err(|e| e.to_string())?;
    // Requests are read one by one as HTTP/1.1; the upstream side picks its own protocol.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A running gate; closed (its listener, connections and tunnels stopped) when dropped.
pub struct BrowserGate {
    addr: SocketAddr,
    task: JoinHandle<()>,
    /// Dropped with the gate, which tells every tunnel to stop.
    _open: watch::Sender<()>,
}

struct Gate {
    fetcher: Fetcher,
    /// The rendered site's host (lower case), whose requests are spaced.
    site: String,
    /// Ends (changes to closed) when the gate is dropped.
    closed: watch::Receiver<()>,
    /// TLS configurations by host, made on a tunnel's first use.
    certificates: Mutex<HashMap<String, Arc<rustls::ServerConfig>>>,
}

impl BrowserGate {
    /// Starts a gate for rendering pages of `site` (a host name) with `fetcher`'s rules,
    /// listening on `ip` (loopback for a local browser; for a browser in another container or
    /// machine, this worker's address on the network they share, see
    /// [`crate::renderer::Renderer::gate_ip`]).
    pub async fn open(fetcher: Fetcher, site: &str, ip: IpAddr) -> std::io::Result<BrowserGate> {
        certificate_pin().map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(SocketAddr::new(ip, 0)).await?;
        let addr = listener.local_addr()?;
        let (open, closed) = watch::channel(());
        let gate = Arc::new(Gate {
            fetcher,
            site: site.to_ascii_lowercase(),
            closed,
            certificates: Mutex::default(),
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
        Ok(BrowserGate {
            addr,
            task,
            _open: open,
        })
    }

    /// The proxy URL to give the browser.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for BrowserGate {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every plain connection;
        // tunnels stop when `_open` goes.
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
    async fn handle(self: Arc<Self>, req: Request<Incoming>) -> Response<Full<Bytes>> {
        if req.method() == Method::CONNECT {
            return self.tunnel(req).await;
        }
        let url = req.uri().to_string();
        if req.uri().scheme_str() != Some("http") {
            return answer(
                StatusCode::BAD_REQUEST,
                FetchError::InvalidUrl(url).to_string(),
            );
        }
        self.pass_on(url, req).await
    }

    /// Passes one request for `url` on, checked and (for the site's own host) spaced.
    async fn pass_on(&self, url: String, req: Request<Incoming>) -> Response<Full<Bytes>> {
        match self.forward(&url, req).await {
            Ok(r) => r,
            Err(e) => answer(refusal(&e), e.to_string()),
        }
    }

    async fn forward(
        &self,
        url: &str,
        req: Request<Incoming>,
    ) -> Result<Response<Full<Bytes>>, FetchError> {
        let (host, gap) = self
            .fetcher
            .allowed(url)
            .await
            .inspect_err(crate::fetcher::count_refusal)?;
        let (parts, body) = req.into_parts();
        let body = Limited::new(body, MAX_REQUEST_BYTES)
            .collect()
            .await
            .map_err(|e| FetchError::Network {
                url: url.into(),
                message: format!("request body: {e}"),
            })?
            .to_bytes();
        let mut headers = parts.headers;
        strip_hop_by_hop(&mut headers);
        headers.remove(header::HOST);
        let request = self
            .fetcher
            .client()
            .request(parts.method, url)
            .headers(headers)
            .body(body);
        if host == self.site {
            self.fetcher
                .in_slot(&host, gap, read_response(request, url))
                .await?
        } else {
            read_response(request, url).await
        }
    }

    /// Accepts a `CONNECT` to a checked destination and serves the browser's TLS on it itself:
    /// every request inside is then passed on like a plain one, as `https://<authority><path>`.
    ///
    /// The destination is checked before the browser is answered, so a refused one never gets
    /// as far as a TLS handshake.
    async fn tunnel(self: Arc<Self>, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let Some(authority) = req.uri().authority().cloned() else {
            return answer(StatusCode::BAD_REQUEST, "CONNECT needs host:port".into());
        };
        let host = authority.host().to_ascii_lowercase();
        let origin = match authority.port_u16() {
            None | Some(443) => host.clone(),
            Some(port) => format!("{host}:{port}"),
        };
        if let Err(e) = self
            .fetcher
            .destination(&format!("https://{origin}/"))
            .await
        {
            return answer(refusal(&e), e.to_string());
        }
        let config = match self.certificate(&host) {
            Ok(c) => c,
            Err(message) => return answer(StatusCode::BAD_GATEWAY, message),
        };
        let gate = self.clone();
        tokio::spawn(async move {
            let mut closed = gate.closed.clone();
            let serve = async {
                let Ok(upgraded) = hyper::upgrade::on(req).await else {
                    return;
                };
                let acceptor = tokio_rustls::TlsAcceptor::from(config);
                let Ok(tls) = acceptor.accept(TokioIo::new(upgraded)).await else {
                    return;
                };
                let inner = gate.clone();
                let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                    let gate = inner.clone();
                    let path = req
                        .uri()
                        .path_and_query()
                        .map_or("/", |p| p.as_str())
                        .to_string();
                    let url = format!("https://{origin}{path}");
                    async move { Ok::<_, std::convert::Infallible>(gate.pass_on(url, req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            };
            tokio::select! {
                _ = serve => {}
                _ = closed.changed() => {}
            }
        });
        Response::new(Full::new(Bytes::new()))
    }

    fn certificate(&self, host: &str) -> Result<Arc<rustls::ServerConfig>, String> {
        let mut known = self.certificates.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = known.get(host) {
            return Ok(c.clone());
        }
        let c = tls_for(host)?;
        known.insert(host.to_string(), c.clone());
        Ok(c)
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
    let mut upstream = request.send().await.map_err(|e| {
        crate::metrics::fetched(0);
        network(e)
    })?;
    let status = upstream.status();
    crate::metrics::fetched(status.as_u16());
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
