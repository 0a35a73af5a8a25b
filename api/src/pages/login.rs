//! `/login` and `/logout` for the pages.

use super::layout::{error_summary, page};
use super::session;
use crate::auth::client::ClientInfo;
use crate::error::ApiError;
use crate::state::AppState;
use maud::html;
use poem::http::StatusCode;
use poem::web::cookie::CookieJar;
use poem::web::{Data, Form, Query, Redirect};
use poem::{IntoResponse, Response, handler};
use serde::Deserialize;

/// Where to go after signing in.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// Only paths on this site: never an open redirect.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.into(),
        _ => "/leads".into(),
    }
}

fn form(email: &str, next: &str, errors: &[(String, String)]) -> maud::Markup {
    html! {
        h1 { "Sign in" }
        (error_summary(errors))
        form method="post" action="/login" {
            input type="hidden" name="next" value=(next);
            label for="email" { "Email" }
            input type="email" id="email" name="email" value=(email) autocomplete="username" required;
            label for="password" { "Password" }
            input type="password" id="password" name="password" autocomplete="current-password" required;
            p { button type="submit" { "Sign in" } }
        }
    }
}

/// The sign-in page.
#[handler]
pub async fn show(Query(q): Query<Next>) -> Response {
    let next = safe_next(q.next.as_deref());
    page("Sign in", None, None, form("", &next, &[])).into_response()
}

/// Signing in.
#[handler]
pub async fn submit(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    match session::login_and_store(&state, &client, jar, f.email.trim(), &f.password).await {
        Ok(()) => Redirect::see_other(next).into_response(),
        Err(e) => {
            let (message, status) = match &e {
                ApiError::RateLimited { retry_after, .. } => (
                    format!("too many failed attempts: wait {retry_after} s and try again"),
                    StatusCode::TOO_MANY_REQUESTS,
                ),
                ApiError::Unauthorized(m) => (m.clone(), StatusCode::UNAUTHORIZED),
                _ => (
                    "cannot sign in right now; try again shortly".into(),
                    StatusCode::SERVICE_UNAVAILABLE,
                ),
            };
            page(
                "Sign in",
                None,
                None,
                form(&f.email, &next, &[("email".into(), message)]),
            )
            .with_status(status)
            .into_response()
        }
    }
}

/// The sign-out form's fields.
#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    csrf: String,
}

/// Signing out.
#[handler]
pub async fn logout(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Form(f): Form<LogoutForm>,
) -> Response {
    if session::csrf_ok(jar, &f.csrf)
        && let Ok(p) = session::signed_in(&state, &client, jar, "/").await
        && let crate::auth::Credential::Session { session_id, .. } = p.credential
    {
        let _ = crate::auth::session::logout(&state, session_id).await;
    }
    session::clear(jar);
    Redirect::see_other("/login").into_response()
}

/// Keeping the session alive from the idle warning: renews the tokens when needed and counts
/// as activity. 204 when the session lives on, 401 when it has ended.
#[handler]
pub async fn keepalive(
    state: Data<&AppState>,
    client: Data<&ClientInfo>,
    jar: &CookieJar,
    Form(f): Form<LogoutForm>,
) -> Response {
    if !session::csrf_ok(jar, &f.csrf) {
        return StatusCode::FORBIDDEN.into_response();
    }
    match session::signed_in(&state, &client, jar, "/").await {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}
