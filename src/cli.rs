//! Subcommands: `demo`, `api`, `worker`, `migrate`, `rescore`, `dedup`, `dedup-eval`,
//! `eval-extract`, `user`, `sample-web`, `seed`, `backup`.

use anyhow::Context;
use clap::{Parser, Subcommand};
use leadgen_core::Config;
use leadgen_core::jobs::Stage;
use std::sync::Arc;

/// leadgen: discover, enrich, score and work sales leads.
#[derive(Debug, Parser)]
#[command(name = "leadgen", version, about)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The process roles.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run everything in one process on the sample web and show a search end to end.
    Demo(crate::demo::DemoArgs),
    /// Serve the HTTP API (scale by running more).
    Api,
    /// Run pipeline workers (scale by running more).
    Worker {
        /// Comma-separated stages to work on (default: all): discover,fetch,extract,enrich,score,merge,finalize.
        #[arg(long, value_delimiter = ',')]
        queues: Vec<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Score every stored lead again with the weights in force (`LEADGEN_SCORING`), from the
    /// stored facts, without fetching anything.
    Rescore {
        /// Report what would change without writing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Fill the database with production-like, anonymised leads (companies, contacts, inbound
    /// prospects, the searches that found them) for benchmarks and demos, in one transaction.
    Seed {
        /// How many leads (discovered and inbound together).
        #[arg(long)]
        leads: usize,
        /// Generator seed: a second run into the same database needs another one.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Base backups with retention, and the restore drill (point-in-time recovery with the
    /// WAL archive PostgreSQL writes).
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Cluster the company records of a CSV file (adds `cluster_id` and `match_confidence`).
    Dedup {
        /// CSV with a header row; columns recognised by name (name, address, city, postal
        /// code, phone, website, email), others carried through.
        #[arg(long)]
        input: std::path::PathBuf,
        /// Where to write the input plus the two columns.
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Measure deduplication (pairwise precision, recall, F1) on the sample web's labelled
    /// records, hard cases included.
    DedupEval {
        /// Companies in the sample web.
        #[arg(long, default_value_t = 2000)]
        companies: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Measure extraction (per-field precision and recall) on the sample web's sites against
    /// its ground truth, fetched as the crawler fetches them.
    EvalExtract {
        /// Companies in the sample web.
        #[arg(long, default_value_t = 300)]
        companies: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Pages read per site, the home page included (as `LEADGEN_PAGE_BUDGET`).
        #[arg(long, default_value_t = 8)]
        page_budget: usize,
        /// Also print the first false positives and misses of each field.
        #[arg(long)]
        examples: bool,
    },
    /// Manage staff accounts.
    #[command(subcommand)]
    User(crate::accounts::UserCommand),
    /// Serve the sample web as an HTTP proxy on loopback.
    SampleWeb {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8899")]
        bind: std::net::SocketAddr,
        /// Generator seed.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Number of companies.
        #[arg(long, default_value_t = 200)]
        companies: usize,
        /// Artificial latency added to every response, in milliseconds: `LO-HI` (uniform,
        /// seeded) or one number; none by default.
        #[arg(long, value_parser = parse_latency)]
        latency_ms: Option<(u64, u64)>,
    },
}

/// `leadgen backup` commands.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Take a compressed base backup of the `DATABASE_URL` cluster into `--dir`, check it reads
    /// back, then drop backups older than `--keep-days` (never the newest) and the archived WAL
    /// only they needed.
    Base {
        /// Where base backups live (`base-YYYYMMDDTHHMMSSZ` directories).
        #[arg(long)]
        dir: std::path::PathBuf,
        /// Days of backups kept.
        #[arg(long, default_value_t = 7)]
        keep_days: u32,
        /// The WAL archive PostgreSQL's `archive_command` writes into, pruned with the backups.
        #[arg(long)]
        wal_archive: Option<std::path::PathBuf>,
        /// Keep running and take one every this many hours (a failed one is retried next time).
        #[arg(long)]
        every_hours: Option<u64>,
    },
    /// Restore the newest base backup into a fresh private cluster, replay the WAL archive to
    /// its end, check the leads are there, report the time taken, and remove the cluster.
    Drill {
        /// Where base backups live.
        #[arg(long)]
        dir: std::path::PathBuf,
        /// The WAL archive.
        #[arg(long)]
        wal_archive: std::path::PathBuf,
        /// The database to check (default: the one `DATABASE_URL` names, else `leadgen`).
        #[arg(long)]
        database: Option<String>,
        /// Fail unless the restored database has at least this many leads.
        #[arg(long, default_value_t = 1)]
        expect_leads: i64,
        /// Where the scratch cluster is made (default: the system's temporary directory).
        #[arg(long)]
        scratch: Option<std::path::PathBuf>,
    },
}

/// Runs a `leadgen backup` command.
async fn backup(cmd: BackupCommand) -> anyhow::Result<()> {
    let cfg = Config::from_env()?;
    crate::telemetry::init(cfg.json_logs, "info");
    match cmd {
        BackupCommand::Base {
            dir,
            keep_days,
            wal_archive,
            every_hours,
        } => {
            let url = cfg
                .database_url
                .clone()
                .context("DATABASE_URL is not set")?;
            loop {
                let (url, dir, wal) = (url.clone(), dir.clone(), wal_archive.clone());
                let taken = tokio::task::spawn_blocking(move || {
                    crate::backup::base(&url, &dir, keep_days, wal.as_deref())
                })
                .await?;
                match (&taken, every_hours) {
                    (Ok(r), _) => println!(
                        "base backup {} ({:.1} MiB) in {:.1} s; {} older removed",
                        r.path.display(),
                        r.bytes as f64 / 1_048_576.0,
                        r.elapsed.as_secs_f64(),
                        r.pruned.len()
                    ),
                    (Err(e), Some(_)) => {
                        tracing::error!(error = %format!("{e:#}"), "base backup failed")
                    }
                    (Err(_), None) => {}
                }
                let Some(hours) = every_hours else {
                    return taken.map(|_| ());
                };
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_secs(hours.max(1) * 3600)) => {}
                    _ = shutdown_signal() => return Ok(()),
                }
            }
        }
        BackupCommand::Drill {
            dir,
            wal_archive,
            database,
            expect_leads,
            scratch,
        } => {
            let database = database
                .or_else(|| {
                    cfg.database_url.as_deref().and_then(|u| {
                        url::Url::parse(u)
                            .ok()
                            .map(|u| u.path().trim_start_matches('/').to_string())
                            .filter(|d| !d.is_empty())
                    })
                })
                .unwrap_or_else(|| "leadgen".into());
            let scratch = scratch.unwrap_or_else(std::env::temp_dir);
            let r =
                crate::backup::restore_drill(&dir, &wal_archive, &scratch, &database, expect_leads)
                    .await?;
            println!(
                "restore drill passed: {} restored with {} leads{} in {:.1} s",
                r.backup.display(),
                r.leads,
                r.restored_to
                    .map(|t| format!(", to the transaction of {t}"))
                    .unwrap_or_default(),
                r.elapsed.as_secs_f64()
            );
            Ok(())
        }
    }
}

/// Runs a parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) => crate::demo::run(args).await,
        Command::Api => {
            let cfg = Config::from_env()?;
            crate::telemetry::init(cfg.json_logs, "info");
            let pool = connect(&cfg).await?;
            let mut state = api_state(cfg.clone(), pool)?;
            if let Some(url) = &cfg.database_replica_url {
                let replica = leadgen_core::db::connect_as(url, 20, "leadgen-api-replica")
                    .await
                    .context("connecting to DATABASE_REPLICA_URL")?;
                tracing::info!("read-only queries go to the replica");
                state = state.with_read_pool(replica);
            }
            let server = leadgen_api::Server::bind(cfg.bind, state)
                .await
                .context("binding LEADGEN_BIND")?;
            tracing::info!(addr = %server.addr(), "API listening");
            server.run(shutdown_signal()).await?;
            Ok(())
        }
        Command::Worker { queues } => {
            let cfg = Config::from_env()?;
            crate::telemetry::init(cfg.json_logs, "info");
            let stages = parse_stages(&queues)?;
            // Unreadable fingerprint files stop the worker here rather than leaving it to
            // detect with fewer technologies than configured.
            use leadgen_core::technologies::{FINGERPRINTS_ENV, active, check_env};
            check_env().map_err(|e| anyhow::anyhow!("{FINGERPRINTS_ENV}: {e}"))?;
            tracing::info!(technologies = active().len(), "fingerprints ready");
            let pool = connect(&cfg).await?;
            if let Some(addr) = cfg.metrics_bind {
                let bound = crate::worker_metrics::serve(addr, cfg.metrics_token.clone())
                    .await
                    .context("binding LEADGEN_METRICS_BIND")?;
                tracing::info!(addr = %bound, "worker metrics at /metrics");
            }
            let ctx = Arc::new(leadgen_worker::Ctx::new(cfg, pool)?);
            tracing::info!(stages = ?stages.iter().map(|s| s.name()).collect::<Vec<_>>(), "worker starting");
            leadgen_worker::run(ctx, &stages, shutdown_signal()).await
        }
        Command::Migrate => {
            let cfg = Config::from_env()?;
            crate::telemetry::init(cfg.json_logs, "info");
            let pool = connect(&cfg).await?;
            migrate(&pool).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Rescore { dry_run } => {
            let cfg = Config::from_env()?;
            crate::telemetry::init(cfg.json_logs, "warn");
            let pool = connect(&cfg).await?;
            let report = crate::rescore::run(&pool, &cfg.weights, dry_run).await?;
            println!(
                "{}weights {}: {report}",
                if dry_run {
                    "dry run, nothing written; "
                } else {
                    ""
                },
                cfg.weights.version
            );
            Ok(())
        }
        Command::Seed { leads, seed } => {
            let cfg = Config::from_env()?;
            crate::telemetry::init(cfg.json_logs, "warn");
            let pool = connect(&cfg).await?;
            let opts = leadgen_core::sample_web::seed::SeedOptions {
                leads,
                seed,
                now: chrono::Utc::now(),
            };
            println!("{}", crate::seed::run(&pool, opts).await?);
            Ok(())
        }
        Command::Backup(cmd) => backup(cmd).await,
        Command::Dedup { input, output } => {
            let started = std::time::Instant::now();
            let s = crate::dedup_file::run(&input, &output)?;
            println!(
                "{} records → {} companies ({} duplicates) in {:.2} s; written to {}",
                s.records,
                s.clusters,
                s.duplicates,
                started.elapsed().as_secs_f64(),
                output.display()
            );
            Ok(())
        }
        Command::DedupEval { companies, seed } => {
            print!("{}", crate::dedup_file::evaluate(companies, seed));
            Ok(())
        }
        Command::EvalExtract {
            companies,
            seed,
            page_budget,
            examples,
        } => {
            let eval = crate::extract_eval::evaluate(companies, seed, page_budget);
            print!("{eval}");
            if examples {
                print!("{}", eval.examples());
            }
            Ok(())
        }
        Command::User(cmd) => {
            let cfg = Config::from_env()?;
            crate::telemetry::init(cfg.json_logs, "warn");
            let pool = connect(&cfg).await?;
            crate::accounts::run(&pool, cmd).await
        }
        Command::SampleWeb {
            bind,
            seed,
            companies,
            latency_ms,
        } => {
            crate::telemetry::init(false, "info");
            let opts = leadgen_core::sample_web::SampleWebOptions {
                seed,
                companies,
                latency_ms,
            };
            crate::sample_web::serve_forever(opts, bind).await
        }
    }
}

