//! The browser dying mid-render: killing chromedriver, or the Chromium it started, while a page
//! loads makes that render fail with an error (which the render stage retries) instead of
//! hanging or taking the worker down, and the next render works on a fresh browser (the worker
//! starts chromedriver again, and ends the dead one's browsers). Its own test binary, so the
//! processes killed are this test's.

mod common;

use common::{Spawn, TestApp};
use leadgen_worker::browser_gate::BrowserGate;
use leadgen_worker::fetcher::Fetcher;
use leadgen_worker::renderer::Renderer;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, Response, Route, endpoint::make, endpoint::make_sync};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LOOPBACK: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// A site whose `/slow` page waits 20 s for its script, and whose `/fast` page is built at
/// once by its script; returns its base URL and the paths it was asked for.
async fn start_site() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let page = |script: &'static str| {
        make_sync(move |_| {
            Response::builder().content_type("text/html").body(format!(
                "<html><body><div id=\"app\"></div><script src=\"{script}\"></script></body></html>"
            ))
        })
    };
    let app = Route::new()
        .at("/robots.txt", make_sync(|_| "User-agent: *\nAllow: /\n"))
        .at("/slow", page("/slow.js"))
        .at("/fast", page("/fast.js"))
        .at(
            "/slow.js",
            make(|_| async {
                tokio::time::sleep(Duration::from_secs(20)).await;
                "document.getElementById('app').textContent = 'late';"
            }),
        )
        .at(
            "/fast.js",
            make_sync(|_| "document.getElementById('app').textContent = 'Rendered again';"),
        )
        .around(move |ep, req| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(req.uri().path().to_string());
                ep.call(req).await
            }
        });
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap();
    let addr = acceptor.local_addr()[0].as_socket_addr().copied().unwrap();
    tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
    (format!("http://{addr}"), seen)
}

/// Process ids of `parent`'s children named `name`.
fn children(parent: u32, name: &str) -> Vec<u32> {
    let out = Command::new("pgrep")
        .args(["-P", &parent.to_string(), name])
        .output()
        .expect("pgrep runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

async fn wait_for_path(seen: &Arc<Mutex<Vec<String>>>, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !seen.lock().unwrap().iter().any(|p| p == path) {
        assert!(
            Instant::now() < deadline,
            "the browser never asked for {path}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_browser_killed_mid_render_fails_that_render_and_the_next_one_works() {
    let app = TestApp::spawn_with(Spawn {
        browser: true,
        workers: false,
        companies: 5,
        ..Spawn::default()
    })
    .await;
    let (base, seen) = start_site().await;
    let mut crawl = app.cfg.crawl.clone();
    crawl.proxy = None;
    crawl.allow_private_networks = true;
    crawl.host_delay = Duration::from_millis(50);
    let fetcher = Fetcher::new(crawl, app.pool.clone()).unwrap();
    let renderer = Arc::new(Renderer::from_config(&app.cfg).expect("a browser is configured"));
    let agent = fetcher.agent_for("127.0.0.1").to_string();
    let me = std::process::id();

    for victim in ["chromedriver", "chromium"] {
        seen.lock().unwrap().clear();
        let gate = BrowserGate::open(fetcher.clone(), "127.0.0.1", LOOPBACK)
            .await
            .unwrap();
        let render = {
            let (renderer, agent, proxy) = (renderer.clone(), agent.clone(), gate.proxy_url());
            let url = format!("{base}/slow");
            tokio::spawn(async move { renderer.render(&url, &agent, &proxy).await })
        };
        // Mid-render: the page is loading and waiting for its script.
        wait_for_path(&seen, "/slow.js").await;
        let drivers = children(me, "chromedriver");
        assert_eq!(drivers.len(), 1, "one chromedriver: {drivers:?}");
        let group = drivers[0];
        let pids = if victim == "chromedriver" {
            drivers
        } else {
            let browsers = children(drivers[0], "chrom");
            assert!(!browsers.is_empty(), "no browser under chromedriver");
            browsers
        };
        for pid in pids {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let killed = Instant::now();
        let failed = tokio::time::timeout(Duration::from_secs(60), render)
            .await
            .expect("the render ended rather than hanging")
            .unwrap();
        assert!(failed.is_err(), "{victim} killed, yet: {failed:?}");
        assert!(
            killed.elapsed() < Duration::from_secs(45),
            "{:?}",
            killed.elapsed()
        );
        drop(gate);

        // The next render gets a working browser.
        let gate = BrowserGate::open(fetcher.clone(), "127.0.0.1", LOOPBACK)
            .await
            .unwrap();
        let html = renderer
            .render(&format!("{base}/fast"), &agent, &gate.proxy_url())
            .await
            .unwrap_or_else(|e| panic!("after killing {victim}: {e}"));
        assert!(html.contains("Rendered again"), "{html}");
        // No browser of the killed chromedriver is left running (they share its group).
        if victim == "chromedriver" {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let out = Command::new("pgrep")
                    .args(["-g", &group.to_string()])
                    .output()
                    .unwrap();
                if out.stdout.is_empty() {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "browsers of the dead chromedriver still run: {}",
                    String::from_utf8_lossy(&out.stdout)
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    app.cleanup().await;
}
