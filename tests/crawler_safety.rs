//! The crawler stays off networks it may not reach: with private networks not allowed, loopback
//! destinations (IP literal or `localhost`), non-standard ports and other schemes are refused
//! with the reason before any request (by the fetcher and by the browser's gate alike), the fetch
//! stage records the refusal as a permanent error of the job, and a proxy on loopback is refused
//! naming `LEADGEN_PROXY`. HTTPS is verified upstream for fetches and the browser alike, against
//! the system's roots and `LEADGEN_CA_FILE`. Only loopback is ever contacted.

mod common;

/// Where the gates of these tests listen (the browser, when there is one, runs here).
const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

use common::https_site::HttpsSite;
use common::{Spawn, TestApp};
use leadgen_core::config::CrawlConfig;
use leadgen_core::jobs::ItemJob;
use leadgen_core::repo::{jobs, politeness};
use leadgen_worker::browser_gate::BrowserGate;
use leadgen_worker::fetcher::{FetchError, Fetcher};
use serde_json::json;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback HTTP server that records every connection it accepts (the request path, or
/// `""` when none arrived) and answers 200 with a little HTML.
struct Listener {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Listener {
    async fn start() -> Listener {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = vec![0u8; 8192];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = head.split(' ').nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push(path);
                let body = "<html><body>internal</body></html>";
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
            }
        });
        Listener { port, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

/// The harness's crawl settings without its proxy, private networks as given.
fn direct(app: &TestApp, allow_private: bool) -> CrawlConfig {
    let mut c = app.cfg.crawl.clone();
    c.proxy = None;
    c.allow_private_networks = allow_private;
    c
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(Spawn {
        workers: false,
        companies: 5,
        ..Spawn::default()
    })
    .await
}

fn refusal(r: Result<impl std::fmt::Debug, FetchError>) -> (String, String) {
    match r {
        Err(e @ FetchError::Refused { .. }) => {
            assert!(!e.is_transient(), "a refusal is permanent: {e}");
            let FetchError::Refused { url, reason } = &e else {
                unreachable!()
            };
            (url.clone(), reason.clone())
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn loopback_destinations_and_other_ports_are_refused_without_a_request() {
    let app = spawn().await;
    let site = Listener::start().await;
    let port = site.port;
    let fetcher = Fetcher::new(direct(&app, false), app.pool.clone()).unwrap();

    let (url, reason) = refusal(fetcher.get(&format!("http://127.0.0.1:{port}/")).await);
    assert_eq!(url, format!("http://127.0.0.1:{port}/"));
    assert_eq!(reason, "127.0.0.1 is a loopback address");

    let (_, reason) = refusal(fetcher.get(&format!("http://localhost:{port}/")).await);
    assert_eq!(reason, "localhost is a loopback address");

    let (_, reason) = refusal(fetcher.get(&format!("http://[::1]:{port}/")).await);
    assert_eq!(reason, "::1 is a loopback address");

    let (_, reason) = refusal(fetcher.get("http://127.0.0.1/").await);
    assert_eq!(reason, "127.0.0.1 is a loopback address");

    // Refused before any name is resolved or any connection made.
    let (_, reason) = refusal(fetcher.get("http://www.example.com:8080/").await);
    assert!(reason.contains("port 8080 is not allowed"), "{reason}");

    let (_, reason) = refusal(fetcher.get("ftp://www.example.com/").await);
    assert!(reason.contains("scheme `ftp`"), "{reason}");

    // Every request of the browser goes through its gate, which applies the same check: a
    // page, or an image or script it loads, is answered 403 with the reason and never sent.
    let gate = BrowserGate::open(fetcher.clone(), "example.com", LOOPBACK)
        .await
        .unwrap();
    let browser = common::browser_through(&gate);
    let refused = browser
        .get(format!("http://127.0.0.1:{port}/logo.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let why = refused.text().await.unwrap();
    assert!(why.contains("127.0.0.1 is a loopback address"), "{why}");
    // HTTPS arrives as a tunnel, refused the same way before anything is connected.
    let tunnel = browser
        .get(format!("https://127.0.0.1:{port}/"))
        .send()
        .await;
    assert!(tunnel.is_err(), "{tunnel:?}");
    let metadata = browser
        .get("http://169.254.169.254/latest/meta-data/")
        .send()
        .await
        .unwrap();
    assert_eq!(metadata.status(), 403);

    assert!(site.seen().is_empty(), "the listener got {:?}", site.seen());
    // Not even robots.txt was asked for.
    assert!(
        politeness::robots(&app.pool, "127.0.0.1")
            .await
            .unwrap()
            .is_none()
    );

    // The same listener is reached once private networks are allowed.
    let allowed = Fetcher::new(direct(&app, true), app.pool.clone()).unwrap();
    let page = allowed
        .get(&format!("http://127.0.0.1:{port}/"))
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("internal"));
    assert_eq!(site.seen(), ["/robots.txt", "/"]);
    app.cleanup().await;
}

#[tokio::test]
async fn the_fetch_stage_records_a_refusal_as_the_companys_error() {
    let app = spawn().await;
    let site = Listener::start().await;
    let mut cfg = app.cfg.clone();
    cfg.crawl = direct(&app, false);
    let ctx = leadgen_worker::Ctx::new(cfg, app.pool.clone()).unwrap();

    let job_id = uuid::Uuid::new_v4();
    jobs::insert(
        &app.pool,
        job_id,
        &json!({"industry": "dentist", "location": "Austin"}),
        1,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let website = format!("http://localhost:{}/", site.port);
    let candidate = json!({
        "name": "Intranet Dental", "website": website, "phone": null, "address": null,
        "category": null, "source": "test", "source_url": "http://directory.test/",
    });
    let item_id = leadgen_core::repo::work_items::insert(
        &app.pool,
        job_id,
        "intranet-dental",
        Some("localhost"),
        &candidate,
    )
    .await
    .unwrap()
    .unwrap();

    leadgen_worker::stages::fetch::run(&ctx, &ItemJob { job_id, item_id })
        .await
        .expect("a refusal does not fail the job: the company goes on");

    let errors = jobs::errors(&app.pool, job_id, 10).await.unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].stage, "fetch");
    assert_eq!(errors[0].url.as_deref(), Some(website.as_str()));
    assert_eq!(
        errors[0].message,
        format!("refused {website}: localhost is a loopback address")
    );
    assert!(site.seen().is_empty(), "the listener got {:?}", site.seen());
    app.cleanup().await;
}

#[tokio::test]
async fn a_proxy_on_loopback_is_refused_unless_private_networks_are_allowed() {
    let app = spawn().await;
    let proxy = app.web.proxy_url();
    for p in [proxy.clone(), proxy.replace("127.0.0.1", "localhost")] {
        let mut crawl = app.cfg.crawl.clone();
        crawl.proxy = Some(p.clone());
        crawl.allow_private_networks = false;
        let e = Fetcher::new(crawl, app.pool.clone())
            .err()
            .expect("a loopback proxy is refused");
        let msg = e.to_string();
        assert!(msg.contains("LEADGEN_PROXY"), "{msg}");
        assert!(msg.contains("loopback"), "{msg}");
        assert!(msg.contains("LEADGEN_ALLOW_PRIVATE_NETWORKS=true"), "{msg}");

        // A worker process stops at start with the same message.
        let mut cfg = app.cfg.clone();
        cfg.crawl.proxy = Some(p);
        cfg.crawl.allow_private_networks = false;
        let e = leadgen_worker::Ctx::new(cfg, app.pool.clone())
            .err()
            .expect("the worker refuses to start");
        assert!(e.to_string().contains("LEADGEN_PROXY"), "{e}");
    }
    assert!(app.web.log().is_empty(), "nothing went through the proxy");

    // Allowed: the sample web is crawled through it.
    let fetcher = Fetcher::new(app.cfg.crawl.clone(), app.pool.clone()).unwrap();
    fetcher.get("http://directory.test/").await.unwrap();
    assert!(
        app.web
            .log()
            .iter()
            .any(|e| e.host == "directory.test" && e.path == "/")
    );
    app.cleanup().await;
}

#[tokio::test]
async fn https_is_verified_upstream_for_fetches_and_for_the_browser() {
    let app = spawn().await;
    let site = HttpsSite::start(poem::Route::new().at(
        "/",
        poem::endpoint::make_sync(|_| "<html><body>verified</body></html>"),
    ))
    .await;
    // A browser that accepts the gate's certificates, as Chromium is told to.
    let browser_of = |gate: &BrowserGate| {
        reqwest::Client::builder()
            .proxy(reqwest::Proxy::all(gate.proxy_url()).unwrap())
            .danger_accept_invalid_certs(true)
            .build()
            .unwrap()
    };

    // Trusted through LEADGEN_CA_FILE: the fetcher and the browser through its gate reach it.
    let mut crawl = direct(&app, true);
    crawl.ca_file = Some(site.ca_file.to_string_lossy().into_owned());
    let trusted = Fetcher::new(crawl, app.pool.clone()).unwrap();
    let page = trusted.get(&site.url("/")).await.unwrap();
    assert!(page.body.contains("verified"));
    let gate = BrowserGate::open(trusted, "localhost", LOOPBACK)
        .await
        .unwrap();
    let through = browser_of(&gate).get(site.url("/")).send().await.unwrap();
    assert_eq!(through.status(), 200);
    assert!(through.text().await.unwrap().contains("verified"));
    drop(gate);
    let reached = site.log().len();

    // Not trusted (robots.txt is already known, so only the page is asked for): the fetch fails
    // on the certificate, and so does the browser's request upstream of the gate, although the
    // browser accepted the gate's own certificate. No request reaches the site.
    let untrusted = Fetcher::new(direct(&app, true), app.pool.clone()).unwrap();
    let e = untrusted.get(&site.url("/")).await.unwrap_err().to_string();
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    let gate = BrowserGate::open(untrusted, "localhost", LOOPBACK)
        .await
        .unwrap();
    let refused = browser_of(&gate).get(site.url("/")).send().await.unwrap();
    assert_eq!(refused.status(), 502);
    let why = refused.text().await.unwrap();
    assert!(why.to_lowercase().contains("certificate"), "{why}");
    assert_eq!(site.log().len(), reached, "{:?}", site.log());

    // A file without a certificate stops the crawler at start, naming the variable.
    let empty = std::env::temp_dir().join(format!("leadgen-empty-{}.pem", uuid::Uuid::new_v4()));
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let mut crawl = direct(&app, true);
    crawl.ca_file = Some(empty.to_string_lossy().into_owned());
    let e = Fetcher::new(crawl, app.pool.clone())
        .err()
        .expect("refused");
    std::fs::remove_file(&empty).unwrap();
    assert!(e.to_string().contains("LEADGEN_CA_FILE"), "{e}");
    assert!(e.to_string().contains("no PEM certificate"), "{e}");
    app.cleanup().await;
}
