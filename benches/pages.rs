//! The dashboard's lead pages with many leads: seeds `LEADGEN_BENCH_LEADS` leads (default
//! 100,000: discovered companies and inbound people), serves the API in this process, signs in
//! through the sign-in page, then requests each page `LEADGEN_BENCH_REQUESTS` times (default
//! 200, one at a time after 20 to warm up) and prints p50, p95 and max server time as the client
//! sees it, and the page weight; then full loads of the list in headless Chromium (with its
//! stylesheet and script) when chromedriver is installed.
//!
//! Run: `cargo bench --bench pages` (PostgreSQL on 127.0.0.1:5432, or
//! `LEADGEN_TEST_DATABASE_URL`).

use leadgen_core::Config;
use std::time::{Duration, Instant};

fn server_url() -> String {
    std::env::var("LEADGEN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn drop_database(name: &str) {
    let url = format!("{}/postgres", server_url());
    if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await {
        let c: &mut sqlx::PgConnection = &mut c;
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(c).await;
    }
}

/// Companies with discovered leads, and one inbound person per ten, in bulk.
async fn seed(pool: &sqlx::PgPool, n: u64) -> anyhow::Result<()> {
    let companies = n * 9 / 10;
    let people = n - companies;
    let sql = format!(
        "INSERT INTO companies (id, name, dedup_key, domain, website, industry, city, country)
         SELECT gen_random_uuid(),
                (ARRAY['Acme','Orbit','Cedar','Northern','Lone Star','Harbor'])[1 + g % 6]
                    || ' ' || (ARRAY['Dental','Software','Law','Bakery','Studio'])[1 + g % 5]
                    || ' ' || g,
                'bench:' || g, 'c' || g || '.test', 'http://c' || g || '.test/',
                (ARRAY['dentist','software','law firm','restaurant','architect'])[1 + g % 5],
                (ARRAY['Austin','Berlin','London','Denver'])[1 + g % 4], 'US'
         FROM generate_series(1, {companies}) g;
         INSERT INTO leads (id, origin, status, company_id, lead_score, created_at, updated_at)
         SELECT gen_random_uuid(), 'discovered',
                (ARRAY['PENDING','REACHED_OUT','QUALIFIED','CONVERTED','DISQUALIFIED'])[1 + (random() * 4)::int],
                c.id, (random() * 100)::int,
                now() - random() * interval '700 days', now() - random() * interval '30 days'
         FROM companies c;
         INSERT INTO leads (id, origin, status, first_name, last_name, email, created_at, updated_at)
         SELECT gen_random_uuid(), 'inbound', 'PENDING',
                (ARRAY['Ann','Bob','Cara','Dev','Eli','Fay'])[1 + g % 6],
                (ARRAY['Lee','Stone','Diaz','Kim','Ng','Roy'])[1 + g % 6] || g,
                'person' || g || '@example.com',
                now() - random() * interval '700 days', now() - random() * interval '30 days'
         FROM generate_series(1, {people}) g;
         ANALYZE;"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(pool)
        .await?;
    Ok(())
}

/// Full page loads of `/leads` in headless Chromium (navigation start to the load event, with
/// the stylesheet and script), 20 after 3 to warm up; p50 and p95 in ms.
async fn browser_loads(base: &str, credentials: (&str, &str)) -> anyhow::Result<serde_json::Value> {
    let Some(driver) = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        eprintln!("pages bench: no chromedriver, browser loads not measured");
        return Ok(serde_json::Value::Null);
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut child = std::process::Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        anyhow::ensure!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut caps = fantoccini::wd::Capabilities::new();
    caps.insert("browserName".into(), serde_json::json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                     "--disable-dev-shm-usage", "--window-size=1280,900"] }),
    );
    let client =
        fantoccini::ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
    // Signed in through the sign-in page, as a person would.
    client.goto(&format!("{base}/login")).await?;
    let (email, password) = credentials;
    client
        .find(fantoccini::Locator::Id("email"))
        .await?
        .send_keys(email)
        .await?;
    client
        .find(fantoccini::Locator::Id("password"))
        .await?
        .send_keys(password)
        .await?;
    client
        .find(fantoccini::Locator::Css("main form button[type=submit]"))
        .await?
        .click()
        .await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.current_url().await?.path() != "/leads" {
        anyhow::ensure!(Instant::now() < deadline, "the browser did not sign in");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut loads = Vec::new();
    for i in 0..23 {
        client.goto(&format!("{base}/leads")).await?;
        let ms = client
            .execute(
                "const n = performance.getEntriesByType('navigation')[0]; \
                 return n.loadEventEnd - n.startTime;",
                vec![],
            )
            .await?
            .as_f64()
            .unwrap_or(f64::NAN);
        if i >= 3 {
            loads.push(ms);
        }
    }
    let _ = client.close().await;
    let _ = child.kill();
    let _ = child.wait();
    loads.sort_by(f64::total_cmp);
    let at = |p: f64| loads[((loads.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{:<30} {:>9.1} {:>9.1} {:>9.1} {:>10}",
        "/leads, full load in Chromium",
        at(0.5),
        at(0.95),
        loads[loads.len() - 1],
        "-"
    );
    Ok(serde_json::json!({ "p50_ms": at(0.5), "p95_ms": at(0.95) }))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let n = env_num("LEADGEN_BENCH_LEADS", 100_000);
    let requests = env_num("LEADGEN_BENCH_REQUESTS", 200) as usize;
    let name = format!("leadgen_bench_{}", uuid::Uuid::new_v4().simple());
    let db_url = leadgen::postgres::ensure_database(&server_url(), &name).await?;
    let result = run(&db_url, n, requests).await;
    drop_database(&name).await;
    result
}

async fn run(db_url: &str, n: u64, requests: usize) -> anyhow::Result<()> {
    let pool = leadgen_core::db::connect(db_url, 20).await?;
    leadgen::cli::migrate(&pool).await?;
    let t = Instant::now();
    seed(&pool, n).await?;
    eprintln!(
        "pages bench: seeded {n} leads in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let mut cfg = Config::from_lookup(|_| None)?;
    cfg.database_url = Some(db_url.to_string());
    cfg.bind = "127.0.0.1:0".parse()?;
    cfg.security.rate_limits = leadgen_core::config::RateLimits::parse(
        "auth=100000/min,read=1000000/min,write=100000/min",
    )
    .map_err(anyhow::Error::msg)?;
    let files = std::env::temp_dir().join(format!("leadgen-bench-files-{}", uuid::Uuid::new_v4()));
    cfg.intake.files_url = Some(format!("file://{}", files.display()));
    cfg.intake.files_key = Some([1; 32]);
    let password = leadgen::accounts::demo_admin(&pool, "bench@leadgen.test").await?;
    let server = leadgen_api::Server::bind(
        cfg.bind,
        leadgen::cli::api_state(cfg.clone(), pool.clone())?,
    )
    .await?;
    let base = format!("http://{}", server.addr());
    let (stop, mut rx) = tokio::sync::watch::channel(false);
    let api = tokio::spawn(server.run(async move {
        let _ = rx.wait_for(|s| *s).await;
    }));

    // Sign in through the page, keeping its cookies.
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = http
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("email", "bench@leadgen.test")
                .append_pair("password", &password)
                .finish(),
        )
        .send()
        .await?;
    anyhow::ensure!(r.status().as_u16() == 303, "sign-in failed: {}", r.status());
    let cookies = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_string))
        .collect::<Vec<_>>()
        .join("; ");

    let some_lead: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM leads ORDER BY lead_score DESC LIMIT 1")
            .fetch_one(&pool)
            .await?;
    let pages = [
        ("lead list, best first".to_string(), "/leads".to_string()),
        (
            "search by name".into(),
            "/leads?q=orbit+software+1234".into(),
        ),
        (
            "search by email".into(),
            "/leads?q=person77%40example.com".into(),
        ),
        (
            "status filter, newest first".into(),
            "/leads?status=QUALIFIED&sort=created".into(),
        ),
        ("page 200".into(), "/leads?page=200".into()),
        ("lead page".into(), format!("/leads/{some_lead}")),
    ];
    println!(
        "\n{:<30} {:>9} {:>9} {:>9} {:>10}",
        "page", "p50 ms", "p95 ms", "max ms", "bytes"
    );
    let mut json = Vec::new();
    for (what, path) in &pages {
        let mut times = Vec::with_capacity(requests);
        let mut bytes = 0;
        for i in 0..(requests + 20) {
            let t = Instant::now();
            let r = http
                .get(format!("{base}{path}"))
                .header("cookie", &cookies)
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "{path}: {}", r.status());
            bytes = r.bytes().await?.len();
            if i >= 20 {
                times.push(t.elapsed());
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (p50, p95, max) = (
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95)),
            ms(*times.last().unwrap()),
        );
        println!("{what:<30} {p50:>9.1} {p95:>9.1} {max:>9.1} {bytes:>10}");
        json.push(serde_json::json!({ "page": what, "path": path, "p50_ms": p50, "p95_ms": p95, "max_ms": max, "bytes": bytes }));
    }
    let browser = browser_loads(&base, ("bench@leadgen.test", &password)).await?;
    println!(
        "{}",
        serde_json::json!({ "bench": "pages", "leads": n, "requests": requests, "pages": json,
                            "browser_load_ms": browser })
    );
    let _ = stop.send(true);
    let _ = api.await;
    let _ = std::fs::remove_dir_all(&files);
    Ok(())
}
