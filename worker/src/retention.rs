//! The retention sweep: leads without activity for longer than `LEADGEN_RETENTION_DAYS` are
//! deleted with their files, each leaving an audit tombstone (what, when, never whom). Stored
//! objects go first, then the row, so a crash in between leaves a row whose objects are gone,
//! which the next sweep finishes; a lead touched meanwhile is kept.

use crate::Ctx;
use chrono::{DateTime, Utc};
use leadgen_core::repo::audit::{self, AuditEntry};
use leadgen_core::repo::privacy;
use serde_json::json;

/// Leads handled per batch.
const BATCH: i64 = 500;

/// Deletes every lead idle since before `now - retention`; returns how many.
pub async fn sweep(ctx: &Ctx, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let Some(retention) = ctx.cfg.retention else {
        return Ok(0);
    };
    let before = now - chrono::Duration::from_std(retention)?;
    let mut deleted = 0;
    loop {
        let batch = privacy::expired_leads(&ctx.pool, before, BATCH).await?;
        if batch.is_empty() {
            return Ok(deleted);
        }
        let mut progressed = false;
        for lead in &batch {
            for key in &lead.storage_keys {
                ctx.files.delete(key).await?;
            }
            let mut tx = ctx.pool.begin().await?;
            if privacy::delete_expired_lead(&mut *tx, lead.id, before).await? {
                let entry = AuditEntry {
                    actor_type: "system",
                    actor_id: None,
                    actor_label: "retention",
                    action: "lead.expired",
                    outcome: "ok",
                    target_type: Some("lead"),
                    target_id: Some(lead.id.to_string()),
                    ip: None,
                    request_id: None,
                    detail: json!({
                        "origin": lead.origin,
                        "last_activity": lead.last_activity,
                        "files_deleted": lead.storage_keys.len(),
                        "retention_days": retention.as_secs() / 86_400,
                    }),
                };
                audit::record(&mut *tx, &entry, now).await?;
                deleted += 1;
                progressed = true;
            }
            tx.commit().await?;
        }
        if !progressed {
            return Ok(deleted);
        }
    }
}
