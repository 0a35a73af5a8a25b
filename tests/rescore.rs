//! Re-scoring stored leads after the weights change: from stored facts, without fetching, with
//! the new weights' version on every breakdown; the `leadgen rescore` command and its errors.

mod common;

use common::{Spawn, TestApp, busiest_segment};
use leadgen_core::stages::score::Weights;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

const CONTACT_ONLY: &str = r#"
version = "contact-only"
[weights]
contact_completeness = 1.0
business_indicators = 0.0
data_quality = 0.0
engagement_potential = 0.0
[thresholds]
hot = 90
warm = 50
"#;

async fn leads(app: &TestApp) -> Vec<Value> {
    let (st, body) = app.get("/api/v1/leads?limit=100").await;
    assert_eq!(st, 200, "{body}");
    body["leads"].as_array().unwrap().clone()
}

fn scores(leads: &[Value]) -> HashMap<String, i64> {
    leads
        .iter()
        .map(|l| {
            (
                l["lead_id"].as_str().unwrap().to_string(),
                l["lead_score"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_weights_rescore_every_lead_without_fetching() {
    let app = TestApp::spawn_with(Spawn {
        companies: 500,
        ..Spawn::default()
    })
    .await;
    let (industry, city, _) = busiest_segment(&app);
    let (st, started) = app
        .post(
            "/api/v1/scrape/search",
            &json!({"industry": industry, "location": city, "max_results": 8}),
        )
        .await;
    assert_eq!(st, 200, "{started}");
    let status = app
        .wait_for_job(
            started["job_id"].as_str().unwrap(),
            Duration::from_secs(120),
        )
        .await;
    assert_eq!(status["status"], "completed", "{status}");
    let before = leads(&app).await;
    assert!(before.len() >= 5, "{}", before.len());
    assert!(
        before
            .iter()
            .all(|l| l["score_breakdown"]["weights_version"] == Weights::default().version)
    );
    let requests = app.web.log().len();

    let weights = Weights::from_toml(CONTACT_ONLY, "contact-only.toml").unwrap();
    let dry = leadgen::rescore::run(&app.pool, &weights, true)
        .await
        .unwrap();
    assert_eq!(dry.leads, before.len() as u64);
    assert!(dry.changed > 0, "{dry}");
    assert_eq!(
        scores(&leads(&app).await),
        scores(&before),
        "a dry run wrote"
    );

    let report = leadgen::rescore::run(&app.pool, &weights, false)
        .await
        .unwrap();
    assert_eq!(report, dry, "the run did what the dry run said");
    let after = leads(&app).await;
    for l in &after {
        let b = &l["score_breakdown"];
        assert_eq!(b["weights_version"], "contact-only", "{l}");
        // Only contact completeness counts now.
        assert_eq!(l["lead_score"], b["contact_completeness"]["score"], "{l}");
        // The API bands scores with its own thresholds (the defaults in this test system).
        let d = Weights::default();
        let expected = match l["lead_score"].as_i64().unwrap() {
            s if s >= d.hot as i64 => "hot",
            s if s >= d.warm as i64 => "warm",
            _ => "cold",
        };
        assert_eq!(l["quality"], expected, "{l}");
    }
    assert_eq!(
        app.web.log().len(),
        requests,
        "re-scoring fetched something"
    );
    // Staff-owned fields are untouched and a second run changes nothing.
    let again = leadgen::rescore::run(&app.pool, &weights, false)
        .await
        .unwrap();
    assert_eq!((again.leads, again.changed), (after.len() as u64, 0));
    app.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rescore_command_reads_the_scoring_file_and_names_its_errors() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Spawn::default()
    })
    .await;
    let dir = std::env::temp_dir().join(format!("leadgen-scoring-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("contact-only.toml");
    std::fs::write(&good, CONTACT_ONLY).unwrap();
    let run = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_leadgen"))
            .args(["rescore", "--dry-run"])
            .env("DATABASE_URL", &app.db_url)
            .env("LEADGEN_SCORING", file)
            .output()
            .unwrap()
    };
    let out = run(&good);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("dry run, nothing written; weights contact-only: 0 leads scored"),
        "{stdout}"
    );
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, CONTACT_ONLY.replace("1.0", "0.9")).unwrap();
    let out = run(&bad);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("LEADGEN_SCORING") && stderr.contains("must sum to 1"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
    app.cleanup().await;
}
