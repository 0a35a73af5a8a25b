//! The worker process's `/metrics` on `LEADGEN_METRICS_BIND`: its own counters (jobs, fetches,
//! host waits, the browser pool), behind `LEADGEN_METRICS_TOKEN` when one is set.

use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{EndpointExt, Request, Response, Route, get, handler};
use std::net::SocketAddr;

#[handler]
fn metrics(req: &Request, token: poem::web::Data<&Option<String>>) -> Response {
    if let Some(token) = token.0 {
        let auth = req
            .headers()
            .get(poem::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        if !leadgen_api::metrics::token_matches(auth, token) {
            return Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .content_type("text/plain; charset=utf-8")
                .body("send the metrics token (LEADGEN_METRICS_TOKEN) as a bearer token");
        }
    }
    Response::builder()
        .content_type(leadgen_api::metrics::CONTENT_TYPE)
        .body(leadgen_worker::metrics::encode())
}

/// Binds `addr` and serves the worker's metrics until the process ends; returns the address
/// bound (port 0 picks a free one).
pub async fn serve(addr: SocketAddr, token: Option<String>) -> std::io::Result<SocketAddr> {
    let acceptor = TcpListener::bind(addr).into_acceptor().await?;
    let bound = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .unwrap_or(addr);
    let app = Route::new().at("/metrics", get(metrics)).data(token);
    tokio::spawn(async move {
        if let Err(e) = poem::Server::new_with_acceptor(acceptor).run(app).await {
            tracing::error!(error = %e, "the metrics server stopped");
        }
    });
    Ok(bound)
}
