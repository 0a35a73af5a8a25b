//! The permission matrix, every role and key scope against every endpoint, plus anonymous,
//! invalid and revoked credentials; and API keys: shown once, stored hashed, scoped, owned.

mod common;

use common::{Spawn, TestApp, bearer_client};
use reqwest::Method;
use serde_json::{Value, json};

/// One endpoint, called so that an allowed caller gets a non-auth answer without changing
/// anything that matters (an unknown id, or a value refused after the permission check).
struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
    /// The permission it needs; `None`: any authenticated caller.
    needs: Option<&'static str>,
}

fn calls() -> Vec<Call> {
    let unknown = uuid::Uuid::now_v7();
    let c = |method: Method, path: &str, body: Option<Value>, needs: Option<&'static str>| Call {
        method,
        path: path.to_string(),
        body,
        needs,
    };
    vec![
        c(Method::GET, "/api/v1/leads", None, Some("leads:read")),
        c(
            Method::GET,
            &format!("/api/v1/leads/{unknown}"),
            None,
            Some("leads:read"),
        ),
        c(
            Method::GET,
            &format!("/api/v1/scrape/status/{unknown}"),
            None,
            Some("searches:read"),
        ),
        c(
            Method::POST,
            "/api/v1/scrape/search",
            Some(json!({ "industry": "dentist", "location": "Austin", "max_results": 1 })),
            Some("searches:run"),
        ),
        c(Method::GET, "/api/v1/export/csv", None, Some("export")),
        c(
            Method::GET,
            "/api/v1/analytics/summary",
            None,
            Some("analytics"),
        ),
        c(Method::GET, "/api/v1/users", None, Some("users:manage")),
        c(
            Method::GET,
            &format!("/api/v1/users/{unknown}"),
            None,
            Some("users:manage"),
        ),
        c(
            Method::POST,
            "/api/v1/users",
            Some(json!({ "email": "not-an-email", "role": "viewer" })),
            Some("users:manage"),
        ),
        c(
            Method::PATCH,
            &format!("/api/v1/users/{unknown}"),
            Some(json!({ "display_name": "x" })),
            Some("users:manage"),
        ),
        c(
            Method::GET,
            "/api/v1/api-keys",
            None,
            Some("api_keys:manage"),
        ),
        c(
            Method::POST,
            "/api/v1/api-keys",
            Some(json!({ "name": "", "scope": "read" })),
            Some("api_keys:manage"),
        ),
        c(
            Method::DELETE,
            &format!("/api/v1/api-keys/{unknown}"),
            None,
            Some("api_keys:manage"),
        ),
        c(Method::GET, "/api/v1/audit", None, Some("audit:read")),
        c(
            Method::GET,
            "/api/v1/privacy/suppressions",
            None,
            Some("privacy:manage"),
        ),
        c(
            Method::POST,
            "/api/v1/privacy/erase",
            Some(json!({ "email": "not-an-email" })),
            Some("privacy:manage"),
        ),
        c(Method::GET, "/api/v1/auth/me", None, None),
    ]
}

/// What each caller may do, as the README's matrix says.
fn allowed(caller: &str, permission: &str) -> bool {
    let role = match caller {
        "admin" => return true,
        "manager" => &[
            "leads:read",
            "leads:work",
            "searches:read",
            "searches:run",
            "export",
            "analytics",
            "api_keys:manage",
        ][..],
        "agent" => &["leads:read", "leads:work"][..],
        "viewer" => &["leads:read", "searches:read", "analytics"][..],
        "key:read" => &["leads:read", "searches:read", "export", "analytics"][..],
        "key:write" => &[
            "leads:read",
            "leads:work",
            "searches:read",
            "searches:run",
            "export",
            "analytics",
        ][..],
        other => panic!("unknown caller {other}"),
    };
    role.contains(&permission)
}

