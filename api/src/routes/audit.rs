//! `GET /audit`: the audit log, for admins.

use super::ApiTags;
use super::access_types::{AuditEntryView, AuditPage};
use super::shared_types::ApiResult;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::Permission;
use leadgen_core::repo::audit::{self, AuditFilter};
use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use uuid::Uuid;

/// Audit log endpoints.
pub struct AuditApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Audit")]
impl AuditApi {
    /// Read the audit log, newest first (admins only).
    ///
    /// Filters: `action` (e.g. `auth.login`), `actor_id`, `target_id` (e.g. a lead's id),
    /// `since` / `until` (RFC 3339). Page
    /// back with `before` = the last page's `next_before`; `limit` 1–500 (default 100).
    #[oai(path = "/audit", method = "get")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        action: Query<Option<String>>,
        actor_id: Query<Option<Uuid>>,
        since: Query<Option<chrono::DateTime<chrono::Utc>>>,
        until: Query<Option<chrono::DateTime<chrono::Utc>>>,
        before: Query<Option<i64>>,
        target_id: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> ApiResult<AuditPage> {
        auth.require(Permission::AuditRead)?;
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(ApiError::field("limit", "must be between 1 and 500").into());
        }
        let filter = AuditFilter {
            action: action.0.filter(|a| !a.is_empty()),
            actor_id: actor_id.0,
            since: since.0,
            until: until.0,
            before_id: before.0,
            target_id: target_id.0.filter(|t| !t.is_empty()),
        };
        let rows = audit::list(&state.pool, &filter, limit as i64).await?;
        let next_before = (rows.len() == limit as usize)
            .then(|| rows.last().map(|r| r.id))
            .flatten();
        Ok(Json(AuditPage {
            entries: rows.into_iter().map(AuditEntryView::from).collect(),
            next_before,
        }))
    }
}
