//! HTTP as the crawler speaks it, against a site on loopback: redirects followed hop by hop
//! (each checked against robots.txt and spaced like any request, at most five, the chain
//! reported), bodies cut at the size cap, binary types recorded but not read, and the browser's
//! requests held to the same rules by its gate.

mod common;

/// Where the gates of these tests listen (the browser, when there is one, runs here).
const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

use common::{Spawn, TestApp};
use leadgen_worker::browser_gate::BrowserGate;
use leadgen_worker::fetcher::{FetchError, Fetcher};
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Redirect;
use poem::{Endpoint, EndpointExt, IntoResponse, Response, Route, handler};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[handler]
fn robots() -> &'static str {
    "User-agent: *\nDisallow: /private\n"
}

fn redirect(to: &str) -> Response {
    Redirect::moved_permanent(to).into_response()
}

/// A test app with no workers: the tests drive a fetcher themselves.
async fn app_without_workers() -> TestApp {
    TestApp::spawn_with(Spawn {
        workers: false,
        companies: 5,
        ..Spawn::default()
    })
    .await
}

/// The app's crawl settings for a site on loopback: no proxy, private addresses allowed.
fn loopback_crawl(app: &TestApp) -> leadgen_core::config::CrawlConfig {
    let mut cfg = app.cfg.crawl.clone();
    cfg.proxy = None;
    cfg.allow_private_networks = true;
    cfg
}

/// Serves `app` on a free loopback port; returns its base URL.
async fn serve(app: impl Endpoint + 'static) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    format!("http://{addr}")
}

/// A site on loopback whose paths redirect: /a → /b → /c (200), /loop → /loop, /leak → /private.
/// (path, arrival, User-Agent) of every request.
type Log = Arc<Mutex<Vec<(String, Instant, String)>>>;

async fn start_site(log: Log) -> String {
    let app = Route::new()
        .at("/robots.txt", robots)
        .at("/a", poem::endpoint::make_sync(|_| redirect("/b")))
        .at(
            "/b",
            poem::endpoint::make_sync(|_| Redirect::see_other("c").into_response()),
        )
        .at(
            "/c",
            poem::endpoint::make_sync(|_| {
                Response::builder()
                    .status(StatusCode::OK)
                    .content_type("text/html")
                    .body("<html><body><h1>Arrived</h1></body></html>")
            }),
        )
        .at("/loop", poem::endpoint::make_sync(|_| redirect("/loop")))
        .at(
            "/brochure.pdf",
            poem::endpoint::make_sync(|_| {
                Response::builder()
                    .content_type("application/pdf")
                    .body(vec![b'%'; 2 << 20])
            }),
        )
        .at(
            "/big",
            poem::endpoint::make_sync(|_| {
                Response::builder()
                    .content_type("text/html")
                    .body(format!("<html><body>{}</body></html>", "x".repeat(3 << 20)))
            }),
        )
        .at(
            "/leak",
            poem::endpoint::make_sync(|_| redirect("/private/data")),
        )
        .at(
            "/private/data",
            poem::endpoint::make_sync(|_| "secret".into_response()),
        )
        .around(move |ep, req| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push((
                    req.uri().path().to_string(),
                    Instant::now(),
                    req.headers()
                        .get("user-agent")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_string(),
                ));
                ep.call(req).await.map(IntoResponse::into_response)
            }
        });
    serve(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_followed_hop_by_hop_within_robots_and_the_limit() {
    let app = app_without_workers().await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let base = start_site(log.clone()).await;
    let mut cfg = loopback_crawl(&app);
    cfg.host_delay = Duration::from_millis(200);
    cfg.max_page_bytes = 1 << 20;
    let fetcher = Fetcher::new(cfg, app.pool.clone()).unwrap();

    // A chain of two redirects ends at the page, and says which URLs it passed.
    let page = fetcher.get(&format!("{base}/a")).await.unwrap();
    assert_eq!(page.status, 200);
    assert_eq!(page.final_url, format!("{base}/c"));
    assert_eq!(page.redirects, [format!("{base}/a"), format!("{base}/b")]);
    assert!(page.body.contains("Arrived"));
    {
        let log = log.lock().unwrap();
        let paths: Vec<&str> = log.iter().map(|(p, _, _)| p.as_str()).collect();
        assert_eq!(paths, ["/robots.txt", "/a", "/b", "/c"]);
        // Every hop waited for the host's slot.
        for w in log.windows(2) {
            assert!(
                w[1].1 - w[0].1 >= Duration::from_millis(150),
                "{} then {} too close",
                w[0].0,
                w[1].0
            );
        }
    }

    // A redirect into a path robots.txt disallows is refused before it is requested.
    let e = fetcher.get(&format!("{base}/leak")).await.unwrap_err();
    assert!(
        matches!(e, FetchError::Disallowed(ref u) if u.ends_with("/private/data")),
        "{e}"
    );
    assert!(
        !log.lock()
            .unwrap()
            .iter()
            .any(|(p, _, _)| p.starts_with("/private")),
        "the disallowed target was never requested"
    );

    // A redirect loop ends after five hops with a permanent error.
    let e = fetcher.get(&format!("{base}/loop")).await.unwrap_err();
    assert!(matches!(e, FetchError::TooManyRedirects(_)), "{e}");
    assert!(!e.is_transient());
    let loops = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(p, _, _)| p == "/loop")
        .count();
    assert_eq!(loops, 6, "the first request and five redirect hops");

    // A 3 MB page is cut at the 1 MB cap and marked so.
    let big = fetcher.get(&format!("{base}/big")).await.unwrap();
    assert!(big.truncated);
    assert_eq!(big.body.len(), 1 << 20);

    // A PDF is recorded (status, type), its body not read.
    let pdf = fetcher.get(&format!("{base}/brochure.pdf")).await.unwrap();
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.content_type.as_deref(), Some("application/pdf"));
    assert!(pdf.body.is_empty() && !pdf.truncated);

    // With a rotation configured, a host always gets the same entry, and robots.txt is
    // obeyed for that entry's product token.
    let mut cfg = loopback_crawl(&app);
    cfg.host_delay = Duration::from_millis(50);
    cfg.user_agents = vec![
        "alpha-bot/1 (+https://a.example)".into(),
        "beta-bot/1 (+https://b.example)".into(),
    ];
    let rotating = Fetcher::new(cfg, app.pool.clone()).unwrap();
    log.lock().unwrap().clear();
    rotating.get(&format!("{base}/c")).await.unwrap();
    rotating.get(&format!("{base}/a")).await.unwrap();
    let agents: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, ua)| ua.clone())
        .collect();
    assert!(agents.iter().all(|a| a == &agents[0]), "{agents:?}");
    let host = base
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap();
    assert_eq!(agents[0], rotating.agent_for(host));
    app.cleanup().await;
}

