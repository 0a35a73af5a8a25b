//! `/api-keys`: keys for machine clients. Managers see and revoke their own; admins everyone's.

use super::ApiTags;
use super::access_types::{ApiKeyList, ApiKeyView, CreateApiKeyRequest, CreatedApiKey};
use super::auth::NoContent;
use super::shared_types::{ApiFailure, ApiResult, ChangeFailures, LookupFailures};
use crate::auth::audit::{self, Event};
use crate::auth::client::ClientInfo;
use crate::auth::{Auth, Principal};
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::{Permission, Role, Scope, secret};
use leadgen_core::repo::api_keys;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use serde_json::json;
use uuid::Uuid;

/// API key endpoints.
pub struct ApiKeysApi;

/// A created key.
#[derive(ApiResponse)]
pub enum ApiKeyCreated {
    /// Created; the key is in the body this once.
    #[oai(status = 201)]
    Created(Json<CreatedApiKey>),
}

/// Whose keys the caller may see and revoke: everyone's for an admin, else their own.
fn owner_scope(who: &Principal) -> Option<Uuid> {
    (who.role != Role::Admin).then_some(who.user_id)
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::ApiKeys")]
impl ApiKeysApi {
    /// List API keys: an admin sees every key, a manager their own.
    #[oai(path = "/api-keys", method = "get")]
    async fn list(&self, state: Data<&AppState>, auth: Auth) -> ApiResult<ApiKeyList> {
        auth.require(Permission::ApiKeysManage)?;
        let rows = api_keys::list(&state.pool, owner_scope(&auth)).await?;
        Ok(Json(ApiKeyList {
            api_keys: rows
                .iter()
                .map(ApiKeyView::from_row)
                .collect::<Result<_, _>>()?,
        }))
    }

    /// Create an API key (admins and managers).
    ///
    /// The key is returned once; only its digest is stored. A key never does more than its
    /// creator's role allows, now or later: demoting or disabling the creator limits or stops
    /// the key.
    #[oai(path = "/api-keys", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        body: Json<CreateApiKeyRequest>,
    ) -> Result<ApiKeyCreated, ApiFailure<ChangeFailures>> {
        let created =
            create_key(&state, &client, &auth, &body.name, Scope::from(body.scope)).await?;
        Ok(ApiKeyCreated::Created(Json(created)))
    }

    /// Revoke an API key; it stops working at once. A manager may revoke only their own.
    #[oai(path = "/api-keys/:key_id", method = "delete")]
    async fn revoke(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        key_id: Path<String>,
    ) -> Result<NoContent, ApiFailure<LookupFailures>> {
        let id =
            Uuid::parse_str(&key_id).map_err(|_| ApiError::field("key_id", "must be a UUID"))?;
        revoke_key(&state, &client, &auth, id).await?;
        Ok(NoContent::Done)
    }
}

/// Creates a key for its caller (`api_keys:manage`); the key itself is in the answer only.
pub async fn create_key(
    state: &AppState,
    client: &ClientInfo,
    auth: &Principal,
    name: &str,
    scope: Scope,
) -> Result<CreatedApiKey, ApiError> {
    auth.require(Permission::ApiKeysManage)?;
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::field("name", "is required"));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::field(
            "name",
            "must not contain control characters",
        ));
    }
    let key = secret::new_api_key().map_err(|e| ApiError::Internal(e.to_string()))?;
    let row = api_keys::insert(
        &state.pool,
        &api_keys::NewApiKey {
            name,
            prefix: &secret::key_hint(&key),
            key_hash: &secret::digest(&key),
            scope: scope.as_str(),
            created_by: auth.user_id,
        },
    )
    .await?;
    audit::by(
        state,
        Some(client),
        auth,
        Event::ok("api_key.create", "api_key", row.id)
            .detail(json!({ "name": name, "scope": scope.as_str() })),
    )
    .await?;
    Ok(CreatedApiKey {
        key,
        api_key: ApiKeyView::from_row(&row)?,
    })
}

/// Revokes a key the caller may see (`api_keys:manage`; a manager only their own).
pub async fn revoke_key(
    state: &AppState,
    client: &ClientInfo,
    auth: &Principal,
    id: Uuid,
) -> Result<(), ApiError> {
    auth.require(Permission::ApiKeysManage)?;
    let not_found = || ApiError::NotFound("API key not found".into());
    let key = api_keys::by_id(&state.pool, id)
        .await?
        .ok_or_else(not_found)?;
    // Someone else's key is reported as missing, not as forbidden: its existence is not the
    // caller's business.
    if owner_scope(auth).is_some_and(|owner| owner != key.created_by) {
        return Err(not_found());
    }
    if api_keys::revoke(&state.pool, id, state.clock.now()).await? {
        audit::by(
            state,
            Some(client),
            auth,
            Event::ok("api_key.revoke", "api_key", id).detail(json!({ "name": key.name })),
        )
        .await?;
    }
    Ok(())
}
