//! Who may do what: roles, API-key scopes and the permission matrix, password policy and
//! hashing, opaque secrets (refresh tokens, API keys) and the clock sessions are judged by.
//! Pure functions; the API enforces them and the repository stores their results.

pub mod clock;
pub mod password;
pub mod permissions;
pub mod secret;
pub mod throttle;

pub use clock::{Clock, ManualClock, SystemClock};
pub use permissions::{Permission, Role, Scope};
