//! The page shell: language, title, skip link, navigation, the one stylesheet.

use crate::auth::Principal;
use crate::error::ApiError;
use leadgen_core::access::Permission;
use maud::{DOCTYPE, Markup, html};
use poem::http::StatusCode;
use poem::web::Html;
use poem::web::cookie::CookieJar;
use poem::{IntoResponse, Response};

/// The stylesheet, embedded in the binary.
pub const CSS: &str = include_str!("../../assets/app.css");
/// The search page's live-progress script, embedded in the binary.
pub const LIVE_JS: &str = include_str!("../../assets/live.js");
/// The idle-timeout warning's script, embedded in the binary.
pub const SESSION_JS: &str = include_str!("../../assets/session.js");

/// A whole page around `body`; `who` is the signed-in user (navigation and sign-out), if any.
pub fn page(
    title: &str,
    who: Option<&Principal>,
    csrf: Option<&str>,
    body: Markup,
) -> Html<String> {
    shell(title, "leadgen", who, csrf, body)
}

/// A whole page under the organisation name `brand`.
pub fn shell(
    title: &str,
    brand: &str,
    who: Option<&Principal>,
    csrf: Option<&str>,
    body: Markup,
) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (brand) }
                link rel="stylesheet" href="/assets/app.css";
            }
            body data-warn-in-ms=[warn_in_ms(who)] {
                a class="skip" href="#main" { "Skip to content" }
                header class="top" {
                    @if who.is_some() {
                        a class="brand" href="/" { (brand) }
                    } @else {
                        span class="brand" { (brand) }
                    }
                    @if let Some(p) = who {
                        nav aria-label="Main" {
                            ul {
                                @if p.can(Permission::LeadsRead) { li { a href="/leads" { "Leads" } } }
                                @if p.can(Permission::SearchesRun) { li { a href="/searches" { "New search" } } }
                                @if p.can(Permission::Analytics) { li { a href="/analytics" { "Analytics" } } }
                                @if p.can(Permission::UsersManage) { li { a href="/admin/users" { "Users" } } }
                                @if p.can(Permission::ApiKeysManage) { li { a href="/admin/api-keys" { "API keys" } } }
                            }
                        }
                        @if let Some(token) = csrf {
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(token);
                                button class="secondary" type="submit" { "Sign out" }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" { (body) }
                @if let (Some(_), Some(token)) = (warn_in_ms(who), csrf) {
                    dialog id="idle-warning" aria-labelledby="idle-title" aria-describedby="idle-text" {
                        h2 id="idle-title" { "Still there?" }
                        p id="idle-text" { "For your security you will be signed out soon after a while without activity." }
                        form method="post" action="/session/keepalive" {
                            input type="hidden" name="csrf" value=(token);
                            button type="submit" { "Stay signed in" }
                        }
                    }
                    script src="/assets/session.js" defer {}
                }
            }
        }
    };
    Html(markup.into_string())
}

/// When to warn a signed-in user before their session's idle timeout: five minutes before it
/// (a fifth of it for short timeouts).
fn warn_in_ms(who: Option<&Principal>) -> Option<u128> {
    match who.map(|p| &p.credential) {
        Some(crate::auth::Credential::Session { idle_timeout, .. }) => {
            let lead = (*idle_timeout / 5).min(std::time::Duration::from_secs(300));
            Some((*idle_timeout - lead).as_millis())
        }
        _ => None,
    }
}

/// An error summary linking to each field, announced to screen readers.
pub fn error_summary(errors: &[(String, String)]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" {
                h2 id="error-summary-title" { "There is a problem" }
                ul {
                    @for (field, message) in errors {
                        li { a href={ "#" (field) } { (label_of(field)) " " (message) } }
                    }
                }
            }
        }
    }
}

/// The words a field is known by on the pages.
pub fn label_of(field: &str) -> &str {
    match field {
        "first_name" => "First name",
        "last_name" => "Last name",
        "email" => "Email",
        "resume" => "Résumé",
        "password" => "Password",
        "status" => "Status",
        "notes" => "Notes",
        "industry" => "Industry",
        "location" => "Location",
        "company_size" => "Company size",
        "max_results" => "Most companies",
        "min_employees" => "At least this many employees",
        "technologies" => "Technologies",
        other => other,
    }
}

/// A page for an error: its message and the status that fits.
pub fn error_page(who: &Principal, jar: &CookieJar, e: ApiError) -> Response {
    let (status, message) = match &e {
        ApiError::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        ApiError::Validation(f) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            f.iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => {
            tracing::error!(error = %e, "page failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "Something went wrong; try again shortly.".into(),
            )
        }
    };
    page(
        "Problem",
        Some(who),
        super::session::csrf(jar).as_deref(),
        html! { h1 { "Problem" } p { (message) } },
    )
    .with_status(status)
    .into_response()
}

/// A page saying the user may not do this.
pub fn forbidden(who: &Principal, jar: &CookieJar, e: ApiError) -> Response {
    page(
        "Not allowed",
        Some(who),
        super::session::csrf(jar).as_deref(),
        html! { h1 { "Not allowed" } p { (e.to_string()) } },
    )
    .with_status(StatusCode::FORBIDDEN)
    .into_response()
}
