//! The leadgen HTTP API: REST under `/api/v1`, the job WebSocket, the OpenAPI document at
//! `/api/v1/openapi.json` and Swagger UI at `/docs`. Stateless: Postgres is the only shared
//! state, so any number of API processes can serve side by side.

pub mod error;
pub mod hub;
pub mod routes;
pub mod search_body;
pub mod state;
pub mod ws;

use error::error_response;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::middleware::Tracing;
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get};
use poem_openapi::OpenApiService;
use routes::{
    analytics::AnalyticsApi, export::ExportApi, health::HealthApi, leads::LeadsApi,
    search::SearchApi,
};
use state::AppState;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// Builds the whole HTTP application for `state`.
pub fn app(state: AppState) -> impl Endpoint {
    let api = OpenApiService::new(
        (SearchApi, LeadsApi, ExportApi, AnalyticsApi, HealthApi),
        "leadgen API",
        env!("CARGO_PKG_VERSION"),
    )
    .description("Lead generation and lead management: searches, leads, exports, analytics.")
    .server(state.cfg.public_url.clone().unwrap_or_else(|| "/".into()));
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let metrics = state.metrics.clone();
    Route::new()
        .at("/api/v1/openapi.json", spec)
        .nest("/docs", docs)
        .at("/api/v1/ws/jobs/:job_id", get(ws::job_events))
        .nest("/", api)
        .data(state)
        .around(move |ep, req| {
            let metrics = metrics.clone();
            async move { Ok(handle(ep, req, &metrics).await) }
        })
        .with(Tracing)
}

async fn handle<E: Endpoint>(
    ep: std::sync::Arc<E>,
    req: Request,
    metrics: &state::RequestMetrics,
) -> Response {
    let request_id = uuid::Uuid::now_v7().to_string();
    let started = Instant::now();
    let mut resp = match ep.call(req).await {
        Ok(r) => r.into_response(),
        Err(e) => error_response(e, &request_id),
    };
    if let Ok(v) = request_id.parse() {
        resp.headers_mut().insert("x-request-id", v);
    }
    metrics.count.fetch_add(1, Ordering::Relaxed);
    metrics
        .total_micros
        .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    resp
}

/// A bound API server, ready to run.
pub struct Server {
    acceptor: poem::listener::TcpAcceptor,
    addr: SocketAddr,
    state: AppState,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port, see [`Server::addr`]).
    pub async fn bind(addr: SocketAddr, state: AppState) -> std::io::Result<Self> {
        let acceptor = TcpListener::bind(addr).into_acceptor().await?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .unwrap_or(addr);
        Ok(Self {
            acceptor,
            addr,
            state,
        })
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests (up to 10 s).
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let hub = tokio::spawn(self.state.hub.clone().listen(self.state.pool.clone()));
        let result = poem::Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(
                app(self.state),
                shutdown,
                Some(std::time::Duration::from_secs(10)),
            )
            .await;
        hub.abort();
        result
    }
}
