//! Sessions end to end: sign-in, refresh rotation and reuse detection, the 30-minute idle
//! timeout and the absolute limit (on an injected clock, never slept), sign-out, disabling a
//! user, changing a password, and the `leadgen user create` command.

mod common;

use chrono::Duration as Minutes;
use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Spawn, TestApp, bearer_client};
use leadgen_core::access::ManualClock;
use serde_json::{Value, json};
use std::sync::Arc;

async fn me(app: &TestApp, token: &str) -> (u16, Value) {
    let r = bearer_client(token)
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn refresh(app: &TestApp, refresh_token: &str) -> (u16, Value) {
    let r = app
        .anon
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

fn token(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {v}"))
        .to_string()
}

async fn end_reason(app: &TestApp, user_email: &str) -> Vec<Option<String>> {
    sqlx::query_scalar(
        "SELECT s.end_reason FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE u.email = $1 ORDER BY s.created_at",
    )
    .bind(user_email)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_the_whole_session() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let (email, password) = app.create_user("manager").await;
    let first = app.sign_in(&email, &password).await;
    assert_eq!(first["token_type"], "Bearer");
    assert!(first["expires_in"].as_i64().unwrap() > 800);
    assert_eq!(first["user"]["role"], "manager");
    let (status, who) = me(&app, &token(&first, "access_token")).await;
    assert_eq!(status, 200, "{who}");
    assert_eq!(who["email"], email.as_str());
    assert_eq!(who["kind"], "user");
    assert!(
        who["permissions"]
            .as_array()
            .unwrap()
            .contains(&json!("searches:run"))
    );

    // Each refresh hands out a new pair.
    let (status, second) = refresh(&app, &token(&first, "refresh_token")).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(
        token(&second, "refresh_token"),
        token(&first, "refresh_token")
    );
    let (status, third) = refresh(&app, &token(&second, "refresh_token")).await;
    assert_eq!(status, 200, "{third}");
    assert_eq!(me(&app, &token(&third, "access_token")).await.0, 200);

    // Replaying a spent token (a thief with the first one) ends the family: the legitimate
    // holder's newest tokens stop working too.
    let (status, body) = refresh(&app, &token(&first, "refresh_token")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already used")
    );
    let (status, _) = me(&app, &token(&third, "access_token")).await;
    assert_eq!(status, 401);
    assert_eq!(refresh(&app, &token(&third, "refresh_token")).await.0, 401);
    assert_eq!(
        end_reason(&app, &email).await,
        [Some("refresh_reuse".to_string())]
    );

    // A made-up refresh token is simply invalid.
    let (status, body) = refresh(&app, "not-a-token").await;
    assert_eq!(status, 401, "{body}");

    // The reuse is in the audit log.
    let (status, audit) = app.get("/api/v1/audit?action=auth.refresh_reuse").await;
    assert_eq!(status, 200, "{audit}");
    assert_eq!(audit["entries"][0]["actor_label"], email.as_str());
    assert_eq!(audit["entries"][0]["outcome"], "denied");
    app.cleanup().await;
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes_and_at_its_absolute_limit() {
    let clock = Arc::new(ManualClock::default());
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        clock: Some(clock.clone()),
        ..Default::default()
    })
    .await;
    let (email, password) = app.create_user("agent").await;
    let pair = app.sign_in(&email, &password).await;

    // Activity within the window keeps the session alive.
    clock.advance(Minutes::minutes(10));
    assert_eq!(me(&app, &token(&pair, "access_token")).await.0, 200);
    // 25 minutes later the access token (15 minutes) has expired, but the session has not
    // (25 < 30 idle minutes): refreshing works.
    clock.advance(Minutes::minutes(25));
    let (status, body) = me(&app, &token(&pair, "access_token")).await;
    assert_eq!(status, 401);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
    let (status, pair) = refresh(&app, &token(&pair, "refresh_token")).await;
    assert_eq!(status, 200, "{pair}");
    assert_eq!(me(&app, &token(&pair, "access_token")).await.0, 200);

    // 31 minutes without activity: over.
    clock.advance(Minutes::minutes(31));
    let (status, body) = refresh(&app, &token(&pair, "refresh_token")).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("30 minutes without activity"),
        "{body}"
    );
    assert_eq!(end_reason(&app, &email).await, [Some("idle".to_string())]);

    // However active, a session ends at its absolute limit (12 hours by default).
    let mut pair = app.sign_in(&email, &password).await;
    let mut refreshed = 0;
    let body = loop {
        clock.advance(Minutes::minutes(14));
        let (status, body) = refresh(&app, &token(&pair, "refresh_token")).await;
        if status != 200 {
            assert_eq!(status, 401, "{body}");
            break body;
        }
        pair = body;
        refreshed += 1;
        assert!(refreshed < 60, "the session never ended");
    };
    assert_eq!(
        refreshed,
        12 * 60 / 14,
        "ended after 12 hours of 14-minute refreshes"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("12-hour"),
        "{body}"
    );
    assert_eq!(
        end_reason(&app, &email).await[1].as_deref(),
        Some("expired")
    );
    app.cleanup().await;
}

