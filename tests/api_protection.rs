//! What protects the API around the endpoints: per-client rate limits with `Retry-After`,
//! sign-in throttling that slows attackers without locking the real user out, trusted
//! proxies, security headers, CORS, the body size limit, HTTPS served directly, and an audit
//! log that cannot be forged through its inputs.

mod common;

use chrono::Duration as Span;
use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Spawn, TestApp};
use leadgen_core::access::ManualClock;
use serde_json::{Value, json};
use std::sync::Arc;

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after_and_others_do_not() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        configure: Some(|cfg| {
            cfg.security.rate_limits =
                leadgen_core::config::RateLimits::parse("read=3/min,auth=1000/min").unwrap();
        }),
        ..Default::default()
    })
    .await;
    let viewer = app.client_as("viewer").await;
    for _ in 0..3 {
        let r = viewer.get(app.url("/api/v1/leads")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    let r = viewer.get(app.url("/api/v1/leads")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let retry_after: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(body["error"]["retry_after"], retry_after);
    assert!(body["error"]["request_id"].is_string());
    // The admin has a budget of their own.
    let (status, _) = app.get("/api/v1/leads").await;
    assert_eq!(status, 200);
    // Health is never limited (load balancers poll it).
    for _ in 0..5 {
        let r = app
            .anon
            .get(app.url("/api/v1/health"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    app.cleanup().await;
}

async fn login_from(
    app: &TestApp,
    ip: &str,
    email: &str,
    password: &str,
) -> (u16, Value, Option<u64>) {
    let r = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (status, r.json().await.unwrap_or(Value::Null), retry)
}

#[tokio::test]
async fn failed_sign_ins_slow_the_attacker_down_but_never_lock_the_user_out() {
    let clock = Arc::new(ManualClock::default());
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        clock: Some(clock.clone()),
        configure: Some(|cfg| {
            cfg.security.login_free_failures = 3;
            // The test client plays a proxy forwarding for different addresses.
            cfg.security.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
        }),
        ..Default::default()
    })
    .await;
    let attacker = "198.51.100.66";
    for _ in 0..3 {
        let (status, body, _) = login_from(&app, attacker, ADMIN_EMAIL, "guess guess guess").await;
        assert_eq!(status, 401, "{body}");
        assert_eq!(
            body["error"]["message"],
            "the email or password is not correct"
        );
    }
    // The fourth failure starts a delay: 1 s, then 2 s, 4 s …
    let (status, _, _) = login_from(&app, attacker, ADMIN_EMAIL, "guess guess guess").await;
    assert_eq!(status, 401);
    let (status, body, retry) = login_from(&app, attacker, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(status, 429, "even the right password waits: {body}");
    assert_eq!(retry, Some(1));
    assert_eq!(body["error"]["retry_after"], 1);
    clock.advance(Span::seconds(2));
    let (status, _, _) = login_from(&app, attacker, ADMIN_EMAIL, "guess guess guess").await;
    assert_eq!(status, 401);
    let (status, _, retry) = login_from(&app, attacker, ADMIN_EMAIL, "guess guess guess").await;
    assert_eq!((status, retry), (429, Some(2)));

    // The real admin, elsewhere, signs in at once.
    let (status, body, _) = login_from(&app, "203.0.113.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(status, 200, "{body}");

    // An address spraying many accounts is slowed down over all of them.
    let sprayer = "192.0.2.99";
    let mut limited = false;
    for i in 0..(3 * 6 + 1) {
        let (status, _, _) = login_from(
            &app,
            sprayer,
            &format!("user{i}@leadgen.test"),
            "summer2026!",
        )
        .await;
        limited |= status == 429;
    }
    let (status, _, _) = login_from(&app, sprayer, "another@leadgen.test", "summer2026!").await;
    assert!(
        limited || status == 429,
        "spraying from one address is never slowed"
    );

    // Every attempt is in the audit log with the address it came from (the forwarded one,
    // since the peer is a trusted proxy).
    let (_, audit) = app.get("/api/v1/audit?action=auth.login&limit=500").await;
    let entries = audit["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["outcome"] == "failed" && e["ip"] == attacker)
    );
    assert!(
        entries
            .iter()
            .any(|e| e["outcome"] == "denied" && e["ip"] == attacker)
    );
    assert!(
        entries
            .iter()
            .any(|e| e["outcome"] == "ok" && e["ip"] == "203.0.113.7")
    );
    app.cleanup().await;
}

#[tokio::test]
async fn headers_cors_body_limits_and_untrusted_forwarding() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        configure: Some(|cfg| {
            cfg.security.cors_origins = vec!["https://app.example.com".into()];
            cfg.security.max_body_bytes = 4096;
        }),
        ..Default::default()
    })
    .await;
    let r = app.http.get(app.url("/api/v1/leads")).send().await.unwrap();
    let h = r.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert!(
        h.get("strict-transport-security").is_none(),
        "HSTS over plain HTTP"
    );
    let r = app.anon.get(app.url("/docs/")).send().await.unwrap();
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src")
    );

    // CORS: the allowed origin gets a preflight answer naming it; another origin does not.
    let preflight = |origin: &'static str| {
        app.anon
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/leads"))
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let r = preflight("https://app.example.com").await.unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let r = preflight("https://evil.example.net").await.unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());

    // Bodies over the limit are refused before they are read, with the one error shape.
    let big = json!({ "industry": "x".repeat(8000), "location": "Austin" });
    let (status, body) = app.post("/api/v1/scrape/search", &big).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
    let chunked = reqwest::Body::wrap_stream(futures::stream::iter(
        (0..4).map(|_| Ok::<_, std::io::Error>(vec![b' '; 2000])),
    ));
    let r = app
        .http
        .post(app.url("/api/v1/scrape/search"))
        .header("content-type", "application/json")
        .body(chunked)
        .send()
        .await
        .unwrap();
    assert!([400, 413].contains(&r.status().as_u16()), "{}", r.status());
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM search_jobs")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 0);

    // X-Forwarded-For from a peer that is not a configured proxy is ignored, and what a client
    // sends cannot forge lines in the audit log.
    let r = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", "1.2.3.4")
        .json(&json!({ "email": "eve@x.test\n2026-12-01 auth.login ok admin", "password": "pw" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let (_, audit) = app.get("/api/v1/audit?action=auth.login").await;
    let failed = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["outcome"] == "failed")
        .unwrap()
        .clone();
    assert_eq!(failed["ip"], "127.0.0.1");
    let label = failed["actor_label"].as_str().unwrap();
    assert!(!label.contains('\n') && label.contains("\\u{a}"), "{label}");

    // Non-admins cannot read the audit log.
    let manager = app.client_as("manager").await;
    let r = manager.get(app.url("/api/v1/audit")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    app.cleanup().await;
}

#[tokio::test]
async fn https_is_served_directly_with_a_configured_certificate() {
    let dir = std::env::temp_dir().join(format!("leadgen-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let name = format!("leadgen_test_{}", uuid::Uuid::new_v4().simple());
    let db_url = leadgen::postgres::ensure_database(&common::server_url(), &name)
        .await
        .unwrap();
    let pool = leadgen_core::db::connect(&db_url, 4).await.unwrap();
    leadgen::cli::migrate(&pool).await.unwrap();
    let mut cfg = leadgen_core::Config::from_lookup(|k| match k {
        "LEADGEN_TLS_CERT" => Some(cert.display().to_string()),
        "LEADGEN_TLS_KEY" => Some(key.display().to_string()),
        _ => None,
    })
    .unwrap();
    cfg.bind = "127.0.0.1:0".parse().unwrap();
    let state = leadgen::cli::api_state(cfg.clone(), pool.clone()).unwrap();
    let server = leadgen_api::Server::bind(cfg.bind, state).await.unwrap();
    let port = server.addr().port();
    let (stop, mut rx) = tokio::sync::watch::channel(false);
    tokio::spawn(server.run(async move {
        let _ = rx.wait_for(|s| *s).await;
    }));
    let client = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(&cert).unwrap()).unwrap()])
        .build()
        .unwrap();
    let r = client
        .get(format!("https://localhost:{port}/api/v1/health"))
        .send()
        .await
        .expect("HTTPS answers");
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    // Plain HTTP on the same port is not served.
    let plain = reqwest::Client::builder().no_proxy().build().unwrap();
    if let Ok(r) = plain
        .get(format!("http://127.0.0.1:{port}/api/v1/health"))
        .send()
        .await
    {
        assert!(
            !r.status().is_success(),
            "plain HTTP answered {}",
            r.status()
        );
    }
    let _ = stop.send(true);
    pool.close().await;
    common::drop_database(&name).await;
    let _ = std::fs::remove_dir_all(&dir);
}
