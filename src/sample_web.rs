//! Serves the sample web on loopback as an HTTP forward proxy, and its DNS (the mail records
//! email checks ask for) over UDP on the same address and port.
//!
//! Clients configure `http://127.0.0.1:PORT` as their HTTP proxy (reqwest `Proxy::http`,
//! Chromium `--proxy-server`) and send absolute-form requests such as
//! `GET http://acme.test/contact HTTP/1.1`; requests in origin form are answered by their
//! `Host` header, so the server can be hit directly too. HTTPS (`CONNECT`) is refused: the
//! sample web is plain HTTP only.

use leadgen_core::sample_web::{SampleRequest, SampleWeb, SampleWebOptions};
use poem::http::{HeaderName, HeaderValue, Method, StatusCode};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Request, Response, Server};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// One request the server answered.
#[derive(Clone, Debug)]
pub struct RequestLogEntry {
    /// When the request arrived.
    pub at: SystemTime,
    /// Host the request was for, lowercased, without port.
    pub host: String,
    /// Path and query, e.g. `/search?industry=dentist`.
    pub path: String,
    /// The `User-Agent` header, if any.
    pub user_agent: Option<String>,
    /// Status code answered.
    pub status: u16,
}

type Log = Arc<Mutex<Vec<RequestLogEntry>>>;

/// A running sample-web proxy; stops on [`SampleWebServer::shutdown`] or when dropped.
pub struct SampleWebServer {
    addr: SocketAddr,
    web: Arc<SampleWeb>,
    log: Log,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    dns_task: tokio::task::JoinHandle<()>,
}

