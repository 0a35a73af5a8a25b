//! Enqueueing stage jobs inside the caller's transaction, so a stage's output and the next
//! stage's job commit together or not at all.

use crate::jobs::Stage;
use apalis::prelude::TaskBuilder;
use serde::Serialize;
use std::time::Duration;

/// How many times a stage job is tried before it is given up (crashes of the worker included).
pub const DEFAULT_MAX_ATTEMPTS: usize = 4;

/// Enqueues one job of `stage` with `payload`, to run after `delay`.
pub async fn push<T: Serialize>(
    conn: &mut sqlx::PgConnection,
    stage: Stage,
    payload: &T,
    delay: Option<Duration>,
    max_attempts: usize,
) -> Result<(), apalis_postgres::Error> {
    let args = serde_json::to_vec(payload).expect("job payloads serialise");
    let mut task = TaskBuilder::new(args).max_attempts(max_attempts.max(1));
    if let Some(d) = delay {
        task = task.run_after(d);
    }
    apalis_postgres::queries::push_tasks(conn, &stage.queue(), vec![task.build()]).await
}

/// Enqueues several jobs of one stage in one statement.
pub async fn push_many<T: Serialize>(
    conn: &mut sqlx::PgConnection,
    stage: Stage,
    payloads: &[T],
    max_attempts: usize,
) -> Result<(), apalis_postgres::Error> {
    if payloads.is_empty() {
        return Ok(());
    }
    let tasks = payloads
        .iter()
        .map(|p| {
            TaskBuilder::new(serde_json::to_vec(p).expect("job payloads serialise"))
                .max_attempts(max_attempts.max(1))
                .build()
        })
        .collect();
    apalis_postgres::queries::push_tasks(conn, &stage.queue(), tasks).await
}

/// Creates or upgrades the queue library's own tables (schema `apalis`).
pub async fn migrate(pool: &sqlx::PgPool) -> Result<(), apalis_postgres::Error> {
    apalis_postgres::PostgresStorage::setup(pool).await
}
