//! Test harness: every test gets its own database, its own sample web and its own API and
//! workers on free ports. Waiting is done by polling with a deadline, never by sleeping blind.

#![allow(dead_code)]

pub mod https_site;

use leadgen::sample_web::SampleWebServer;
use leadgen_core::Config;
use leadgen_core::sample_web::{SampleWeb, SampleWebOptions};
use serde_json::Value;
use std::collections::HashMap;
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
    /// HTTP client (no proxy) signed in as the test admin ([`ADMIN_EMAIL`]).
    pub http: reqwest::Client,
    /// HTTP client (no proxy) without credentials.
    pub anon: reqwest::Client,
    /// The admin's access token.
    pub admin_token: String,
    /// Where uploaded files are stored (sealed).
    pub files_dir: std::path::PathBuf,
    /// Where emails go when no SMTP server is configured.
    pub mail_dir: std::path::PathBuf,
    stop: watch::Sender<bool>,
}

/// The admin every test system has.
pub const ADMIN_EMAIL: &str = "admin@leadgen.test";
/// Its password.
pub const ADMIN_PASSWORD: &str = "orbiting lobster quietly admires tea";

/// Options of [`TestApp::spawn_with`].
pub struct Spawn {
    /// Run workers in this process.
    pub workers: bool,
    /// Discovery sources (default: the sample web's directory alone, services 20 ms apart;
    /// [`SampleWeb::sources_config`] has them all).
    pub sources: Option<leadgen_core::config::SourcesConfig>,
    /// Companies in the sample web.
    pub companies: usize,
    /// Render JavaScript-only pages with the machine's chromedriver.
    pub browser: bool,
    /// SMTP server URL; staff (`staff@leadgen.test`) are told of completed searches through it.
    pub smtp_url: Option<String>,
    /// Attempts of a stage job before it is given up (default: the product's default).
    pub max_attempts: Option<u32>,
    /// The API judges sessions by this clock (default: the system clock).
    pub clock: Option<Arc<leadgen_core::access::ManualClock>>,
    /// The ClamAV daemon to scan uploads with (`tcp://…`).
    pub clamav: Option<String>,
    /// Changes the configuration last (e.g. tighter rate limits). By default tests get rate
    /// limits far above what they send.
    pub configure: Option<fn(&mut Config)>,
    /// The Postgres server to make the test database on (default: [`server_url`]).
    pub server: Option<String>,
    /// A streaming replica of `server`: the API sends its read-only queries there.
    pub replica: Option<String>,
}

