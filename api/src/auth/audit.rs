//! Writing the audit log from request handlers.

use super::client::ClientInfo;
use super::principal::{ActorRef, Principal};
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::repo::audit::{self, AuditEntry};
use serde_json::Value;

/// One event to record, before the request's context is added.
pub struct Event<'a> {
    /// What, e.g. `user.update`.
    pub action: &'a str,
    /// ok, denied or failed.
    pub outcome: &'a str,
    /// Kind of object acted on.
    pub target_type: Option<&'a str>,
    /// Its id.
    pub target_id: Option<String>,
    /// Anything else, as JSON.
    pub detail: Value,
}

impl<'a> Event<'a> {
    /// A successful `action` on `target_type` `target_id`.
    pub fn ok(action: &'a str, target_type: &'a str, target_id: impl ToString) -> Self {
        Event {
            action,
            outcome: "ok",
            target_type: Some(target_type),
            target_id: Some(target_id.to_string()),
            detail: Value::Null,
        }
    }

    /// With details.
    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Records `event` done by `actor` (`None`: anonymous, labelled `label`).
pub async fn record(
    state: &AppState,
    client: Option<&ClientInfo>,
    actor: Option<&ActorRef>,
    label: &str,
    event: Event<'_>,
) -> Result<(), ApiError> {
    let ip = client.map(ClientInfo::ip_text);
    let entry = AuditEntry {
        actor_type: actor.map_or("anonymous", |a| a.kind),
        actor_id: actor.map(|a| a.id),
        actor_label: actor.map_or(label, |a| a.label.as_str()),
        action: event.action,
        outcome: event.outcome,
        target_type: event.target_type,
        target_id: event.target_id,
        ip: ip.as_deref(),
        request_id: client.map(|c| c.request_id.as_str()),
        detail: if event.detail.is_null() {
            Value::Object(Default::default())
        } else {
            event.detail
        },
    };
    audit::record(&state.pool, &entry, state.clock.now()).await?;
    tracing::info!(
        target: "audit",
        action = entry.action,
        outcome = entry.outcome,
        actor = ?entry.actor_label,
        target = ?entry.target_id,
        "audit"
    );
    Ok(())
}

/// Records `event` done by an authenticated caller.
pub async fn by(
    state: &AppState,
    client: Option<&ClientInfo>,
    who: &Principal,
    event: Event<'_>,
) -> Result<(), ApiError> {
    record(state, client, Some(&who.actor()), "", event).await
}
