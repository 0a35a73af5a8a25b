//! An outsider's check of the whole API: schemathesis (from PyPI, installed by the test
//! command into a virtualenv) generates requests from the live OpenAPI document and checks the
//! answers: no 5xx, every status and content type documented, every body fitting its schema,
//! and no protected endpoint answering without credentials or with invalid ones. The document
//! itself must pass openapi-spec-validator (also from PyPI, in a virtualenv of its own) against
//! the OpenAPI specification.

mod common;

use common::{Spawn, TestApp};
use std::path::PathBuf;

/// The schemathesis executable: `LEADGEN_SCHEMATHESIS`, or the virtualenv the test command
/// makes.
fn schemathesis() -> PathBuf {
    if let Ok(p) = std::env::var("LEADGEN_SCHEMATHESIS") {
        return p.into();
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    PathBuf::from(home).join(".cache/leadgen-venv/bin/schemathesis")
}

#[tokio::test]
async fn the_live_api_keeps_its_documented_contract_under_generated_requests() {
    let exe = schemathesis();
    assert!(
        exe.is_file(),
        "{} is missing: run the test command (bash .ci/test.sh), which installs schemathesis",
        exe.display()
    );
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let work = std::env::temp_dir().join(format!("leadgen-schemathesis-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&work).unwrap();
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis.toml");
    let spec = app.url("/api/v1/openapi.json");
    let auth = format!("Authorization: Bearer {}", app.admin_token);
    let out = tokio::process::Command::new(&exe)
        .current_dir(&work)
        .env("HYPOTHESIS_STORAGE_DIRECTORY", work.join(".hypothesis"))
        .arg("--config-file")
        .arg(&config)
        .args(["run", &spec, "--wait-for-schema", "30", "-H", &auth])
        .args(["--generation-with-security-parameters", "false"])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance,status_code_conformance,\
             content_type_conformance,ignored_auth",
        ])
        // Signing out would end the session the run authenticates with.
        .args(["--exclude-path", "/api/v1/auth/logout"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-examples", "100", "--seed", "42", "--workers", "2"])
        .args([
            "--request-timeout",
            "10",
            "--generation-database",
            "none",
            "--no-color",
        ])
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(600), out)
        .await
        .expect("schemathesis finished within 10 minutes")
        .expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    let _ = std::fs::remove_dir_all(&work);
    assert!(
        out.status.success(),
        "schemathesis found problems:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_openapi_document_passes_the_openapi_specification_validator() {
    let exe = std::env::var("LEADGEN_OPENAPI_VALIDATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
            PathBuf::from(home).join(".cache/leadgen-lint-venv/bin/openapi-spec-validator")
        });
    assert!(
        exe.is_file(),
        "{} is missing: run the test command (bash .ci/test.sh), which installs it",
        exe.display()
    );
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        companies: 5,
        ..Default::default()
    })
    .await;
    let spec = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let file = std::env::temp_dir().join(format!("leadgen-openapi-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, &spec).unwrap();
    let out = tokio::process::Command::new(&exe)
        .arg(&file)
        .output()
        .await
        .expect("openapi-spec-validator runs");
    let _ = std::fs::remove_file(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("OK"),
        "the OpenAPI document is not valid:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    app.cleanup().await;
}
