//! End-to-end tests of the lead-generation API through HTTP and the WebSocket, one block per
//! seed acceptance criterion, against the sample web, real Postgres and real workers.

mod common;

use common::{Spawn, TestApp, busiest_segment};
use futures::StreamExt;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_search_runs_end_to_end_and_every_read_endpoint_reports_it() {
    let app = TestApp::spawn().await;
    let (industry, city, _) = busiest_segment(&app);

    // ST-101 / ST-102: start a search with advanced filters.
    let body = json!({"industry": industry, "location": city, "company_size": null, "max_results": 20,
                      "filters": {"has_website": true}});
    let (status, started) = app.post("/api/v1/scrape/search", &body).await;
    assert_eq!(status, 200, "{started}");
    assert_eq!(started["status"], "initiated");
    assert_eq!(started["search_criteria"]["industry"], industry);
    assert_eq!(started["search_criteria"]["filters"]["has_website"], true);
    let eta = started["estimated_completion"]
        .as_str()
        .expect("estimated completion");
    assert!(chrono::DateTime::parse_from_rfc3339(eta).is_ok());
    assert!(
        eta.ends_with('Z'),
        "timestamps are written in UTC with Z: {eta}"
    );
    let job = started["job_id"].as_str().unwrap().to_string();

    // ST-205: a WebSocket client that connects at once sees progress, leads and completion.
    let ws_url = format!(
        "{}/api/v1/ws/jobs/{job}",
        app.base.replace("http://", "ws://")
    );
    // A browser cannot set headers on a WebSocket: the token goes in the query.
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("{ws_url}?access_token={}", app.admin_token))
            .await
            .expect("websocket connects");
    let mut messages: Vec<Value> = Vec::new();
    let collect = async {
        while let Some(Ok(m)) = ws.next().await {
            if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
                let v: Value = serde_json::from_str(&t).unwrap();
                let done = v["type"] == "job_completed" || v["type"] == "job_failed";
                messages.push(v);
                if done {
                    break;
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(120), collect)
        .await
        .expect("job completes over the websocket");
    assert_eq!(
        messages[0]["type"], "job_status",
        "first message is the snapshot"
    );
    let kinds: Vec<&str> = messages.iter().filter_map(|m| m["type"].as_str()).collect();
    assert!(kinds.contains(&"job_progress"), "{kinds:?}");
    assert!(kinds.contains(&"lead_discovered"), "{kinds:?}");
    assert_eq!(*kinds.last().unwrap(), "job_completed");
    let lead_event = messages
        .iter()
        .find(|m| m["type"] == "lead_discovered")
        .unwrap();
    assert!(lead_event["company_name"].is_string() && lead_event["lead_score"].is_number());
    let ids: Vec<i64> = messages[1..]
        .iter()
        .map(|m| m["event_id"].as_i64().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "event ids strictly increase: {ids:?}"
    );

    // Resuming after an event id yields exactly the later events, none repeated.
    let cut = ids[ids.len() / 2];
    let mut resume =
        tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(format!(
            "{ws_url}?last_event_id={cut}"
        ))
        .unwrap();
    resume.headers_mut().insert(
        "authorization",
        format!("Bearer {}", app.admin_token).parse().unwrap(),
    );
    let (mut ws2, _) = tokio_tungstenite::connect_async(resume).await.unwrap();
    let mut resumed = Vec::new();
    while let Some(Ok(m)) = ws2.next().await {
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            let v: Value = serde_json::from_str(&t).unwrap();
            resumed.push(v["event_id"].as_i64().unwrap());
        }
    }
    let expected: Vec<i64> = ids.iter().copied().filter(|i| *i > cut).collect();
    assert_eq!(resumed, expected);

    // ST-202: the completed job's status.
    let s = app.wait_for_job(&job, Duration::from_secs(10)).await;
    assert_eq!(s["status"], "completed", "{s}");
    assert_eq!(s["progress"], 100);
    for key in [
        "results_count",
        "processing_summary",
        "quality_metrics",
        "completed_at",
        "performance_metrics",
    ] {
        assert!(!s[key].is_null(), "status lacks {key}: {s}");
    }
    let results = s["results_count"].as_i64().unwrap();
    assert!(results >= 3, "expected several leads: {s}");
    assert!(s["processing_summary"]["total_processed"].as_i64().unwrap() >= results);

    // ST-301 / ST-304: the leads of the job with core data and score breakdown.
    let (st, page) = app.get(&format!("/api/v1/leads?job_id={job}")).await;
    assert_eq!(st, 200);
    let leads = page["leads"].as_array().unwrap();
    assert_eq!(leads.len() as i64, results);
    for l in leads {
        assert!(l["company"]["name"].is_string());
        assert!(
            l["company"]["website"].is_string(),
            "has_website filter applied: {l}"
        );
        for k in [
            "industry",
            "size_category",
            "description",
            "location",
            "founded_year",
            "employee_count",
        ] {
            assert!(l["company"].get(k).is_some(), "company.{k} present");
        }
        for k in [
            "contact_completeness",
            "business_indicators",
            "data_quality",
            "engagement_potential",
        ] {
            assert!(
                l["score_breakdown"][k]["score"].is_number(),
                "breakdown {k}: {l}"
            );
        }
        assert!(l["contact_count"].is_number() && l["last_updated"].is_string());
        assert!(
            l["company"]["location"].get("coordinates").is_some(),
            "unknown coordinates are null, not absent: {l}"
        );
    }
    let scores: Vec<i64> = leads
        .iter()
        .map(|l| l["lead_score"].as_i64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first");

    // ST-302: score_min filters and is echoed.
    let min = scores[scores.len() / 2];
    let (_, filtered) = app
        .get(&format!("/api/v1/leads?job_id={job}&score_min={min}"))
        .await;
    assert_eq!(filtered["filters_applied"]["score_min"], min);
    assert!(
        filtered["leads"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["lead_score"].as_i64().unwrap() >= min)
    );

    // ST-303: pages of 2 cover the list exactly once with a correct pagination object.
    let mut seen = Vec::new();
    let mut offset = 0;
    loop {
        let (_, p) = app
            .get(&format!(
                "/api/v1/leads?job_id={job}&limit=2&offset={offset}"
            ))
            .await;
        let pg = &p["pagination"];
        assert_eq!(pg["total_count"], results);
        assert_eq!(pg["per_page"], 2);
        assert_eq!(pg["current_page"], offset / 2 + 1);
        assert_eq!(pg["total_pages"], (results + 1) / 2);
        assert_eq!(pg["has_prev"], offset > 0);
        seen.extend(
            p["leads"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["lead_id"].clone()),
        );
        if pg["has_next"] == false {
            assert!(pg["next_offset"].is_null());
            break;
        }
        offset = pg["next_offset"].as_i64().unwrap();
    }
    assert_eq!(seen.len() as i64, results);

    // ST-401: the lead detail has every section.
    let id = leads[0]["lead_id"].as_str().unwrap();
    let (st, d) = app.get(&format!("/api/v1/leads/{id}")).await;
    assert_eq!(st, 200);
    for k in [
        "contacts",
        "business_intelligence",
        "engagement_opportunities",
        "score_breakdown",
        "data_sources",
    ] {
        assert!(!d[k].is_null(), "detail lacks {k}");
    }
    for k in [
        "growth_signals",
        "technology_stack",
        "pain_points",
        "competitive_landscape",
    ] {
        assert!(
            !d["business_intelligence"][k].is_null(),
            "business_intelligence lacks {k}"
        );
    }
    assert!(d["company"]["business_info"].is_object());
    assert!(!d["data_sources"].as_array().unwrap().is_empty());

    // ST-501..503: CSV export.
    let r = app
        .http
        .get(format!(
            "{}/api/v1/export/csv?job_id={job}&fields=lead_score,company_name&score_min={min}",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disp = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disp.starts_with("attachment; filename=\"leads_") && disp.ends_with(".csv\""),
        "{disp}"
    );
    let text = r.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("lead_score,company_name"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), filtered["leads"].as_array().unwrap().len());
    assert!(
        rows.iter()
            .all(|r| r.split(',').next().unwrap().parse::<i64>().unwrap() >= min)
    );
    let (st, bad) = app.get("/api/v1/export/csv?fields=company_name,nope").await;
    assert_eq!(st, 422);
    assert_eq!(bad["error"]["details"][0]["field"], "fields");
    assert!(bad["error"]["message"].as_str().unwrap().contains("nope"));

    // ST-601: analytics of the job.
    let (st, a) = app
        .get(&format!("/api/v1/analytics/summary?job_id={job}"))
        .await;
    assert_eq!(st, 200);
    for k in [
        "job_summary",
        "lead_quality_distribution",
        "contact_analytics",
        "industry_breakdown",
        "company_size_distribution",
        "technology_trends",
        "engagement_opportunities",
    ] {
        assert!(!a[k].is_null(), "analytics lacks {k}: {a}");
    }
    assert_eq!(a["job_summary"]["total_leads"], results);
    let q = &a["lead_quality_distribution"];
    let sum: i64 = ["hot_leads", "warm_leads", "cold_leads"]
        .iter()
        .map(|k| q[k]["count"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, results);

    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_and_unknown_ids_get_the_standard_error_shape() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Spawn::default()
    })
    .await;

    // ST-103: missing industry, wrong type for max_results: 4xx naming both fields.
    let (st, e) = app
        .post(
            "/api/v1/scrape/search",
            &json!({"location": "Austin", "max_results": "ten"}),
        )
        .await;
    assert_eq!(st, 422, "{e}");
    let fields: Vec<&str> = e["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["industry", "max_results"]);
    assert_eq!(e["error"]["code"], "validation_error");
    assert!(e["error"]["request_id"].is_string());
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM search_jobs")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 0, "nothing half-written");

    // A body that is not JSON at all.
    let r = app
        .http
        .post(format!("{}/api/v1/scrape/search", app.base))
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["details"][0]["field"], "body");

    // ST-204, ST-402, ST-602: unknown ids.
    let unknown = uuid::Uuid::new_v4();
    let (st, e) = app.get(&format!("/api/v1/scrape/status/{unknown}")).await;
    assert_eq!(
        (st, e["error"]["message"].as_str()),
        (404, Some("Job not found"))
    );
    let (st, e) = app.get(&format!("/api/v1/leads/{unknown}")).await;
    assert_eq!((st, e["error"]["code"].as_str()), (404, Some("not_found")));
    let (st, _) = app
        .get(&format!("/api/v1/analytics/summary?job_id={unknown}"))
        .await;
    assert_eq!(st, 404);
    let (st, e) = app.get("/api/v1/scrape/status/not-a-uuid").await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "job_id");
    let (st, e) = app.get("/api/v1/leads?score_min=101").await;
    assert_eq!(
        (st, e["error"]["details"][0]["field"].as_str()),
        (422, Some("score_min"))
    );

    // ST-701: health reports the database, queues, uptime, version and environment.
    let (st, h) = app.get("/api/v1/health").await;
    assert_eq!(st, 200);
    assert!(h["services"]["database"]["response_time_ms"].is_number());
    assert_eq!(h["services"]["database"]["status"], "healthy");
    assert!(h["services"]["scraping_engine"]["queue_depth"]["fetch"].is_object());
    for k in ["status", "version", "environment", "uptime_seconds"] {
        assert!(!h[k].is_null(), "health lacks {k}");
    }

    // The OpenAPI document and Swagger UI are served.
    let (st, spec) = app.get("/api/v1/openapi.json").await;
    assert_eq!(st, 200);
    assert!(spec["paths"]["/api/v1/scrape/search"].is_object());
    let search_schema = &spec["components"]["schemas"]["SearchRequest"]["properties"];
    for k in [
        "industry",
        "location",
        "company_size",
        "max_results",
        "filters",
    ] {
        assert!(
            search_schema[k].is_object(),
            "SearchRequest documents {k}: {search_schema}"
        );
    }

    // Every JSON response has a schema of its own, field by field, and every endpoint declares
    // its errors with the one error shape.
    let schemas = &spec["components"]["schemas"];
    for (name, fields) in [
        (
            "SearchStarted",
            &["job_id", "status", "search_criteria"][..],
        ),
        (
            "JobStatusReport",
            &[
                "progress",
                "errors",
                "performance_metrics",
                "processing_summary",
            ],
        ),
        ("LeadList", &["leads", "pagination", "filters_applied"]),
        ("LeadSummary", &["lead_id", "company", "score_breakdown"]),
        (
            "Pagination",
            &["total_count", "current_page", "has_next", "next_offset"],
        ),
        (
            "LeadDetail",
            &["contacts", "business_intelligence", "data_sources"],
        ),
        (
            "AnalyticsSummary",
            &["job_summary", "lead_quality_distribution"],
        ),
        ("Health", &["status", "services", "uptime_seconds"]),
        ("ErrorResponse", &["error"]),
        ("ErrorInfo", &["code", "message", "details", "request_id"]),
    ] {
        for f in fields {
            assert!(
                schemas[name]["properties"][f].is_object(),
                "{name}.{f} documented: {}",
                schemas[name]
            );
        }
    }
    assert_eq!(
        schemas["JobStatus"]["enum"],
        json!(["initiated", "running", "completed", "failed", "cancelled"])
    );
    assert_eq!(
        schemas["LeadStatus"]["enum"],
        json!([
            "PENDING",
            "REACHED_OUT",
            "QUALIFIED",
            "CONVERTED",
            "DISQUALIFIED"
        ])
    );
    let responses = |path: &str, method: &str| spec["paths"][path][method]["responses"].clone();
    let schema_of = |r: &Value, status: &str| {
        r[status]["content"]["application/json; charset=utf-8"]["schema"]["$ref"].clone()
    };
    for (path, method, ok, errors) in [
        (
            "/api/v1/scrape/search",
            "post",
            "SearchStarted",
            &["400", "422", "503", "500"][..],
        ),
        (
            "/api/v1/scrape/status/{job_id}",
            "get",
            "JobStatusReport",
            &["404", "422", "503", "500"],
        ),
        (
            "/api/v1/leads",
            "get",
            "LeadList",
            &["404", "422", "503", "500"],
        ),
        (
            "/api/v1/leads/{lead_id}",
            "get",
            "LeadDetail",
            &["404", "422", "503", "500"],
        ),
        (
            "/api/v1/analytics/summary",
            "get",
            "AnalyticsSummary",
            &["404", "422", "503", "500"],
        ),
        ("/api/v1/health", "get", "Health", &[]),
    ] {
        let r = responses(path, method);
        assert_eq!(
            schema_of(&r, "200"),
            format!("#/components/schemas/{ok}"),
            "{method} {path}: {r}"
        );
        for status in errors {
            assert_eq!(
                schema_of(&r, status),
                "#/components/schemas/ErrorResponse",
                "{method} {path} declares {status}: {r}"
            );
        }
    }
    assert_eq!(
        schema_of(&responses("/api/v1/health", "get"), "503"),
        "#/components/schemas/Health"
    );
    let r = app
        .http
        .get(format!("{}/docs", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_whose_source_fails_ends_failed_with_the_reason() {
    // ST-203: the directory host does not exist, so discovery can find nothing.
    let app = TestApp::spawn_with(Spawn {
        sources: Some(leadgen_core::config::SourcesConfig {
            directories: vec![
                leadgen_core::stages::discover::directory::Directory::from_toml(
                    &leadgen_core::sample_web::SampleWeb::DIRECTORY_DEFINITION.replace(
                        "http://directory.test/search",
                        "http://no-such-directory.test/search",
                    ),
                    "broken.toml",
                )
                .unwrap(),
            ],
            ..Default::default()
        }),
        ..Spawn::default()
    })
    .await;
    let (st, started) = app
        .post(
            "/api/v1/scrape/search",
            &json!({"industry": "dentist", "location": "Austin"}),
        )
        .await;
    assert_eq!(st, 200);
    let job = started["job_id"].as_str().unwrap();
    let s = app.wait_for_job(job, Duration::from_secs(60)).await;
    assert_eq!(s["status"], "failed", "{s}");
    assert!(
        s["error"]
            .as_str()
            .unwrap()
            .contains("no-such-directory.test"),
        "{s}"
    );
    assert_eq!(s["errors"][0]["stage"], "discover");
    for key in ["processing_summary", "quality_metrics"] {
        assert!(s.get(key).is_none(), "a failed job has no {key}: {s}");
    }
    assert!(s["completed_at"].is_string(), "{s}");
    app.cleanup().await;
}
