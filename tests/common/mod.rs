//! Test harness: every test gets its own database, its own sample web and its own API and
//! workers on free ports. Waiting is done by polling with a deadline, never by sleeping blind.

#![allow(dead_code)]

use leadgen::sample_web::SampleWebServer;
use leadgen_core::Config;
use leadgen_core::sample_web::{SampleWeb, SampleWebOptions};
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Base URL of the Postgres server tests create their databases on.
pub fn server_url() -> String {
    std::env::var("LEADGEN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A running system under test.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Pool on the test database.
    pub pool: sqlx::PgPool,
    /// URL of the test database.
    pub db_url: String,
    /// The sample web.
    pub web: SampleWebServer,
    /// Configuration the processes use.
    pub cfg: Config,
    /// HTTP client (no proxy).
    pub http: reqwest::Client,
    stop: watch::Sender<bool>,
}

/// Options of [`TestApp::spawn_with`].
pub struct Spawn {
    /// Run workers in this process.
    pub workers: bool,
    /// Directory URL template (default: the sample web's directory).
    pub directory_url: Option<String>,
    /// Companies in the sample web.
    pub companies: usize,
    /// Render JavaScript-only pages with the machine's chromedriver.
    pub browser: bool,
}

impl Default for Spawn {
    fn default() -> Self {
        Self {
            workers: true,
            directory_url: None,
            companies: 120,
            browser: false,
        }
    }
}

impl TestApp {
    /// API, workers and sample web on a fresh database.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Spawn::default()).await
    }

    /// As [`TestApp::spawn`], with options.
    pub async fn spawn_with(opts: Spawn) -> TestApp {
        let name = format!("leadgen_test_{}", uuid::Uuid::new_v4().simple());
        let db_url = leadgen::postgres::ensure_database(&server_url(), &name)
            .await
            .expect("create test database");
        let pool = leadgen_core::db::connect(&db_url, 20)
            .await
            .expect("connect test database");
        leadgen::cli::migrate(&pool).await.expect("migrate");
        let web = SampleWeb::generate(SampleWebOptions {
            companies: opts.companies,
            ..SampleWebOptions::default()
        });
        let web = SampleWebServer::start(web, "127.0.0.1:0".parse().unwrap())
            .await
            .expect("sample web");
        let mut cfg = Config::from_lookup(|_| None).expect("default config");
        cfg.database_url = Some(db_url.clone());
        cfg.bind = "127.0.0.1:0".parse().unwrap();
        cfg.crawl.proxy = Some(web.proxy_url());
        cfg.crawl.host_delay = Duration::from_millis(100);
        cfg.crawl.timeout = Duration::from_secs(5);
        cfg.directory_url = Some(opts.directory_url.unwrap_or_else(|| {
            "http://directory.test/search?industry={industry}&location={location}&page={page}"
                .into()
        }));
        if opts.browser {
            cfg.chromedriver = Some(
                chromedriver_path().expect("chromedriver installed (the test command installs it)"),
            );
        }
        let (stop, rx) = watch::channel(false);
        let stopped = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        if opts.workers {
            let ctx = Arc::new(leadgen_worker::Ctx::new(cfg.clone(), pool.clone()).unwrap());
            let rx = rx.clone();
            tokio::spawn(async move {
                leadgen_worker::run(ctx, &leadgen_worker::default_stages(), stopped(rx)).await
            });
        }
        let server =
            leadgen_api::Server::bind(cfg.bind, leadgen::cli::api_state(cfg.clone(), pool.clone()))
                .await
                .expect("bind API");
        let base = format!("http://{}", server.addr());
        tokio::spawn(server.run(stopped(rx)));
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        TestApp {
            base,
            pool,
            db_url,
            web,
            cfg,
            http,
            stop,
        }
    }

    /// GET a JSON document; returns status and body.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// POST a JSON body; returns status and body.
    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Polls the job status until it is completed or failed, or panics after `limit`.
    pub async fn wait_for_job(&self, job: &str, limit: Duration) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let (_, s) = self.get(&format!("/api/v1/scrape/status/{job}")).await;
            if matches!(s["status"].as_str(), Some("completed" | "failed")) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "job {job} did not finish within {limit:?}: {s}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Stops the API and workers and drops the test database.
    pub async fn cleanup(self) {
        let _ = self.stop.send(true);
        self.pool.close().await;
        let name = self
            .db_url
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let url = format!("{}/postgres", server_url());
        if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await {
            let c: &mut sqlx::PgConnection = &mut c;
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(c).await;
        }
    }
}

/// The chromedriver of this machine, if installed.
pub fn chromedriver_path() -> Option<String> {
    std::env::var("LEADGEN_CHROMEDRIVER").ok().or_else(|| {
        ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .iter()
            .find(|p| std::path::Path::new(p).exists())
            .map(|p| p.to_string())
    })
}
