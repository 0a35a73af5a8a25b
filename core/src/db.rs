//! Connecting to Postgres and bringing its schema up to date: the product's migrations (in
//! `migrations/`, tracked in `public._sqlx_migrations`) and the queue library's own (tracked in
//! `apalis._sqlx_migrations`), so the two migrators never clash.

use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// The product's migrations, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// Opens a pool of at most `max` connections. Connections are checked before use so a restarted
/// database is reconnected to without restarting the process (a connection cut while idle in
/// the pool would otherwise fail the next query given it).
pub async fn connect(url: &str, max: u32) -> Result<PgPool, sqlx::Error> {
    connect_as(url, max, "leadgen").await
}

/// [`connect`] with the `application_name` the server shows for these connections (in
/// `pg_stat_activity`), so one part's share of the database's work can be told apart.
pub async fn connect_as(url: &str, max: u32, name: &str) -> Result<PgPool, sqlx::Error> {
    let opts = PgConnectOptions::from_str(url)?.application_name(name);
    PgPoolOptions::new()
        .max_connections(max)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire(true)
        .connect_with(opts)
        .await
}

/// Applies the product's migrations. The queue's tables are migrated by the worker crate.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}
