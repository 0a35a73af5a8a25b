//! The SQL of the product, one function per query, grouped by what it touches. Functions take
//! any executor (`&PgPool` or `&mut *tx`) so callers decide what shares a transaction.

pub mod api_keys;
pub mod audit;
pub mod companies;
pub mod events;
pub mod inbound;
pub mod jobs;
pub mod leads;
pub mod login_throttle;
pub mod mail_domains;
pub mod merges;
pub mod metrics;
pub mod outbox;
pub mod pages;
pub mod politeness;
pub mod privacy;
pub mod queue;
pub mod rescoring;
pub mod seed;
pub mod sessions;
pub mod sources;
pub mod users;
pub mod work_items;

/// Shorthand for "a connection, pool or transaction".
pub trait Db<'c>: sqlx::PgExecutor<'c> {}
impl<'c, T: sqlx::PgExecutor<'c>> Db<'c> for T {}