/// A site whose robots.txt takes 300 ms to answer, so jobs starting together all find the
/// cache empty; every request path is logged.
async fn start_slow_robots_site(log: Arc<Mutex<Vec<String>>>) -> String {
    let app = Route::new()
        .at(
            "/robots.txt",
            poem::endpoint::make(|_| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "User-agent: *\nDisallow: /private\n"
            }),
        )
        .at(
            "/*path",
            poem::endpoint::make_sync(|_| {
                Response::builder()
                    .content_type("text/html")
                    .body("<html><body>page</body></html>")
            }),
        )
        .around(move |ep, req| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(req.uri().path().to_string());
                ep.call(req).await.map(IntoResponse::into_response)
            }
        });
    serve(app).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_that_miss_the_robots_cache_together_fetch_it_once() {
    let app = app_without_workers().await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let base = start_slow_robots_site(log.clone()).await;
    let mut cfg = loopback_crawl(&app);
    cfg.host_delay = Duration::from_millis(50);
    let fetcher = Arc::new(Fetcher::new(cfg, app.pool.clone()).unwrap());

    // Four pages of a host nobody has fetched from, requested at once.
    let pages = ["/", "/about", "/team", "/contact"].map(|p| {
        let fetcher = fetcher.clone();
        let url = format!("{base}{p}");
        tokio::spawn(async move { fetcher.get(&url).await })
    });
    for p in pages {
        assert_eq!(p.await.unwrap().unwrap().status, 200);
    }
    let log = log.lock().unwrap().clone();
    let robots_reads = log.iter().filter(|p| *p == "/robots.txt").count();
    assert_eq!(
        robots_reads, 1,
        "robots.txt is read once for the host: {log:?}"
    );
    assert_eq!(log.len(), 5, "{log:?}");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_gate_obeys_robots_and_spaces_the_sites_own_requests() {
    let app = app_without_workers().await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let base = start_site(log.clone()).await;
    let mut cfg = loopback_crawl(&app);
    cfg.host_delay = Duration::from_millis(200);
    let fetcher = Fetcher::new(cfg, app.pool.clone()).unwrap();
    let gate = BrowserGate::open(fetcher, "127.0.0.1", LOOPBACK)
        .await
        .unwrap();
    let browser = common::browser_through(&gate);

    // A URL robots.txt disallows is refused by the gate and never reaches the site.
    let refused = browser
        .get(format!("{base}/private/data"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let why = refused.text().await.unwrap();
    assert!(why.contains("robots.txt disallows"), "{why}");

    // Requests the page makes at once to its own host arrive one host delay apart.
    let loads = (0..3).map(|_| {
        let browser = browser.clone();
        let url = format!("{base}/c");
        tokio::spawn(async move { browser.get(url).send().await.unwrap().text().await })
    });
    for body in futures::future::join_all(loads).await {
        assert!(body.unwrap().unwrap().contains("Arrived"));
    }
    let log = log.lock().unwrap().clone();
    assert!(
        log.iter().all(|(path, _, _)| !path.starts_with("/private")),
        "{log:?}"
    );
    let pages: Vec<Instant> = log
        .iter()
        .filter(|(path, _, _)| path == "/c")
        .map(|(_, at, _)| *at)
        .collect();
    assert_eq!(pages.len(), 3, "{log:?}");
    // Slots are 200 ms apart; arrivals are logged after the timers and the loopback hop, which
    // a busy machine delays unevenly. Unspaced, the three would arrive within milliseconds.
    for pair in pages.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(150), "requests {gap:?} apart");
    }
    app.cleanup().await;
}
