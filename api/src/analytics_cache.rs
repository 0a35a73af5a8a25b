//! The all-leads analytics summary of a large lead store, kept for a while. Over a million
//! leads the summary takes seconds to compute, so requests get the latest one computed within
//! `LEADGEN_ANALYTICS_MAX_AGE_SECS`; when it is older they still get it at once while one
//! refresh runs in the background. Stores the planner estimates at under [`LIVE_LIMIT`] leads
//! (where the summary costs milliseconds) are always summarised afresh, as are one search's
//! results.

use leadgen_core::repo::leads;
use serde_json::Value;
use sqlx::PgPool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Below this many leads the summary is computed for every request.
pub const LIVE_LIMIT: i64 = 100_000;

/// The last summary and whether a refresh is under way.
#[derive(Default)]
struct Slot {
    summary: Option<(Instant, Value)>,
    refreshing: bool,
}

/// The cached all-leads summary of one API process.
pub struct AnalyticsCache {
    max_age: Duration,
    slot: Mutex<Slot>,
    /// Held while a summary is computed for want of any, so concurrent first requests wait
    /// for one computation instead of each starting their own.
    first: tokio::sync::Mutex<()>,
}

impl AnalyticsCache {
    /// A cache whose summaries are served for up to `max_age`.
    pub fn new(max_age: Duration) -> AnalyticsCache {
        AnalyticsCache {
            max_age,
            slot: Mutex::default(),
            first: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The summary of all leads with the hot and warm thresholds given.
    pub async fn summary(
        self: &Arc<Self>,
        pool: &PgPool,
        hot: i32,
        warm: i32,
    ) -> sqlx::Result<Value> {
        if self.max_age.is_zero() {
            return leads::analytics(pool, None, hot, warm).await;
        }
        // A summary still fresh is served before asking how large the store is: there is one
        // only because the store was large when it was made.
        if let Some((at, v)) = &self.lock().summary
            && at.elapsed() < self.max_age
        {
            return Ok(v.clone());
        }
        if leads::estimated_count(pool).await? < LIVE_LIMIT {
            return leads::analytics(pool, None, hot, warm).await;
        }
        let stale = {
            let mut slot = self.lock();
            match &slot.summary {
                Some((at, v)) if at.elapsed() < self.max_age => return Ok(v.clone()),
                Some((_, v)) => {
                    let v = v.clone();
                    if !slot.refreshing {
                        slot.refreshing = true;
                        let (cache, pool) = (Arc::clone(self), pool.clone());
                        tokio::spawn(async move { cache.refresh(&pool, hot, warm).await });
                    }
                    Some(v)
                }
                None => None,
            }
        };
        if let Some(v) = stale {
            return Ok(v);
        }
        let _first = self.first.lock().await;
        if let Some((_, v)) = &self.lock().summary {
            return Ok(v.clone());
        }
        let v = leads::analytics(pool, None, hot, warm).await?;
        self.lock().summary = Some((Instant::now(), v.clone()));
        Ok(v)
    }

    async fn refresh(&self, pool: &PgPool, hot: i32, warm: i32) {
        let fresh = leads::analytics(pool, None, hot, warm).await;
        let mut slot = self.lock();
        slot.refreshing = false;
        match fresh {
            Ok(v) => slot.summary = Some((Instant::now(), v)),
            // The stale summary stays; the next request past the age tries again.
            Err(e) => tracing::warn!(error = %e, "refreshing the analytics summary failed"),
        }
    }
}
