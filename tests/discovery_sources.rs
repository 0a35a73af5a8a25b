//! Discovery sources end to end: the directory (declared in TOML, detail pages followed), the
//! map services (Nominatim + Overpass) and the places service (Text Search), all answered by
//! the sample web in the real services' formats; domain lists in the request and as a CSV
//! upload; source states in the job status and in `/api/v1/health`; a company first listed
//! without a website crawled once another listing names it.

mod common;

use common::{Spawn, TestApp, busiest_segment};
use leadgen_core::config::SourcesConfig;
use leadgen_core::repo::work_items;
use leadgen_core::sample_web::{SampleResponse, SampleWeb};
use leadgen_core::stages::discover::directory::Directory;
use serde_json::{Value, json};
use std::time::{Duration, SystemTime};

async fn spawn(sources: SourcesConfig, companies: usize) -> TestApp {
    TestApp::spawn_with(Spawn {
        sources: Some(sources),
        companies,
        ..Spawn::default()
    })
    .await
}

async fn search(app: &TestApp, body: Value) -> Value {
    let (st, started) = app.post("/api/v1/scrape/search", &body).await;
    assert_eq!(st, 200, "{started}");
    let job = started["job_id"].as_str().unwrap().to_string();
    app.wait_for_job(&job, Duration::from_secs(120)).await
}

fn source<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no source {name} in {status}"))
}