#[tokio::test]
async fn sign_out_ends_one_session_and_disabling_a_user_ends_them_all() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let (email, password) = app.create_user("manager").await;
    let laptop = app.sign_in(&email, &password).await;
    let phone = app.sign_in(&email, &password).await;
    let key: Value = bearer_client(&token(&laptop, "access_token"))
        .post(app.url("/api/v1/api-keys"))
        .json(&json!({ "name": "crm sync", "scope": "read" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = token(&key, "key");
    assert_eq!(me(&app, &key).await.0, 200);

    let r = bearer_client(&token(&laptop, "access_token"))
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(me(&app, &token(&laptop, "access_token")).await.0, 401);
    assert_eq!(refresh(&app, &token(&laptop, "refresh_token")).await.0, 401);
    assert_eq!(me(&app, &token(&phone, "access_token")).await.0, 200);

    // Disabling the account ends every session at once and stops its keys.
    let id = laptop["user"]["id"].as_str().unwrap();
    let r = app
        .http
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .json(&json!({ "disabled": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (status, body) = me(&app, &token(&phone, "access_token")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(me(&app, &key).await.0, 401);
    let r = app
        .anon
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(
        end_reason(&app, &email).await,
        [
            Some("logout".to_string()),
            Some("user_disabled".to_string())
        ]
    );

    // Re-enabled, the account signs in again; the key works again too.
    let r = app
        .http
        .patch(app.url(&format!("/api/v1/users/{id}")))
        .json(&json!({ "disabled": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    app.sign_in(&email, &password).await;
    assert_eq!(me(&app, &key).await.0, 200);

    // The last active admin cannot be demoted or disabled.
    let (_, who) = app.get("/api/v1/auth/me").await;
    let admin_id = who["id"].as_str().unwrap();
    let r = app
        .http
        .patch(app.url(&format!("/api/v1/users/{admin_id}")))
        .json(&json!({ "role": "viewer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 409);
    app.cleanup().await;
}

#[tokio::test]
async fn passwords_follow_the_policy_and_a_change_ends_other_sessions() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    // Weak passwords are refused with the field and the reason; no account is created.
    for (password, reason) in [
        ("short", "at least 12"),
        ("password1234", "too easy to guess"),
        ("newuser@leadgen.test", "too easy to guess"),
    ] {
        let (status, body) = app
            .post(
                "/api/v1/users",
                &json!({ "email": "newuser@leadgen.test", "role": "viewer", "password": password }),
            )
            .await;
        assert_eq!(status, 422, "{password}: {body}");
        assert_eq!(body["error"]["details"][0]["field"], "password");
        assert!(
            body["error"]["details"][0]["message"]
                .as_str()
                .unwrap()
                .contains(reason),
            "{body}"
        );
    }
    // Without a password one is generated and shown once.
    let (status, body) = app
        .post(
            "/api/v1/users",
            &json!({ "email": "NewUser@Leadgen.test", "role": "viewer" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["user"]["email"], "newuser@leadgen.test");
    let generated = token(&body, "generated_password");
    let (status, body) = app
        .post(
            "/api/v1/users",
            &json!({ "email": "newuser@leadgen.test", "role": "viewer" }),
        )
        .await;
    assert_eq!(status, 409, "{body}");

    let first = app.sign_in("newuser@leadgen.test", &generated).await;
    let second = app.sign_in("NEWUSER@leadgen.test", &generated).await;
    let change = |current: &str, new: &str| {
        bearer_client(&token(&first, "access_token"))
            .post(app.url("/api/v1/auth/password"))
            .json(&json!({ "current_password": current, "new_password": new }))
            .send()
    };
    let r = change("wrong", "a completely different sentence")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let r = change(&generated, "a completely different sentence")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(me(&app, &token(&first, "access_token")).await.0, 200);
    assert_eq!(me(&app, &token(&second, "access_token")).await.0, 401);
    app.sign_in("newuser@leadgen.test", "a completely different sentence")
        .await;
    app.cleanup().await;
}

#[tokio::test]
async fn the_command_line_creates_the_first_admin() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let run = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leadgen"))
            .args(args)
            .env("DATABASE_URL", &app.db_url)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "Ops@Leadgen.test",
            "--role",
            "admin",
        ],
        "granite otters juggle moonlight\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created ops@leadgen.test (admin)"));
    let signed_in = app
        .sign_in("ops@leadgen.test", "granite otters juggle moonlight")
        .await;
    assert_eq!(signed_in["user"]["role"], "admin");

    // Bad input is named, and nothing is written.
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "x@leadgen.test",
            "--role",
            "root",
        ],
        "granite otters juggle moonlight\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--role"));
    let out = run(
        &[
            "user",
            "create",
            "--email",
            "x@leadgen.test",
            "--role",
            "viewer",
        ],
        "letmein\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12"));
    let out = run(
        &["user", "create", "--email", ADMIN_EMAIL, "--role", "viewer"],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 2);
    app.cleanup().await;
}
