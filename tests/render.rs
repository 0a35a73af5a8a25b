//! JavaScript-only sites are rendered in real headless Chromium (chromedriver supervised by the
//! worker) and their contact data extracted, every browser request through the worker's gate:
//! the same proxy, robots.txt and per-host politeness as fetches.

mod common;

use common::{Spawn, TestApp};
use serde_json::json;
use std::time::Duration;

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
