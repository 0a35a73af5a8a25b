//! Email verification end to end: every address a search finds gets a verdict from its
//! domain's mail exchangers (asked of the sample web's DNS over UDP), role and personal
//! addresses are told apart, named people shown without an address get one matched or inferred
//! from the company's pattern, and a DNS server that does not answer leaves addresses
//! `unverified` without holding the search up.

mod common;

use common::{Spawn, TestApp};
use leadgen_core::Config;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

async fn search(app: &TestApp, industry: &str, city: &str) -> String {
    let body = json!({"industry": industry, "location": city, "max_results": 100});
    let (st, started) = app.post("/api/v1/scrape/search", &body).await;
    assert_eq!(st, 200, "{started}");
    let job = started["job_id"].as_str().unwrap().to_string();
    let status = app.wait_for_job(&job, Duration::from_secs(180)).await;
    assert_eq!(status["status"], "completed", "{status}");
    job
}

/// A segment holding a company whose domain publishes a null MX and whose site lists
/// addresses a polite crawler can read.
fn segment_with_a_domain_refusing_mail(app: &TestApp) -> (String, String, String) {
    let web = app.web.web();
    let t = web
        .ground_truth()
        .iter()
        .find(|t| {
            !t.domain.is_empty()
                && !web.accepts_mail(&t.domain)
                && !t.emails.is_empty()
                && t.behaviour == "normal"
                && t.markup != "js-only"
        })
        .expect("the sample web has a domain with a null MX");
    (t.industry.clone(), t.city.clone(), t.domain.clone())
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    domain: Option<String>,
    lead_id: uuid::Uuid,
    name: Option<String>,
    email: String,
    verification_status: String,
    verification_reason: Option<String>,
    email_kind: Option<String>,
}

async fn contacts_with_email(app: &TestApp) -> Vec<Row> {
    sqlx::query_as(
        "SELECT co.domain, l.id AS lead_id, c.name, c.email, c.verification_status,
                c.verification_reason, c.email_kind
         FROM contacts c JOIN companies co ON co.id = c.company_id
         JOIN leads l ON l.company_id = co.id
         WHERE c.email IS NOT NULL",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn addresses_get_verdicts_from_their_domains_mail_exchangers() {
    let app = TestApp::spawn_with(Spawn {
        companies: 120,
        ..Spawn::default()
    })
    .await;
    let (industry, city, refusing) = segment_with_a_domain_refusing_mail(&app);
    search(&app, &industry, &city).await;
    let web = app.web.web();
    let rows = contacts_with_email(&app).await;
    assert!(!rows.is_empty());

    let mut by_status: HashMap<&str, usize> = HashMap::new();
    for r in &rows {
        *by_status.entry(r.verification_status.as_str()).or_default() += 1;
        let domain = r.email.rsplit('@').next().unwrap();
        let reason = r.verification_reason.as_deref().unwrap_or_default();
        if web.accepts_mail(domain) {
            assert!(
                matches!(r.verification_status.as_str(), "verified" | "inferred"),
                "{r:?}"
            );
            if r.verification_status == "verified" {
                assert!(reason.contains(&format!("mx1.{domain}")), "{r:?}");
            }
        } else {
            assert_eq!(r.verification_status, "invalid", "{r:?}");
            assert!(reason.contains("null MX"), "{r:?}");
        }
        // Nameless contacts are the company's general addresses; people are personal unless
        // the site gave them a shared mailbox.
        if r.name.is_none() && r.email.starts_with("info@") {
            assert_eq!(r.email_kind.as_deref(), Some("role"), "{r:?}");
        }
        if r.verification_status == "inferred" {
            assert!(
                r.name.is_some(),
                "only named people get a guessed address: {r:?}"
            );
            assert!(reason.contains("pattern"), "{r:?}");
            assert_eq!(r.domain.as_deref(), Some(domain), "{r:?}");
        }
    }
    assert!(
        by_status.get("verified").copied().unwrap_or(0) > 0,
        "{by_status:?}"
    );
    assert!(
        by_status.get("invalid").copied().unwrap_or(0) > 0,
        "{by_status:?}"
    );
    assert!(
        by_status.get("inferred").copied().unwrap_or(0) > 0,
        "{by_status:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.email_kind.as_deref() == Some("personal")),
        "{rows:?}"
    );

    // The lead detail says the same, with the reason and the address type.
    let bad = rows
        .iter()
        .find(|r| r.domain.as_deref() == Some(refusing.as_str()))
        .expect("the company refusing mail was found with its addresses");
    let (st, detail) = app.get(&format!("/api/v1/leads/{}", bad.lead_id)).await;
    assert_eq!(st, 200, "{detail}");
    let contacts = detail["contacts"].as_array().unwrap();
    let c: &Value = contacts
        .iter()
        .find(|c| c["email"] == bad.email.as_str())
        .unwrap();
    assert_eq!(c["verification_status"], "invalid", "{c}");
    assert!(
        c["verification_reason"]
            .as_str()
            .unwrap()
            .contains("null MX"),
        "{c}"
    );
    assert!(
        matches!(c["email_type"].as_str(), Some("role" | "personal")),
        "{c}"
    );
    assert_eq!(c["disposable_email"], false, "{c}");

    // The answers are kept for every worker: each domain is in the shared cache once.
    let cached: Vec<String> = sqlx::query_scalar("SELECT domain FROM mail_domains")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for r in &rows {
        let domain = r.email.rsplit('@').next().unwrap();
        assert!(cached.iter().any(|d| d == domain), "{domain} not cached");
    }
    app.cleanup().await;
}

fn silent_dns(cfg: &mut Config) {
    // TEST-NET-1 (RFC 5737): nothing answers there.
    cfg.email_dns.servers = Some(vec!["192.0.2.1:53".parse().unwrap()]);
    cfg.email_dns.timeout = Duration::from_millis(300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dns_server_that_does_not_answer_leaves_addresses_unverified() {
    let app = TestApp::spawn_with(Spawn {
        companies: 60,
        configure: Some(silent_dns),
        ..Spawn::default()
    })
    .await;
    let (industry, city, _) = common::busiest_segment(&app);
    search(&app, &industry, &city).await;
    let rows = contacts_with_email(&app).await;
    assert!(!rows.is_empty());
    for r in &rows {
        assert!(
            matches!(r.verification_status.as_str(), "unverified" | "inferred"),
            "a failed lookup is no verdict: {r:?}"
        );
    }
    let cached: i64 = sqlx::query_scalar("SELECT count(*) FROM mail_domains")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(cached, 0, "failed lookups are not cached");
    app.cleanup().await;
}
