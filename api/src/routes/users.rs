//! `/users`: staff accounts, for admins.

use super::ApiTags;
use super::access_types::{CreateUserRequest, CreatedUser, UpdateUserRequest, UserList, UserView};
use super::shared_types::{ApiFailure, ApiResult, ChangeFailures};
use crate::auth::audit::{self, Event};
use crate::auth::client::ClientInfo;
use crate::auth::{Auth, Principal};
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::{Permission, Role, password};
use leadgen_core::repo::{sessions, users};
use leadgen_core::validate::{FieldError, email_address};
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};
use serde_json::json;
use uuid::Uuid;

/// User administration endpoints.
pub struct UsersApi;

/// A created account.
#[derive(ApiResponse)]
pub enum UserCreated {
    /// Created.
    #[oai(status = 201)]
    Created(Json<CreatedUser>),
}

/// Checks and hashes a new password off the async threads.
pub async fn new_password_hash(
    field: &str,
    password: String,
    context: Vec<String>,
) -> Result<String, ApiError> {
    let field = field.to_string();
    tokio::task::spawn_blocking(move || {
        let ctx: Vec<&str> = context
            .iter()
            .map(String::as_str)
            .chain(["leadgen"])
            .collect();
        password::check(&password, &ctx).map_err(|e| ApiError::field(&field, e.0))?;
        password::hash(&password).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))?
}

fn user_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::field("user_id", "must be a UUID"))
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Users")]
impl UsersApi {
    /// List staff accounts (admins only).
    #[oai(path = "/users", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        limit: Query<Option<u32>>,
        offset: Query<Option<u32>>,
    ) -> ApiResult<UserList> {
        auth.require(Permission::UsersManage)?;
        let limit = limit.0.unwrap_or(100);
        if !(1..=500).contains(&limit) {
            return Err(ApiError::field("limit", "must be between 1 and 500").into());
        }
        let offset = offset.0.unwrap_or(0);
        let (rows, total) = users::list(&state.pool, limit as i64, offset as i64).await?;
        Ok(Json(UserList {
            users: rows
                .iter()
                .map(UserView::from_row)
                .collect::<Result<_, _>>()?,
            total_count: total,
            limit: limit as i64,
            offset: offset as i64,
        }))
    }

    /// Create a staff account (admins only).
    ///
    /// Without `password` a strong one is generated and returned once. Passwords need at least
    /// 12 characters and must not be easy to guess; there are no composition rules.
    #[oai(path = "/users", method = "post")]
    async fn create(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        body: Json<CreateUserRequest>,
    ) -> Result<UserCreated, ApiFailure<ChangeFailures>> {
        let created = create_user(&state, &client, &auth, body.0).await?;
        Ok(UserCreated::Created(Json(created)))
    }

    /// One staff account (admins only).
    #[oai(path = "/users/:user_id", method = "get")]
    async fn get(
        &self,
        state: Data<&AppState>,
        auth: Auth,
        user_id: Path<String>,
    ) -> ApiResult<UserView> {
        auth.require(Permission::UsersManage)?;
        let id = self::user_id(&user_id)?;
        let user = users::by_id(&state.pool, id)
            .await?
            .ok_or_else(|| ApiError::NotFound("User not found".into()))?;
        Ok(Json(UserView::from_row(&user)?))
    }

    /// Change a staff account: role, name, disabled, password (admins only).
    ///
    /// Disabling an account or setting its password ends all its sessions at once; a new role
    /// applies to the next request. Its API keys stop working while it is disabled. The last active admin cannot
    /// be demoted or disabled (409).
    #[oai(path = "/users/:user_id", method = "patch")]
    async fn update(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        user_id: Path<String>,
        body: Json<UpdateUserRequest>,
    ) -> ApiResult<UserView, ChangeFailures> {
        let id = self::user_id(&user_id)?;
        Ok(Json(update_user(&state, &client, &auth, id, body.0).await?))
    }
}

