//! Staff accounts.

use super::Db;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A user as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id.
    pub id: Uuid,
    /// Lower-cased email, the sign-in name.
    pub email: String,
    /// Name shown in the dashboard.
    pub display_name: String,
    /// admin, manager, agent or viewer.
    pub role: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// When the account was disabled; disabled accounts cannot sign in or use their keys.
    pub disabled_at: Option<DateTime<Utc>>,
    /// Last successful sign-in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    /// Email (stored lower-cased).
    pub email: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// Role name.
    pub role: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
}

/// Creates an account; `None` when the email is taken.
pub async fn insert<'c>(db: impl Db<'c>, u: &NewUser<'_>) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "INSERT INTO users (id, email, display_name, role, password_hash)
         VALUES ($1, lower($2), $3, $4, $5)
         ON CONFLICT (email) DO NOTHING
         RETURNING id, email, display_name, role, password_hash, disabled_at, last_login_at,
                   created_at, updated_at",
        Uuid::now_v7(),
        u.email,
        u.display_name,
        u.role,
        u.password_hash,
    )
    .fetch_optional(db)
    .await
}

/// The account signing in as `email` (any case).
pub async fn by_email<'c>(db: impl Db<'c>, email: &str) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "SELECT id, email, display_name, role, password_hash, disabled_at, last_login_at,
                created_at, updated_at
         FROM users WHERE email = lower($1)",
        email
    )
    .fetch_optional(db)
    .await
}

/// One account.
pub async fn by_id<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "SELECT id, email, display_name, role, password_hash, disabled_at, last_login_at,
                created_at, updated_at
         FROM users WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// A page of accounts, oldest first, and how many there are.
pub async fn list<'c>(
    db: impl Db<'c> + Copy,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<UserRow>, i64)> {
    let rows = sqlx::query_as!(
        UserRow,
        "SELECT id, email, display_name, role, password_hash, disabled_at, last_login_at,
                created_at, updated_at
         FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2",
        limit,
        offset
    )
    .fetch_all(db)
    .await?;
    let total = sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM users"#)
        .fetch_one(db)
        .await?;
    Ok((rows, total))
}

/// A change to an account; `None` fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserChange<'a> {
    /// New role.
    pub role: Option<&'a str>,
    /// New display name.
    pub display_name: Option<&'a str>,
    /// Disable (`true`) or re-enable (`false`).
    pub disabled: Option<bool>,
    /// New password hash.
    pub password_hash: Option<&'a str>,
}

/// Applies `change`; `None` when the account does not exist.
pub async fn update<'c>(
    db: impl Db<'c>,
    id: Uuid,
    change: &UserChange<'_>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<UserRow>> {
    sqlx::query_as!(
        UserRow,
        "UPDATE users SET
             role = coalesce($2, role),
             display_name = coalesce($3, display_name),
             disabled_at = CASE WHEN $4::boolean IS NULL THEN disabled_at
                                WHEN $4 THEN coalesce(disabled_at, $5)
                                ELSE NULL END,
             password_hash = coalesce($6, password_hash)
         WHERE id = $1
         RETURNING id, email, display_name, role, password_hash, disabled_at, last_login_at,
                   created_at, updated_at",
        id,
        change.role,
        change.display_name,
        change.disabled,
        now,
        change.password_hash,
    )
    .fetch_optional(db)
    .await
}

/// Admin accounts that are not disabled, locking them so two concurrent changes cannot both
/// remove what each thinks is the second-to-last admin.
pub async fn lock_active_admins<'c>(db: impl Db<'c>) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id FOR UPDATE"
    )
    .fetch_all(db)
    .await
}

/// Records a successful sign-in.
pub async fn record_login<'c>(db: impl Db<'c>, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!("UPDATE users SET last_login_at = $2 WHERE id = $1", id, now)
        .execute(db)
        .await?;
    Ok(())
}
