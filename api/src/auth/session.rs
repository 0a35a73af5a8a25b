//! Signing in, refreshing and signing out. A sign-in opens a session (a refresh-token family)
//! and hands out a short-lived access token and a single-use refresh token; each refresh spends
//! the presented token and hands out a new pair; presenting a spent token again ends the
//! session, since only a thief or a replay would do that.

use super::audit::{self, Event};
use super::client::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use leadgen_core::access::{password, secret, throttle};
use leadgen_core::repo::sessions::{self, NewSession, RefreshUse};
use leadgen_core::repo::{login_throttle, users};
use serde_json::json;
use uuid::Uuid;

/// What a sign-in or refresh hands out.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The access token.
    pub access_token: String,
    /// When it expires.
    pub access_expires_at: DateTime<Utc>,
    /// The new refresh token (shown once).
    pub refresh_token: String,
    /// The session.
    pub session_id: Uuid,
    /// When the session ends at the latest.
    pub session_expires_at: DateTime<Utc>,
    /// The account.
    pub user: users::UserRow,
}

const BAD_CREDENTIALS: &str = "the email or password is not correct";

/// Signs in with email and password from `client`.
pub async fn login(
    state: &AppState,
    client: &ClientInfo,
    email: &str,
    password: &str,
) -> Result<Issued, ApiError> {
    let now = state.clock.now();
    let ip = client.ip_text();
    let account_key = throttle::account_key(email, &ip);
    let address_key = throttle::address_key(&ip);
    let keys = [account_key.clone(), address_key.clone()];
    if let Some(until) = login_throttle::blocked_until(&state.pool, &keys, now).await? {
        let wait = (until - now).to_std().unwrap_or_default();
        audit_refused(state, client, email, "denied", "throttled").await?;
        return Err(ApiError::rate_limited(
            wait,
            "too many failed sign-ins; wait before trying again",
        ));
    }
    let user = users::by_email(&state.pool, email).await?;
    let ok = {
        let password = password.to_string();
        let stored = user
            .as_ref()
            .filter(|u| u.disabled_at.is_none())
            .map(|u| u.password_hash.clone());
        tokio::task::spawn_blocking(move || match stored {
            Some(hash) => password::verify(&password, &hash),
            None => {
                password::verify_nothing(&password);
                false
            }
        })
        .await
        .map_err(|e| ApiError::Internal(format!("password check: {e}")))?
    };
    let Some(user) = user.filter(|_| ok) else {
        let free = state.cfg.security.login_free_failures;
        for (key, allowance) in [
            (&account_key, free),
            (&address_key, free * throttle::ADDRESS_FACTOR),
        ] {
            let failures =
                login_throttle::add_failure(&state.pool, key, now, throttle::FORGET_AFTER).await?;
            if let Some(delay) = throttle::delay_after(failures.max(0) as u32, allowance) {
                let until = now + chrono::Duration::from_std(delay).unwrap_or_default();
                login_throttle::block(&state.pool, key, until).await?;
            }
        }
        audit_refused(state, client, email, "failed", "bad_credentials").await?;
        return Err(ApiError::Unauthorized(BAD_CREDENTIALS.into()));
    };
    login_throttle::clear(&state.pool, &account_key).await?;
    let session_id = Uuid::now_v7();
    let session_expires_at =
        now + chrono::Duration::from_std(state.cfg.security.session_max).unwrap_or_default();
    let refresh_token = secret::new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut tx = state.pool.begin().await?;
    sessions::create(
        &mut *tx,
        &NewSession {
            id: session_id,
            user_id: user.id,
            now,
            expires_at: session_expires_at,
            ip: Some(&ip),
            user_agent: client.user_agent.as_deref(),
        },
    )
    .await?;
    sessions::add_refresh_token(&mut *tx, &secret::digest(&refresh_token), session_id, now).await?;
    users::record_login(&mut *tx, user.id, now).await?;
    tx.commit().await?;
    let actor = super::ActorRef {
        kind: "user",
        id: user.id,
        label: user.email.clone(),
    };
    audit::record(
        state,
        Some(client),
        Some(&actor),
        "",
        Event::ok("auth.login", "session", session_id),
    )
    .await?;
    Ok(Issued {
        access_token: state.tokens.issue(user.id, session_id, now),
        access_expires_at: now + state.tokens.ttl(),
        refresh_token,
        session_id,
        session_expires_at,
        user,
    })
}

