//! `POST /auth/login`, `POST /auth/refresh`, `POST /auth/logout`, `GET /auth/me` and
//! `POST /auth/password`.

use super::ApiTags;
use super::access_types::{
    CallerKind, ChangePasswordRequest, LoginRequest, MeResponse, RefreshRequest, TokenResponse,
    UserView,
};
use super::shared_types::{
    ApiFailure, ApiResult, ChangeFailures, LookupFailures, SignInFailures, Timestamp,
};
use crate::auth::audit::{self, Event};
use crate::auth::client::ClientInfo;
use crate::auth::session::{self, Issued};
use crate::auth::{Auth, Credential};
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::{Permission, password};
use leadgen_core::repo::{sessions, users};
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

/// Sign-in endpoints.
pub struct AuthApi;

/// An answer without a body.
#[derive(ApiResponse)]
pub enum NoContent {
    /// Done.
    #[oai(status = 204)]
    Done,
}

fn tokens(issued: Issued, state: &AppState) -> Result<TokenResponse, ApiError> {
    let now = state.clock.now();
    Ok(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer".into(),
        expires_in: (issued.access_expires_at - now).num_seconds(),
        access_expires_at: Timestamp(issued.access_expires_at),
        refresh_token: issued.refresh_token,
        session_expires_at: Timestamp(issued.session_expires_at),
        user: UserView::from_row(&issued.user)?,
    })
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Sign in with email and password.
    ///
    /// Answers with a short-lived access token (send it as `Authorization: Bearer …`) and a
    /// single-use refresh token. Failed attempts slow down the next ones for that account from
    /// that address (and for the address over all accounts): after a few, 429 with
    /// `retry_after`. A session ends after 30 minutes without activity.
    #[oai(path = "/auth/login", method = "post")]
    async fn login(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        body: Json<LoginRequest>,
    ) -> ApiResult<TokenResponse, SignInFailures> {
        let mut missing = Vec::new();
        if body.email.trim().is_empty() {
            missing.push(leadgen_core::validate::FieldError {
                field: "email".into(),
                message: "is required".into(),
            });
        }
        if body.password.is_empty() {
            missing.push(leadgen_core::validate::FieldError {
                field: "password".into(),
                message: "is required".into(),
            });
        }
        if !missing.is_empty() {
            return Err(ApiError::Validation(missing).into());
        }
        let issued = session::login(&state, &client, body.email.trim(), &body.password).await?;
        Ok(Json(tokens(issued, &state)?))
    }

    /// Exchange a refresh token for a new access token and refresh token.
    ///
    /// Each refresh token works once. Presenting one that was already used ends its session
    /// (someone else has it), and every token of that session stops working.
    #[oai(path = "/auth/refresh", method = "post")]
    async fn refresh(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        body: Json<RefreshRequest>,
    ) -> ApiResult<TokenResponse, SignInFailures> {
        if body.refresh_token.trim().is_empty() {
            return Err(ApiError::field("refresh_token", "is required").into());
        }
        let issued = session::refresh(&state, &client, body.refresh_token.trim()).await?;
        Ok(Json(tokens(issued, &state)?))
    }

    /// Sign out: ends the session of the access token used.
    #[oai(path = "/auth/logout", method = "post")]
    async fn logout(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
    ) -> Result<NoContent, ApiFailure<LookupFailures>> {
        let Credential::Session { session_id, .. } = &auth.credential else {
            return Err(ApiError::forbidden(
                "API keys have no session to end; revoke the key instead",
            )
            .into());
        };
        session::logout(&state, *session_id).await?;
        audit::by(
            &state,
            Some(&client),
            &auth,
            Event::ok("auth.logout", "session", session_id),
        )
        .await?;
        Ok(NoContent::Done)
    }

    /// Who the caller is and what they may do.
    #[oai(path = "/auth/me", method = "get")]
    async fn me(&self, auth: Auth) -> ApiResult<MeResponse, LookupFailures> {
        let permissions = Permission::ALL
            .into_iter()
            .filter(|p| auth.can(*p))
            .map(|p| p.name().to_string())
            .collect();
        let me = match &auth.credential {
            Credential::Session {
                email,
                display_name,
                expires_at,
                ..
            } => MeResponse {
                kind: CallerKind::User,
                id: auth.id,
                user_id: auth.user_id,
                role: auth.role.into(),
                email: Some(email.clone()),
                name: display_name.clone(),
                scope: None,
                permissions,
                session_expires_at: Some(Timestamp(*expires_at)),
            },
            Credential::ApiKey { name, scope } => MeResponse {
                kind: CallerKind::ApiKey,
                id: auth.id,
                user_id: auth.user_id,
                role: auth.role.into(),
                email: None,
                name: name.clone(),
                scope: Some((*scope).into()),
                permissions,
                session_expires_at: None,
            },
        };
        Ok(Json(me))
    }

    /// Change one's own password; every other session of the account ends.
    #[oai(path = "/auth/password", method = "post")]
    async fn change_password(
        &self,
        state: Data<&AppState>,
        client: Data<&ClientInfo>,
        auth: Auth,
        body: Json<ChangePasswordRequest>,
    ) -> Result<NoContent, ApiFailure<ChangeFailures>> {
        let Credential::Session { session_id, .. } = &auth.credential else {
            return Err(ApiError::forbidden("API keys have no password").into());
        };
        let user = users::by_id(&state.pool, auth.user_id)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("the account no longer exists".into()))?;
        let (current, stored) = (body.current_password.clone(), user.password_hash.clone());
        let matches = tokio::task::spawn_blocking(move || password::verify(&current, &stored))
            .await
            .map_err(|e| ApiError::Internal(format!("password check: {e}")))?;
        if !matches {
            return Err(ApiError::field("current_password", "is not correct").into());
        }
        let hashed = super::users::new_password_hash(
            "new_password",
            body.new_password.clone(),
            vec![user.email.clone(), user.display_name.clone()],
        )
        .await?;
        let now = state.clock.now();
        let mut tx = state.pool.begin().await?;
        let change = users::UserChange {
            password_hash: Some(&hashed),
            ..Default::default()
        };
        users::update(&mut *tx, user.id, &change, now).await?;
        // The session making the change stays open; every other one ends.
        let others = sessions::end_all_for_user(
            &mut *tx,
            user.id,
            Some(*session_id),
            "password_changed",
            now,
        )
        .await?;
        tx.commit().await?;
        audit::by(
            &state,
            Some(&client),
            &auth,
            Event::ok("user.password_change", "user", user.id)
                .detail(serde_json::json!({ "sessions_ended": others })),
        )
        .await?;
        Ok(NoContent::Done)
    }
}
