//! The event relay of one API process: a single `LISTEN` connection whose notifications (job ids
//! only) wake the WebSocket sessions of that job, which then read the new events from Postgres.

use leadgen_core::repo::events::CHANNEL;
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;
use uuid::Uuid;

/// Wakes WebSocket sessions when their job has new events.
#[derive(Clone, Default)]
pub struct EventHub {
    jobs: Arc<Mutex<HashMap<Uuid, watch::Sender<u64>>>>,
}

impl EventHub {
    /// A receiver that changes whenever `job` has new events.
    pub fn subscribe(&self, job: Uuid) -> watch::Receiver<u64> {
        let mut jobs = self.jobs.lock().expect("hub lock");
        jobs.retain(|_, tx| tx.receiver_count() > 0);
        jobs.entry(job)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Number of jobs with live subscribers.
    pub fn watched_jobs(&self) -> usize {
        self.jobs
            .lock()
            .expect("hub lock")
            .values()
            .filter(|t| t.receiver_count() > 0)
            .count()
    }

    fn wake(&self, job: Option<Uuid>) {
        let jobs = self.jobs.lock().expect("hub lock");
        match job {
            Some(id) => {
                if let Some(tx) = jobs.get(&id) {
                    tx.send_modify(|n| *n += 1);
                }
            }
            None => jobs.values().for_each(|tx| tx.send_modify(|n| *n += 1)),
        }
    }

    /// Listens forever, reconnecting after errors; after a reconnect every session is woken so
    /// nothing sent while disconnected is missed.
    pub async fn listen(self, pool: PgPool) {
        loop {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "event listener cannot connect; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANNEL).await {
                tracing::warn!(error = %e, "LISTEN failed; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
            self.wake(None);
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => self.wake(n.payload().parse().ok()),
                    Ok(None) => {
                        // The connection dropped and was re-established: catch everyone up.
                        self.wake(None);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "event listener failed; reconnecting");
                        break;
                    }
                }
            }
        }
    }
}