/// Records a refused sign-in as `email` (the address tried, whether or not it exists).
async fn audit_refused(
    state: &AppState,
    client: &ClientInfo,
    email: &str,
    outcome: &str,
    reason: &str,
) -> Result<(), ApiError> {
    let event = Event {
        action: "auth.login",
        outcome,
        target_type: None,
        target_id: None,
        detail: json!({ "reason": reason }),
    };
    audit::record(state, Some(client), None, email, event).await
}

/// Exchanges a refresh token for a new pair.
pub async fn refresh(
    state: &AppState,
    client: &ClientInfo,
    refresh_token: &str,
) -> Result<Issued, ApiError> {
    let now = state.clock.now();
    let invalid = || ApiError::Unauthorized("the refresh token is not valid".into());
    let mut tx = state.pool.begin().await?;
    let session_id =
        match sessions::spend_refresh_token(&mut *tx, &secret::digest(refresh_token), now).await? {
            RefreshUse::Fresh(s) => s,
            RefreshUse::Unknown => return Err(invalid()),
            RefreshUse::Reused(s) => {
                tx.rollback().await?;
                let ended = sessions::end(&state.pool, s, "refresh_reuse", now).await?;
                if let Some(session) = sessions::get(&state.pool, s).await? {
                    let actor = super::ActorRef {
                        kind: "user",
                        id: session.user_id,
                        label: session.email,
                    };
                    audit::record(
                        state,
                        Some(client),
                        Some(&actor),
                        "",
                        Event {
                            action: "auth.refresh_reuse",
                            outcome: "denied",
                            target_type: Some("session"),
                            target_id: Some(s.to_string()),
                            detail: json!({ "session_ended": ended }),
                        },
                    )
                    .await?;
                }
                return Err(ApiError::Unauthorized(
                    "the refresh token was already used; the session has been ended, sign in again"
                        .into(),
                ));
            }
        };
    let session = sessions::get(&mut *tx, session_id)
        .await?
        .ok_or_else(invalid)?;
    if session.ended_at.is_some() {
        return Err(ApiError::Unauthorized(
            "the session has ended; sign in again".into(),
        ));
    }
    if session.user_disabled_at.is_some() {
        return Err(ApiError::Unauthorized("the account is disabled".into()));
    }
    if let Some(lapse) = super::session_over(&state.cfg.security, &session, now) {
        sessions::end(&mut *tx, session.id, lapse.code(), now).await?;
        tx.commit().await?;
        return Err(ApiError::Unauthorized(lapse.message(&state.cfg.security)));
    }
    let new_token = secret::new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
    sessions::add_refresh_token(&mut *tx, &secret::digest(&new_token), session.id, now).await?;
    sessions::touch(&mut *tx, session.id, now).await?;
    let user = users::by_id(&mut *tx, session.user_id)
        .await?
        .ok_or_else(invalid)?;
    tx.commit().await?;
    Ok(Issued {
        access_token: state.tokens.issue(user.id, session.id, now),
        access_expires_at: now + state.tokens.ttl(),
        refresh_token: new_token,
        session_id: session.id,
        session_expires_at: session.expires_at,
        user,
    })
}

/// Ends a session (sign-out).
pub async fn logout(state: &AppState, session_id: Uuid) -> Result<(), ApiError> {
    sessions::end(&state.pool, session_id, "logout", state.clock.now()).await?;
    Ok(())
}
