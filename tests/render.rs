//! JavaScript-only sites are rendered in real headless Chromium (chromedriver supervised by the
//! worker) and their contact data extracted, every browser request through the worker's gate:
//! the same proxy, robots.txt and per-host politeness as fetches, HTTPS included.

mod common;

/// Where the gates of these tests listen (the browser, when there is one, runs here).
const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

use common::https_site::HttpsSite;
use common::{Spawn, TestApp};
use leadgen_worker::browser_gate::BrowserGate;
use leadgen_worker::fetcher::Fetcher;
use leadgen_worker::renderer::Renderer;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_javascript_only_site_is_rendered_and_its_contacts_extracted() {
    let app = TestApp::spawn_with(Spawn {
        browser: true,
        companies: 200,
        ..Spawn::default()
    })
    .await;
    let truth = app
        .web
        .web()
        .ground_truth()
        .iter()
        .find(|c| {
            c.markup == "js-only"
                && c.behaviour == "normal"
                && c.allows("/")
                && !c.phones.is_empty()
        })
        .expect("the sample web has a JavaScript-only site")
        .clone();
    let (st, started) = app
        .post(
            "/api/v1/scrape/search",
            &json!({"industry": truth.industry, "location": truth.city, "max_results": 100}),
        )
        .await;
    assert_eq!(st, 200, "{started}");
    let job = started["job_id"].as_str().unwrap();
    let s = app.wait_for_job(job, Duration::from_secs(180)).await;
    assert_eq!(s["status"], "completed", "{s}");

    let rendered: bool = sqlx::query_scalar(
        "SELECT bool_or(p.rendered) FROM pages p JOIN work_items w ON w.id = p.work_item_id WHERE w.domain = $1",
    )
    .bind(&truth.domain)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(rendered, "the home page of {} was rendered", truth.domain);
    let phones: serde_json::Value =
        sqlx::query_scalar("SELECT phones FROM companies WHERE domain = $1")
            .bind(&truth.domain)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let phones: Vec<String> = serde_json::from_value(phones).unwrap();
    assert!(
        phones.contains(&truth.phones[0]),
        "{} not in {phones:?}",
        truth.phones[0]
    );
    // The browser went through the sample web proxy, as every crawler request does.
    assert!(
        app.web
            .log()
            .iter()
            .any(|e| e.host == truth.domain && e.path.starts_with("/about")),
        "links only visible after rendering were followed"
    );
    // Plain fetches and the browser's own requests (through its gate) share the host's slots:
    // never two requests to the site closer than the host delay (100 ms here, less a little
    // for when each arrival was logged).
    let mut arrivals: Vec<std::time::SystemTime> = app
        .web
        .log()
        .iter()
        .filter(|e| e.host == truth.domain)
        .map(|e| e.at)
        .collect();
    arrivals.sort();
    assert!(arrivals.len() >= 3, "{arrivals:?}");
    for pair in arrivals.windows(2) {
        let gap = pair[1].duration_since(pair[0]).unwrap_or_default();
        assert!(
            gap >= Duration::from_millis(80),
            "two requests to {} {gap:?} apart",
            truth.domain
        );
    }
    app.cleanup().await;
}

/// A page built by a script that also asks for two URLs robots.txt disallows (an image and an
/// XHR).
fn scripted_site() -> poem::Route {
    use poem::{Response, Route, endpoint::make_sync};
    let reply = |content_type: &'static str, body: &'static str| {
        make_sync(move |_| Response::builder().content_type(content_type).body(body))
    };
    Route::new()
        .at(
            "/robots.txt",
            reply("text/plain", "User-agent: *\nDisallow: /private\n"),
        )
        .at(
            "/",
            reply(
                "text/html",
                "<html><head><title>Secure</title></head><body><div id=\"app\"></div>\
                 <img src=\"/private/pixel.gif\"><script src=\"/app.js\"></script></body></html>",
            ),
        )
        .at(
            "/app.js",
            reply(
                "text/javascript",
                "fetch('/private/data').catch(() => {});\
                 document.getElementById('app').textContent = 'Rendered over HTTPS';",
            ),
        )
        .at("/private/*", reply("text/plain", "secret"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn inside_an_https_tunnel_the_gate_checks_and_spaces_every_request_the_browser_makes() {
    let app = TestApp::spawn_with(Spawn {
        browser: true,
        workers: false,
        companies: 5,
        ..Spawn::default()
    })
    .await;
    // The site's certificate is trusted through LEADGEN_CA_FILE, as an intranet's CA would be.
    let site = HttpsSite::start(scripted_site()).await;
    let mut crawl = app.cfg.crawl.clone();
    crawl.proxy = None;
    crawl.allow_private_networks = true;
    crawl.ca_file = Some(site.ca_file.to_string_lossy().into_owned());
    crawl.host_delay = Duration::from_millis(200);
    let fetcher = Fetcher::new(crawl, app.pool.clone()).unwrap();
    let gate = BrowserGate::open(fetcher.clone(), "localhost", LOOPBACK)
        .await
        .unwrap();
    let renderer = Renderer::from_config(&app.cfg).expect("a browser is configured");
    let html = renderer
        .render(
            &site.url("/"),
            fetcher.agent_for("localhost"),
            &gate.proxy_url(),
        )
        .await
        .unwrap();
    drop(gate);

    // The page's script arrived through the tunnel and ran.
    assert!(html.contains("Rendered over HTTPS"), "{html}");
    let log = site.log();
    let paths: Vec<&str> = log.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.contains(&"/app.js"), "{paths:?}");
    // The image and the XHR robots.txt disallows were refused inside the tunnel, never sent.
    assert!(
        paths.iter().all(|p| !p.starts_with("/private")),
        "{paths:?}"
    );
    // The browser's requests inside the tunnel took the host's slots one by one (200 ms apart,
    // less a little for when each arrival was logged), not one slot for the whole tunnel.
    let browser: Vec<Instant> = log
        .iter()
        .filter(|(p, _)| p != "/robots.txt")
        .map(|(_, at)| *at)
        .collect();
    assert!(browser.len() >= 2, "{paths:?}");
    for pair in browser.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(
            gap >= Duration::from_millis(150),
            "requests {gap:?} apart: {paths:?}"
        );
    }
    app.cleanup().await;
}
