//! Signing in to the pages: the session's tokens live in `HttpOnly`, `SameSite=Strict`
//! cookies; an expired access token is renewed with the refresh cookie on the next page (so
//! the 30-minute idle rule is the API's own); every form that changes something carries a
//! CSRF token matched against its cookie.

use crate::auth::Principal;
use crate::auth::client::ClientInfo;
use crate::auth::principal::authenticate;
use crate::auth::session::{self, Issued};
use crate::error::ApiError;
use crate::state::AppState;
use leadgen_core::access::secret;
use poem::web::Redirect;
use poem::web::cookie::{Cookie, CookieJar, SameSite};
use poem::{IntoResponse, Response};

const ACCESS: &str = "lg_access";
const REFRESH: &str = "lg_refresh";
const CSRF: &str = "lg_csrf";

fn cookie(state: &AppState, name: &'static str, value: String) -> Cookie {
    let mut c = Cookie::new_with_str(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Strict);
    c.set_path("/");
    let https = state.cfg.security.tls.is_some()
        || state
            .cfg
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"));
    c.set_secure(https);
    c
}

/// Stores a signed-in session in the cookies, with a fresh CSRF token.
pub fn store(state: &AppState, jar: &CookieJar, issued: &Issued) -> Result<(), ApiError> {
    jar.add(cookie(state, ACCESS, issued.access_token.clone()));
    jar.add(cookie(state, REFRESH, issued.refresh_token.clone()));
    let csrf = secret::new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
    jar.add(cookie(state, CSRF, csrf));
    Ok(())
}

/// Signs in with email and password and stores the session in the cookies.
pub async fn login_and_store(
    state: &AppState,
    client: &ClientInfo,
    jar: &CookieJar,
    email: &str,
    password: &str,
) -> Result<(), ApiError> {
    let issued = session::login(state, client, email, password).await?;
    store(state, jar, &issued)
}

/// Forgets the session cookies.
pub fn clear(jar: &CookieJar) {
    for name in [ACCESS, REFRESH, CSRF] {
        let mut c = Cookie::named(name);
        c.set_path("/");
        jar.remove(c.name());
    }
}

/// The CSRF token forms must carry.
pub fn csrf(jar: &CookieJar) -> Option<String> {
    jar.get(CSRF).map(|c| c.value_str().to_string())
}

/// Whether a form's CSRF token matches the cookie.
pub fn csrf_ok(jar: &CookieJar, sent: &str) -> bool {
    csrf(jar).is_some_and(|c| !c.is_empty() && c == sent)
}

/// Sends the visitor to sign in, to come back to `back` afterwards.
pub fn to_login(back: &str) -> Response {
    let next = url::form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>();
    Redirect::see_other(format!("/login?next={next}")).into_response()
}

/// The signed-in user of a page request, renewing an expired access token with the refresh
/// cookie; otherwise a redirect to sign in.
pub async fn signed_in(
    state: &AppState,
    client: &ClientInfo,
    jar: &CookieJar,
    back: &str,
) -> Result<Principal, Response> {
    if let Some(token) = jar.get(ACCESS).map(|c| c.value_str().to_string())
        && let Ok(p) = authenticate(state, &token).await
    {
        return Ok(p);
    }
    let Some(refresh) = jar.get(REFRESH).map(|c| c.value_str().to_string()) else {
        return Err(to_login(back));
    };
    match session::refresh(state, client, &refresh).await {
        Ok(issued) => {
            let p = authenticate(state, &issued.access_token)
                .await
                .map_err(|_| to_login(back))?;
            // A fresh access and refresh token; the CSRF token stays.
            jar.add(cookie(state, ACCESS, issued.access_token.clone()));
            jar.add(cookie(state, REFRESH, issued.refresh_token.clone()));
            Ok(p)
        }
        Err(_) => {
            clear(jar);
            Err(to_login(back))
        }
    }
}

/// The signed-in user of a page that needs `need`: otherwise a redirect to sign in, or a page
/// saying it is not allowed.
pub async fn allowed(
    state: &AppState,
    client: &ClientInfo,
    jar: &CookieJar,
    back: &str,
    need: leadgen_core::access::Permission,
) -> Result<Principal, Response> {
    let who = signed_in(state, client, jar, back).await?;
    who.require(need)
        .map_err(|e| super::layout::forbidden(&who, jar, e))?;
    Ok(who)
}

/// The refusal of a form whose CSRF token does not match its cookie, if it does not.
pub fn form_token(who: &Principal, jar: &CookieJar, sent: &str) -> Option<Response> {
    (!csrf_ok(jar, sent)).then(|| {
        super::layout::forbidden(
            who,
            jar,
            ApiError::forbidden("the form expired; reload the page and try again"),
        )
    })
}
