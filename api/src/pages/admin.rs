//! `/admin/users` (admins) and `/admin/api-keys` (admins and managers): the same operations as
//! the API's, through the same functions, as pages with forms.

use super::layout::{error_summary, page};
use super::session;
use crate::auth::Principal;
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::routes::access_types::{CreateUserRequest, RoleName, UpdateUserRequest};
use crate::routes::{api_keys as key_routes, users as user_routes};
use crate::state::AppState;
use leadgen_core::access::{Permission, Role, Scope};
use leadgen_core::repo::{api_keys, users};
use maud::{Markup, html};
use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Path, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;
use uuid::Uuid;

fn problems(e: &ApiError) -> Vec<(String, String)> {
    match e {
        ApiError::Validation(f) => f
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect(),
        other => vec![("email".into(), other.to_string())],
    }
}

async fn users_page(
    state: &AppState,
    who: &Principal,
    jar: &CookieJar,
    notice: Option<Markup>,
    errors: &[(String, String)],
    status: StatusCode,
) -> Response {
    let csrf = session::csrf(jar).unwrap_or_default();
    let rows = users::list(&state.pool, 500, 0)
        .await
        .map(|(r, _)| r)
        .unwrap_or_default();
    let body = html! {
        h1 { "Users" }
        @if let Some(n) = notice { div class="notice" role="status" { (n) } }
        (error_summary(errors))
        table {
            thead { tr { th scope="col" { "Email" } th scope="col" { "Name" } th scope="col" { "Role" } th scope="col" { "State" } th scope="col" { "Change" } } }
            tbody {
                @for u in &rows {
                    tr {
                        td { (u.email) }
                        td { (u.display_name) }
                        td { (u.role) }
                        td { (if u.disabled_at.is_some() { "disabled" } else { "active" }) }
                        td {
                            form method="post" action={ "/admin/users/" (u.id) } {
                                input type="hidden" name="csrf" value=(csrf);
                                label class="visually-hidden" for={ "role-" (u.id) } { "Role of " (u.email) }
                                select id={ "role-" (u.id) } name="role" {
                                    @for r in Role::ALL { option value=(r.as_str()) selected[u.role == r.as_str()] { (r.as_str()) } }
                                }
                                label for={ "disabled-" (u.id) } {
                                    input type="checkbox" id={ "disabled-" (u.id) } name="disabled" value="true" checked[u.disabled_at.is_some()];
                                    " Disabled"
                                }
                                button type="submit" class="secondary" { "Save " span class="visually-hidden" { (u.email) } }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Add a user" }
        form method="post" action="/admin/users" {
            input type="hidden" name="csrf" value=(csrf);
            label for="email" { "Email" }
            input type="email" id="email" name="email" required autocomplete="off";
            label for="display_name" { "Name" }
            input type="text" id="display_name" name="display_name" autocomplete="off";
            label for="role" { "Role" }
            select id="role" name="role" { @for r in Role::ALL { option value=(r.as_str()) selected[r == Role::Agent] { (r.as_str()) } } }
            p class="hint" { "A strong password is generated and shown once." }
            p { button type="submit" { "Add user" } }
        }
    };
    page("Users", Some(who), Some(&csrf), body)
        .with_status(status)
        .into_response()
}

/// The users page.
#[handler]
pub async fn users_show(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
) -> Response {
    match session::allowed(
        &state,
        &client,
        jar,
        "/admin/users",
        Permission::UsersManage,
    )
    .await
    {
        Ok(who) => users_page(&state, &who, jar, None, &[], StatusCode::OK).await,
        Err(r) => r,
    }
}

/// The new-user form.
#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    csrf: String,
    email: String,
    #[serde(default)]
    display_name: String,
    role: String,
}

fn role_name(raw: &str) -> Result<RoleName, ApiError> {
    Role::parse(raw)
        .map(RoleName::from)
        .ok_or_else(|| ApiError::field("role", "is not a role"))
}

/// Adding a user.
#[handler]
pub async fn users_create(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Form(f): Form<NewUserForm>,
) -> Response {
    let who = match session::allowed(
        &state,
        &client,
        jar,
        "/admin/users",
        Permission::UsersManage,
    )
    .await
    {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Some(r) = session::form_token(&who, jar, &f.csrf) {
        return r;
    }
    let request = role_name(&f.role).map(|role| CreateUserRequest {
        email: f.email.clone(),
        display_name: Some(f.display_name.clone()),
        role,
        password: None,
    });
    let result = match request {
        Ok(r) => user_routes::create_user(&state, &client, &who, r).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(created) => {
            let notice = html! {
                p { "Added " strong { (created.user.email) } ". Their password, shown this once: " code { (created.generated_password.unwrap_or_default()) } }
            };
            users_page(&state, &who, jar, Some(notice), &[], StatusCode::CREATED).await
        }
        Err(e) => users_page(&state, &who, jar, None, &problems(&e), e_status(&e)).await,
    }
}

fn e_status(e: &ApiError) -> StatusCode {
    match e {
        ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ApiError::Conflict(_) => StatusCode::CONFLICT,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::Forbidden { .. } => StatusCode::FORBIDDEN,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    }
}

/// A user's row form.
#[derive(Debug, Deserialize)]
pub struct UserChangeForm {
    csrf: String,
    role: String,
    #[serde(default)]
    disabled: Option<String>,
}

/// Changing a user's role or disabling them.
#[handler]
pub async fn users_update(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Path(id): Path<Uuid>,
    Form(f): Form<UserChangeForm>,
) -> Response {
    let who = match session::allowed(
        &state,
        &client,
        jar,
        "/admin/users",
        Permission::UsersManage,
    )
    .await
    {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Some(r) = session::form_token(&who, jar, &f.csrf) {
        return r;
    }
    let result = match role_name(&f.role) {
        Ok(role) => {
            let change = UpdateUserRequest {
                role: Some(role),
                display_name: None,
                disabled: Some(f.disabled.is_some()),
                password: None,
            };
            user_routes::update_user(&state, &client, &who, id, change).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::see_other("/admin/users").into_response(),
        Err(e) => users_page(&state, &who, jar, None, &problems(&e), e_status(&e)).await,
    }
}

async fn keys_page(
    state: &AppState,
    who: &Principal,
    jar: &CookieJar,
    notice: Option<Markup>,
    errors: &[(String, String)],
    status: StatusCode,
) -> Response {
    let csrf = session::csrf(jar).unwrap_or_default();
    let owner = (who.role != Role::Admin).then_some(who.user_id);
    let rows = api_keys::list(&state.pool, owner).await.unwrap_or_default();
    let body = html! {
        h1 { "API keys" }
        @if let Some(n) = notice { div class="notice" role="status" { (n) } }
        (error_summary(errors))
        table {
            thead { tr { th scope="col" { "Name" } th scope="col" { "Starts with" } th scope="col" { "Scope" } th scope="col" { "Owner" } th scope="col" { "Last used" } th scope="col" { "Revoke" } } }
            tbody {
                @for k in &rows {
                    tr {
                        td { (k.name) }
                        td { code { (k.prefix) "…" } }
                        td { (k.scope) }
                        td { (k.created_by_email) }
                        td { (k.last_used_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "never".into())) }
                        td {
                            @if k.revoked_at.is_some() { "revoked" } @else {
                                form method="post" action={ "/admin/api-keys/" (k.id) "/revoke" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" class="secondary" { "Revoke " span class="visually-hidden" { (k.name) } }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "New key" }
        form method="post" action="/admin/api-keys" {
            input type="hidden" name="csrf" value=(csrf);
            label for="name" { "What it is for" }
            input type="text" id="name" name="name" required autocomplete="off";
            label for="scope" { "Scope" }
            select id="scope" name="scope" { option value="read" { "read" } option value="write" { "write" } }
            p { button type="submit" { "Create key" } }
        }
    };
    page("API keys", Some(who), Some(&csrf), body)
        .with_status(status)
        .into_response()
}

/// The API keys page.
#[handler]
pub async fn keys_show(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
) -> Response {
    match session::allowed(
        &state,
        &client,
        jar,
        "/admin/api-keys",
        Permission::ApiKeysManage,
    )
    .await
    {
        Ok(who) => keys_page(&state, &who, jar, None, &[], StatusCode::OK).await,
        Err(r) => r,
    }
}

/// The new-key form.
#[derive(Debug, Deserialize)]
pub struct NewKeyForm {
    csrf: String,
    name: String,
    scope: String,
}

/// Creating a key.
#[handler]
pub async fn keys_create(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Form(f): Form<NewKeyForm>,
) -> Response {
    let who = match session::allowed(
        &state,
        &client,
        jar,
        "/admin/api-keys",
        Permission::ApiKeysManage,
    )
    .await
    {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Some(r) = session::form_token(&who, jar, &f.csrf) {
        return r;
    }
    let scope = Scope::parse(&f.scope).unwrap_or(Scope::Read);
    match key_routes::create_key(&state, &client, &who, &f.name, scope).await {
        Ok(created) => {
            let notice = html! { p { "Key created. Copy it now, it is shown this once: " code { (created.key) } } };
            keys_page(&state, &who, jar, Some(notice), &[], StatusCode::CREATED).await
        }
        Err(e) => {
            let errors = match &e {
                ApiError::Validation(f) => f
                    .iter()
                    .map(|f| (f.field.clone(), f.message.clone()))
                    .collect(),
                other => vec![("name".into(), other.to_string())],
            };
            keys_page(&state, &who, jar, None, &errors, e_status(&e)).await
        }
    }
}

/// The revoke button's form.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    csrf: String,
}

/// Revoking a key.
#[handler]
pub async fn keys_revoke(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Path(id): Path<Uuid>,
    Form(f): Form<CsrfOnly>,
) -> Response {
    let who = match session::allowed(
        &state,
        &client,
        jar,
        "/admin/api-keys",
        Permission::ApiKeysManage,
    )
    .await
    {
        Ok(w) => w,
        Err(r) => return r,
    };
    if let Some(r) = session::form_token(&who, jar, &f.csrf) {
        return r;
    }
    match key_routes::revoke_key(&state, &client, &who, id).await {
        Ok(()) => Redirect::see_other("/admin/api-keys").into_response(),
        Err(e) => {
            keys_page(
                &state,
                &who,
                jar,
                None,
                &[("name".into(), e.to_string())],
                e_status(&e),
            )
            .await
        }
    }
}
