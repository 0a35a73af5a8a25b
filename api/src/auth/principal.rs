//! Authentication of every protected request: [`Auth`] is the extractor endpoints take; it
//! reads `Authorization: Bearer <access token or API key>` or `X-API-Key: <API key>`, checks
//! them against the database (sessions can end at any moment), counts the request against the
//! client's rate limit and yields the [`Principal`], whose [`Principal::require`] applies the
//! permission matrix of [`leadgen_core::access`].

use super::client::ClientInfo;
use super::jwt::TokenError;
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::secret::{API_KEY_PREFIX, digest};
use leadgen_core::access::{Permission, Role, Scope};
use leadgen_core::config::RouteGroup;
use leadgen_core::repo::{api_keys, sessions};
use poem::Request;
use poem_openapi::registry::{MetaSecurityScheme, Registry};
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions};
use uuid::Uuid;

/// Activity on a session is recorded at most this often, to spare a write per request.
const TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(15);
/// A key's `last_used_at` is kept to this precision.
const KEY_TOUCH_EVERY: chrono::Duration = chrono::Duration::seconds(60);

/// Who is acting, as the audit log names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorRef {
    /// `user` or `api_key`.
    pub kind: &'static str,
    /// The user or key.
    pub id: Uuid,
    /// Email or key name.
    pub label: String,
}

/// What authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A signed-in user.
    Session {
        /// The session.
        session_id: Uuid,
        /// The user's email.
        email: String,
        /// The user's display name.
        display_name: String,
        /// When the session ends at the latest.
        expires_at: chrono::DateTime<chrono::Utc>,
        /// How long the session may go without activity.
        idle_timeout: std::time::Duration,
    },
    /// An API key.
    ApiKey {
        /// The key's name.
        name: String,
        /// Its scope.
        scope: Scope,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The user, or the key.
    pub id: Uuid,
    /// The user's role, or the key creator's role now.
    pub role: Role,
    /// The user whose authority this is (the key's creator for a key).
    pub user_id: Uuid,
    /// How it authenticated.
    pub credential: Credential,
}

impl Principal {
    /// Whether the caller may perform `p`: the role must allow it, and for a key its scope too.
    pub fn can(&self, p: Permission) -> bool {
        let scoped = match &self.credential {
            Credential::ApiKey { scope, .. } => scope.allows(p),
            Credential::Session { .. } => true,
        };
        scoped && self.role.allows(p)
    }

    /// `Ok` when the caller may perform `p`, else 403 naming what is missing.
    pub fn require(&self, p: Permission) -> Result<(), ApiError> {
        if self.can(p) {
            return Ok(());
        }
        let message = match &self.credential {
            Credential::ApiKey { scope, .. } if !scope.allows(p) => format!(
                "API keys of scope `{}` may not do this (needs `{}`)",
                scope.as_str(),
                p.name()
            ),
            _ => format!(
                "the role `{}` may not do this (needs `{}`)",
                self.role,
                p.name()
            ),
        };
        Err(ApiError::Forbidden {
            message,
            actor: Some(self.actor()),
            permission: Some(p.name()),
        })
    }

    /// The caller as the audit log names it.
    pub fn actor(&self) -> ActorRef {
        match &self.credential {
            Credential::Session { email, .. } => ActorRef {
                kind: "user",
                id: self.id,
                label: email.clone(),
            },
            Credential::ApiKey { name, .. } => ActorRef {
                kind: "api_key",
                id: self.id,
                label: name.clone(),
            },
        }
    }

    /// The key rate limits count against.
    fn limit_key(&self) -> String {
        match self.credential {
            Credential::Session { .. } => format!("user:{}", self.id),
            Credential::ApiKey { .. } => format!("key:{}", self.id),
        }
    }
}

/// The credentials a request carries.
pub fn presented(req: &Request) -> Option<String> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if let Some(key) = header("x-api-key") {
        return Some(key.to_string());
    }
    let auth = header("authorization")?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// Checks a presented credential (an access token or an API key).
pub async fn authenticate(state: &AppState, credential: &str) -> Result<Principal, ApiError> {
    if credential.starts_with(API_KEY_PREFIX) {
        return authenticate_key(state, credential).await;
    }
    let now = state.clock.now();
    let claims = state.tokens.verify(credential, now).map_err(|e| match e {
        TokenError::Expired => ApiError::Unauthorized(e.to_string()),
        TokenError::Invalid => ApiError::Unauthorized(
            "the credentials are not valid: send an access token from /api/v1/auth/login \
             or an API key"
                .into(),
        ),
    })?;
    let session = sessions::get(&state.pool, claims.sid)
        .await?
        .filter(|s| s.user_id == claims.sub)
        .ok_or_else(|| ApiError::Unauthorized("the session does not exist".into()))?;
    if session.ended_at.is_some() {
        return Err(ApiError::Unauthorized(
            "the session has ended; sign in again".into(),
        ));
    }
    if session.user_disabled_at.is_some() {
        return Err(ApiError::Unauthorized("the account is disabled".into()));
    }
    if let Some(reason) = super::session_over(&state.cfg.security, &session, now) {
        sessions::end(&state.pool, session.id, reason.code(), now).await?;
        return Err(ApiError::Unauthorized(reason.message(&state.cfg.security)));
    }
    if now - session.last_seen_at >= TOUCH_EVERY {
        sessions::touch(&state.pool, session.id, now).await?;
    }
    let role = Role::parse(&session.role)
        .ok_or_else(|| ApiError::Internal(format!("stored role `{}`", session.role)))?;
    Ok(Principal {
        id: session.user_id,
        role,
        user_id: session.user_id,
        credential: Credential::Session {
            session_id: session.id,
            email: session.email,
            display_name: session.display_name,
            expires_at: session.expires_at,
            idle_timeout: state.cfg.security.session_idle,
        },
    })
}

