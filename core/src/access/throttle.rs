//! Sign-in throttling: growing delays, never a lock-out. Failures are counted per account *and
//! client address* (so an attacker elsewhere cannot lock a real user out) and per address over
//! all accounts (so spraying many accounts from one place slows down too). After the free
//! failures each further one doubles the wait, up to [`MAX_DELAY`].

use std::time::Duration;

/// The longest wait imposed after a failure.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// Failures older than this are forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// How many times the per-account allowance an address gets over all accounts.
pub const ADDRESS_FACTOR: u32 = 6;

/// The wait after the `failures`-th failure when `free` are allowed without one: none up to
/// `free`, then 1 s, 2 s, 4 s … capped at [`MAX_DELAY`].
pub fn delay_after(failures: u32, free: u32) -> Option<Duration> {
    let over = failures.checked_sub(free).filter(|o| *o > 0)?;
    let secs = 1u64.checked_shl(over - 1).unwrap_or(u64::MAX);
    Some(Duration::from_secs(secs).min(MAX_DELAY))
}

/// The throttle key of an account tried from an address.
pub fn account_key(email: &str, ip: &str) -> String {
    format!("account:{}|{ip}", email.trim().to_lowercase())
}

/// The throttle key of an address.
pub fn address_key(ip: &str) -> String {
    format!("ip:{ip}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double_up_to_the_cap() {
        assert_eq!(delay_after(5, 5), None);
        assert_eq!(delay_after(6, 5), Some(Duration::from_secs(1)));
        assert_eq!(delay_after(7, 5), Some(Duration::from_secs(2)));
        assert_eq!(delay_after(9, 5), Some(Duration::from_secs(8)));
        assert_eq!(delay_after(40, 5), Some(MAX_DELAY));
        assert_eq!(delay_after(u32::MAX, 5), Some(MAX_DELAY));
    }

    #[test]
    fn keys_ignore_case_of_the_email() {
        assert_eq!(
            account_key(" Jane@X.test", "1.2.3.4"),
            account_key("jane@x.test", "1.2.3.4")
        );
        assert_ne!(
            account_key("jane@x.test", "1.2.3.4"),
            account_key("jane@x.test", "5.6.7.8")
        );
    }
}
