//! Merging two discovered leads by hand: the surviving lead takes the other's field values,
//! contacts (person by person), search results and work items; the other lead and its company
//! are removed and kept as a snapshot in `lead_merges`.

use super::Db;
use super::companies;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// Why two leads cannot be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeRefusal {
    /// A lead does not exist (the field names which).
    #[error("{0}: no such lead")]
    Missing(&'static str),
    /// A lead has no company (an inbound lead).
    #[error("{0}: only discovered leads (with a company) can be merged")]
    NoCompany(&'static str),
    /// The same lead twice.
    #[error("duplicate_lead_id: a lead cannot be merged into itself")]
    Same,
    /// A database error.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What a merge did.
#[derive(Debug, Clone, Default)]
pub struct MergeReport {
    /// Field values moved to the surviving company.
    pub values_moved: u64,
    /// The merged company's contacts that were the same person as a surviving contact.
    pub contacts_folded: usize,
    /// Contacts the merged company brought.
    pub contacts_moved: usize,
    /// Search results moved (a search that had both keeps one).
    pub results_moved: u64,
    /// The id of the `lead_merges` record.
    pub merge_id: Uuid,
}

struct LeadLock {
    company: Option<Uuid>,
}

async fn lock_lead(tx: &mut sqlx::PgConnection, id: Uuid) -> sqlx::Result<Option<LeadLock>> {
    Ok(
        sqlx::query!("SELECT company_id FROM leads WHERE id = $1 FOR UPDATE", id)
            .fetch_optional(tx)
            .await?
            .map(|r| LeadLock {
                company: r.company_id,
            }),
    )
}

/// Merges `duplicate` into `survivor` inside `tx` (the caller commits, or rolls back for a dry
/// run). The survivor keeps its status unless it is still PENDING, its assignee unless it has
/// none, and both leads' notes.
pub async fn merge(
    tx: &mut sqlx::PgConnection,
    survivor: Uuid,
    duplicate: Uuid,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<MergeReport, MergeRefusal> {
    if survivor == duplicate {
        return Err(MergeRefusal::Same);
    }
    // Leads are locked in id order so two opposite merges cannot wait on each other.
    let (first, second) = (survivor.min(duplicate), survivor.max(duplicate));
    let a = lock_lead(&mut *tx, first).await?;
    let b = lock_lead(&mut *tx, second).await?;
    let (s, d) = if first == survivor { (a, b) } else { (b, a) };
    let s = s.ok_or(MergeRefusal::Missing("lead_id"))?;
    let d = d.ok_or(MergeRefusal::Missing("duplicate_lead_id"))?;
    let sc = s.company.ok_or(MergeRefusal::NoCompany("lead_id"))?;
    let dc = d
        .company
        .ok_or(MergeRefusal::NoCompany("duplicate_lead_id"))?;
    // The same order as the merge stage: match keys, then company rows.
    let keys: Vec<String> = sqlx::query_scalar!(
        r#"SELECT DISTINCT unnest(match_keys) AS "k!" FROM companies WHERE id = ANY($1)"#,
        &[sc, dc],
    )
    .fetch_all(&mut *tx)
    .await?;
    companies::lock_keys(&mut *tx, &keys).await?;
    companies::lock(&mut *tx, sc.min(dc)).await?;
    companies::lock(&mut *tx, sc.max(dc)).await?;

    let snapshot: Value = sqlx::query_scalar!(
        r#"SELECT jsonb_build_object('lead', to_jsonb(l), 'company', to_jsonb(c),
              'contacts', COALESCE((SELECT jsonb_agg(to_jsonb(k)) FROM contacts k
                                    WHERE k.company_id = c.id), '[]')) AS "s!"
           FROM leads l JOIN companies c ON c.id = l.company_id WHERE l.id = $1"#,
        duplicate,
    )
    .fetch_one(&mut *tx)
    .await?;

    let values_moved = companies::move_values(&mut *tx, dc, sc).await?;
    let incoming: Vec<_> = companies::contacts(&mut *tx, dc)
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let contacts_moved = incoming.len();
    let contacts_folded = companies::fold_contacts(&mut *tx, sc, incoming).await?;

    // A search that found both keeps one result; its count follows.
    sqlx::query!(
        "UPDATE search_jobs SET results_count = results_count - 1
         WHERE id IN (SELECT job_id FROM job_results WHERE lead_id = $1
                      INTERSECT SELECT job_id FROM job_results WHERE lead_id = $2)",
        survivor,
        duplicate,
    )
    .execute(&mut *tx)
    .await?;
    let results_moved = sqlx::query!(
        "INSERT INTO job_results (job_id, lead_id, lead_score, created_at)
         SELECT job_id, $1, lead_score, created_at FROM job_results WHERE lead_id = $2
         ON CONFLICT DO NOTHING",
        survivor,
        duplicate,
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query!(
        "UPDATE work_items SET lead_id = $1 WHERE lead_id = $2",
        survivor,
        duplicate,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE leads s SET
            status = CASE WHEN s.status = 'PENDING' THEN d.status ELSE s.status END,
            assignee_id = COALESCE(s.assignee_id, d.assignee_id),
            notes = CASE WHEN d.notes = '' THEN s.notes WHEN s.notes = '' THEN d.notes
                         ELSE left(s.notes || repeat(chr(10), 2) || d.notes, 20000) END,
            lead_score = GREATEST(s.lead_score, d.lead_score),
            version = s.version + 1
         FROM leads d WHERE s.id = $1 AND d.id = $2",
        survivor,
        duplicate,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!("DELETE FROM leads WHERE id = $1", duplicate)
        .execute(&mut *tx)
        .await?;
    sqlx::query!("DELETE FROM companies WHERE id = $1", dc)
        .execute(&mut *tx)
        .await?;
    companies::refresh(&mut *tx, sc, now).await?;
    let merge_id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO lead_merges (id, survivor_id, merged_lead_id, merged_company_id, merged_by,
            snapshot)
         VALUES ($1, $2, $3, $4, $5, $6)",
        merge_id,
        survivor,
        duplicate,
        dc,
        by,
        snapshot,
    )
    .execute(&mut *tx)
    .await?;
    Ok(MergeReport {
        values_moved,
        contacts_folded,
        contacts_moved,
        results_moved,
        merge_id,
    })
}

/// A recorded merge.
#[derive(Debug, Clone)]
pub struct MergeRow {
    /// Record id.
    pub id: Uuid,
    /// The lead that was merged away.
    pub merged_lead_id: Uuid,
    /// Who merged.
    pub merged_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The merges into a lead, newest first.
pub async fn into_lead<'c>(db: impl Db<'c>, survivor: Uuid) -> sqlx::Result<Vec<MergeRow>> {
    sqlx::query_as!(
        MergeRow,
        "SELECT id, merged_lead_id, merged_by, created_at FROM lead_merges
         WHERE survivor_id = $1 ORDER BY created_at DESC",
        survivor,
    )
    .fetch_all(db)
    .await
}
