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
/// database is reconnected to without restarting the process.
pub async fn connect(url: &str, max: u32) -> Result<PgPool, sqlx::Error> {
    let opts = PgConnectOptions::from_str(url)?.application_name("leadgen");
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