async fn authenticate_key(state: &AppState, key: &str) -> Result<Principal, ApiError> {
    let found = api_keys::by_hash(&state.pool, &digest(key))
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the API key is not valid".into()))?;
    if found.revoked_at.is_some() {
        return Err(ApiError::Unauthorized(
            "the API key has been revoked".into(),
        ));
    }
    if found.creator_disabled_at.is_some() {
        return Err(ApiError::Unauthorized(
            "the API key's owner is disabled".into(),
        ));
    }
    let now = state.clock.now();
    if found
        .last_used_at
        .is_none_or(|t| now - t >= KEY_TOUCH_EVERY)
    {
        api_keys::touch(&state.pool, found.id, now).await?;
    }
    let role = Role::parse(&found.creator_role)
        .ok_or_else(|| ApiError::Internal(format!("stored role `{}`", found.creator_role)))?;
    let scope = Scope::parse(&found.scope)
        .ok_or_else(|| ApiError::Internal(format!("stored scope `{}`", found.scope)))?;
    Ok(Principal {
        id: found.id,
        role,
        user_id: found.created_by,
        credential: Credential::ApiKey {
            name: found.name,
            scope,
        },
    })
}

/// The authenticated caller of an endpoint. In the OpenAPI document: a bearer token (access
/// token or API key) or an `X-API-Key` header.
pub struct Auth(pub Principal);

impl std::ops::Deref for Auth {
    type Target = Principal;
    fn deref(&self) -> &Principal {
        &self.0
    }
}

/// Name of the bearer scheme in the OpenAPI document.
pub const BEARER_SCHEME: &str = "bearerAuth";
/// Name of the API-key header scheme in the OpenAPI document.
pub const API_KEY_SCHEME: &str = "apiKeyAuth";

impl<'a> ApiExtractor<'a> for Auth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        registry.create_security_scheme(
            BEARER_SCHEME,
            MetaSecurityScheme {
                ty: "http",
                description: Some(
                    "An access token from `POST /api/v1/auth/login` (expires; renew it with \
                     `POST /api/v1/auth/refresh`), or an API key (`lgk_…`).",
                ),
                name: None,
                key_in: None,
                scheme: Some("bearer"),
                bearer_format: Some("JWT or API key"),
                flows: None,
                openid_connect_url: None,
            },
        );
        registry.create_security_scheme(
            API_KEY_SCHEME,
            MetaSecurityScheme {
                ty: "apiKey",
                description: Some("An API key (`lgk_…`) created by an admin or manager."),
                name: Some("X-API-Key"),
                key_in: Some("header"),
                scheme: None,
                bearer_format: None,
                flows: None,
                openid_connect_url: None,
            },
        );
    }

    fn security_schemes() -> Vec<&'static str> {
        vec![BEARER_SCHEME, API_KEY_SCHEME]
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut poem::RequestBody,
        _opts: ExtractParamOptions<()>,
    ) -> poem::Result<Self> {
        let state = req
            .data::<AppState>()
            .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
        let client = req.extensions().get::<ClientInfo>();
        let group = req
            .extensions()
            .get::<RouteGroup>()
            .copied()
            .unwrap_or(RouteGroup::Read);
        let Some(credential) = presented(req) else {
            // Anonymous probing of protected routes is limited per address.
            let ip = client.map(ClientInfo::ip_text).unwrap_or_default();
            state
                .limiters
                .check(group, &format!("ip:{ip}"))
                .map_err(|wait| {
                    ApiError::rate_limited(wait, "too many requests from this address")
                })?;
            return Err(ApiError::Unauthorized(
                "authentication required: send `Authorization: Bearer <access token or API key>` \
                 or `X-API-Key: <API key>`"
                    .into(),
            )
            .into());
        };
        let principal = authenticate(state, &credential).await?;
        state
            .limiters
            .check(group, &principal.limit_key())
            .map_err(|wait| {
                ApiError::rate_limited(
                    wait,
                    format!("too many {} requests; slow down", group.name()),
                )
            })?;
        Ok(Auth(principal))
    }
}