fn health_source(health: &Value, name: &str) -> Value {
    health["services"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no source {name} in {health}"))
}

fn requests_to(app: &TestApp, host: &str) -> Vec<(SystemTime, String, u16)> {
    app.web
        .log()
        .into_iter()
        .filter(|e| e.host == host)
        .map(|e| (e.at, e.path, e.status))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_source_contributes_and_reports_its_state() {
    let app = spawn(SampleWeb::sources_config(), 700).await;
    let (industry, city, _) = busiest_segment(&app);
    let status = search(
        &app,
        json!({"industry": industry, "location": city, "max_results": 200}),
    )
    .await;
    assert_eq!(status["status"], "completed", "{status}");
    for name in ["directory:localfinder", "osm", "google_places"] {
        let s = source(&status, name);
        assert_eq!(s["state"], "ok", "{s}");
        assert_eq!(s["done"], true, "{s}");
        assert!(
            s["listed"].as_i64().unwrap() > 0,
            "{name} listed nothing: {s}"
        );
        assert!(s["requests"].as_i64().unwrap() >= 1, "{s}");
    }
    // The same companies come from several sources: each is worked once per search.
    let accepted: i64 = status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["accepted"].as_i64().unwrap())
        .sum();
    assert_eq!(accepted, status["discovered_count"].as_i64().unwrap());
    let listed: i64 = status["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["listed"].as_i64().unwrap())
        .sum();
    assert!(
        accepted < listed,
        "overlapping sources were not merged: {status}"
    );
    assert!(
        source(&status, "osm")["message"]
            .as_str()
            .unwrap()
            .contains(&city),
        "{status}"
    );
    // The map query went out as Overpass QL over POST, the places search with its key.
    let overpass = requests_to(&app, SampleWeb::OVERPASS_HOST);
    assert_eq!(overpass.len(), 1);
    assert_eq!(overpass[0].2, 200);
    assert!(
        requests_to(&app, SampleWeb::PLACES_HOST)
            .iter()
            .all(|r| r.2 == 200)
    );

    let (st, health) = app.get("/api/v1/health").await;
    assert_eq!(st, 200);
    for name in ["directory:localfinder", "osm", "google_places"] {
        let h = health_source(&health, name);
        assert_eq!(h["state"], "ok", "{h}");
        assert!(h["listed"].as_i64().unwrap() > 0, "{h}");
        assert!(h["checked_at"].is_string(), "{h}");
    }

    // A company from a source that gave no website still became a lead from the source's data.
    let without_site: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM work_items WHERE domain IS NULL AND stage = 'done'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(without_site > 0);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_geocoder_is_asked_once_and_a_rate_limited_map_service_is_retried() {
    let mut sources = SampleWeb::sources_config();
    sources.places = None;
    sources.directories.clear();
    let app = spawn(sources, 300).await;
    let (industry, city, _) = busiest_segment(&app);
    app.web.web().inject(
        SampleWeb::OVERPASS_HOST,
        vec![
            SampleResponse::json(429, &json!({"error": "rate_limited"}))
                .with_header("Retry-After", "1"),
        ],
    );
    let first = search(&app, json!({"industry": industry, "location": city})).await;
    assert_eq!(first["status"], "completed", "{first}");
    let osm = source(&first, "osm");
    assert_eq!(osm["state"], "ok", "{osm}");
    assert!(osm["accepted"].as_i64().unwrap() > 0, "{osm}");
    let overpass = requests_to(&app, SampleWeb::OVERPASS_HOST);
    assert_eq!(
        overpass.iter().map(|r| r.2).collect::<Vec<_>>(),
        [429, 200],
        "the rate-limited query was not retried"
    );
    // Retry-After: 1 held the service across workers.
    let waited = overpass[1].0.duration_since(overpass[0].0).unwrap();
    assert!(
        waited >= Duration::from_millis(950),
        "retried after {waited:?}"
    );

    // Another industry in the same place: the area comes from the cache.
    let second = search(&app, json!({"industry": "restaurant", "location": city})).await;
    assert_eq!(second["status"], "completed", "{second}");
    let geocoder = requests_to(&app, SampleWeb::NOMINATIM_HOST);
    assert_eq!(geocoder.len(), 1, "{geocoder:?}");
    assert!(geocoder[0].1.starts_with("/search?q="), "{geocoder:?}");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_or_a_missing_one_leaves_the_search_to_the_other_sources() {
    let mut sources = SampleWeb::sources_config();
    sources.osm = None;
    if let Some(p) = sources.places.as_mut() {
        p.key = Some("not-the-key".into());
    }
    let app = spawn(sources, 120).await;
    let (industry, city, _) = busiest_segment(&app);
    let status = search(&app, json!({"industry": industry, "location": city})).await;
    assert_eq!(status["status"], "completed", "{status}");
    assert!(status["results_count"].as_i64().unwrap() > 0);
    let places = source(&status, "google_places");
    assert_eq!(places["state"], "failing", "{places}");
    assert!(
        places["message"].as_str().unwrap().contains("API key"),
        "{places}"
    );
    assert!(
        status["errors"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["stage"] == "discover"
                && e["message"].as_str().unwrap().contains("google_places")),
        "{status}"
    );
    // A refused key is not retried.
    assert_eq!(requests_to(&app, SampleWeb::PLACES_HOST).len(), 1);
    let (_, health) = app.get("/api/v1/health").await;
    assert_eq!(health_source(&health, "google_places")["state"], "failing");
    app.cleanup().await;

    // Without a key the source says so and the search does not wait for it.
    let mut sources = SampleWeb::sources_config();
    sources.osm = None;
    if let Some(p) = sources.places.as_mut() {
        p.key = None;
    }
    let app = spawn(sources, 120).await;
    let (_, health) = app.get("/api/v1/health").await;
    assert_eq!(
        health_source(&health, "google_places")["state"],
        "needs_key"
    );
    let status = search(&app, json!({"industry": industry, "location": city})).await;
    assert_eq!(status["status"], "completed", "{status}");
    let places = source(&status, "google_places");
    assert_eq!(places["state"], "needs_key", "{places}");
    assert_eq!(places["requests"], 0);
    assert!(requests_to(&app, SampleWeb::PLACES_HOST).is_empty());
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_service_error_remark_fails_that_source_only() {
    let mut sources = SampleWeb::sources_config();
    sources.places = None;
    let app = spawn(sources, 120).await;
    let (industry, city, _) = busiest_segment(&app);
    app.web.web().inject(
        SampleWeb::OVERPASS_HOST,
        vec![SampleResponse::json(
            200,
            &json!({"version": 0.6, "elements": [],
                "remark": "runtime error: Query failed with the exception: unknown tag filter"}),
        )],
    );
    let status = search(&app, json!({"industry": industry, "location": city})).await;
    assert_eq!(status["status"], "completed", "{status}");
    let osm = source(&status, "osm");
    assert_eq!(osm["state"], "failing", "{osm}");
    assert!(
        osm["message"].as_str().unwrap().contains("runtime error"),
        "{osm}"
    );
    assert_eq!(source(&status, "directory:localfinder")["state"], "ok");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_directory_definition_can_follow_detail_pages() {
    let def = format!(
        "{}\n[detail]\nlink = {{ selector = \"a.details\", attr = \"href\" }}\n\
         fields = {{ description = \".about\", city = \".locality\", country = \".country\" }}\n",
        SampleWeb::DIRECTORY_DEFINITION
    );
    let sources = SourcesConfig {
        directories: vec![Directory::from_toml(&def, "localfinder.toml").unwrap()],
        ..SourcesConfig::default()
    };
    let app = spawn(sources, 120).await;
    let (industry, city, _) = busiest_segment(&app);
    let status = search(
        &app,
        json!({"industry": industry, "location": city, "max_results": 3}),
    )
    .await;
    assert_eq!(status["status"], "completed", "{status}");
    let details = requests_to(&app, SampleWeb::DIRECTORY_HOST)
        .into_iter()
        .filter(|r| r.1.starts_with("/listing/"))
        .count();
    // Only the listings the search could accept were followed.
    assert_eq!(details, 3);
    let described: Vec<Value> = sqlx::query_scalar(
        "SELECT w.candidate FROM work_items w WHERE w.candidate ? 'description'",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(described.len(), 3);
    assert_eq!(described[0]["address_parts"]["city"], city.as_str());
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_can_name_its_companies_in_the_body_or_a_csv_file() {
    let app = TestApp::spawn().await;
    let truth: Vec<_> = app
        .web
        .web()
        .ground_truth()
        .iter()
        .filter(|t| t.behaviour == "normal" && t.markup != "js-only" && !t.domain.is_empty())
        .take(4)
        .cloned()
        .collect();
    let (st, bad) = app
        .post(
            "/api/v1/scrape/search",
            &json!({"domains": [truth[0].domain, "not a domain", "10.0.0.1"]}),
        )
        .await;
    assert_eq!(st, 422, "{bad}");
    let fields: Vec<&str> = bad["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["domains[1]", "domains[2]"]);

    let status = search(
        &app,
        json!({"domains": [truth[0].domain, format!("http://www.{}/about", truth[1].domain), truth[0].domain]}),
    )
    .await;
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(status["search_criteria"]["max_results"], 2);
    assert_eq!(status["sources"].as_array().unwrap().len(), 1);
    assert_eq!(source(&status, "domains")["accepted"], 2);
    assert_eq!(status["results_count"], 2, "{status}");
    let job = status["job_id"].as_str().unwrap();
    let (_, leads) = app.get(&format!("/api/v1/leads?job_id={job}")).await;
    let mut names: Vec<String> = leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["company"]["domain"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    let mut want = vec![truth[0].domain.clone(), truth[1].domain.clone()];
    want.sort();
    assert_eq!(names, want);

    // The same as a CSV upload, with other criteria alongside.
    let upload = |csv: String| {
        reqwest::multipart::Form::new()
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.into_bytes())
                    .file_name("accounts.csv")
                    .mime_str("text/csv")
                    .unwrap(),
            )
            .text(
                "criteria",
                json!({"filters": {"has_website": true}}).to_string(),
            )
    };
    let r = app
        .http
        .post(app.url("/api/v1/scrape/search/upload"))
        .multipart(upload(format!(
            "Company,Website\nA,{}\nB,not a domain\n",
            truth[2].domain
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["details"][0]["field"], "file");
    assert!(
        body["error"]["details"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("line 3:"),
        "{body}"
    );
    let r = app
        .http
        .post(app.url("/api/v1/scrape/search/upload"))
        .multipart(upload(format!(
            "Company,Website\nC,{}\nD,https://{}/\n",
            truth[2].domain, truth[3].domain
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let started: Value = r.json().await.unwrap();
    assert_eq!(started["search_criteria"]["filters"]["has_website"], true);
    let status = app
        .wait_for_job(
            started["job_id"].as_str().unwrap(),
            Duration::from_secs(120),
        )
        .await;
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(status["results_count"], 2, "{status}");
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_quota_spaces_requests_of_concurrent_searches() {
    let mut sources = SampleWeb::sources_config();
    sources.osm = None;
    sources.directories.clear();
    let app = TestApp::spawn_with(Spawn {
        sources: Some(sources),
        companies: 300,
        configure: Some(|cfg| {
            cfg.sources
                .intervals
                .insert("google_places".into(), Duration::from_millis(400));
        }),
        ..Spawn::default()
    })
    .await;
    let gap = Duration::from_millis(400);
    // A second worker pool, as another process would run it.
    let ctx =
        std::sync::Arc::new(leadgen_worker::Ctx::new(app.cfg.clone(), app.pool.clone()).unwrap());
    let (stop, rx) = tokio::sync::watch::channel(false);
    let extra = tokio::spawn(async move {
        let mut rx = rx;
        leadgen_worker::run(ctx, &[leadgen_core::jobs::Stage::Discover], async move {
            let _ = rx.wait_for(|s| *s).await;
        })
        .await
    });
    let (_, city, _) = busiest_segment(&app);
    let mut jobs = Vec::new();
    for industry in ["dentist", "restaurant", "plumber", "accounting"] {
        let (st, started) = app
            .post(
                "/api/v1/scrape/search",
                &json!({"industry": industry, "location": city, "max_results": 5}),
            )
            .await;
        assert_eq!(st, 200, "{started}");
        jobs.push(started["job_id"].as_str().unwrap().to_string());
    }
    for job in &jobs {
        let s = app.wait_for_job(job, Duration::from_secs(120)).await;
        assert_eq!(s["status"], "completed", "{s}");
    }
    let mut at: Vec<SystemTime> = requests_to(&app, SampleWeb::PLACES_HOST)
        .into_iter()
        .map(|r| r.0)
        .collect();
    at.sort();
    assert!(at.len() >= 4, "{at:?}");
    // Slots are reserved in Postgres: the gap holds across both worker pools (arrival
    // jitter allowed for).
    for pair in at.windows(2) {
        let d = pair[1].duration_since(pair[0]).unwrap();
        assert!(d >= gap - Duration::from_millis(60), "requests {d:?} apart");
    }
    let _ = stop.send(true);
    let _ = extra.await;
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn places_pages_are_followed_and_filters_say_what_they_removed() {
    let mut sources = SampleWeb::sources_config();
    sources.osm = None;
    sources.directories.clear();
    // Enough companies for more than one page of 20 places in one industry and city.
    let app = spawn(sources, 2500).await;
    let (industry, city, n) = busiest_segment(&app);
    assert!(n >= 30, "{n}");
    let status = search(
        &app,
        json!({"industry": industry, "location": city, "max_results": 25,
               "filters": {"technologies": ["COBOL"]}}),
    )
    .await;
    assert_eq!(status["status"], "completed", "{status}");
    let places = source(&status, "google_places");
    assert_eq!(places["requests"], 2, "{places}");
    assert_eq!(places["accepted"], 25, "{places}");
    assert!(places["listed"].as_i64().unwrap() > 20, "{places}");
    let bodies = requests_to(&app, SampleWeb::PLACES_HOST);
    assert_eq!(bodies.len(), 2);
    // Every company was discovered and processed, none had the technology.
    assert_eq!(status["results_count"], 0);
    assert_eq!(status["filtered_by"]["technologies"], 25, "{status}");
    app.cleanup().await;
}

/// A work item of a new search (which no worker runs), as discovery stores a listing without
/// a website: waiting for extraction.
async fn listed_without_website(app: &TestApp) -> uuid::Uuid {
    let (st, started) = app
        .post(
            "/api/v1/scrape/search",
            &json!({"domains": ["acme-plumbing.test"]}),
        )
        .await;
    assert_eq!(st, 200, "{started}");
    let job: uuid::Uuid = started["job_id"].as_str().unwrap().parse().unwrap();
    let item = work_items::insert(
        &app.pool,
        job,
        "name:acme plumbing|austin",
        None,
        &json!({"name": "Acme Plumbing", "source": "osm", "source_url": "https://osm.test/node/1"}),
    )
    .await
    .unwrap()
    .unwrap();
    assert!(
        work_items::advance(&app.pool, item, "fetch", "extract")
            .await
            .unwrap()
    );
    item
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_later_listing_with_a_website_gets_a_company_listed_without_one_crawled() {
    // No workers: the test plays the discover stage's part on a real search's rows.
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 5,
        ..Spawn::default()
    })
    .await;
    // The map service listed the business first, without a website: it went straight to
    // extraction.
    let item = listed_without_website(&app).await;

    // The directory's listing names the site: the company goes back to be fetched.
    let website = "https://www.acme-plumbing.test/";
    assert!(
        work_items::adopt_website(&app.pool, item, "acme-plumbing.test", website)
            .await
            .unwrap()
    );
    let row = work_items::get(&app.pool, item).await.unwrap().unwrap();
    assert_eq!(row.stage, "fetch");
    assert_eq!(row.domain.as_deref(), Some("acme-plumbing.test"));
    assert_eq!(row.candidate["website"], website);
    assert_eq!(row.candidate["name"], "Acme Plumbing");

    // Once it has a site, or once it has been extracted, a further listing changes nothing.
    assert!(
        !work_items::adopt_website(&app.pool, item, "other.test", "https://other.test/")
            .await
            .unwrap()
    );
    let done = listed_without_website(&app).await;
    work_items::advance(&app.pool, done, "extract", "enrich")
        .await
        .unwrap();
    assert!(
        !work_items::adopt_website(&app.pool, done, "acme-plumbing.test", website)
            .await
            .unwrap()
    );
    app.cleanup().await;
}
