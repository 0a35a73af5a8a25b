//! Staff email on completed searches, through a real SMTP server: delivered with the search's
//! figures and best leads, retried while the server is unreachable, given up (and recorded) when
//! the attempts run out.

mod common;

use common::{STAFF_EMAIL, SmtpSink, Spawn, TestApp};
use mail_parser::MessageParser;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn start_search(app: &TestApp, max_results: u32) -> String {
    let c = &app.web.web().ground_truth()[0];
    let body = json!({"industry": c.industry, "location": c.city, "max_results": max_results});
    let (status, started) = app.post("/api/v1/scrape/search", &body).await;
    assert_eq!(status, 200, "{started}");
    started["job_id"].as_str().unwrap().to_string()
}

/// (status, attempts, last_error) of the job's emails.
async fn outbox(app: &TestApp, job: &str) -> Vec<(String, i32, Option<String>)> {
    sqlx::query_as("SELECT status, attempts, last_error FROM email_outbox WHERE job_id = $1::uuid")
        .bind(job)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn wait_outbox(
    app: &TestApp,
    job: &str,
    what: &str,
    done: impl Fn(&[(String, i32, Option<String>)]) -> bool,
) -> Vec<(String, i32, Option<String>)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows = outbox(app, job).await;
        if done(&rows) {
            return rows;
        }
        assert!(Instant::now() < deadline, "{what}: outbox is {rows:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_get_an_email_with_the_results_when_a_search_completes() {
    let sink = SmtpSink::start(SmtpSink::free_port()).await;
    let app = TestApp::spawn_with(Spawn {
        smtp_url: Some(sink.url()),
        companies: 40,
        ..Spawn::default()
    })
    .await;
    let job = start_search(&app, 5).await;
    let status = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(status["status"], "completed", "{status}");

    let raw = sink.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(raw.len(), 1, "one email per completed search");
    let msg = MessageParser::default()
        .parse(&raw[0])
        .expect("a MIME message");
    let to = msg.to().and_then(|a| a.first()).and_then(|a| a.address());
    assert_eq!(to, Some(STAFF_EMAIL));
    let from = msg.from().and_then(|a| a.first()).and_then(|a| a.address());
    assert_eq!(from, Some("leadgen@leadgen.test"));
    let subject = msg.subject().unwrap_or_default();
    let results = status["results_count"].as_i64().unwrap();
    assert!(subject.starts_with("Search completed: "), "{subject}");
    assert!(subject.contains(&format!("{results} leads")), "{subject}");
    assert!(
        msg.message_id()
            .is_some_and(|id| id.ends_with("@leadgen.test"))
    );

    // Both parts, and the best lead by name with its link.
    let text = msg.body_text(0).expect("a text part").to_string();
    let html = msg.body_html(0).expect("an HTML part").to_string();
    let (_, leads) = app
        .get(&format!("/api/v1/leads?job_id={job}&limit=1"))
        .await;
    let best: &Value = &leads["leads"][0];
    let name = best["company"]["name"].as_str().expect("best lead's name");
    let lead_id = best["lead_id"].as_str().expect("best lead's id");
    assert!(text.contains(name), "{text}");
    assert!(text.contains(&format!("/api/v1/leads/{lead_id}")), "{text}");
    assert!(text.contains(&format!("Leads found: {results}")), "{text}");
    assert!(html.contains("Best leads"), "{html}");

    let rows = wait_outbox(&app, &job, "email marked sent", |r| {
        r.iter().all(|(s, _, _)| s == "sent")
    })
    .await;
    assert_eq!(rows.len(), 1);
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_email_is_retried_until_the_smtp_server_is_reachable() {
    let port = SmtpSink::free_port();
    let app = TestApp::spawn_with(Spawn {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        companies: 40,
        ..Spawn::default()
    })
    .await;
    let job = start_search(&app, 3).await;
    let status = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(status["status"], "completed", "{status}");

    // Nothing listens yet: the first attempt fails and is recorded; the email stays pending.
    let rows = wait_outbox(&app, &job, "a failed attempt", |r| {
        r.iter().any(|(_, attempts, _)| *attempts >= 1)
    })
    .await;
    assert_eq!(rows[0].0, "pending", "{rows:?}");
    assert!(
        rows[0].2.as_deref().unwrap_or("").contains("SMTP"),
        "{rows:?}"
    );

    // Once the server is up, the persisted retry delivers it.
    let sink = SmtpSink::start(port).await;
    sink.wait_for(1, Duration::from_secs(30)).await;
    wait_outbox(&app, &job, "email marked sent", |r| {
        r.iter().all(|(s, _, _)| s == "sent")
    })
    .await;
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_email_that_cannot_be_sent_is_given_up_with_its_reason() {
    let port = SmtpSink::free_port();
    let app = TestApp::spawn_with(Spawn {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        companies: 40,
        max_attempts: Some(1),
        ..Spawn::default()
    })
    .await;
    let job = start_search(&app, 3).await;
    let status = app.wait_for_job(&job, Duration::from_secs(120)).await;
    assert_eq!(
        status["status"], "completed",
        "mail trouble does not fail a search"
    );
    let rows = wait_outbox(&app, &job, "the email given up", |r| {
        r.iter().any(|(s, _, _)| s == "failed")
    })
    .await;
    assert_eq!(rows[0].1, 1, "{rows:?}");
    assert!(
        rows[0].2.as_deref().unwrap_or("").contains("SMTP"),
        "{rows:?}"
    );
    // Visible to operators: in health and in the audit log.
    let (_, health) = app.get("/api/v1/health").await;
    assert_eq!(
        health["services"]["email"]["failed_last_24h"], 1,
        "{health}"
    );
    assert_eq!(health["services"]["email"]["transport"], "smtp");
    let (_, audit) = app.get("/api/v1/audit?action=email.failed").await;
    assert_eq!(audit["entries"][0]["actor_type"], "system");
    assert!(
        audit["entries"][0]["detail"]["reason"]
            .as_str()
            .unwrap()
            .contains("SMTP")
    );
    app.cleanup().await;
}
