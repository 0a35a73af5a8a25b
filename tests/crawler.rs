//! The crawler's manners, read from the sample web's request log after a search over every
//! company: robots.txt obeyed, the per-host gap and Crawl-delay kept, 429 `Retry-After`
//! honoured, declared sitemaps read, a site that fails twice then answers is crawled, every
//! request names us, never two requests in flight to one site; and a site crawled recently is
//! not crawled again.

mod common;

use common::{Spawn, TestApp};
use leadgen::sample_web::RequestLogEntry;
use leadgen_core::sample_web::SampleWeb;
use leadgen_core::stages::fetch::registrable_domain;
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

/// Requests per host, in arrival order.
fn by_host(log: &[RequestLogEntry]) -> BTreeMap<String, Vec<&RequestLogEntry>> {
    let mut hosts: BTreeMap<String, Vec<&RequestLogEntry>> = BTreeMap::new();
    for e in log {
        hosts.entry(e.host.clone()).or_default().push(e);
    }
    for v in hosts.values_mut() {
        v.sort_by_key(|e| e.at);
    }
    hosts
}

fn gap(a: &RequestLogEntry, b: &RequestLogEntry) -> Duration {
    b.at.duration_since(a.at).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_search_over_every_company_crawls_politely() {
    let app = TestApp::spawn_with(Spawn {
        companies: 60,
        ..Spawn::default()
    })
    .await;
    let truth = app.web.web().ground_truth().to_vec();
    let behaviour = |b: &str| truth.iter().filter(|c| c.behaviour == b).count();
    assert!(behaviour("flaky") > 0 && behaviour("rate-limited") > 0);
    assert!(truth.iter().any(|c| !c.robots_disallow.is_empty()));

    // One search whose words name every industry and every city: the whole directory.
    let body = json!({
        "industry": SampleWeb::industries().join(" "),
        "location": SampleWeb::cities().join(" "),
        "max_results": 500,
    });
    let (status, started) = app.post("/api/v1/scrape/search", &body).await;
    assert_eq!(status, 200, "{started}");
    let job = started["job_id"].as_str().unwrap().to_string();
    let s = app.wait_for_job(&job, Duration::from_secs(240)).await;
    assert_eq!(s["status"], "completed", "{s}");
    let with_site: HashSet<&str> = truth
        .iter()
        .filter(|c| !c.domain.is_empty() && c.duplicate_of.is_none())
        .map(|c| c.domain.as_str())
        .collect();

    let log = app.web.log();
    let hosts = by_host(&log);
    let crawled: HashSet<&str> = hosts.keys().map(String::as_str).collect();
    let missed: Vec<&&str> = with_site
        .iter()
        .filter(|d| !crawled.contains(**d))
        .collect();
    assert!(missed.is_empty(), "company sites never visited: {missed:?}");
    let delay = app.cfg.crawl.host_delay;
    let mut crawl_delay_hosts = 0;
    let mut sitemap_hosts = 0;
    let mut slow_hosts = 0;
    for (host, reqs) in &hosts {
        // Every request names the product; robots.txt is read before anything else.
        assert!(
            reqs.iter().all(|e| e
                .user_agent
                .as_deref()
                .is_some_and(|ua| ua.starts_with("leadgen/"))),
            "{host}: a request without the product's User-Agent"
        );
        if host == "directory.test" || !with_site.contains(host.as_str()) {
            continue;
        }
        let Some(company) = truth.iter().find(|c| &c.domain == host) else {
            continue;
        };
        assert_eq!(reqs[0].path, "/robots.txt", "{host}: robots.txt first");
        for e in reqs.iter().filter(|e| e.path != "/robots.txt") {
            assert!(company.allows(&e.path), "{host}{} is disallowed", e.path);
        }
        // Where robots.txt asks for a Crawl-delay, that gap between every two requests.
        let robots = app.web.web().respond(host, "/robots.txt");
        let crawl_delay = String::from_utf8_lossy(&robots.body).contains("Crawl-delay: 2");
        let all = || {
            reqs.iter()
                .map(|e| (&e.path, e.status, e.at))
                .collect::<Vec<_>>()
        };
        // A sitemap robots.txt declares is read (its pages are link candidates).
        let home_ok = reqs.iter().any(|e| e.path == "/" && e.status == 200);
        if home_ok && String::from_utf8_lossy(&robots.body).contains("Sitemap:") {
            sitemap_hosts += 1;
            assert!(
                reqs.iter().any(|e| e.path == "/sitemap.xml"),
                "{host}: declared sitemap not read: {:?}",
                all()
            );
        }
        // A slow site (1.5 s per answer) never has two requests in flight: each arrives only
        // after the previous one was answered.
        if company.behaviour == "slow" {
            slow_hosts += 1;
            for w in reqs.windows(2) {
                assert!(
                    gap(w[0], w[1]) >= Duration::from_millis(1450),
                    "{host}: two requests in flight: {:?}",
                    all()
                );
            }
        }
        if crawl_delay {
            crawl_delay_hosts += 1;
            for w in reqs.windows(2) {
                assert!(
                    gap(w[0], w[1]) >= Duration::from_millis(1800),
                    "{host}: Crawl-delay 2 s not kept: {:?}",
                    all()
                );
            }
        }
        // 429 with Retry-After: 1 — the same path is asked again only after a second.
        for (i, e) in reqs.iter().enumerate().filter(|(_, e)| e.status == 429) {
            if let Some(again) = reqs[i + 1..].iter().find(|r| r.path == e.path) {
                assert!(
                    gap(e, again) >= Duration::from_millis(950),
                    "{host}{}: retried {:?} after a 429 with Retry-After: 1",
                    e.path,
                    gap(e, again)
                );
            }
        }
    }

    assert!(crawl_delay_hosts > 0, "some site asked for a Crawl-delay");
    assert!(sitemap_hosts > 0, "some site declared a sitemap");
    assert!(slow_hosts > 0, "some site was slow");
    // Everywhere else, the per-host rate whatever the arrival jitter.
    common::assert_host_rate(&log, delay);

    // A site that answers 503 twice before it works is crawled all the same.
    for c in truth
        .iter()
        .filter(|c| c.behaviour == "flaky" && c.duplicate_of.is_none())
    {
        let home: Option<i32> = sqlx::query_scalar(
            "SELECT p.http_status FROM pages p JOIN work_items w ON w.id = p.work_item_id
             WHERE w.job_id = $1::uuid AND w.domain = $2 AND p.kind = 'home'",
        )
        .bind(&job)
        .bind(&c.domain)
        .fetch_optional(&app.pool)
        .await
        .unwrap();
        assert_eq!(home, Some(200), "{}: home page after two 503s", c.domain);
    }

    // The slow sites (1.5 s per answer) are told they are slow; the quick ones are not.
    let slow_leads: Vec<(String, bool)> = sqlx::query_as(
        "SELECT c.domain, l.business_intelligence->'pain_points' @> '[{\"kind\":\"slow_responses\"}]'
         FROM leads l JOIN companies c ON c.id = l.company_id WHERE c.domain IS NOT NULL",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let mut told = 0;
    for (domain, slow) in &slow_leads {
        let Some(t) = truth.iter().find(|t| &t.domain == domain) else {
            continue;
        };
        match t.behaviour.as_str() {
            "slow" => {
                assert!(slow, "{domain} is slow but not told so");
                told += 1;
            }
            "normal" => assert!(!slow, "{domain} answers quickly but is called slow"),
            _ => {}
        }
    }
    assert!(told > 0, "a slow site was found and told it is slow");
    app.cleanup().await;
}

async fn search_and_wait(app: &TestApp, body: &serde_json::Value) -> String {
    let (status, started) = app.post("/api/v1/scrape/search", body).await;
    assert_eq!(status, 200, "{started}");
    let job = started["job_id"].as_str().unwrap().to_string();
    let s = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(s["status"], "completed", "{s}");
    job
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_site_crawled_recently_is_not_crawled_again() {
    let app = TestApp::spawn_with(Spawn {
        companies: 40,
        ..Spawn::default()
    })
    .await;
    let (industry, city, _) = common::busiest_segment(&app);
    let body = json!({"industry": industry, "location": city, "max_results": 20});
    let first = search_and_wait(&app, &body).await;
    // Sites whose home page answered in the first search are fresh for the second.
    let fresh: HashSet<String> = sqlx::query_scalar::<_, Option<String>>(
        "SELECT DISTINCT w.domain FROM work_items w JOIN pages p ON p.work_item_id = w.id
         WHERE w.job_id = $1::uuid AND p.kind = 'home' AND p.http_status BETWEEN 200 AND 399",
    )
    .bind(&first)
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .flatten()
    .collect();
    assert!(!fresh.is_empty());
    let seen = app.web.log().len();

    let second = search_and_wait(&app, &body).await;
    let again: Vec<String> = app.web.log()[seen..]
        .iter()
        .filter(|e| fresh.contains(&registrable_domain(&e.host)))
        .map(|e| format!("{}{}", e.host, e.path))
        .collect();
    assert!(again.is_empty(), "fresh sites fetched again: {again:?}");

    // The second search still has every page, with the time it was really fetched.
    let (pages_first, pages_second, newest_second): (
        i64,
        i64,
        Option<chrono::DateTime<chrono::Utc>>,
    ) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE w.job_id = $1::uuid),
                    count(*) FILTER (WHERE w.job_id = $2::uuid AND w.domain = ANY($3)),
                    max(p.fetched_at) FILTER (WHERE w.job_id = $2::uuid AND w.domain = ANY($3))
             FROM pages p JOIN work_items w ON w.id = p.work_item_id
             WHERE w.domain = ANY($3)",
    )
    .bind(&first)
    .bind(&second)
    .bind(fresh.iter().cloned().collect::<Vec<_>>())
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(pages_first, pages_second);
    let (_, status) = app.get(&format!("/api/v1/scrape/status/{first}")).await;
    let first_done =
        chrono::DateTime::parse_from_rfc3339(status["completed_at"].as_str().unwrap()).unwrap();
    assert!(
        newest_second.unwrap() <= first_done,
        "copied pages keep their fetch time"
    );
    app.cleanup().await;
}
