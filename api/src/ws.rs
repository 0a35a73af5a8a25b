//! `GET /api/v1/ws/jobs/{job_id}`: live job events over a WebSocket.
//!
//! A new client first gets a `job_status` snapshot (the status document plus the `event_id` it
//! covers), then every event after it, each carrying its `event_id`. A reconnecting client
//! passes `?last_event_id=N` and gets exactly the events after N. The final `job_completed` or
//! `job_failed` event is always delivered, then the server closes the socket.

use crate::auth::principal::{authenticate, presented};
use crate::error::ApiError;
use crate::routes::search::{StatusParts, status_body};
use crate::state::AppState;
use futures::{SinkExt, StreamExt};
use leadgen_core::access::Permission;
use leadgen_core::repo::{events, jobs};
use poem::web::websocket::{Message, WebSocket, WebSocketStream};
use poem::web::{Data, Path, Query};
use poem::{IntoResponse, Request, handler};
use serde::Deserialize;
use std::time::Duration;
use uuid::Uuid;

/// Query of the WebSocket endpoint.
#[derive(Debug, Deserialize)]
pub struct WsQuery {
    /// Resume after this event id.
    pub last_event_id: Option<i64>,
    /// An access token or API key, for clients that cannot set headers on a WebSocket
    /// (browsers); a header is preferred where possible.
    pub access_token: Option<String>,
}

/// Upgrades to a WebSocket streaming the job's events; 401 without valid credentials, 403
/// without `searches:read`, 404 for an unknown job.
#[handler]
pub async fn job_events(
    req: &Request,
    Path(job_id): Path<String>,
    Query(q): Query<WsQuery>,
    ws: WebSocket,
    state: Data<&AppState>,
) -> poem::Result<impl IntoResponse> {
    // Pages connect with their session cookie.
    let cookie = req
        .cookie()
        .get("lg_access")
        .map(|c| c.value_str().to_string());
    let credential = presented(req)
        .or(q.access_token.clone())
        .or(cookie)
        .ok_or_else(|| ApiError::Unauthorized("authentication required".into()))?;
    let principal = authenticate(&state, &credential).await?;
    principal.require(Permission::SearchesRead)?;
    let job_id =
        Uuid::parse_str(&job_id).map_err(|_| ApiError::field("job_id", "must be a UUID"))?;
    if jobs::get(&state.pool, job_id)
        .await
        .map_err(ApiError::from)?
        .is_none()
    {
        return Err(ApiError::NotFound("Job not found".into()).into());
    }
    let state = state.clone();
    Ok(ws.on_upgrade(move |socket| async move {
        if let Err(e) = session(socket, state, job_id, q.last_event_id).await {
            tracing::debug!(error = %e, %job_id, "websocket session ended with an error");
        }
    }))
}

async fn session(
    socket: WebSocketStream,
    state: AppState,
    job_id: Uuid,
    resume: Option<i64>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let (mut sink, mut incoming) = socket.split();
    let mut wake = state.hub.subscribe(job_id);
    let mut last = match resume {
        Some(id) => id,
        None => {
            // The snapshot covers every event but a terminal one, which is replayed after it.
            let covered = events::last_non_terminal_id(&state.pool, job_id).await?;
            let row = jobs::get(&state.pool, job_id)
                .await?
                .ok_or("job vanished")?;
            let parts = StatusParts::load(&state.pool, row).await?;
            let mut snap = status_body(&parts)?;
            snap["type"] = "job_status".into();
            snap["event_id"] = covered.into();
            sink.send(Message::Text(snap.to_string())).await?;
            covered
        }
    };
    loop {
        let batch = events::after(&state.pool, job_id, last, 500).await?;
        for e in &batch {
            let mut msg = e.payload.clone();
            msg["event_id"] = e.id.into();
            msg["type"] = e.kind.clone().into();
            sink.send(Message::Text(msg.to_string())).await?;
            last = e.id;
            if matches!(e.kind.as_str(), "job_completed" | "job_failed") {
                let _ = sink.send(Message::Close(None)).await;
                return Ok(());
            }
        }
        if batch.len() == 500 {
            continue;
        }
        tokio::select! {
            r = wake.changed() => { r?; }
            // A safety net for a notification lost while the listener reconnected.
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            m = incoming.next() => match m {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                Some(Ok(_)) => {}
            },
        }
    }
}
