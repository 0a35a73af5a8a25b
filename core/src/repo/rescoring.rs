//! Re-scoring stored leads: each discovered lead's newest facts and enrichment, read in keyset
//! batches, and the new score written back.

use super::Db;
use serde_json::Value;
use uuid::Uuid;

/// What a lead's score is computed from.
#[derive(Debug, Clone)]
pub struct ScoringInput {
    /// The lead.
    pub lead_id: Uuid,
    /// Its score now.
    pub lead_score: i32,
    /// Facts of the newest work item that made it.
    pub facts: Value,
    /// Enrichment of that item.
    pub enrichment: Value,
    /// Whether the company has a website.
    pub has_website: bool,
}

/// The next `limit` discovered leads after `after` (by id) with their scoring input; leads no
/// work item describes (imported, or their items pruned) are skipped.
pub async fn batch<'c>(
    db: impl Db<'c>,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<ScoringInput>> {
    sqlx::query_as!(
        ScoringInput,
        r#"SELECT l.id AS lead_id, l.lead_score, w.facts AS "facts!", w.enrichment AS "enrichment!",
                  (w.domain IS NOT NULL) AS "has_website!"
           FROM leads l
           CROSS JOIN LATERAL (
               SELECT facts, enrichment, domain FROM work_items w
               WHERE w.lead_id = l.id AND w.facts IS NOT NULL AND w.enrichment IS NOT NULL
               ORDER BY w.updated_at DESC LIMIT 1) w
           WHERE l.origin = 'discovered' AND ($1::uuid IS NULL OR l.id > $1)
           ORDER BY l.id LIMIT $2"#,
        after,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Stores a lead's new score and breakdown.
pub async fn set_score<'c>(
    db: impl Db<'c>,
    lead_id: Uuid,
    score: i32,
    breakdown: &Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE leads SET lead_score = $2, score_breakdown = $3 WHERE id = $1",
        lead_id,
        score,
        breakdown,
    )
    .execute(db)
    .await?;
    Ok(())
}