impl SampleWebServer {
    /// Binds `bind` (port 0 picks a free port) and serves `web` in a background tokio task.
    pub async fn start(web: SampleWeb, bind: SocketAddr) -> anyhow::Result<SampleWebServer> {
        let acceptor = TcpListener::bind(bind).into_acceptor().await?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| anyhow::anyhow!("sample web listener has no socket address"))?;
        // Bound before anything is spawned, so a taken port leaves nothing running.
        let dns = tokio::net::UdpSocket::bind(addr).await?;
        let web = Arc::new(web);
        let log: Log = Arc::default();
        let endpoint = {
            let web = web.clone();
            let log = log.clone();
            poem::endpoint::make(move |req: Request| {
                let web = web.clone();
                let log = log.clone();
                async move { handle(&web, &log, req).await }
            })
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let result = Server::new_with_acceptor(acceptor)
                .run_with_graceful_shutdown(
                    endpoint,
                    async {
                        let _ = stopped.await;
                    },
                    Some(Duration::from_secs(2)),
                )
                .await;
            if let Err(e) = result {
                tracing::error!(error = %e, "sample web server stopped with an error");
            }
        });
        let dns_task = tokio::spawn(serve_dns(dns, web.clone()));
        tracing::info!(%addr, "sample web proxy and DNS listening");
        Ok(SampleWebServer {
            addr,
            web,
            log,
            stop: Some(stop),
            task: Some(task),
            dns_task,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: what clients use as their HTTP proxy.
    pub fn proxy_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where its DNS answers (UDP, the proxy's address and port): what `LEADGEN_DNS_SERVERS`
    /// takes.
    pub fn dns_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A copy of every request answered so far, oldest first.
    pub fn log(&self) -> Vec<RequestLogEntry> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The web being served (its ground truth, options, …).
    pub fn web(&self) -> &Arc<SampleWeb> {
        &self.web
    }

    /// Stops accepting connections and waits (at most ~2 s) for open ones to finish.
    pub async fn shutdown(mut self) {
        self.dns_task.abort();
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SampleWebServer {
    fn drop(&mut self) {
        // Without an explicit shutdown the background tasks would outlive their owner.
        self.dns_task.abort();
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Generates a web from `opts`, serves it on `bind` and prints the proxy URL; runs until Ctrl-C.
pub async fn serve_forever(opts: SampleWebOptions, bind: SocketAddr) -> anyhow::Result<()> {
    let companies = opts.companies;
    let seed = opts.seed;
    let server = SampleWebServer::start(SampleWeb::generate(opts), bind).await?;
    println!("sample web: {companies} companies, seed {seed}");
    println!("proxy URL: {}", server.proxy_url());
    println!("DNS (UDP): {}", server.dns_addr());
    println!(
        "try: curl -x {} 'http://{}/search?industry=dentist&location=austin'",
        server.proxy_url(),
        SampleWeb::DIRECTORY_HOST
    );
    tokio::signal::ctrl_c().await?;
    server.shutdown().await;
    Ok(())
}

/// Answers DNS questions from the sample web until the task is aborted.
async fn serve_dns(socket: tokio::net::UdpSocket, web: Arc<SampleWeb>) {
    let mut buf = vec![0u8; 4096];
    loop {
        let Ok((n, peer)) = socket.recv_from(&mut buf).await else {
            continue;
        };
        if let Some(reply) = dns_reply(&web, &buf[..n]) {
            let _ = socket.send_to(&reply, peer).await;
        }
    }
}

/// The reply to one DNS message: MX and A questions answered from
/// [`SampleWeb::mail_records`], NXDOMAIN for names the sample web does not have.
fn dns_reply(web: &SampleWeb, packet: &[u8]) -> Option<Vec<u8>> {
    use hickory_proto::op::{Message, ResponseCode};
    use hickory_proto::rr::rdata::{A, MX, SOA};
    use hickory_proto::rr::{Name, RData, Record, RecordType};
    use leadgen_core::sample_web::MailRecords;

    let request = Message::from_vec(packet).ok()?;
    let query = request.queries.first()?.clone();
    let mut reply = Message::response(request.metadata.id, request.metadata.op_code);
    reply.metadata.recursion_desired = request.metadata.recursion_desired;
    reply.metadata.recursion_available = true;
    reply.metadata.authoritative = true;
    reply.add_query(query.clone());
    let name = query.name().clone();
    let host = name.to_ascii();
    let records = web.mail_records(&host);
    let exists = !matches!(records, MailRecords::NoSuchDomain) || web.has_address(&host);
    match query.query_type() {
        RecordType::MX => match records {
            MailRecords::Exchangers(mx) => {
                for (preference, exchanger) in mx {
                    let exchange = Name::from_ascii(format!("{exchanger}.")).ok()?;
                    reply.add_answer(Record::from_rdata(
                        name.clone(),
                        300,
                        RData::MX(MX::new(preference, exchange)),
                    ));
                }
            }
            MailRecords::NullMx => {
                reply.add_answer(Record::from_rdata(
                    name.clone(),
                    300,
                    RData::MX(MX::new(0, Name::root())),
                ));
            }
            MailRecords::AddressOnly | MailRecords::NoSuchDomain => {}
        },
        RecordType::A if web.has_address(&host) => {
            reply.add_answer(Record::from_rdata(
                name.clone(),
                300,
                RData::A(A(std::net::Ipv4Addr::LOCALHOST)),
            ));
        }
        _ => {}
    }
    if reply.answers.is_empty() {
        if !exists {
            reply.metadata.response_code = ResponseCode::NXDomain;
        }
        // Negative answers carry the zone's SOA so resolvers know how long to remember them.
        let zone = Name::from_ascii("test.").ok()?;
        let soa = SOA::new(
            Name::from_ascii("ns.test.").ok()?,
            Name::from_ascii("hostmaster.test.").ok()?,
            1,
            3600,
            600,
            86_400,
            60,
        );
        reply
            .authorities
            .push(Record::from_rdata(zone, 60, RData::SOA(soa)));
    }
    reply.to_vec().ok()
}

/// The host a request is for: the authority of an absolute-form URI, else the `Host` header.
fn request_host(req: &Request) -> String {
    let raw = match req.uri().host() {
        Some(h) => h.to_string(),
        None => req.header("host").unwrap_or_default().to_string(),
    };
    strip_port(&raw).trim_end_matches('.').to_ascii_lowercase()
}

fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        // IPv6 literal: "[::1]:8080"
        return rest.split(']').next().unwrap_or(rest);
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(h, _)| h)
}

async fn handle(web: &SampleWeb, log: &Log, req: Request) -> Response {
    let host = request_host(&req);
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let user_agent = req.header("user-agent").map(str::to_string);

    let response = if req.method() == Method::CONNECT {
        text_response(
            StatusCode::METHOD_NOT_ALLOWED,
            "the sample web serves plain HTTP only",
        )
    } else {
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let method = req.method().as_str().to_string();
        let body = req.into_body().into_bytes().await.unwrap_or_default();
        let answer = web.respond_to(&SampleRequest {
            method: &method,
            host: &host,
            path_and_query: &path,
            headers: &headers,
            body: &body,
        });
        if !answer.delay.is_zero() {
            tokio::time::sleep(answer.delay).await;
        }
        let mut builder = Response::builder()
            .status(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY));
        for (name, value) in &answer.headers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) {
                builder = builder.header(n, v);
            }
        }
        builder.body(answer.body)
    };

    log.lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(RequestLogEntry {
            at: SystemTime::now(),
            host,
            path,
            user_agent,
            status: response.status().as_u16(),
        });
    response
}

fn text_response(status: StatusCode, body: &'static str) -> Response {
    Response::builder()
        .status(status)
        .content_type("text/plain; charset=utf-8")
        .body(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn server() -> SampleWebServer {
        let web = SampleWeb::generate(SampleWebOptions {
            seed: 42,
            companies: 60,
            latency_ms: None,
        });
        SampleWebServer::start(web, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap()
    }

    /// Sends one raw HTTP/1.1 request and returns the whole response as text.
    async fn raw(addr: SocketAddr, request: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        stream.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    }

    fn normal_domain(s: &SampleWebServer) -> String {
        s.web()
            .ground_truth()
            .iter()
            .find(|t| t.behaviour == "normal" && !t.domain.is_empty())
            .unwrap()
            .domain
            .clone()
    }

    #[tokio::test]
    async fn absolute_form_and_host_header() {
        let s = server().await;
        let domain = normal_domain(&s);
        let abs = raw(
            s.addr(),
            &format!(
                "GET http://{domain}/contact HTTP/1.1\r\nHost: {domain}\r\n\
                 User-Agent: raw-test\r\nConnection: close\r\n\r\n"
            ),
        )
        .await;
        assert!(abs.starts_with("HTTP/1.1 200"), "{abs}");
        assert!(abs.contains("<h1>Contact us</h1>"));

        let direct = raw(
            s.addr(),
            "GET /search?industry=dentist HTTP/1.1\r\nHost: directory.test:80\r\n\
             Connection: close\r\n\r\n",
        )
        .await;
        assert!(direct.starts_with("HTTP/1.1 200"), "{direct}");
        assert!(direct.contains("class=\"listing\""));

        let unknown = raw(
            s.addr(),
            "GET http://elsewhere.example/ HTTP/1.1\r\nHost: elsewhere.example\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(unknown.starts_with("HTTP/1.1 502"), "{unknown}");
        assert!(unknown.ends_with("unknown host"));

        let log = s.log();
        assert_eq!(log.len(), 3);
        assert_eq!(log[0].host, domain);
        assert_eq!(log[0].path, "/contact");
        assert_eq!(log[0].user_agent.as_deref(), Some("raw-test"));
        assert_eq!(log[1].host, "directory.test");
        assert_eq!(log[2].status, 502);
        s.shutdown().await;
    }

    #[tokio::test]
    async fn reqwest_through_proxy() {
        let s = server().await;
        let domain = normal_domain(&s);
        let client = reqwest::Client::builder()
            .proxy(reqwest::Proxy::http(s.proxy_url()).unwrap())
            .build()
            .unwrap();
        let resp = client
            .get(format!("http://{domain}/robots.txt"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain")
        );
        assert!(resp.text().await.unwrap().starts_with("User-agent: *"));

        // www. hosts redirect to the canonical domain and reqwest follows.
        let resp = client
            .get(format!("http://www.{domain}/about"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert_eq!(resp.url().as_str(), format!("http://{domain}/about"));
        assert!(s.log().iter().all(|e| e.path != "/" || e.host == domain));
        s.shutdown().await;
    }

    #[tokio::test]
    async fn delays_are_applied() {
        let web = SampleWeb::generate(SampleWebOptions {
            seed: 3,
            companies: 10,
            latency_ms: Some((150, 150)),
        });
        let s = SampleWebServer::start(web, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let started = std::time::Instant::now();
        let out = raw(
            s.addr(),
            "GET http://directory.test/ HTTP/1.1\r\nHost: directory.test\r\nConnection: close\r\n\r\n",
        )
        .await;
        assert!(out.starts_with("HTTP/1.1 200"));
        assert!(started.elapsed() >= Duration::from_millis(150));
        s.shutdown().await;
    }

    #[test]
    fn ports_are_stripped() {
        assert_eq!(strip_port("acme.test:8080"), "acme.test");
        assert_eq!(strip_port("acme.test"), "acme.test");
        assert_eq!(strip_port("[::1]:80"), "::1");
    }
}
