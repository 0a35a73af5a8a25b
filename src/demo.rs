//! `leadgen demo`: one command that migrates a database, serves the sample web, starts the API
//! and the workers in this process, runs a sample search with a live progress bar, prints the
//! top leads, writes a CSV and keeps serving (or exits with `--once`).

use crate::sample_web::SampleWebServer;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use leadgen_core::Config;
use leadgen_core::sample_web::{SampleWeb, SampleWebOptions};
use serde_json::{Value, json};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

/// Options of the demo.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Exit 0 after printing the results instead of serving on.
    #[arg(long)]
    pub once: bool,
    /// Industry to search for.
    #[arg(long, default_value = "dentist")]
    pub industry: String,
    /// Location to search in.
    #[arg(long, default_value = "Austin")]
    pub location: String,
    /// Companies to find at most.
    #[arg(long, default_value_t = 25)]
    pub max_results: u32,
    /// Companies in the sample web.
    #[arg(long, default_value_t = 200)]
    pub companies: usize,
}

/// Runs the demo.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let mut cfg = Config::from_env()?;
    crate::telemetry::init(cfg.json_logs, "warn");
    let (db_url, _cluster) = crate::postgres::demo_database("leadgen_demo").await?;
    cfg.database_url = Some(db_url.clone());
    let web = SampleWeb::generate(SampleWebOptions {
        companies: args.companies,
        ..SampleWebOptions::default()
    });
    let sample = SampleWebServer::start(web, "127.0.0.1:0".parse()?).await?;
    cfg.crawl.proxy = Some(sample.proxy_url());
    cfg.email_dns.servers = Some(vec![sample.dns_addr()]);
    // The sample web's proxy listens on loopback.
    cfg.crawl.allow_private_networks = true;
    // One API process: a signing key made for this run is enough.
    if cfg.security.jwt_secret.is_none() {
        cfg.security.jwt_secret = Some(leadgen_core::access::secret::new_token()?);
    }
    // Every source, each answered by the sample web: its directory, map and places services.
    cfg.sources = SampleWeb::sources_config();
    if cfg.webdriver_url.is_none() && cfg.chromedriver.is_none() {
        cfg.chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
            .iter()
            .find(|p| std::path::Path::new(p).exists())
            .map(|p| p.to_string());
    }
    match &cfg.chromedriver {
        Some(p) => println!("browser:    {p} (renders JavaScript-only sites)"),
        None if cfg.webdriver_url.is_none() => {
            println!("browser:    none found; JavaScript-only sites are read as static HTML")
        }
        None => {}
    }
    println!("database:   {}", redact(&db_url));
    println!(
        "sample web: {} (HTTP proxy for *.test sites)",
        sample.proxy_url()
    );

    let pool = leadgen_core::db::connect(&db_url, 30)
        .await
        .context("connecting to the demo database")?;
    crate::cli::migrate(&pool).await?;

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let ctx = Arc::new(leadgen_worker::Ctx::new(cfg.clone(), pool.clone())?);
    let workers = tokio::spawn({
        let rx = stop_rx.clone();
        async move { leadgen_worker::run(ctx, &leadgen_worker::default_stages(), stopped(rx)).await }
    });
    let server =
        leadgen_api::Server::bind(cfg.bind, crate::cli::api_state(cfg.clone(), pool.clone())?)
            .await
            .with_context(|| {
                format!(
                    "binding the API to {} (set LEADGEN_BIND to use another address)",
                    cfg.bind
                )
            })?;
    let base = format!("http://{}", server.addr());
    let api = tokio::spawn(server.run(stopped(stop_rx.clone())));
    let password = crate::accounts::demo_admin(&pool, DEMO_ADMIN).await?;
    println!("API:        {base}/api/v1   Swagger UI: {base}/docs");
    println!("dashboard:  {base}/   public form: {base}/apply");
    println!("sign in:    {DEMO_ADMIN} / {password}  (POST {base}/api/v1/auth/login)\n");

    let result = run_search(&base, &args, &password).await;
    match (&result, args.once) {
        (Err(_), _) | (Ok(()), true) => {}
        (Ok(()), false) => {
            println!("\nServing. API: {base}/api/v1  Swagger UI: {base}/docs  (Ctrl-C to stop)");
            crate::cli::shutdown_signal().await;
        }
    }
    let _ = stop_tx.send(true);
    let _ = api.await;
    let _ = workers.await;
    sample.shutdown().await;
    result
}

