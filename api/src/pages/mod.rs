//! The web pages served by the API binary: the public application form and the staff
//! dashboard. Server-rendered HTML (maud, escaped by construction) with one embedded
//! stylesheet and no script needed: everything works with the keyboard and without JavaScript.

pub mod admin;
pub mod analytics;
pub mod apply;
pub mod layout;
pub mod leads;
pub mod login;
pub mod searches;
pub mod session;

use poem::web::Redirect;
use poem::{IntoResponse, Response, Route, get, handler};

/// The stylesheet.
#[handler]
fn css() -> Response {
    Response::builder()
        .content_type("text/css; charset=utf-8")
        .header("cache-control", "public, max-age=3600")
        .body(layout::CSS)
}

/// The live-progress script of the search page.
#[handler]
fn live_js() -> Response {
    Response::builder()
        .content_type("text/javascript; charset=utf-8")
        .header("cache-control", "public, max-age=3600")
        .body(layout::LIVE_JS)
}

/// The idle-timeout warning's script.
#[handler]
fn session_js() -> Response {
    Response::builder()
        .content_type("text/javascript; charset=utf-8")
        .header("cache-control", "public, max-age=3600")
        .body(layout::SESSION_JS)
}

/// `/` goes to the leads (which asks to sign in first when needed).
#[handler]
fn home() -> Response {
    Redirect::see_other("/leads").into_response()
}

/// Adds every page to `route` (the app wraps them in `CookieJarManager`).
pub fn mount(route: Route) -> Route {
    route
        .at("/", get(home))
        .at("/assets/app.css", get(css))
        .at("/assets/live.js", get(live_js))
        .at("/assets/session.js", get(session_js))
        .at("/session/keepalive", poem::post(login::keepalive))
        .at("/analytics", get(analytics::show))
        .at(
            "/admin/users",
            get(admin::users_show).post(admin::users_create),
        )
        .at("/admin/users/:id", poem::post(admin::users_update))
        .at(
            "/admin/api-keys",
            get(admin::keys_show).post(admin::keys_create),
        )
        .at("/admin/api-keys/:id/revoke", poem::post(admin::keys_revoke))
        .at("/searches", get(searches::show).post(searches::start))
        .at("/searches/:id", get(searches::job))
        .at("/searches/:id/export.csv", get(searches::export))
        .at("/apply", get(apply::show).post(apply::submit))
        .at("/login", get(login::show).post(login::submit))
        .at("/logout", poem::post(login::logout))
        .at("/leads", get(leads::list))
        .at("/leads/bulk", poem::post(leads::bulk))
        .at("/leads/:id", get(leads::detail).post(leads::update))
        .at("/leads/:lead_id/files/:file_id", get(leads::file))
}
