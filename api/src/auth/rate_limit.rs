//! Request rate limits per client and route group, with governor's keyed GCRA limiters. A
//! client is a user, an API key or, before it has authenticated, an address. Limits are per
//! API process: behind a load balancer spreading evenly over N processes a client gets up to N
//! times the configured rate.

use governor::clock::{Clock, DefaultClock};
use governor::{Quota, RateLimiter};
use leadgen_core::config::{RateLimits, RouteGroup};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

type Keyed =
    RateLimiter<String, governor::state::keyed::DefaultKeyedStateStore<String>, DefaultClock>;

/// The limiters of one API process.
pub struct Limiters {
    groups: Vec<(RouteGroup, Keyed)>,
    checks: AtomicU64,
}

impl Limiters {
    /// One limiter per group at the configured rates.
    pub fn new(limits: &RateLimits) -> Self {
        let groups = RouteGroup::ALL
            .into_iter()
            .map(|g| {
                let rate = limits.get(g);
                let burst = NonZeroU32::new(rate.burst).unwrap_or(NonZeroU32::MIN);
                let period = rate.per / burst.get();
                let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
                    .expect("a positive period")
                    .allow_burst(burst);
                (g, RateLimiter::keyed(quota))
            })
            .collect();
        Limiters {
            groups,
            checks: AtomicU64::new(0),
        }
    }

    /// Counts a request of `client` in `group`; `Err` holds how long to wait before the next one
    /// is allowed.
    pub fn check(&self, group: RouteGroup, client: &str) -> Result<(), Duration> {
        let Some((_, limiter)) = self.groups.iter().find(|(g, _)| *g == group) else {
            return Ok(());
        };
        // Forget idle clients now and then so the tables stay small.
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            for (_, l) in &self.groups {
                l.retain_recent();
            }
        }
        limiter
            .check_key(&client.to_string())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_its_own_budget() {
        let limits = RateLimits::parse("read=3/min").unwrap();
        let l = Limiters::new(&limits);
        for _ in 0..3 {
            l.check(RouteGroup::Read, "user:a").unwrap();
        }
        let wait = l.check(RouteGroup::Read, "user:a").unwrap_err();
        assert!(
            wait > Duration::from_secs(10) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        l.check(RouteGroup::Read, "user:b").unwrap();
        l.check(RouteGroup::Write, "user:a").unwrap();
    }
}