/// The demo's admin account.
pub const DEMO_ADMIN: &str = "admin@leadgen.test";

async fn run_search(base: &str, args: &DemoArgs, password: &str) -> anyhow::Result<()> {
    let signed_in: Value = reqwest::Client::builder()
        .no_proxy()
        .build()?
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": DEMO_ADMIN, "password": password }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = signed_in["access_token"]
        .as_str()
        .context("no access token in the sign-in answer")?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {token}").parse()?,
    );
    let http = reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .build()?;
    let started: Value = http
        .post(format!("{base}/api/v1/scrape/search"))
        .json(&json!({ "industry": args.industry, "location": args.location, "max_results": args.max_results }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let job = started["job_id"]
        .as_str()
        .context("no job id in the answer")?
        .to_string();
    println!(
        "search {job}: {} in {}, up to {} companies",
        args.industry, args.location, args.max_results
    );
    let tty = std::io::stdout().is_terminal();
    let bar = if tty {
        ProgressBar::new(100)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40.cyan/blue} {pos:>3}% {msg}")
            .expect("static template"),
    );
    let mut last_line = String::new();
    let status = loop {
        let s: Value = http
            .get(format!("{base}/api/v1/scrape/status/{job}"))
            .send()
            .await?
            .json()
            .await?;
        let p = s["progress"].as_u64().unwrap_or(0);
        let msg = format!(
            "{} — {} found, {} processed, {} remaining",
            s["current_step"].as_str().unwrap_or(""),
            s["results_count"],
            s["processed_count"],
            s["remaining_count"]
        );
        if tty {
            bar.set_position(p);
            bar.set_message(msg.clone());
        } else if msg != last_line {
            println!("progress {p:>3}% {msg}");
            last_line = msg;
        }
        if matches!(s["status"].as_str(), Some("completed" | "failed")) {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    bar.finish_and_clear();
    anyhow::ensure!(
        status["status"] == "completed",
        "search failed: {}",
        status["error"]
    );
    let summary = &status["processing_summary"];
    println!(
        "completed in {}s: {} leads ({} hot, {} warm, {} cold), {} companies processed, {} errors",
        summary["processing_time_seconds"],
        status["results_count"],
        summary["high_quality_leads"],
        summary["medium_quality_leads"],
        summary["low_quality_leads"],
        summary["total_processed"],
        status["errors"].as_array().map(Vec::len).unwrap_or(0)
    );
    let leads: Value = http
        .get(format!("{base}/api/v1/leads?job_id={job}&limit=10"))
        .send()
        .await?
        .json()
        .await?;
    println!(
        "\n{:<4} {:<34} {:<6} {:<16} {:<30}",
        "#", "company", "score", "phone/contacts", "website"
    );
    for (i, l) in leads["leads"].as_array().into_iter().flatten().enumerate() {
        println!(
            "{:<4} {:<34} {:<6} {:<16} {:<30}",
            i + 1,
            truncate(l["company"]["name"].as_str().unwrap_or("?"), 33),
            l["lead_score"],
            format!("{} contacts", l["contact_count"]),
            truncate(l["company"]["website"].as_str().unwrap_or("-"), 30),
        );
    }
    let csv = http
        .get(format!("{base}/api/v1/export/csv?job_id={job}"))
        .send()
        .await?
        .bytes()
        .await?;
    let path = format!("leads_{}.csv", chrono::Utc::now().format("%Y-%m-%d"));
    std::fs::write(&path, &csv).with_context(|| format!("writing {path}"))?;
    println!(
        "\nCSV written to {path} ({} rows)",
        csv.iter()
            .filter(|b| **b == b'\n')
            .count()
            .saturating_sub(1)
    );
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}
