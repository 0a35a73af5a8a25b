//! Request and response bodies of sign-in, users, API keys and the audit log.

use super::shared_types::Timestamp;
use leadgen_core::access::{Role, Scope};
use leadgen_core::repo::api_keys::ApiKeyRow;
use leadgen_core::repo::audit::AuditRow;
use leadgen_core::repo::users::UserRow;
use poem_openapi::{Enum, Object};
use uuid::Uuid;

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RoleName {
    /// Everything, including users, everyone's API keys and the audit log.
    Admin,
    /// Searches, leads, exports, analytics and their own API keys.
    Manager,
    /// Views leads and works them.
    Agent,
    /// Read-only.
    Viewer,
}

impl From<RoleName> for Role {
    fn from(r: RoleName) -> Role {
        match r {
            RoleName::Admin => Role::Admin,
            RoleName::Manager => Role::Manager,
            RoleName::Agent => Role::Agent,
            RoleName::Viewer => Role::Viewer,
        }
    }
}

impl From<Role> for RoleName {
    fn from(r: Role) -> RoleName {
        match r {
            Role::Admin => RoleName::Admin,
            Role::Manager => RoleName::Manager,
            Role::Agent => RoleName::Agent,
            Role::Viewer => RoleName::Viewer,
        }
    }
}

/// What an API key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ScopeName {
    /// Read leads, searches, analytics and exports.
    Read,
    /// Also start searches and work leads.
    Write,
}

impl From<ScopeName> for Scope {
    fn from(s: ScopeName) -> Scope {
        match s {
            ScopeName::Read => Scope::Read,
            ScopeName::Write => Scope::Write,
        }
    }
}

impl From<Scope> for ScopeName {
    fn from(s: Scope) -> ScopeName {
        match s {
            Scope::Read => ScopeName::Read,
            Scope::Write => ScopeName::Write,
        }
    }
}

/// Sign-in with email and password.
#[derive(Debug, Object)]
pub struct LoginRequest {
    /// The account's email (any case).
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// Its password.
    #[oai(validator(max_length = 1024))]
    pub password: String,
}

/// A refresh token to exchange.
#[derive(Debug, Object)]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh (each works once).
    #[oai(validator(max_length = 256))]
    pub refresh_token: String,
}

/// Tokens handed out by sign-in and refresh.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// When the access token expires.
    pub access_expires_at: Timestamp,
    /// Exchange at `POST /api/v1/auth/refresh` for a new pair; works once.
    pub refresh_token: String,
    /// When the session ends at the latest (it also ends after inactivity).
    pub session_expires_at: Timestamp,
    /// Who signed in.
    pub user: UserView,
}

/// A staff account.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserView {
    /// Id.
    pub id: Uuid,
    /// Email, lower-cased.
    pub email: String,
    /// Name shown in the dashboard.
    pub display_name: String,
    /// Role.
    pub role: RoleName,
    /// Whether the account is disabled.
    pub disabled: bool,
    /// When it was disabled.
    pub disabled_at: Option<Timestamp>,
    /// Last sign-in.
    pub last_login_at: Option<Timestamp>,
    /// Created.
    pub created_at: Timestamp,
}

impl UserView {
    /// From a stored row.
    pub fn from_row(u: &UserRow) -> Result<Self, crate::error::ApiError> {
        let role = Role::parse(&u.role)
            .ok_or_else(|| crate::error::ApiError::Internal(format!("stored role `{}`", u.role)))?;
        Ok(UserView {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            role: role.into(),
            disabled: u.disabled_at.is_some(),
            disabled_at: u.disabled_at.map(Timestamp),
            last_login_at: u.last_login_at.map(Timestamp),
            created_at: Timestamp(u.created_at),
        })
    }
}

/// How the caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CallerKind {
    /// A signed-in user.
    User,
    /// An API key.
    ApiKey,
}

/// The caller.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct MeResponse {
    /// User or API key.
    pub kind: CallerKind,
    /// The user's or the key's id.
    pub id: Uuid,
    /// The user whose authority applies (the key's creator for a key).
    pub user_id: Uuid,
    /// The role in force.
    pub role: RoleName,
    /// The user's email (users only).
    pub email: Option<String>,
    /// The user's display name, or the key's name.
    pub name: String,
    /// The key's scope (keys only).
    pub scope: Option<ScopeName>,
    /// Everything the caller may do, e.g. `leads:read`.
    pub permissions: Vec<String>,
    /// When the session ends at the latest (users only).
    pub session_expires_at: Option<Timestamp>,
}

/// A new account.
#[derive(Debug, Object)]
pub struct CreateUserRequest {
    /// Email, the sign-in name.
    #[oai(validator(max_length = 254))]
    pub email: String,
    /// Name shown in the dashboard.
    #[oai(validator(max_length = 200))]
    pub display_name: Option<String>,
    /// Role.
    pub role: RoleName,
    /// Initial password; omitted, a strong one is generated and returned once.
    #[oai(validator(max_length = 1024))]
    pub password: Option<String>,
}