impl Default for Spawn {
    fn default() -> Self {
        Self {
            workers: true,
            sources: None,
            companies: 120,
            browser: false,
            smtp_url: None,
            max_attempts: None,
            clock: None,
            configure: None,
            clamav: None,
            server: None,
            replica: None,
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
        let server = opts.server.clone().unwrap_or_else(server_url);
        let db_url = leadgen::postgres::ensure_database(&server, &name)
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
        cfg.email_dns.servers = Some(vec![web.dns_addr()]);
        // The sample web's proxy listens on loopback.
        cfg.crawl.allow_private_networks = true;
        cfg.crawl.host_delay = Duration::from_millis(100);
        cfg.crawl.timeout = Duration::from_secs(5);
        cfg.sources = opts
            .sources
            .unwrap_or_else(|| leadgen_core::config::SourcesConfig {
                directories: vec![SampleWeb::directory_source()],
                ..Default::default()
            });
        for gap in cfg.sources.intervals.values_mut() {
            *gap = Duration::from_millis(20);
        }
        if let Some(url) = opts.smtp_url {
            cfg.mail.smtp_url = Some(url);
            cfg.mail.from = "Leadgen <leadgen@leadgen.test>".into();
            cfg.mail.notify_to = vec![STAFF_EMAIL.into()];
        }
        if let Some(n) = opts.max_attempts {
            cfg.max_attempts = n;
        }
        cfg.security.rate_limits = leadgen_core::config::RateLimits::parse(
            "auth=10000/min,public=10000/min,read=100000/min,write=100000/min,export=10000/min",
        )
        .unwrap();
        let scratch = std::env::temp_dir().join(format!("leadgen-test-{}", uuid::Uuid::new_v4()));
        let (files_dir, mail_dir) = (scratch.join("files"), scratch.join("mail"));
        cfg.intake.files_url = Some(format!("file://{}", files_dir.display()));
        cfg.intake.files_key = Some([7; 32]);
        cfg.mail.mail_dir = mail_dir.clone();
        if let Some(c) = opts.clamav {
            cfg.intake.clamav = Some(leadgen_core::config::ClamAv::Tcp(
                c.trim_start_matches("tcp://").to_string(),
            ));
        }
        if let Some(f) = opts.configure {
            f(&mut cfg);
        }
        leadgen::accounts::create(
            &pool,
            ADMIN_EMAIL,
            "admin",
            "Test Admin",
            Some(ADMIN_PASSWORD.into()),
        )
        .await
        .expect("create the test admin");
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
        let mut state = leadgen::cli::api_state(cfg.clone(), pool.clone()).expect("API state");
        if let Some(clock) = opts.clock {
            state = state.with_clock(clock);
        }
        if let Some(replica) = &opts.replica {
            // The new database reaches the replica with the primary's WAL, a moment later.
            let url = format!("{replica}/{name}");
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            let read = loop {
                match leadgen_core::db::connect(&url, 10).await {
                    Ok(p) => break p,
                    Err(e) if std::time::Instant::now() > deadline => panic!("replica: {e}"),
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            };
            state = state.with_read_pool(read);
        }
        let server = leadgen_api::Server::bind(cfg.bind, state)
            .await
            .expect("bind API");
        let base = format!("http://{}", server.addr());
        tokio::spawn(server.run(stopped(rx)));
        let anon = reqwest::Client::builder().no_proxy().build().unwrap();
        let admin_token = sign_in(&anon, &base, ADMIN_EMAIL, ADMIN_PASSWORD).await["access_token"]
            .as_str()
            .expect("the test admin signs in")
            .to_string();
        let http = bearer_client(&admin_token);
        TestApp {
            base,
            pool,
            db_url,
            web,
            cfg,
            http,
            anon,
            admin_token,
            files_dir,
            mail_dir,
            stop,
        }
    }

    /// `{base}{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Creates an account with `role` through the admin API; returns its email and password.
    pub async fn create_user(&self, role: &str) -> (String, String) {
        let email = format!("{role}-{}@leadgen.test", uuid::Uuid::new_v4().simple());
        let password = format!("{role} walks the {} quiet harbour", &email[..12]);
        let (status, body) = self
            .post(
                "/api/v1/users",
                &serde_json::json!({ "email": email, "role": role, "password": password }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (email, password)
    }

    /// Signs in; the whole token answer.
    pub async fn sign_in(&self, email: &str, password: &str) -> Value {
        sign_in(&self.anon, &self.base, email, password).await
    }

    /// An HTTP client signed in as a new account with `role`.
    pub async fn client_as(&self, role: &str) -> reqwest::Client {
        let (email, password) = self.create_user(role).await;
        let token = self.sign_in(&email, &password).await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        bearer_client(&token)
    }

    /// Submits the public lead form; returns status and body.
    pub async fn submit_form(
        &self,
        fields: &[(&str, &str)],
        resume: Option<(&str, Vec<u8>)>,
    ) -> (u16, Value) {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        if let Some((name, bytes)) = resume {
            form = form.part(
                "resume",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name.to_string())
                    .mime_str("application/octet-stream")
                    .unwrap(),
            );
        }
        let r = self
            .anon
            .post(self.url("/api/v1/leads"))
            .multipart(form)
            .send()
            .await
            .expect("POST /leads");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
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

    /// GET a text body (a CSV export) as the admin; panics unless it answers 200.
    pub async fn get_text(&self, path: &str) -> String {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), 200, "GET {path}");
        r.text().await.expect("text body")
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

    /// Starts a search of the sample web's busiest (industry, city) for at most `max_results`
    /// companies; returns its job id.
    pub async fn search_busiest(&self, max_results: u32) -> String {
        let (industry, city, _) = busiest_segment(self);
        let (st, body) = self
            .post(
                "/api/v1/scrape/search",
                &serde_json::json!({"industry": industry, "location": city, "max_results": max_results}),
            )
            .await;
        assert_eq!(st, 200, "{body}");
        body["job_id"].as_str().unwrap().to_string()
    }

    /// Companies of search `job` processed so far.
    pub async fn processed(&self, job: &str) -> i32 {
        sqlx::query_scalar("SELECT processed_count FROM search_jobs WHERE id = $1::uuid")
            .bind(job)
            .fetch_one(&self.pool)
            .await
            .unwrap()
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
        let server = self.db_url.rsplit_once('/').map_or("", |(s, _)| s);
        drop_database_on(server, &name).await;
    }
}

/// Drops a test database.
pub async fn drop_database(name: &str) {
    drop_database_on(&server_url(), name).await
}

/// Drops a test database on the server at `server`.
pub async fn drop_database_on(server: &str, name: &str) {
    let url = format!("{server}/postgres");
    if let Ok(mut c) = <sqlx::PgConnection as sqlx::Connection>::connect(&url).await {
        let c: &mut sqlx::PgConnection = &mut c;
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(c).await;
    }
}

/// Signs in through the API; panics unless it answers 200.
pub async fn sign_in(http: &reqwest::Client, base: &str, email: &str, password: &str) -> Value {
    let r = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("POST /auth/login");
    let status = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "sign-in of {email}: {body}");
    body
}

/// An HTTP client (no proxy) sending `Authorization: Bearer <token>`.
pub fn bearer_client(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .build()
        .unwrap()
}

/// An HTTP client sending every request through `gate`, as headless Chromium is configured to.
pub fn browser_through(gate: &leadgen_worker::browser_gate::BrowserGate) -> reqwest::Client {
    reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(gate.proxy_url()).unwrap())
        .build()
        .unwrap()
}

/// The (industry, city) of the sample web with the most companies, so pagination has pages.
pub fn busiest_segment(app: &TestApp) -> (String, String, usize) {
    let mut counts: HashMap<(String, String), usize> = HashMap::new();
    for c in app.web.web().ground_truth() {
        if c.duplicate_of.is_none() {
            *counts
                .entry((c.industry.clone(), c.city.clone()))
                .or_default() += 1;
        }
    }
    let ((i, c), n) = counts
        .into_iter()
        .max_by_key(|(k, n)| (*n, k.clone()))
        .unwrap();
    (i, c, n)
}

/// Asserts that no host of the sample web got more requests within any second than the per-host
/// `delay` allows (one per gap, plus the one opening the window): arrival jitter cannot fail it,
/// two clients ignoring each other's slots would.
pub fn assert_host_rate(log: &[leadgen::sample_web::RequestLogEntry], delay: Duration) {
    let mut hosts: HashMap<&str, Vec<std::time::SystemTime>> = HashMap::new();
    for e in log {
        hosts.entry(e.host.as_str()).or_default().push(e.at);
    }
    let allowed = (1000 / delay.as_millis().max(1)) as usize + 1;
    for (host, mut times) in hosts {
        times.sort();
        for (i, first) in times.iter().enumerate() {
            let n = times[i..]
                .iter()
                .take_while(|t| {
                    t.duration_since(*first).unwrap_or_default() < Duration::from_secs(1)
                })
                .count();
            assert!(
                n <= allowed,
                "{host}: {n} requests within one second (at most {allowed})"
            );
        }
    }
}

/// A real ClamAV daemon (Debian's clamav-daemon, installed by the test command) with one
/// local signature, for the EICAR test string, so no signature download is needed.
pub struct Clamd {
    /// `tcp://127.0.0.1:PORT`.
    pub url: String,
    dir: std::path::PathBuf,
    child: std::process::Child,
}

/// The EICAR anti-virus test string: harmless, detected by every scanner.
pub const EICAR: &[u8] = br"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

impl Clamd {
    /// Starts clamd on a free port and waits until it answers PING.
    pub async fn start() -> Clamd {
        let dir = std::env::temp_dir().join(format!("leadgen-clamd-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("db")).unwrap();
        let hex: String = EICAR.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::write(
            dir.join("db/eicar.ndb"),
            format!("Eicar-Test-Signature:0:*:{hex}\n"),
        )
        .unwrap();
        let port = SmtpSink::free_port();
        std::fs::write(
            dir.join("clamd.conf"),
            format!(
                "Foreground yes\nTCPSocket {port}\nTCPAddr 127.0.0.1\nDatabaseDirectory {}\n\
                 LogFile {}\nUser root\n",
                dir.join("db").display(),
                dir.join("clamd.log").display()
            ),
        )
        .unwrap();
        let child = std::process::Command::new("clamd")
            .arg("-c")
            .arg(dir.join("clamd.conf"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("clamd runs (the test command installs clamav-daemon)");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let pong = async {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .ok()?;
                s.write_all(b"zPING\0").await.ok()?;
                let mut buf = Vec::new();
                s.read_to_end(&mut buf).await.ok()?;
                Some(buf)
            }
            .await;
            if pong.as_deref() == Some(b"PONG\0") {
                break;
            }
            assert!(Instant::now() < deadline, "clamd did not start on {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Clamd {
            url: format!("tcp://127.0.0.1:{port}"),
            dir,
            child,
        }
    }

    /// Stops the daemon (the scanner becomes unreachable).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Clamd {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The staff address of test systems with mail.
pub const STAFF_EMAIL: &str = "staff@leadgen.test";

/// A real SMTP server (Python's aiosmtpd, the Debian package the test command installs) that
/// stores every message it accepts in a Maildir, for tests to read.
pub struct SmtpSink {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    dir: std::path::PathBuf,
    child: std::process::Child,
}

impl SmtpSink {
    /// A free loopback port for a sink started later.
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port")
    }

    /// Starts a sink on `port` and waits until it accepts connections.
    pub async fn start(port: u16) -> SmtpSink {
        let dir = std::env::temp_dir().join(format!("leadgen-mail-{}", uuid::Uuid::new_v4()));
        let child = std::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd runs (the test command installs python3-aiosmtpd)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "SMTP sink did not start on {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        SmtpSink { port, dir, child }
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw.
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("new")) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
            .collect()
    }

    /// Waits until at least `n` messages have arrived, or panics after `limit`.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + limit;
        loop {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "{n} email(s) not received within {limit:?} (got {})",
                m.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
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

/// A headless Chromium driven over WebDriver (Debian's chromium and chromedriver, installed by
/// the test command), for tests of the pages.
pub struct Browser {
    /// The WebDriver session.
    pub client: fantoccini::Client,
    driver: std::process::Child,
    shots: std::path::PathBuf,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless window 1280×900.
    pub async fn start(name: &str) -> Browser {
        let port = SmtpSink::free_port();
        let driver = std::process::Command::new(
            chromedriver_path().expect("chromedriver installed (the test command installs it)"),
        )
        .arg(format!("--port={port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver runs");
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut caps = fantoccini::wd::Capabilities::new();
        caps.insert("browserName".into(), serde_json::json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                         "--disable-dev-shm-usage", "--window-size=1280,900"] }),
        );
        let client = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        )
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a browser session");
        let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("screenshots")
            .join(name);
        std::fs::create_dir_all(&shots).unwrap();
        Browser {
            client,
            driver,
            shots,
        }
    }

    /// Saves a screenshot of the page as `<step>.png`, kept with the build's test files.
    pub async fn screenshot(&self, step: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(self.shots.join(format!("{step}.png")), png).unwrap();
    }

    /// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page; returns the violations.
    pub async fn axe(&self) -> Vec<Value> {
        let path = std::env::var("LEADGEN_AXE").unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
            format!("{home}/.cache/leadgen-npm/node_modules/axe-core/axe.min.js")
        });
        let source = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!("{path} is missing: the test command (bash .ci/test.sh) installs axe-core")
        });
        self.client
            .execute(&format!("{source}\nreturn true;"), vec![])
            .await
            .expect("axe-core loads");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag',
                     values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                   .then(r => done(JSON.stringify(r.violations)))
                   .catch(e => done(JSON.stringify([{ id: 'axe-error', help: String(e) }])));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        serde_json::from_str(result.as_str().unwrap_or("[]")).unwrap_or_default()
    }

    /// Fails the test with axe-core's findings, if any.
    pub async fn assert_accessible(&self, page: &str) {
        let v = self.axe().await;
        assert!(
            v.is_empty(),
            "{page}: accessibility violations: {}",
            serde_json::to_string_pretty(&v).unwrap()
        );
    }

    /// Ends the session and chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
