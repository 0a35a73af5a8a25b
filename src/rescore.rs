//! `leadgen rescore`: scores every stored discovered lead again with the weights in force,
//! from the facts and enrichment already stored, without fetching anything. Run it after
//! changing `LEADGEN_SCORING`. Batches of 500 leads, each written in one transaction, so an
//! interrupted run leaves every lead either fully old or fully new and can simply be run again.

use leadgen_core::model::{Enrichment, Facts};
use leadgen_core::repo::rescoring;
use leadgen_core::stages::score::{Weights, quality, score};
use sqlx::PgPool;
use std::collections::BTreeMap;

/// Leads per batch.
const BATCH: i64 = 500;

/// What a re-scoring run did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct RescoreReport {
    /// Leads scored.
    pub leads: u64,
    /// Leads whose score changed.
    pub changed: u64,
    /// Leads whose stored facts could not be read (left as they were).
    pub unreadable: u64,
    /// `(old quality, new quality)` → leads, for those whose band changed.
    pub moves: BTreeMap<(String, String), u64>,
}

/// Re-scores every discovered lead with `weights`; with `dry_run` nothing is written.
pub async fn run(pool: &PgPool, weights: &Weights, dry_run: bool) -> anyhow::Result<RescoreReport> {
    let mut report = RescoreReport::default();
    let mut after = None;
    loop {
        let batch = rescoring::batch(pool, after, BATCH).await?;
        let Some(last) = batch.last() else {
            break;
        };
        after = Some(last.lead_id);
        let mut tx = pool.begin().await?;
        for input in &batch {
            let parsed = serde_json::from_value::<Facts>(input.facts.clone()).and_then(|f| {
                serde_json::from_value::<Enrichment>(input.enrichment.clone()).map(|e| (f, e))
            });
            let Ok((facts, enrichment)) = parsed else {
                report.unreadable += 1;
                continue;
            };
            let s = score(&facts, &enrichment, input.has_website, weights);
            report.leads += 1;
            let old = input.lead_score.clamp(0, 100) as u8;
            if old != s.lead_score {
                report.changed += 1;
            }
            let (was, now) = (quality(old, weights), s.quality.as_str());
            if was != now {
                *report
                    .moves
                    .entry((was.to_string(), now.to_string()))
                    .or_default() += 1;
            }
            if !dry_run {
                let breakdown = serde_json::to_value(&s.breakdown)?;
                rescoring::set_score(&mut *tx, input.lead_id, s.lead_score as i32, &breakdown)
                    .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(report)
}

impl std::fmt::Display for RescoreReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} leads scored, {} changed score",
            self.leads, self.changed
        )?;
        for ((from, to), n) in &self.moves {
            write!(f, "; {n} {from} → {to}")?;
        }
        if self.unreadable > 0 {
            write!(
                f,
                "; {} with unreadable stored facts left as they were",
                self.unreadable
            )?;
        }
        Ok(())
    }
}
