//! The email outbox: emails are written in the transaction of the event they announce and
//! delivered by the notify stage, which records every attempt here.

use super::Db;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One email as stored.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    /// Email id (also the notify job's payload).
    pub id: Uuid,
    /// What it announces (`search_completed`).
    pub kind: String,
    /// The search it belongs to, when it belongs to one.
    pub job_id: Option<Uuid>,
    /// To: addresses.
    pub recipients: Vec<String>,
    /// Subject line.
    pub subject: String,
    /// text/plain part.
    pub body_text: String,
    /// text/html part.
    pub body_html: String,
    /// Message-ID header, fixed per email so a resend is recognisably the same message.
    pub message_id: String,
    /// pending, sent or failed.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was handed to the SMTP server.
    pub sent_at: Option<DateTime<Utc>>,
}

/// A new email for the outbox.
#[derive(Debug, Clone)]
pub struct NewEmail<'a> {
    /// What it announces.
    pub kind: &'a str,
    /// Announcing the same key twice stores one email.
    pub dedupe_key: &'a str,
    /// The search it belongs to.
    pub job_id: Option<Uuid>,
    /// To: addresses.
    pub recipients: &'a [String],
    /// The composed content.
    pub email: &'a crate::mail::Email,
    /// Domain part of the Message-ID.
    pub message_id_domain: &'a str,
}

/// Stores an email; returns its id, or `None` when one with the same key exists already.
pub async fn insert<'c>(db: impl Db<'c>, e: &NewEmail<'_>) -> sqlx::Result<Option<Uuid>> {
    let id = Uuid::now_v7();
    let message_id = format!("<{}@{}>", id.simple(), e.message_id_domain);
    sqlx::query_scalar!(
        "INSERT INTO email_outbox (id, kind, dedupe_key, job_id, recipients, subject, body_text,
                                   body_html, message_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ON CONSTRAINT email_outbox_dedupe_key_unique DO NOTHING
         RETURNING id",
        id,
        e.kind,
        e.dedupe_key,
        e.job_id,
        e.recipients,
        e.email.subject,
        e.email.text,
        e.email.html,
        message_id,
    )
    .fetch_optional(db)
    .await
}

/// Loads an email.
pub async fn get<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<Option<OutboxRow>> {
    sqlx::query_as!(
        OutboxRow,
        "SELECT id, kind, job_id, recipients, subject, body_text, body_html, message_id, status,
                attempts, last_error, sent_at
         FROM email_outbox WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Records a delivered email.
pub async fn mark_sent<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE email_outbox SET status = 'sent', sent_at = now(), attempts = attempts + 1,
                last_error = NULL
         WHERE id = $1 AND status = 'pending'",
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed delivery attempt; the email stays pending for the next one.
pub async fn record_failure<'c>(db: impl Db<'c>, id: Uuid, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE email_outbox SET attempts = attempts + 1, last_error = $2
         WHERE id = $1 AND status = 'pending'",
        id,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Gives an email up for good; returns whether it was still pending.
pub async fn fail<'c>(db: impl Db<'c>, id: Uuid, reason: &str) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE email_outbox SET status = 'failed', last_error = $2
         WHERE id = $1 AND status = 'pending'",
        id,
        reason
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Emails by delivery state, for health: pending, failed in the last 24 hours, and the oldest
/// pending one's age in seconds.
pub async fn health<'c>(db: impl Db<'c>) -> sqlx::Result<(i64, i64, Option<f64>)> {
    let r = sqlx::query!(
        r#"SELECT count(*) FILTER (WHERE status = 'pending') AS "pending!",
                  count(*) FILTER (WHERE status = 'failed'
                                   AND updated_at > now() - interval '24 hours') AS "failed!",
                  extract(epoch FROM now() - min(created_at) FILTER (WHERE status = 'pending'))::float8
                      AS oldest_pending
           FROM email_outbox"#
    )
    .fetch_one(db)
    .await?;
    Ok((r.pending, r.failed, r.oldest_pending))
}
