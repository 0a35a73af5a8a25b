//! The audit log: who did what, when, from where. Free text is stored with control characters
//! escaped, so nothing a client sends can forge a line in an export or a terminal.

use super::Db;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// One entry to record.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// user, api_key, anonymous or system.
    pub actor_type: &'a str,
    /// The user or key.
    pub actor_id: Option<Uuid>,
    /// Who, in words (email, key name, or the email tried at a failed sign-in).
    pub actor_label: &'a str,
    /// What, e.g. `auth.login`, `user.update`, `export.csv`.
    pub action: &'a str,
    /// ok, denied or failed.
    pub outcome: &'a str,
    /// Kind of object acted on.
    pub target_type: Option<&'a str>,
    /// Its id.
    pub target_id: Option<String>,
    /// Client address.
    pub ip: Option<&'a str>,
    /// The request's id.
    pub request_id: Option<&'a str>,
    /// Anything else worth keeping, as JSON.
    pub detail: Value,
}

/// An entry as stored.
#[derive(Debug, Clone)]
pub struct AuditRow {
    /// Position in the log (newest highest).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// user, api_key, anonymous or system.
    pub actor_type: String,
    /// The user or key.
    pub actor_id: Option<Uuid>,
    /// Who, in words.
    pub actor_label: String,
    /// What.
    pub action: String,
    /// ok, denied or failed.
    pub outcome: String,
    /// Kind of object.
    pub target_type: Option<String>,
    /// Its id.
    pub target_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
    /// Details.
    pub detail: Value,
}

/// Writes one entry.
pub async fn record<'c>(
    db: impl Db<'c>,
    e: &AuditEntry<'_>,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO audit_log (at, actor_type, actor_id, actor_label, action, outcome,
                                target_type, target_id, ip, request_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        at,
        e.actor_type,
        e.actor_id,
        escape_controls(e.actor_label),
        e.action,
        e.outcome,
        e.target_type,
        e.target_id.as_deref().map(escape_controls),
        e.ip.map(escape_controls),
        e.request_id,
        escape_json(e.detail.clone()),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Which entries to read.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this action.
    pub action: Option<String>,
    /// Only this actor.
    pub actor_id: Option<Uuid>,
    /// Only at or after.
    pub since: Option<DateTime<Utc>>,
    /// Only before.
    pub until: Option<DateTime<Utc>>,
    /// Only entries older than this id (the cursor of the previous page).
    pub before_id: Option<i64>,
    /// Only entries about this object (its id).
    pub target_id: Option<String>,
}

/// Entries newest first.
pub async fn list<'c>(db: impl Db<'c>, f: &AuditFilter, limit: i64) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as!(
        AuditRow,
        "SELECT id, at, actor_type, actor_id, actor_label, action, outcome, target_type,
                target_id, ip, request_id, detail
         FROM audit_log
         WHERE ($1::text IS NULL OR action = $1)
           AND ($2::uuid IS NULL OR actor_id = $2)
           AND ($3::timestamptz IS NULL OR at >= $3)
           AND ($4::timestamptz IS NULL OR at < $4)
           AND ($5::bigint IS NULL OR id < $5)
           AND ($7::text IS NULL OR target_id = $7)
         ORDER BY id DESC
         LIMIT $6",
        f.action,
        f.actor_id,
        f.since,
        f.until,
        f.before_id,
        limit,
        f.target_id,
    )
    .fetch_all(db)
    .await
}

/// Replaces control characters (newlines, escapes, NUL) with their `\u{..}` spelling.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn escape_json(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(escape_controls(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(escape_json).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (escape_controls(&k), escape_json(v)))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_cannot_forge_lines() {
        assert_eq!(
            escape_controls("eve\n2026-12-01 auth.login ok admin"),
            "eve\\u{a}2026-12-01 auth.login ok admin"
        );
        assert_eq!(escape_controls("plain é"), "plain é");
        assert_eq!(
            escape_json(serde_json::json!({"a\r": ["x\u{1b}[31m"]})),
            serde_json::json!({"a\\u{d}": ["x\\u{1b}[31m"]})
        );
    }
}