async fn call(http: &reqwest::Client, app: &TestApp, c: &Call) -> (u16, Value) {
    let mut r = http.request(c.method.clone(), app.url(&c.path));
    if let Some(b) = &c.body {
        r = r.json(b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let body = if c.path.ends_with("/csv") && status == 200 {
        Value::Null
    } else {
        r.json().await.unwrap_or(Value::Null)
    };
    (status, body)
}

async fn new_key(http: &reqwest::Client, app: &TestApp, scope: &str) -> Value {
    let r = http
        .post(app.url("/api/v1/api-keys"))
        .json(&json!({ "name": format!("{scope} key"), "scope": scope }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.json().await.unwrap()
}

#[tokio::test]
async fn every_role_and_key_scope_gets_exactly_what_the_matrix_allows() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let manager = app.client_as("manager").await;
    let read_key = new_key(&manager, &app, "read").await["key"]
        .as_str()
        .unwrap()
        .to_string();
    let write_key = new_key(&manager, &app, "write").await["key"]
        .as_str()
        .unwrap()
        .to_string();
    // Keys go as a bearer token or in X-API-Key; both are tried.
    let mut header = reqwest::header::HeaderMap::new();
    header.insert("x-api-key", write_key.parse().unwrap());
    let write_key_header = reqwest::Client::builder()
        .no_proxy()
        .default_headers(header)
        .build()
        .unwrap();
    let callers: Vec<(&str, reqwest::Client)> = vec![
        ("admin", app.http.clone()),
        ("manager", manager),
        ("agent", app.client_as("agent").await),
        ("viewer", app.client_as("viewer").await),
        ("key:read", bearer_client(&read_key)),
        ("key:write", write_key_header),
    ];
    let mut checked = 0;
    for c in calls() {
        for (who, http) in &callers {
            let (status, body) = call(http, &app, &c).await;
            let expect_allowed = c.needs.is_none_or(|p| allowed(who, p));
            if expect_allowed {
                assert!(
                    ![401, 403].contains(&status) && status < 500,
                    "{who} {} {}: {status} {body}",
                    c.method,
                    c.path
                );
            } else {
                assert_eq!(status, 403, "{who} {} {}: {body}", c.method, c.path);
                assert_eq!(body["error"]["code"], "forbidden");
                let needs = c.needs.unwrap();
                assert!(
                    body["error"]["message"].as_str().unwrap().contains(needs),
                    "{body}"
                );
            }
            checked += 1;
        }
        // Anonymous and bad credentials never get in.
        for (who, http) in [
            ("anonymous", app.anon.clone()),
            ("garbage token", bearer_client("not.a.jwt")),
            (
                "unknown key",
                bearer_client("lgk_0000000000000000000000000000000000000000000"),
            ),
        ] {
            let (status, body) = call(&http, &app, &c).await;
            assert_eq!(status, 401, "{who} {} {}: {body}", c.method, c.path);
            assert_eq!(body["error"]["code"], "unauthorized");
        }
    }
    assert_eq!(checked, calls().len() * 6);

    // Health, sign-in and the API document need nothing.
    for path in ["/api/v1/health", "/api/v1/openapi.json"] {
        let r = app.anon.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200, "{path}");
    }

    // The live job WebSocket: 401 anonymous, 403 without searches:read, else the job lookup.
    let ws = app.base.replace("http://", "ws://");
    let job = uuid::Uuid::now_v7();
    let agent_token = {
        let (email, password) = app.create_user("agent").await;
        app.sign_in(&email, &password).await["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for (query, expected) in [
        (String::new(), 401),
        (format!("?access_token={agent_token}"), 403),
        (format!("?access_token={read_key}"), 404),
    ] {
        let url = format!("{ws}/api/v1/ws/jobs/{job}{query}");
        match tokio_tungstenite::connect_async(&url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
                assert_eq!(r.status().as_u16(), expected, "{query}")
            }
            other => panic!("{query}: expected HTTP {expected}, got {other:?}"),
        }
    }

    // Refusals are audited with the permission that was missing.
    let (_, audit) = app
        .get("/api/v1/audit?action=access.denied&limit=500")
        .await;
    let entries = audit["entries"].as_array().unwrap();
    assert!(entries.len() >= 20, "{}", entries.len());
    assert!(
        entries
            .iter()
            .any(|e| e["detail"]["permission"] == "users:manage" && e["actor_type"] == "api_key")
    );
    app.cleanup().await;
}

#[tokio::test]
async fn api_keys_are_shown_once_stored_hashed_scoped_and_owned() {
    let app = TestApp::spawn_with(Spawn {
        workers: false,
        ..Default::default()
    })
    .await;
    let alice = app.client_as("manager").await;
    let bob = app.client_as("manager").await;
    let created = new_key(&alice, &app, "read").await;
    let key = created["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("lgk_") && key.len() == 47, "{key}");
    assert_eq!(created["api_key"]["prefix"], &key[..10]);
    assert_eq!(created["api_key"]["scope"], "read");
    let id = created["api_key"]["id"].as_str().unwrap().to_string();

    // Only a digest is stored.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT key_hash FROM api_keys WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32);
    let dump: String = sqlx::query_scalar("SELECT row_to_json(k)::text FROM api_keys k")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!dump.contains(&key[4..]), "the key is stored in clear");

    // It authenticates, as itself, within its scope; its use is recorded.
    let as_key = bearer_client(&key);
    let me: Value = as_key
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["kind"], "api_key");
    assert_eq!(me["scope"], "read");
    assert_eq!(me["role"], "manager");
    let r = as_key
        .post(app.url("/api/v1/scrape/search"))
        .json(&json!({ "industry": "dentist", "location": "Austin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let listed: Value = alice
        .get(app.url("/api/v1/api-keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["api_keys"].as_array().unwrap().len(), 1);
    assert!(
        listed["api_keys"][0]["last_used_at"].is_string(),
        "{listed}"
    );
    assert!(!listed.to_string().contains(&key[10..]));

    // Another manager neither sees nor revokes it; the admin sees everyone's.
    let theirs: Value = bob
        .get(app.url("/api/v1/api-keys"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["api_keys"].as_array().unwrap().len(), 0);
    let r = bob
        .delete(app.url(&format!("/api/v1/api-keys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let (_, all) = app.get("/api/v1/api-keys").await;
    assert_eq!(all["api_keys"].as_array().unwrap().len(), 1);

    // A key never exceeds its creator: demoted to viewer, the creator's write key cannot start
    // searches any more.
    let write = new_key(&alice, &app, "write").await;
    let write_key = bearer_client(write["key"].as_str().unwrap());
    let alice_id = write["api_key"]["created_by"].as_str().unwrap();
    let r = app
        .http
        .patch(app.url(&format!("/api/v1/users/{alice_id}")))
        .json(&json!({ "role": "viewer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = write_key
        .post(app.url("/api/v1/scrape/search"))
        .json(&json!({ "industry": "dentist", "location": "Austin" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);

    // Revoked, it stops at once.
    let r = app
        .http
        .delete(app.url(&format!("/api/v1/api-keys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    let r = as_key.get(app.url("/api/v1/leads")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("revoked")
    );
    let (_, audit) = app.get("/api/v1/audit?action=api_key.revoke").await;
    assert_eq!(audit["entries"][0]["target_id"], id.as_str());
    app.cleanup().await;
}
