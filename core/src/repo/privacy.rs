//! The suppression list, everything held about one person, erasing it, and the leads past the
//! retention period.

use super::Db;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// A suppression as listed (the digest only: the list holds no address).
#[derive(Debug, Clone)]
pub struct SuppressionRow {
    /// Id.
    pub id: Uuid,
    /// email or domain.
    pub kind: String,
    /// SHA-256 digest of the normalised value.
    pub value_hash: Vec<u8>,
    /// Why, in staff's words.
    pub note: String,
    /// Who added it.
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Adds a suppression; `None` when it is there already.
pub async fn add_suppression<'c>(
    db: impl Db<'c>,
    kind: &str,
    value_hash: &[u8],
    note: &str,
    by: Option<Uuid>,
) -> sqlx::Result<Option<SuppressionRow>> {
    sqlx::query_as!(
        SuppressionRow,
        "INSERT INTO suppressions (id, kind, value_hash, note, created_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (value_hash) DO NOTHING
         RETURNING id, kind, value_hash, note, created_by, created_at",
        Uuid::now_v7(),
        kind,
        value_hash,
        note,
        by,
    )
    .fetch_optional(db)
    .await
}

/// Every suppression, newest first.
pub async fn suppressions<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<SuppressionRow>> {
    sqlx::query_as!(
        SuppressionRow,
        "SELECT id, kind, value_hash, note, created_by, created_at
         FROM suppressions ORDER BY created_at DESC, id DESC"
    )
    .fetch_all(db)
    .await
}

/// Removes a suppression; returns whether it existed.
pub async fn remove_suppression<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<bool> {
    let r = sqlx::query!("DELETE FROM suppressions WHERE id = $1", id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Which of `digests` are suppressed.
pub async fn suppressed<'c>(db: impl Db<'c>, digests: &[Vec<u8>]) -> sqlx::Result<Vec<Vec<u8>>> {
    if digests.is_empty() {
        return Ok(vec![]);
    }
    sqlx::query_scalar!(
        "SELECT value_hash FROM suppressions WHERE value_hash = ANY($1)",
        digests
    )
    .fetch_all(db)
    .await
}

/// Everything held about the person with `email`, as one JSON document: their inbound leads
/// (with file metadata), contacts at companies, and the emails sent to them.
pub async fn subject_export<'c>(db: impl Db<'c>, email: &str) -> sqlx::Result<Value> {
    sqlx::query_scalar!(
        r#"SELECT json_build_object(
             'email', lower($1::text),
             'inbound_leads', coalesce((
                 SELECT json_agg(json_build_object(
                     'lead_id', l.id, 'first_name', l.first_name, 'last_name', l.last_name,
                     'email', l.email, 'status', l.status, 'notes', l.notes,
                     'created_at', l.created_at, 'updated_at', l.updated_at,
                     'files', coalesce((SELECT json_agg(json_build_object(
                         'file_id', f.id, 'filename', f.filename, 'kind', f.kind,
                         'size_bytes', f.size_bytes, 'uploaded_at', f.uploaded_at,
                         'download_url', '/api/v1/leads/' || l.id || '/files/' || f.id)
                         ORDER BY f.uploaded_at) FROM lead_files f WHERE f.lead_id = l.id), '[]'))
                     ORDER BY l.created_at)
                 FROM leads l WHERE lower(l.email) = lower($1)), '[]'),
             'contacts', coalesce((
                 SELECT json_agg(json_build_object(
                     'contact_id', k.id, 'company', c.name, 'name', k.name, 'title', k.title,
                     'email', k.email, 'phone', k.phone, 'linkedin_url', k.linkedin_url,
                     'source', k.source, 'created_at', k.created_at) ORDER BY k.created_at)
                 FROM contacts k JOIN companies c ON c.id = k.company_id
                 WHERE lower(k.email) = lower($1)), '[]'),
             'emails_sent', coalesce((
                 SELECT json_agg(json_build_object(
                     'subject', o.subject, 'status', o.status, 'created_at', o.created_at,
                     'sent_at', o.sent_at) ORDER BY o.created_at)
                 FROM email_outbox o WHERE lower($1) = ANY(o.recipients)), '[]')
           )::jsonb AS "doc!""#,
        email
    )
    .fetch_one(db)
    .await
}

/// What an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// Inbound leads deleted.
    pub leads: i64,
    /// Contacts deleted.
    pub contacts: i64,
    /// Emails to the person deleted from the outbox.
    pub emails: i64,
    /// Storage keys of the files of the deleted leads (to remove from the store).
    pub storage_keys: Vec<String>,
}

/// The storage keys of the files of the inbound leads of `email`.
pub async fn subject_files<'c>(db: impl Db<'c>, email: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT f.storage_key FROM lead_files f JOIN leads l ON l.id = f.lead_id
         WHERE lower(l.email) = lower($1)",
        email
    )
    .fetch_all(db)
    .await
}

/// Deletes everything held about the person with `email` (their files' rows go with their
/// leads; the caller removes the stored objects).
pub async fn erase_subject(tx: &mut sqlx::PgConnection, email: &str) -> sqlx::Result<Erased> {
    let storage_keys = subject_files(&mut *tx, email).await?;
    let leads = sqlx::query!("DELETE FROM leads WHERE lower(email) = lower($1)", email)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    let contacts = sqlx::query!("DELETE FROM contacts WHERE lower(email) = lower($1)", email)
        .execute(&mut *tx)
        .await?
        .rows_affected() as i64;
    let emails = sqlx::query!(
        "DELETE FROM email_outbox WHERE lower($1) = ANY(recipients)",
        email
    )
    .execute(&mut *tx)
    .await?
    .rows_affected() as i64;
    Ok(Erased {
        leads,
        contacts,
        emails,
        storage_keys,
    })
}

/// A lead past the retention period.
#[derive(Debug, Clone)]
pub struct ExpiredLead {
    /// Lead id.
    pub id: Uuid,
    /// discovered, inbound or imported.
    pub origin: String,
    /// Last activity.
    pub last_activity: DateTime<Utc>,
    /// Storage keys of its files.
    pub storage_keys: Vec<String>,
}

/// Up to `limit` leads without activity (their own or their company's) since `before`,
/// oldest first.
pub async fn expired_leads<'c>(
    db: impl Db<'c>,
    before: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<ExpiredLead>> {
    sqlx::query_as!(
        ExpiredLead,
        r#"SELECT l.id, l.origin,
                  GREATEST(l.updated_at, c.updated_at) AS "last_activity!",
                  coalesce((SELECT array_agg(f.storage_key) FROM lead_files f
                            WHERE f.lead_id = l.id), '{}') AS "storage_keys!"
           FROM leads l LEFT JOIN companies c ON c.id = l.company_id
           WHERE l.updated_at < $1 AND (c.id IS NULL OR c.updated_at < $1)
           ORDER BY l.updated_at
           LIMIT $2"#,
        before,
        limit
    )
    .fetch_all(db)
    .await
}

/// Deletes a lead if it is still idle since `before` (a lead touched meanwhile stays);
/// returns whether it was deleted.
pub async fn delete_expired_lead<'c>(
    db: impl Db<'c>,
    id: Uuid,
    before: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "DELETE FROM leads WHERE id = $1 AND updated_at < $2",
        id,
        before
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}
