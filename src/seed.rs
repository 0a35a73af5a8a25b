//! `leadgen seed`: fills the database with N production-like, anonymised leads (companies,
//! contacts, inbound prospects, the searches that found them) for benchmarks and demos. Rows
//! are generated on a blocking thread while the previous batch streams in with COPY; the whole
//! run is one transaction, so an interrupted or failed run leaves nothing behind.

use anyhow::Context;
use leadgen_core::repo::seed::{SeedTable, analyze, copy_csv};
use leadgen_core::sample_web::seed::{SeedBatch, SeedCounts, SeedOptions, batch, search_jobs};
use std::time::{Duration, Instant};

/// Leads generated per batch.
const BATCH: usize = 10_000;
/// The most leads one run makes.
pub const MAX_LEADS: usize = 10_000_000;

/// What a seeding run wrote and how long it took.
#[derive(Debug, Clone, Copy)]
pub struct SeedReport {
    /// Rows of each kind.
    pub counts: SeedCounts,
    /// Wall time, generation, loading and statistics included.
    pub elapsed: Duration,
}

/// Generates and loads `opts.leads` leads; nothing is written unless all of them are.
pub async fn run(pool: &sqlx::PgPool, opts: SeedOptions) -> anyhow::Result<SeedReport> {
    if opts.leads == 0 || opts.leads > MAX_LEADS {
        anyhow::bail!("--leads: must be between 1 and {MAX_LEADS}");
    }
    let started = Instant::now();
    let (ids, jobs_csv) = search_jobs(&opts);
    let mut counts = SeedCounts {
        searches: ids.len() as u64,
        ..SeedCounts::default()
    };
    let (tx_batches, mut batches) = tokio::sync::mpsc::channel::<SeedBatch>(2);
    let generator = {
        let opts = opts.clone();
        tokio::task::spawn_blocking(move || {
            let mut start = 0;
            while start < opts.leads {
                let end = (start + BATCH).min(opts.leads);
                if tx_batches
                    .blocking_send(batch(&opts, &ids, start..end))
                    .is_err()
                {
                    // The loader stopped on an error; it reports it.
                    return;
                }
                start = end;
            }
        })
    };
    let mut tx = pool.begin().await.context("connecting to the database")?;
    copy_csv(&mut tx, SeedTable::SearchJobs, &jobs_csv)
        .await
        .context("loading searches")?;
    while let Some(b) = batches.recv().await {
        for (table, csv) in &b.tables {
            copy_csv(&mut tx, *table, csv)
                .await
                .with_context(|| format!("loading {}", table.name()))?;
        }
        counts += b.counts;
    }
    generator.await.context("generating leads")?;
    tx.commit().await.context("committing the seeded leads")?;
    let mut conn = pool.acquire().await?;
    analyze(&mut conn)
        .await
        .context("vacuuming and analysing the tables")?;
    Ok(SeedReport {
        counts,
        elapsed: started.elapsed(),
    })
}

impl std::fmt::Display for SeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let c = &self.counts;
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "seeded {} leads ({} discovered companies, {} inbound), {} contacts, {} searches \
             with {} results in {:.1} s ({:.0} leads/s)",
            c.leads,
            c.companies,
            c.inbound,
            c.contacts,
            c.searches,
            c.job_results,
            secs,
            c.leads as f64 / secs.max(1e-9)
        )
    }
}
