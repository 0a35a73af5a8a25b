//! What happens around every request: its id, the client's address, the route group and the
//! address-based rate limit of unauthenticated groups, the body size limit, the one error
//! shape, security headers, audit of refused access, and the request metrics.

use crate::auth::audit::{self, Event};
use crate::auth::client::{ClientInfo, client_ip};
use crate::error::{ApiError, error_response};
use crate::state::AppState;
use futures::StreamExt;
use leadgen_core::config::RouteGroup;
use poem::http::{HeaderValue, Method, header};
use poem::{Body, Endpoint, IntoResponse, Request, Response};
use serde_json::json;
use std::time::Instant;

/// The rate-limit group of a request; `None` for documentation and health, which are not
/// limited.
pub fn route_group(method: &Method, path: &str) -> Option<RouteGroup> {
    // The pages that sign in and take the public form share their API twins' limits.
    if *method == Method::POST && path == "/login" {
        return Some(RouteGroup::Auth);
    }
    if *method == Method::POST && path == "/apply" {
        return Some(RouteGroup::Public);
    }
    if *method == Method::POST && path == "/searches" {
        return Some(RouteGroup::Write);
    }
    let rest = path.strip_prefix("/api/v1/")?;
    if rest == "health" || rest.starts_with("health/") || rest == "openapi.json" {
        return None;
    }
    if *method == Method::POST && (rest == "auth/login" || rest == "auth/refresh") {
        return Some(RouteGroup::Auth);
    }
    if *method == Method::POST && rest == "leads" {
        return Some(RouteGroup::Public);
    }
    if rest.starts_with("export/") {
        return Some(RouteGroup::Export);
    }
    if *method == Method::GET || *method == Method::HEAD || *method == Method::OPTIONS {
        Some(RouteGroup::Read)
    } else {
        Some(RouteGroup::Write)
    }
}

/// Serves one request through `ep`.
pub async fn handle<E: Endpoint>(
    ep: std::sync::Arc<E>,
    mut req: Request,
    state: AppState,
) -> Response {
    let request_id = uuid::Uuid::now_v7().to_string();
    let started = Instant::now();
    let security = &state.cfg.security;
    let peer = req.remote_addr().as_socket_addr().map(|a| a.ip());
    let forwarded: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let client = ClientInfo {
        ip: client_ip(peer, &forwarded, &security.trusted_proxies),
        request_id: request_id.clone(),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect()),
    };
    let via_https = state.cfg.security.tls.is_some()
        || (peer.is_some_and(|p| security.trusted_proxies.iter().any(|n| n.contains(&p)))
            && req
                .headers()
                .get("x-forwarded-proto")
                .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https")));
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let group = route_group(req.method(), &path);
    req.extensions_mut().insert(client.clone());
    if let Some(g) = group {
        req.extensions_mut().insert(g);
    }
    let outcome = match pre_checks(&mut req, &state, &client, group) {
        Err(e) => Err(poem::Error::from(e)),
        Ok(()) => ep.call(req).await.map(IntoResponse::into_response),
    };
    // Poem's own not-found and method errors mean no route took the request.
    let matched = !matches!(&outcome, Err(e)
        if e.is::<poem::error::NotFoundError>() || e.is::<poem::error::MethodNotAllowedError>());
    let mut resp = match outcome {
        Ok(r) => r,
        Err(e) => {
            if let Some(ApiError::Forbidden {
                actor: Some(actor),
                permission,
                ..
            }) = e.downcast_ref::<ApiError>()
            {
                let event = Event {
                    action: "access.denied",
                    outcome: "denied",
                    target_type: Some("route"),
                    target_id: Some(path.clone()),
                    detail: json!({ "permission": permission }),
                };
                if let Err(err) = audit::record(&state, Some(&client), Some(actor), "", event).await
                {
                    tracing::warn!(error = %err, "recording a refused request in the audit log");
                }
            }
            error_response(e, &request_id)
        }
    };
    secure_headers(&mut resp, &path, via_https);
    if let Ok(v) = request_id.parse() {
        resp.headers_mut().insert("x-request-id", v);
    }
    state.metrics.request(
        method.as_str(),
        &path,
        matched,
        resp.status().as_u16(),
        started.elapsed(),
    );
    resp
}

fn pre_checks(
    req: &mut Request,
    state: &AppState,
    client: &ClientInfo,
    group: Option<RouteGroup>,
) -> Result<(), ApiError> {
    if let Some(g @ (RouteGroup::Auth | RouteGroup::Public)) = group {
        state
            .limiters
            .check(g, &format!("ip:{}", client.ip_text()))
            .map_err(|wait| ApiError::rate_limited(wait, "too many requests from this address"))?;
    }
    // The public form carries a résumé: its limit is the résumé's plus room for the fields.
    let max = match group {
        Some(RouteGroup::Public) => state.cfg.intake.max_resume_bytes + 64 * 1024,
        _ => state.cfg.security.max_body_bytes,
    };
    let too_large =
        || ApiError::PayloadTooLarge(format!("the request body is larger than {max} bytes"));
    match req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        Some(n) if n > max as u64 => return Err(too_large()),
        Some(_) => {}
        None if req.method() == Method::GET || req.method() == Method::HEAD => {}
        None => {
            // A body of unknown length is counted as it streams and cut at the limit.
            let mut seen = 0usize;
            let limited = req.take_body().into_bytes_stream().map(move |chunk| {
                let chunk = chunk?;
                seen += chunk.len();
                if seen > max {
                    return Err(std::io::Error::other(format!(
                        "the request body is larger than {max} bytes"
                    )));
                }
                Ok(chunk)
            });
            req.set_body(Body::from_bytes_stream(limited));
        }
    }
    Ok(())
}

fn secure_headers(resp: &mut Response, path: &str, via_https: bool) {
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    let csp = if path == "/docs" || path.starts_with("/docs/") {
        // Swagger UI is one page with its script and styles inline.
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
         img-src data: 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
         form-action 'none'"
    } else if !path.starts_with("/api/") {
        // The pages: their own stylesheet, forms posting to themselves, nothing else.
        "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; \
         img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    };
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    if via_https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if path.starts_with("/api/") && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fall_into_their_groups() {
        assert_eq!(
            route_group(&Method::POST, "/api/v1/auth/login"),
            Some(RouteGroup::Auth)
        );
        assert_eq!(
            route_group(&Method::GET, "/api/v1/leads"),
            Some(RouteGroup::Read)
        );
        assert_eq!(
            route_group(&Method::POST, "/api/v1/scrape/search"),
            Some(RouteGroup::Write)
        );
        assert_eq!(
            route_group(&Method::GET, "/api/v1/export/csv"),
            Some(RouteGroup::Export)
        );
        assert_eq!(route_group(&Method::GET, "/api/v1/health"), None);
        assert_eq!(route_group(&Method::GET, "/docs"), None);
    }
}
