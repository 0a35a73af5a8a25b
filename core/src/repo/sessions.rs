//! Sign-in sessions and their single-use refresh tokens. A session is one refresh-token
//! family: reuse of a spent token ends it, and with it every access token naming it.

use super::Db;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A new session.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// Id (the access tokens' `sid`).
    pub id: Uuid,
    /// Whose.
    pub user_id: Uuid,
    /// Start, also the first activity.
    pub now: DateTime<Utc>,
    /// Absolute end, whatever the activity.
    pub expires_at: DateTime<Utc>,
    /// Client address at sign-in.
    pub ip: Option<&'a str>,
    /// Client User-Agent at sign-in.
    pub user_agent: Option<&'a str>,
}

/// Starts a session.
pub async fn create<'c>(db: impl Db<'c>, s: &NewSession<'_>) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $3, $4, $5, $6)",
        s.id,
        s.user_id,
        s.now,
        s.expires_at,
        s.ip,
        s.user_agent,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stores the digest of a new refresh token for `session_id`.
pub async fn add_refresh_token<'c>(
    db: impl Db<'c>,
    token_hash: &[u8],
    session_id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)",
        token_hash,
        session_id,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

/// What presenting a refresh token found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshUse {
    /// The token was unspent and is now spent; the session it belongs to.
    Fresh(Uuid),
    /// The token was spent before: it has been stolen or replayed. Its session.
    Reused(Uuid),
    /// No such token.
    Unknown,
}

/// Spends a refresh token atomically: of two concurrent uses, one is `Fresh` and the other
/// (which waits for the first to commit) `Reused`.
pub async fn spend_refresh_token<'c>(
    db: impl Db<'c>,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<RefreshUse> {
    let row = sqlx::query!(
        r#"WITH spent AS (
               UPDATE refresh_tokens SET used_at = $2
               WHERE token_hash = $1 AND used_at IS NULL
               RETURNING session_id
           )
           SELECT (SELECT session_id FROM spent) AS fresh,
                  (SELECT session_id FROM refresh_tokens WHERE token_hash = $1) AS known"#,
        token_hash,
        now
    )
    .fetch_one(db)
    .await?;
    Ok(match (row.fresh, row.known) {
        (Some(s), _) => RefreshUse::Fresh(s),
        (None, Some(s)) => RefreshUse::Reused(s),
        (None, None) => RefreshUse::Unknown,
    })
}

/// A session with the account it belongs to, as authentication needs it.
#[derive(Debug, Clone)]
pub struct SessionAuth {
    /// Session id.
    pub id: Uuid,
    /// Account id.
    pub user_id: Uuid,
    /// Account email.
    pub email: String,
    /// Account display name.
    pub display_name: String,
    /// Account role.
    pub role: String,
    /// When the account was disabled.
    pub user_disabled_at: Option<DateTime<Utc>>,
    /// When the session ended, if it has.
    pub ended_at: Option<DateTime<Utc>>,
    /// Last activity.
    pub last_seen_at: DateTime<Utc>,
    /// Absolute end.
    pub expires_at: DateTime<Utc>,
}

/// Loads a session and its account.
pub async fn get<'c>(db: impl Db<'c>, id: Uuid) -> sqlx::Result<Option<SessionAuth>> {
    sqlx::query_as!(
        SessionAuth,
        "SELECT s.id, s.user_id, u.email, u.display_name, u.role,
                u.disabled_at AS user_disabled_at, s.ended_at, s.last_seen_at, s.expires_at
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

/// Records activity on an open session.
pub async fn touch<'c>(db: impl Db<'c>, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE sessions SET last_seen_at = greatest(last_seen_at, $2)
         WHERE id = $1 AND ended_at IS NULL",
        id,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Ends a session; returns whether it was still open.
pub async fn end<'c>(
    db: impl Db<'c>,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let r = sqlx::query!(
        "UPDATE sessions SET ended_at = $3, end_reason = $2 WHERE id = $1 AND ended_at IS NULL",
        id,
        reason,
        now
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Ends every open session of an account but `except`; returns how many.
pub async fn end_all_for_user<'c>(
    db: impl Db<'c>,
    user_id: Uuid,
    except: Option<Uuid>,
    reason: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let r = sqlx::query!(
        "UPDATE sessions SET ended_at = $3, end_reason = $2
         WHERE user_id = $1 AND ended_at IS NULL AND ($4::uuid IS NULL OR id <> $4)",
        user_id,
        reason,
        now,
        except,
    )
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}
