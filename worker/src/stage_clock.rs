//! Stage durations for the progress estimates, folded into the shared running averages in
//! batches: with hundreds of jobs finishing each second, one write per job would make every
//! worker queue on the same row of `stage_timings`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How often a process writes its measured durations.
const WRITE_EVERY: Duration = Duration::from_secs(1);

/// Durations measured since the last write, per stage.
pub struct StageClock {
    pending: Mutex<Pending>,
}

struct Pending {
    /// When the last batch was taken; `None` before the first, which is written at once.
    taken: Option<Instant>,
    by_stage: HashMap<&'static str, (u32, f64)>,
}

/// One stage's durations to write: how many, and their mean in milliseconds.
#[derive(Debug, PartialEq)]
pub struct StageBatch {
    /// The stage's name.
    pub stage: &'static str,
    /// Durations measured.
    pub samples: u32,
    /// Their mean, in milliseconds.
    pub mean_ms: f64,
}

impl Default for StageClock {
    fn default() -> Self {
        StageClock {
            pending: Mutex::new(Pending {
                taken: None,
                by_stage: HashMap::new(),
            }),
        }
    }
}

impl StageClock {
    /// Adds one measured duration of `stage`; returns the batch to write when the last one was
    /// taken at least a second ago (or never), otherwise nothing.
    pub fn add(&self, stage: &'static str, ms: f64) -> Vec<StageBatch> {
        let mut p = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let (n, sum) = p.by_stage.entry(stage).or_default();
        *n += 1;
        *sum += ms;
        if p.taken.is_some_and(|t| t.elapsed() < WRITE_EVERY) {
            return Vec::new();
        }
        p.taken = Some(Instant::now());
        p.by_stage
            .drain()
            .map(|(stage, (samples, sum))| StageBatch {
                stage,
                samples,
                mean_ms: sum / f64::from(samples),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_duration_is_written_at_once_and_later_ones_in_a_batch() {
        let clock = StageClock::default();
        assert_eq!(
            clock.add("fetch", 10.0),
            [StageBatch {
                stage: "fetch",
                samples: 1,
                mean_ms: 10.0
            }]
        );
        assert!(clock.add("fetch", 20.0).is_empty());
        assert!(clock.add("fetch", 40.0).is_empty());
        clock.pending.lock().unwrap().taken = Some(Instant::now() - WRITE_EVERY);
        let batch = clock.add("extract", 5.0);
        let fetch = batch.iter().find(|b| b.stage == "fetch").unwrap();
        assert_eq!((fetch.samples, fetch.mean_ms), (2, 30.0));
        let extract = batch.iter().find(|b| b.stage == "extract").unwrap();
        assert_eq!((extract.samples, extract.mean_ms), (1, 5.0));
    }
}
