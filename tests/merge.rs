//! Merging end to end: one company per real business across sources and searches, the source
//! of every field with staff values winning, and staff merging duplicate leads by hand.

mod common;

use common::{Spawn, TestApp, busiest_segment};
use leadgen_core::sample_web::SampleWeb;
use serde_json::{Value, json};
use std::time::Duration;

async fn search(app: &TestApp, body: Value) -> (String, Value) {
    let (st, started) = app.post("/api/v1/scrape/search", &body).await;
    assert_eq!(st, 200, "{started}");
    let job = started["job_id"].as_str().unwrap().to_string();
    let status = app.wait_for_job(&job, Duration::from_secs(180)).await;
    assert_eq!(status["status"], "completed", "{status}");
    (job, status)
}

async fn leads_of(app: &TestApp, job: &str) -> Vec<Value> {
    let (st, page) = app
        .get(&format!("/api/v1/leads?job_id={job}&limit=500"))
        .await;
    assert_eq!(st, 200, "{page}");
    page["leads"].as_array().unwrap().clone()
}

async fn provenance(app: &TestApp, lead: &str) -> Value {
    let (st, p) = app.get(&format!("/api/v1/leads/{lead}/provenance")).await;
    assert_eq!(st, 200, "{p}");
    p
}

fn field<'a>(p: &'a Value, name: &str) -> Option<&'a Value> {
    p["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == name)
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// Companies stored twice: the same registrable domain with the same address, or the same
/// phone with the same name.
async fn duplicate_companies(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT count(*) FROM companies a JOIN companies b ON a.id < b.id
         WHERE (a.domain = b.domain AND a.address IS NOT DISTINCT FROM b.address)
            OR (a.phones ?| ARRAY(SELECT jsonb_array_elements_text(b.phones))
                AND lower(a.name) = lower(b.name))",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_company_listed_by_several_sources_is_one_lead_with_the_source_of_every_field() {
    let app = TestApp::spawn_with(Spawn {
        sources: Some(SampleWeb::sources_config()),
        companies: 300,
        ..Spawn::default()
    })
    .await;
    let (industry, city, _) = busiest_segment(&app);
    let (job, status) = search(
        &app,
        json!({"industry": industry, "location": city, "max_results": 100}),
    )
    .await;
    assert_eq!(duplicate_companies(&app).await, 0);
    let listed_twice = count(
        &app,
        "SELECT count(DISTINCT item_id) FROM work_item_sightings",
    )
    .await;
    assert!(
        listed_twice > 0,
        "no company was listed by two sources: {status}"
    );
    assert!(
        status["discovered_count"].as_i64().unwrap()
            == count(&app, "SELECT count(*) FROM work_items").await
    );

    // A lead listed by several sources shows each of them, field by field.
    let lead: String = sqlx::query_scalar(
        "SELECT w.lead_id::text FROM work_items w
         WHERE EXISTS (SELECT 1 FROM work_item_sightings s WHERE s.item_id = w.id)
           AND w.domain IS NOT NULL
           AND w.stage = 'done' ORDER BY w.id LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let p = provenance(&app, &lead).await;
    let name = field(&p, "name").expect("name provenance");
    let sources: Vec<&str> = name["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["source"].as_str().unwrap())
        .collect();
    assert!(sources.len() >= 2, "{p}");
    assert_eq!(
        name["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["chosen"] == true)
            .count(),
        1,
        "{p}"
    );
    for f in p["fields"].as_array().unwrap() {
        for v in f["values"].as_array().unwrap() {
            assert!(v["source"].is_string() && v["seen_at"].is_string(), "{v}");
            assert!(v["url"].is_string(), "a source value without its URL: {v}");
        }
    }
    let (_, detail) = app.get(&format!("/api/v1/leads/{lead}")).await;
    let ds = detail["data_sources"].as_array().unwrap();
    assert!(ds.len() >= 3, "{detail}");
    assert!(
        ds.iter().any(|d| d["source"] == "company_website"),
        "{detail}"
    );

    // The same search again finds the same companies: no new company, contact or lead, and
    // the lead keeps what staff did with it.
    let companies = count(&app, "SELECT count(*) FROM companies").await;
    let contacts = count(&app, "SELECT count(*) FROM contacts").await;
    let leads = leads_of(&app, &job).await;
    let first = leads[0]["lead_id"].as_str().unwrap().to_string();
    let r = app
        .http
        .patch(app.url(&format!("/api/v1/leads/{first}")))
        .json(&json!({"version": leads[0]["version"], "status": "REACHED_OUT"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (again, _) = search(
        &app,
        json!({"industry": industry, "location": city, "max_results": 100}),
    )
    .await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM companies").await,
        companies
    );
    let now = count(&app, "SELECT count(*) FROM contacts").await;
    if now != contacts {
        // Which companies gained contacts, and what the two searches fetched of their sites.
        let detail: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT c.domain, string_agg(coalesce(t.name, '') || ' <' || coalesce(t.email, '') || '> '
                    || t.created_at::text, '; ' ORDER BY t.created_at),
                    (SELECT string_agg(p.url || ' ' || p.http_status || ' ' || p.fetched_at::text, '; ')
                       FROM pages p JOIN work_items w ON w.id = p.work_item_id WHERE w.domain = c.domain)
               FROM contacts t JOIN companies c ON c.id = t.company_id
              GROUP BY c.id, c.domain
             HAVING max(t.created_at) > now() - interval '20 seconds'",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap();
        let errors: Vec<(String, String)> =
            sqlx::query_as("SELECT coalesce(url, ''), message FROM job_errors ORDER BY created_at")
                .fetch_all(&app.pool)
                .await
                .unwrap_or_default();
        panic!(
            "the repeat search added {} contacts: {detail:#?}\nerrors: {errors:#?}",
            now - contacts
        );
    }
    let (_, l) = app.get(&format!("/api/v1/leads/{first}")).await;
    assert_eq!(l["status"], "REACHED_OUT");
    assert!(
        leads_of(&app, &again)
            .await
            .iter()
            .any(|x| x["lead_id"] == first.as_str())
    );
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_values_win_over_every_source_and_survive_a_new_search() {
    let app = TestApp::spawn_with(Spawn {
        companies: 200,
        ..Spawn::default()
    })
    .await;
    let (industry, city, _) = busiest_segment(&app);
    let body = json!({"industry": industry, "location": city, "max_results": 10});
    let (job, _) = search(&app, body.clone()).await;
    let lead = leads_of(&app, &job).await[0].clone();
    let id = lead["lead_id"].as_str().unwrap();
    let patch = |body: Value| {
        app.http
            .patch(app.url(&format!("/api/v1/leads/{id}")))
            .json(&body)
            .send()
    };

    // Bad values are named and nothing is written.
    let r = patch(json!({"version": lead["version"], "status": "QUALIFIED",
        "company": {"phones": ["12"], "size_category": "huge", "founded_year": 99}}))
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let err: Value = r.json().await.unwrap();
    let fields: Vec<&str> = err["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "company.size_category",
            "company.founded_year",
            "company.phones"
        ],
        "{err}"
    );
    let (_, same) = app.get(&format!("/api/v1/leads/{id}")).await;
    assert_eq!(same["status"], "PENDING");
    assert_eq!(same["version"], lead["version"]);

    let r = patch(json!({"version": lead["version"],
        "company": {"name": "Renamed By Staff", "phones": ["(512) 555-0199"]}}))
    .await
    .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let check = |d: &Value| {
        assert_eq!(d["company"]["name"], "Renamed By Staff", "{d}");
        assert_eq!(d["company"]["phones"], json!(["+15125550199"]), "{d}");
    };
    let (_, d) = app.get(&format!("/api/v1/leads/{id}")).await;
    check(&d);
    let p = provenance(&app, id).await;
    let names = field(&p, "name").unwrap()["values"].as_array().unwrap();
    assert_eq!(names[0]["source"], "staff");
    assert_eq!(names[0]["chosen"], true);
    assert!(names[1..].iter().all(|v| v["chosen"] == false), "{p}");

    // The sources saying otherwise again does not undo the staff values.
    search(&app, body).await;
    let (_, d) = app.get(&format!("/api/v1/leads/{id}")).await;
    check(&d);
    // Removing the staff value hands the field back to the sources.
    let r = patch(json!({"version": d["version"], "company": {"name": null}}))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (_, d) = app.get(&format!("/api/v1/leads/{id}")).await;
    assert_eq!(d["company"]["name"], lead["company"]["name"]);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_merge_two_leads_after_seeing_a_dry_run() {
    let app = TestApp::spawn_with(Spawn {
        companies: 200,
        ..Spawn::default()
    })
    .await;
    let (industry, city, _) = busiest_segment(&app);
    let (job, status) = search(
        &app,
        json!({"industry": industry, "location": city, "max_results": 6}),
    )
    .await;
    let leads = leads_of(&app, &job).await;
    assert!(leads.len() >= 2, "{status}");
    let (a, b) = (
        leads[0]["lead_id"].as_str().unwrap(),
        leads[1]["lead_id"].as_str().unwrap(),
    );
    let contacts = |d: &Value| d["contacts"].as_array().unwrap().len();
    let (_, da) = app.get(&format!("/api/v1/leads/{a}")).await;
    let (_, db) = app.get(&format!("/api/v1/leads/{b}")).await;
    let path = format!("/api/v1/leads/{a}/merge");
    let merge = |body: Value| {
        let (app, path) = (&app, &path);
        async move { app.post(path, &body).await }
    };

    // Refusals name the field.
    let (st, e) = merge(json!({"duplicate_lead_id": a})).await;
    assert_eq!(st, 422, "{e}");
    assert_eq!(e["error"]["details"][0]["field"], "duplicate_lead_id");
    let (st, _) = merge(json!({"duplicate_lead_id": uuid::Uuid::nil()})).await;
    assert_eq!(st, 422);

    // The dry run shows the result and changes nothing.
    let (st, dry) = merge(json!({"duplicate_lead_id": b, "dry_run": true})).await;
    assert_eq!(st, 200, "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert!(dry.get("merge_id").is_none());
    assert_eq!(
        dry["contacts_moved"].as_u64().unwrap() as usize,
        contacts(&db)
    );
    let (st, _) = app.get(&format!("/api/v1/leads/{b}")).await;
    assert_eq!(st, 200, "the dry run removed the duplicate");
    assert_eq!(count(&app, "SELECT count(*) FROM lead_merges").await, 0);

    let (st, done) = merge(json!({"duplicate_lead_id": b})).await;
    assert_eq!(st, 200, "{done}");
    assert_eq!(done["dry_run"], false);
    let (st, _) = app.get(&format!("/api/v1/leads/{b}")).await;
    assert_eq!(st, 404);
    let (_, merged) = app.get(&format!("/api/v1/leads/{a}")).await;
    let folded = done["contacts_folded"].as_u64().unwrap() as usize;
    assert_eq!(contacts(&merged), contacts(&da) + contacts(&db) - folded);
    // The dry run showed what the merge did.
    assert_eq!(dry["lead"]["contact_count"], merged["contact_count"]);
    assert_eq!(dry["lead"]["company"], done["lead"]["company"]);
    // Both companies' values are kept; the search lists the survivor once.
    let p = provenance(&app, a).await;
    assert_eq!(p["merged_leads"][0]["merged_lead_id"], b);
    let names = field(&p, "name").unwrap()["values"].as_array().unwrap();
    assert!(names.iter().any(|v| v["value"] == da["company"]["name"]));
    assert!(names.iter().any(|v| v["value"] == db["company"]["name"]));
    let after = leads_of(&app, &job).await;
    assert_eq!(after.len(), leads.len() - 1);
    let (_, s) = app.get(&format!("/api/v1/scrape/status/{job}")).await;
    assert_eq!(s["results_count"].as_u64().unwrap() as usize, after.len());
    // The merge is in the audit log.
    let (_, audit) = app.get("/api/v1/audit?action=lead.merge").await;
    assert_eq!(audit["entries"][0]["target_id"], a, "{audit}");
    app.cleanup().await;
}
