//! API keys of machine clients, stored as digests.

use super::Db;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A key as listed (never the key itself).
#[derive(Debug, Clone)]
pub struct ApiKeyRow {
    /// Id.
    pub id: Uuid,
    /// What it is for, in the creator's words.
    pub name: String,
    /// Its first characters.
    pub prefix: String,
    /// read or write.
    pub scope: String,
    /// Who created it.
    pub created_by: Uuid,
    /// The creator's email.
    pub created_by_email: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new key.
#[derive(Debug, Clone)]
pub struct NewApiKey<'a> {
    /// Name.
    pub name: &'a str,
    /// Its first characters.
    pub prefix: &'a str,
    /// SHA-256 of the key.
    pub key_hash: &'a [u8],
    /// read or write.
    pub scope: &'a str,
    /// Creator.
    pub created_by: Uuid,
}

/// Stores a new key.
pub async fn insert<'c>(db: impl Db<'c> + Copy, k: &NewApiKey<'_>) -> sqlx::Result<ApiKeyRow> {
    let id = sqlx::query_scalar!(
        "INSERT INTO api_keys (id, name, prefix, key_hash, scope, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        Uuid::now_v7(),
        k.name,
        k.prefix,
        k.key_hash,
        k.scope,
        k.created_by,
    )
    .fetch_one(db)
    .await?;
    by_id(db, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// One key.
pub async fn by_id<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<Option<ApiKeyRow>> {
    sqlx::query_as!(
        ApiKeyRow,
        "SELECT k.id, k.name, k.prefix, k.scope, k.created_by, u.email AS created_by_email,
                k.created_at, k.last_used_at, k.revoked_at
         FROM api_keys k JOIN users u ON u.id = k.created_by
         WHERE k.id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Keys, newest first: everyone's when `owner` is `None`, else one creator's.
pub async fn list<'c>(db: impl Db<'c>, owner: Option<Uuid>) -> sqlx::Result<Vec<ApiKeyRow>> {
    sqlx::query_as!(
        ApiKeyRow,
        "SELECT k.id, k.name, k.prefix, k.scope, k.created_by, u.email AS created_by_email,
                k.created_at, k.last_used_at, k.revoked_at
         FROM api_keys k JOIN users u ON u.id = k.created_by
         WHERE $1::uuid IS NULL OR k.created_by = $1
         ORDER BY k.created_at DESC, k.id DESC",
        owner
    )
    .fetch_all(db)
    .await
}

/// Revokes a key; returns whether it was live.
pub async fn revoke<'c>(db: impl Db<'c>, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        id,
        now
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A key as authentication needs it, with its creator.
#[derive(Debug, Clone)]
pub struct KeyAuth {
    /// Key id.
    pub id: Uuid,
    /// Key name.
    pub name: String,
    /// read or write.
    pub scope: String,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Creator.
    pub created_by: Uuid,
    /// Creator's role now.
    pub creator_role: String,
    /// When the creator was disabled.
    pub creator_disabled_at: Option<DateTime<Utc>>,
}

/// The key whose digest is `key_hash`.
pub async fn by_hash<'c>(db: impl Db<'c>, key_hash: &[u8]) -> sqlx::Result<Option<KeyAuth>> {
    sqlx::query_as!(
        KeyAuth,
        "SELECT k.id, k.name, k.scope, k.revoked_at, k.last_used_at, k.created_by,
                u.role AS creator_role, u.disabled_at AS creator_disabled_at
         FROM api_keys k JOIN users u ON u.id = k.created_by
         WHERE k.key_hash = $1",
        key_hash
    )
    .fetch_optional(db)
    .await
}

/// Records a use of a key.
pub async fn touch<'c>(db: impl Db<'c>, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE api_keys SET last_used_at = $2 WHERE id = $1",
        id,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}
