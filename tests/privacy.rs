//! Privacy: a person's data exported and erased by email (files too), the suppression list
//! keeping people and domains out of inbound and discovered leads, and the retention sweep
//! deleting idle leads with their files, leaving only tombstones.

mod common;

use common::{Spawn, TestApp, busiest_segment};
use serde_json::{Value, json};
use std::time::Duration;

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n1 0 obj << /Title ({text}) >> endobj\ntrailer << >>\n%%EOF\n").into_bytes()
}

fn files_in(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() { files_in(&p) } else { 1 }
        })
        .sum()
}

async fn submit(app: &TestApp, first: &str, email: &str) {
    let (status, body) = app
        .submit_form(
            &[
                ("first_name", first),
                ("last_name", "Example"),
                ("email", email),
            ],
            Some(("cv.pdf", pdf(first))),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
async fn a_person_is_exported_then_erased_with_their_files_and_kept_out_afterwards() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    submit(&app, "Jane", "jane@example.com").await;
    submit(&app, "Jane", "JANE@example.com").await;
    submit(&app, "Omar", "omar@example.com").await;
    assert_eq!(files_in(&app.files_dir), 3);

    let (status, doc) = app
        .get("/api/v1/privacy/export?email=Jane@Example.com")
        .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["inbound_leads"].as_array().unwrap().len(), 1);
    assert_eq!(
        doc["inbound_leads"][0]["files"].as_array().unwrap().len(),
        2
    );
    assert_eq!(
        doc["emails_sent"].as_array().unwrap().len(),
        2,
        "two confirmations"
    );

    // Only admins may.
    let manager = app.client_as("manager").await;
    let r = manager
        .post(app.url("/api/v1/privacy/erase"))
        .json(&json!({ "email": "jane@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    let (status, report) = app
        .post(
            "/api/v1/privacy/erase",
            &json!({ "email": "jane@example.com", "suppress": true }),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (
            report["leads"].clone(),
            report["files"].clone(),
            report["emails"].clone()
        ),
        (json!(1), json!(2), json!(2))
    );
    assert_eq!(report["suppressed"], true);
    assert_eq!(files_in(&app.files_dir), 1, "Omar's file stays");
    let (_, doc) = app
        .get("/api/v1/privacy/export?email=jane@example.com")
        .await;
    assert_eq!(doc["inbound_leads"], json!([]));
    assert_eq!(doc["emails_sent"], json!([]));

    // The tombstone names no address; the suppression list holds only a digest.
    let (_, audit) = app.get("/api/v1/audit?action=privacy.erase").await;
    let tomb = &audit["entries"][0];
    assert!(!tomb.to_string().contains("jane@"), "{tomb}");
    assert_eq!(tomb["detail"]["leads"], 1);
    let (_, list) = app.get("/api/v1/privacy/suppressions").await;
    assert_eq!(list["suppressions"].as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains("jane"));

    // Jane applying again is answered as usual and stored nowhere; no email goes out.
    submit(&app, "Jane", "jane@example.com").await;
    let (_, doc) = app
        .get("/api/v1/privacy/export?email=jane@example.com")
        .await;
    assert_eq!(doc["inbound_leads"], json!([]));
    assert_eq!(doc["emails_sent"], json!([]));
    assert_eq!(files_in(&app.files_dir), 1);

    // A whole domain can be suppressed too.
    let (status, body) = app
        .post(
            "/api/v1/privacy/suppressions",
            &json!({ "kind": "domain", "value": "www.example.org", "note": "objection" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    submit(&app, "Kim", "kim@mail.example.org").await;
    let (_, leads) = app.get("/api/v1/leads?origin=inbound").await;
    assert_eq!(leads["pagination"]["total_count"], 1, "only Omar");
    let (status, _) = app
        .post(
            "/api/v1/privacy/suppressions",
            &json!({ "kind": "domain", "value": "not a domain" }),
        )
        .await;
    assert_eq!(status, 422);
    app.cleanup().await;
}

#[tokio::test]
async fn a_suppressed_domain_is_never_stored_by_a_search() {
    let app = TestApp::spawn().await;
    let (industry, city, _) = busiest_segment(&app);
    let target = app
        .web
        .web()
        .ground_truth()
        .iter()
        .find(|c| c.industry == industry && c.city == city && !c.domain.is_empty())
        .unwrap()
        .domain
        .clone();
    let (status, body) = app
        .post(
            "/api/v1/privacy/suppressions",
            &json!({ "kind": "domain", "value": target }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, started) = app
        .post(
            "/api/v1/scrape/search",
            &json!({ "industry": industry, "location": city, "max_results": 50 }),
        )
        .await;
    assert_eq!(status, 200, "{started}");
    let job = started["job_id"].as_str().unwrap();
    let done = app.wait_for_job(job, Duration::from_secs(120)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM companies WHERE domain = $1")
        .bind(&target)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "{target} was stored");
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT error FROM work_items WHERE job_id = $1::uuid AND stage = 'filtered'",
    )
    .bind(job)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert!(
        reasons.iter().any(|r| r.starts_with("suppressed")),
        "{reasons:?}"
    );
    let (_, leads) = app.get(&format!("/api/v1/leads?job_id={job}")).await;
    assert!(leads["pagination"]["total_count"].as_i64().unwrap() > 0);
    app.cleanup().await;
}

#[tokio::test]
async fn leads_idle_past_the_retention_period_are_deleted_with_their_files() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    submit(&app, "Old", "old@example.com").await;
    submit(&app, "New", "new@example.com").await;
    // Three years without activity for one of them (triggers off, so updated_at stays).
    let mut tx = app.pool.begin().await.unwrap();
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE leads SET updated_at = now() - interval '3 years' WHERE email = 'old@example.com'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let ctx = leadgen_worker::Ctx::new(app.cfg.clone(), app.pool.clone()).unwrap();
    let deleted = leadgen_worker::retention::sweep(&ctx, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(
        leadgen_worker::retention::sweep(&ctx, chrono::Utc::now())
            .await
            .unwrap(),
        0,
        "a second sweep finds nothing"
    );
    let (_, leads) = app.get("/api/v1/leads?origin=inbound").await;
    let emails: Vec<Value> = leads["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["inbound"]["email"].clone())
        .collect();
    assert_eq!(emails, [json!("new@example.com")]);
    assert_eq!(files_in(&app.files_dir), 1);
    let (_, audit) = app.get("/api/v1/audit?action=lead.expired").await;
    let tomb = &audit["entries"][0];
    assert_eq!(tomb["actor_type"], "system");
    assert_eq!(tomb["detail"]["files_deleted"], 1);
    assert_eq!(tomb["detail"]["retention_days"], 730);
    assert!(!tomb.to_string().contains("old@"));
    app.cleanup().await;
}