/// A created account.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreatedUser {
    /// The account.
    pub user: UserView,
    /// The generated password, when none was given: shown this once only.
    pub generated_password: Option<String>,
}

/// Changes to an account; omitted fields stay as they are.
#[derive(Debug, Object)]
pub struct UpdateUserRequest {
    /// New role.
    pub role: Option<RoleName>,
    /// New display name.
    #[oai(validator(max_length = 200))]
    pub display_name: Option<String>,
    /// Disable (ends all the account's sessions) or re-enable.
    pub disabled: Option<bool>,
    /// New password (ends all the account's sessions).
    #[oai(validator(max_length = 1024))]
    pub password: Option<String>,
}

/// A page of accounts.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct UserList {
    /// Accounts, oldest first.
    pub users: Vec<UserView>,
    /// All accounts.
    pub total_count: i64,
    /// Page size.
    pub limit: i64,
    /// Accounts skipped.
    pub offset: i64,
}

/// A change of one's own password.
#[derive(Debug, Object)]
pub struct ChangePasswordRequest {
    /// The current password.
    #[oai(validator(max_length = 1024))]
    pub current_password: String,
    /// The new one.
    #[oai(validator(max_length = 1024))]
    pub new_password: String,
}

/// A new API key.
#[derive(Debug, Object)]
pub struct CreateApiKeyRequest {
    /// What it is for, e.g. "CRM sync".
    #[oai(validator(max_length = 100))]
    pub name: String,
    /// read or write.
    pub scope: ScopeName,
}

/// An API key as listed (never the key itself).
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApiKeyView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The key's first characters, to recognise it.
    pub prefix: String,
    /// Scope.
    pub scope: ScopeName,
    /// Creator.
    pub created_by: Uuid,
    /// Creator's email.
    pub created_by_email: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last used (to the minute).
    pub last_used_at: Option<Timestamp>,
    /// Whether it has been revoked.
    pub revoked: bool,
    /// When.
    pub revoked_at: Option<Timestamp>,
}

impl ApiKeyView {
    /// From a stored row.
    pub fn from_row(k: &ApiKeyRow) -> Result<Self, crate::error::ApiError> {
        let scope = Scope::parse(&k.scope).ok_or_else(|| {
            crate::error::ApiError::Internal(format!("stored scope `{}`", k.scope))
        })?;
        Ok(ApiKeyView {
            id: k.id,
            name: k.name.clone(),
            prefix: k.prefix.clone(),
            scope: scope.into(),
            created_by: k.created_by,
            created_by_email: k.created_by_email.clone(),
            created_at: Timestamp(k.created_at),
            last_used_at: k.last_used_at.map(Timestamp),
            revoked: k.revoked_at.is_some(),
            revoked_at: k.revoked_at.map(Timestamp),
        })
    }
}

/// A created API key.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct CreatedApiKey {
    /// The key: send as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Shown this once
    /// only; only its digest is stored.
    pub key: String,
    /// The key's record.
    pub api_key: ApiKeyView,
}

/// API keys.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ApiKeyList {
    /// Newest first.
    pub api_keys: Vec<ApiKeyView>,
}

/// One audit log entry.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditEntryView {
    /// Position (newest highest); pass as `before` to page back.
    pub id: i64,
    /// When.
    pub at: Timestamp,
    /// user, api_key, anonymous or system.
    pub actor_type: String,
    /// The user or key.
    pub actor_id: Option<Uuid>,
    /// Who, in words (for a failed sign-in, the email tried).
    pub actor_label: String,
    /// What, e.g. `auth.login`, `user.update`, `api_key.create`, `export.csv`.
    pub action: String,
    /// ok, denied or failed.
    pub outcome: String,
    /// Kind of object acted on.
    pub target_type: Option<String>,
    /// Its id.
    pub target_id: Option<String>,
    /// Client address.
    pub ip: Option<String>,
    /// The request's id.
    pub request_id: Option<String>,
    /// Details.
    pub detail: serde_json::Value,
}

impl From<AuditRow> for AuditEntryView {
    fn from(r: AuditRow) -> Self {
        AuditEntryView {
            id: r.id,
            at: Timestamp(r.at),
            actor_type: r.actor_type,
            actor_id: r.actor_id,
            actor_label: r.actor_label,
            action: r.action,
            outcome: r.outcome,
            target_type: r.target_type,
            target_id: r.target_id,
            ip: r.ip,
            request_id: r.request_id,
            detail: r.detail,
        }
    }
}

/// A page of the audit log.
#[derive(Debug, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<i64>,
}
