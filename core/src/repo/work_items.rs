//! Work items: one candidate company inside one search, with each stage's stored output.

use super::Db;
use serde_json::Value;
use std::time::Duration;
use uuid::Uuid;

/// A work item as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkItemRow {
    /// Item id.
    pub id: Uuid,
    /// Job it belongs to.
    pub job_id: Uuid,
    /// Company key inside the job.
    pub dedup_key: String,
    /// Registrable domain of the website, when there is one.
    pub domain: Option<String>,
    /// The source's candidate record.
    pub candidate: Value,
    /// Stage reached.
    pub stage: String,
    /// Output of extract.
    pub facts: Option<Value>,
    /// Output of enrich.
    pub enrichment: Option<Value>,
    /// Output of score.
    pub score: Option<Value>,
    /// Lead it was merged into.
    pub lead_id: Option<Uuid>,
    /// Other sources' listings of the same company in this search.
    pub sightings: Value,
}

/// A work item as discovery compares new listings with it.
#[derive(Debug, Clone)]
pub struct ListedItem {
    /// Item id.
    pub id: Uuid,
    /// Company key inside the job.
    pub dedup_key: String,
    /// The source's candidate record.
    pub candidate: Value,
    /// Lead it was merged into, once merged.
    pub lead_id: Option<Uuid>,
}

/// Inserts a candidate unless the job already has one with the same key; returns the new id.
pub async fn insert<'c>(
    db: impl Db<'c>,
    job_id: Uuid,
    dedup_key: &str,
    domain: Option<&str>,
    candidate: &Value,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "INSERT INTO work_items (id, job_id, dedup_key, domain, candidate)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (job_id, dedup_key) DO NOTHING RETURNING id",
        Uuid::now_v7(),
        job_id,
        dedup_key,
        domain,
        candidate,
    )
    .fetch_optional(db)
    .await
}

/// Every item of a job, as discovery compares new listings with them.
pub async fn listed<'c>(db: impl Db<'c>, job_id: Uuid) -> sqlx::Result<Vec<ListedItem>> {
    sqlx::query_as!(
        ListedItem,
        "SELECT id, dedup_key, candidate, lead_id FROM work_items WHERE job_id = $1 ORDER BY id",
        job_id,
    )
    .fetch_all(db)
    .await
}

/// Gives an item that was listed without a website the one another source's listing names,
/// and sends it back to be fetched, when it has not been extracted yet (it is still waiting in
/// the extract stage); returns whether it did. An extract job already queued for it then finds
/// the item gone from its stage and does nothing.
pub async fn adopt_website<'c>(
    db: impl Db<'c>,
    id: Uuid,
    domain: &str,
    website: &str,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE work_items
            SET domain = $2, stage = 'fetch',
                candidate = jsonb_set(candidate, '{website}', to_jsonb($3::text))
          WHERE id = $1 AND domain IS NULL AND stage = 'extract'",
        id,
        domain,
        website,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Whether an item listed without a website should wait for its search's other listings: some
/// source of the search is still being read (one may yet name the website, see
/// [`adopt_website`]) and the item is younger than `max_wait`.
pub async fn awaits_listings<'c>(
    db: impl Db<'c>,
    id: Uuid,
    max_wait: Duration,
) -> sqlx::Result<bool> {
    let r = sqlx::query_scalar!(
        r#"SELECT (w.domain IS NULL
                   AND w.created_at > now() - make_interval(secs => $2)
                   AND EXISTS (SELECT 1 FROM job_sources s WHERE s.job_id = w.job_id AND NOT s.done))
                  AS "waits!"
             FROM work_items w WHERE w.id = $1"#,
        id,
        max_wait.as_secs_f64(),
    )
    .fetch_optional(db)
    .await?;
    Ok(r.unwrap_or(false))
}

/// Records another source's listing of an item's company.
pub async fn add_sighting<'c>(db: impl Db<'c>, id: Uuid, candidate: &Value) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO work_item_sightings (item_id, candidate) VALUES ($1, $2)",
        id,
        candidate,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Loads an item.
pub async fn get<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<Option<WorkItemRow>> {
    sqlx::query_as!(
        WorkItemRow,
        r#"SELECT id, job_id, dedup_key, domain, candidate, stage, facts, enrichment, score, lead_id,
            COALESCE((SELECT jsonb_agg(s.candidate ORDER BY s.seq) FROM work_item_sightings s
                      WHERE s.item_id = w.id), '[]') AS "sightings!"
         FROM work_items w WHERE id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await
}

/// Moves an item to `stage`, returning false when it had already left `from` (a re-run of a
/// stage whose effects were already committed).
pub async fn advance<'c>(db: impl Db<'c>, id: Uuid, from: &str, to: &str) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE work_items SET stage = $3 WHERE id = $1 AND stage = $2",
        id,
        from,
        to,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Stores the output of extract.
pub async fn set_facts<'c>(db: impl Db<'c>, id: Uuid, facts: &Value) -> sqlx::Result<()> {
    sqlx::query!("UPDATE work_items SET facts = $2 WHERE id = $1", id, facts)
        .execute(db)
        .await?;
    Ok(())
}

/// Stores the output of enrich.
pub async fn set_enrichment<'c>(db: impl Db<'c>, id: Uuid, enrichment: &Value) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE work_items SET enrichment = $2 WHERE id = $1",
        id,
        enrichment,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stores the output of score.
pub async fn set_score<'c>(db: impl Db<'c>, id: Uuid, score: &Value) -> sqlx::Result<()> {
    sqlx::query!("UPDATE work_items SET score = $2 WHERE id = $1", id, score)
        .execute(db)
        .await?;
    Ok(())
}

/// Records the lead an item was merged into.
pub async fn set_lead<'c>(db: impl Db<'c>, id: Uuid, lead_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE work_items SET lead_id = $2 WHERE id = $1",
        id,
        lead_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks an item filtered out with the reason.
pub async fn filter_out<'c>(db: impl Db<'c>, id: Uuid, reason: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE work_items SET stage = 'filtered', error = $2 WHERE id = $1",
        id,
        reason,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks an item failed with the reason, unless it already finished.
pub async fn fail<'c>(db: impl Db<'c>, id: Uuid, error: &str) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE work_items SET stage = 'failed', error = $2
         WHERE id = $1 AND stage NOT IN ('done', 'failed', 'filtered')",
        id,
        error,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Number of items of a job per stage.
pub async fn stage_counts<'c>(db: impl Db<'c>, job_id: Uuid) -> sqlx::Result<Vec<(String, i64)>> {
    let rows = sqlx::query!(
        r#"SELECT stage, count(*) AS "count!" FROM work_items WHERE job_id = $1 GROUP BY stage"#,
        job_id,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.stage, r.count)).collect())
}