/// Creates an account for an admin (`users:manage`): the API and the admin page both call it.
pub async fn create_user(
    state: &AppState,
    client: &ClientInfo,
    auth: &Principal,
    body: CreateUserRequest,
) -> Result<CreatedUser, ApiError> {
    auth.require(Permission::UsersManage)?;
    let email = email_address("email", &body.email).map_err(|e| ApiError::Validation(vec![e]))?;
    let display_name = body
        .display_name
        .as_deref()
        .unwrap_or("")
        .trim()
        .to_string();
    let (password, generated) = match &body.password {
        Some(p) => (p.clone(), None),
        None => {
            let p = password::generate().map_err(|e| ApiError::Internal(e.to_string()))?;
            (p.clone(), Some(p))
        }
    };
    let hash = new_password_hash(
        "password",
        password,
        vec![email.clone(), display_name.clone()],
    )
    .await?;
    let role = Role::from(body.role);
    let user = users::insert(
        &state.pool,
        &users::NewUser {
            email: &email,
            display_name: &display_name,
            role: role.as_str(),
            password_hash: &hash,
        },
    )
    .await?
    .ok_or_else(|| ApiError::Conflict(format!("an account with email {email} exists")))?;
    audit::by(
        state,
        Some(client),
        auth,
        Event::ok("user.create", "user", user.id)
            .detail(json!({ "email": email, "role": role.as_str() })),
    )
    .await?;
    Ok(CreatedUser {
        user: UserView::from_row(&user)?,
        generated_password: generated,
    })
}

/// Changes an account for an admin (`users:manage`), keeping one active admin at least.
pub async fn update_user(
    state: &AppState,
    client: &ClientInfo,
    auth: &Principal,
    id: Uuid,
    body: UpdateUserRequest,
) -> Result<UserView, ApiError> {
    auth.require(Permission::UsersManage)?;
    let existing = users::by_id(&state.pool, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("User not found".into()))?;
    if body.role.is_none()
        && body.display_name.is_none()
        && body.disabled.is_none()
        && body.password.is_none()
    {
        return Err(ApiError::Validation(vec![FieldError {
            field: "body".into(),
            message: "name at least one of role, display_name, disabled, password".into(),
        }]));
    }
    let hash = match &body.password {
        Some(p) => Some(
            new_password_hash(
                "password",
                p.clone(),
                vec![existing.email.clone(), existing.display_name.clone()],
            )
            .await?,
        ),
        None => None,
    };
    let role = body.role.map(Role::from);
    let now = state.clock.now();
    let mut tx = state.pool.begin().await?;
    let admins = users::lock_active_admins(&mut *tx).await?;
    let loses_admin = admins.contains(&id)
        && (role.is_some_and(|r| r != Role::Admin) || body.disabled == Some(true));
    if loses_admin && admins.len() == 1 {
        return Err(ApiError::Conflict(
            "this is the last active admin; make another admin first".into(),
        ));
    }
    let display_name = body.display_name.as_deref().map(str::trim);
    let change = users::UserChange {
        role: role.map(Role::as_str),
        display_name,
        disabled: body.disabled,
        password_hash: hash.as_deref(),
    };
    let user = users::update(&mut *tx, id, &change, now)
        .await?
        .ok_or_else(|| ApiError::NotFound("User not found".into()))?;
    let reason = if body.disabled == Some(true) {
        Some("user_disabled")
    } else if hash.is_some() {
        Some("password_changed")
    } else {
        None
    };
    let ended = match reason {
        Some(r) => sessions::end_all_for_user(&mut *tx, id, None, r, now).await?,
        None => 0,
    };
    tx.commit().await?;
    audit::by(
        state,
        Some(client),
        auth,
        Event::ok("user.update", "user", id).detail(json!({
            "role": role.map(|r| r.as_str()),
            "previous_role": existing.role,
            "disabled": body.disabled,
            "display_name_changed": display_name.is_some(),
            "password_changed": hash.is_some(),
            "sessions_ended": ended,
        })),
    )
    .await?;
    UserView::from_row(&user)
}
