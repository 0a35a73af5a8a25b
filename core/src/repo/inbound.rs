//! Inbound leads from the public form and the files attached to leads.

use super::Db;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The person as the form gave them.
#[derive(Debug, Clone)]
pub struct Submission<'a> {
    /// First name.
    pub first_name: &'a str,
    /// Last name.
    pub last_name: &'a str,
    /// Email (matched without regard to case).
    pub email: &'a str,
}

/// The inbound lead of `s.email`: a new one, or the existing one (a resubmission). Returns its
/// id and whether it was created. Two submissions racing for one email end on one lead.
pub async fn upsert_lead<'c>(db: impl Db<'c>, s: &Submission<'_>) -> sqlx::Result<(Uuid, bool)> {
    let row = sqlx::query!(
        r#"INSERT INTO leads (id, origin, status, first_name, last_name, email)
           VALUES ($1, 'inbound', 'PENDING', $2, $3, $4)
           ON CONFLICT ((lower(email))) WHERE origin = 'inbound'
           DO UPDATE SET updated_at = now()
           RETURNING id, (xmax = 0) AS "created!""#,
        Uuid::now_v7(),
        s.first_name,
        s.last_name,
        s.email,
    )
    .fetch_one(db)
    .await?;
    Ok((row.id, row.created))
}

/// A file to attach.
#[derive(Debug, Clone)]
pub struct NewLeadFile<'a> {
    /// Id (also in the storage key).
    pub id: Uuid,
    /// The lead.
    pub lead_id: Uuid,
    /// Where the sealed bytes are stored.
    pub storage_key: &'a str,
    /// Sanitised name.
    pub filename: &'a str,
    /// pdf, doc or docx.
    pub kind: &'a str,
    /// Size of the file itself.
    pub size_bytes: i64,
    /// SHA-256 of the file itself.
    pub sha256: &'a [u8],
    /// clean or not_scanned.
    pub scan_result: &'a str,
}

/// Records an attached file.
pub async fn add_file<'c>(db: impl Db<'c>, f: &NewLeadFile<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO lead_files (id, lead_id, storage_key, filename, kind, size_bytes, sha256,
                                 scan_result)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        f.id,
        f.lead_id,
        f.storage_key,
        f.filename,
        f.kind,
        f.size_bytes,
        f.sha256,
        f.scan_result,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A file attached to a lead.
#[derive(Debug, Clone)]
pub struct LeadFileRow {
    /// Id.
    pub id: Uuid,
    /// The lead.
    pub lead_id: Uuid,
    /// Where the sealed bytes are stored.
    pub storage_key: String,
    /// Sanitised name.
    pub filename: String,
    /// pdf, doc or docx.
    pub kind: String,
    /// Size.
    pub size_bytes: i64,
    /// SHA-256.
    pub sha256: Vec<u8>,
    /// clean or not_scanned.
    pub scan_result: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
}

/// A lead's files, oldest first.
pub async fn files<'c>(db: impl Db<'c>, lead_id: Uuid) -> sqlx::Result<Vec<LeadFileRow>> {
    sqlx::query_as!(
        LeadFileRow,
        "SELECT id, lead_id, storage_key, filename, kind, size_bytes, sha256, scan_result,
                uploaded_at
         FROM lead_files WHERE lead_id = $1 ORDER BY uploaded_at, id",
        lead_id
    )
    .fetch_all(db)
    .await
}

/// One file of a lead.
pub async fn file<'c>(
    db: impl Db<'c>,
    lead_id: Uuid,
    file_id: Uuid,
) -> sqlx::Result<Option<LeadFileRow>> {
    sqlx::query_as!(
        LeadFileRow,
        "SELECT id, lead_id, storage_key, filename, kind, size_bytes, sha256, scan_result,
                uploaded_at
         FROM lead_files WHERE lead_id = $1 AND id = $2",
        lead_id,
        file_id
    )
    .fetch_optional(db)
    .await
}

/// A change staff make to a lead; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct LeadChange<'a> {
    /// New status.
    pub status: Option<&'a str>,
    /// New assignee: `Some(None)` unassigns.
    pub assignee_id: Option<Option<Uuid>>,
    /// New notes.
    pub notes: Option<&'a str>,
}

/// What applying a change found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Applied; the new version.
    Applied(i32),
    /// The lead has moved on: its current version.
    Stale(i32),
    /// No such lead.
    Missing,
}

/// Applies `change` if the lead is still at `version`.
pub async fn change_lead(
    db: &mut sqlx::PgConnection,
    id: Uuid,
    version: i32,
    change: &LeadChange<'_>,
) -> sqlx::Result<ChangeOutcome> {
    let applied = sqlx::query_scalar!(
        "UPDATE leads SET
             status = coalesce($3, status),
             assignee_id = CASE WHEN $4 THEN $5 ELSE assignee_id END,
             notes = coalesce($6, notes),
             version = version + 1
         WHERE id = $1 AND version = $2
         RETURNING version",
        id,
        version,
        change.status,
        change.assignee_id.is_some(),
        change.assignee_id.flatten(),
        change.notes,
    )
    .fetch_optional(&mut *db)
    .await?;
    if let Some(v) = applied {
        return Ok(ChangeOutcome::Applied(v));
    }
    let current = sqlx::query_scalar!("SELECT version FROM leads WHERE id = $1", id)
        .fetch_optional(db)
        .await?;
    Ok(current.map_or(ChangeOutcome::Missing, ChangeOutcome::Stale))
}
