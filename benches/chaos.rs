//! Chaos benchmark: searches over every site of a generated sample web (about five queue tasks
//! per site: fetch, extract, enrich, score, merge; 22,000 companies, about 20,250 of them with
//! a site, make about 100,000 tasks), worked by `leadgen worker` processes while one of them is
//! SIGKILLed and replaced on a fixed period, the database (a private cluster) is stopped and
//! started once in the middle, and every worker is replaced with SIGTERM in a rolling restart.
//! Prints each kill (tasks held, tasks run again, time until they were back in the queue and
//! finished), the throughput before and after the restart, and anything found wrong.
//!
//! Settings (environment): `LEADGEN_CHAOS_COMPANIES` (22000), `LEADGEN_CHAOS_SEED` (42),
//! `LEADGEN_CHAOS_WORKERS` (3), `LEADGEN_CHAOS_KILL_EVERY_S` (30), `LEADGEN_CHAOS_DELAY_MS`
//! (per-host delay, 1000), `LEADGEN_CHAOS_RESTART_AFTER_S` (120; 0 for no restart),
//! `LEADGEN_CHAOS_DOWN_S` (10), `LEADGEN_CHAOS_ROLLING_AT_S` (rolling restart of every worker
//! with SIGTERM, 300; 0 for none).

use leadgen::chaos::{self, ChaosDatabase, ChaosPlan, DatabaseRestart};
use std::path::Path;
use std::time::Duration;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let restart_after = env_num("LEADGEN_CHAOS_RESTART_AFTER_S", 120);
    let plan = ChaosPlan {
        companies: env_num("LEADGEN_CHAOS_COMPANIES", 22_000) as usize,
        seed: env_num("LEADGEN_CHAOS_SEED", 42),
        workers: env_num("LEADGEN_CHAOS_WORKERS", 3) as usize,
        kill_every: Duration::from_secs(env_num("LEADGEN_CHAOS_KILL_EVERY_S", 30)),
        host_delay: Duration::from_millis(env_num("LEADGEN_CHAOS_DELAY_MS", 1000)),
        restart: (restart_after > 0).then(|| DatabaseRestart {
            after: Duration::from_secs(restart_after),
            down_for: Duration::from_secs(env_num("LEADGEN_CHAOS_DOWN_S", 10)),
        }),
        rolling_restart_at: match env_num("LEADGEN_CHAOS_ROLLING_AT_S", 300) {
            0 => None,
            s => Some(Duration::from_secs(s)),
        },
        deadline: Duration::from_secs(3 * 3600),
    };
    eprintln!("chaos bench: {plan:?}");
    let dir = std::env::temp_dir().join(format!("leadgen-chaos-pg-{}", uuid::Uuid::new_v4()));
    let cluster = leadgen::postgres::PrivateCluster::start_in(&dir.join("data"))?;
    let report = chaos::run(
        &plan,
        Path::new(env!("CARGO_BIN_EXE_leadgen")),
        ChaosDatabase::Cluster(&cluster),
    )
    .await;
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    let report = report?;
    println!("{}", report.render());
    if let Some(logs) = &report.logs {
        println!("worker logs kept in {}", logs.display());
    }
    Ok(())
}