/// Parses `--latency-ms`: `LO-HI` or one number of milliseconds.
fn parse_latency(v: &str) -> Result<(u64, u64), String> {
    let num = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{v}` is not LO-HI milliseconds, e.g. 20-80"))
    };
    let (lo, hi) = match v.split_once('-') {
        Some((lo, hi)) => (num(lo)?, num(hi)?),
        None => (num(v)?, num(v)?),
    };
    if lo > hi {
        return Err(format!("`{v}`: the low end is above the high end"));
    }
    Ok((lo, hi))
}

/// Parses `--queues`; empty means every stage with a worker.
pub fn parse_stages(names: &[String]) -> anyhow::Result<Vec<Stage>> {
    if names.is_empty() {
        return Ok(leadgen_worker::default_stages());
    }
    names
        .iter()
        .map(|n| {
            Stage::parse(n)
                .filter(|s| leadgen_worker::default_stages().contains(s))
                .with_context(|| {
                    format!(
                        "--queues: unknown stage `{n}`; known: {}",
                        leadgen_worker::default_stages()
                            .iter()
                            .map(|s| s.name())
                            .collect::<Vec<_>>()
                            .join(",")
                    )
                })
        })
        .collect()
}

/// Connects to `DATABASE_URL`.
pub async fn connect(cfg: &Config) -> anyhow::Result<sqlx::PgPool> {
    let url = cfg
        .database_url
        .as_deref()
        .context("DATABASE_URL is not set (leadgen demo finds or starts a database by itself)")?;
    leadgen_core::db::connect(url, 20)
        .await
        .context("connecting to DATABASE_URL")
}

/// Applies the product's and the queue's migrations.
pub async fn migrate(pool: &sqlx::PgPool) -> anyhow::Result<()> {
    leadgen_core::db::migrate(pool)
        .await
        .context("applying migrations")?;
    leadgen_core::queue::migrate(pool)
        .await
        .context("applying queue migrations")?;
    Ok(())
}

/// The API's shared state.
pub fn api_state(cfg: Config, pool: sqlx::PgPool) -> anyhow::Result<leadgen_api::state::AppState> {
    cfg.security.check_for_api(&cfg.environment)?;
    cfg.intake.check_for_api(&cfg.environment)?;
    Ok(leadgen_api::state::AppState::new(cfg, pool)?)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
