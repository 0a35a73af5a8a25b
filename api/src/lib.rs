//! The leadgen HTTP API: REST under `/api/v1`, the job WebSocket, the OpenAPI document at
//! `/api/v1/openapi.json` and Swagger UI at `/docs`. Stateless: Postgres is the only shared
//! state, so any number of API processes can serve side by side.

pub mod analytics_cache;
pub mod auth;
pub mod error;
pub mod hub;
pub mod metrics;
pub mod middleware;
pub mod pages;
pub mod resume_form;
pub mod routes;
pub mod scanner;
pub mod search_body;
pub mod state;
pub mod ws;

use poem::listener::{
    Acceptor, AcceptorExt, BoxAcceptor, Listener, RustlsCertificate, RustlsConfig, TcpListener,
};
use poem::middleware::{Cors, Tracing};
use poem::{Endpoint, EndpointExt, Route, get};
use poem_openapi::OpenApiService;
use routes::{
    analytics::AnalyticsApi, api_keys::ApiKeysApi, audit::AuditApi, auth::AuthApi,
    export::ExportApi, health::HealthApi, inbound::InboundApi, leads::LeadsApi,
    privacy::PrivacyApi, search::SearchApi, users::UsersApi,
};
use state::AppState;
use std::net::SocketAddr;

/// Builds the whole HTTP application for `state`.
pub fn app(state: AppState) -> impl Endpoint {
    let api = OpenApiService::new(
        (
            SearchApi,
            LeadsApi,
            InboundApi,
            ExportApi,
            AnalyticsApi,
            AuthApi,
            UsersApi,
            ApiKeysApi,
            AuditApi,
            PrivacyApi,
            HealthApi,
        ),
        "leadgen API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Lead generation and lead management: searches, leads, exports, analytics, staff \
         accounts and API keys. Every endpoint except health and sign-in needs an access token \
         (`Authorization: Bearer …` from `POST /api/v1/auth/login`) or an API key \
         (`Authorization: Bearer lgk_…` or `X-API-Key: lgk_…`).",
    )
    .server(state.cfg.public_url.clone().unwrap_or_else(|| "/".into()));
    let spec = api.spec_endpoint();
    let docs = api.swagger_ui();
    let cors_origins = state.cfg.security.cors_origins.clone();
    let cors = Cors::new()
        .allow_origins(cors_origins.iter().map(String::as_str))
        .allow_methods(["GET", "POST", "PATCH", "DELETE"])
        .allow_headers(["authorization", "x-api-key", "content-type"])
        .expose_headers(["x-request-id", "retry-after"])
        .max_age(600);
    let wrapped = state.clone();
    pages::mount(Route::new())
        .at("/api/v1/openapi.json", spec)
        .at("/metrics", get(metrics::endpoint))
        .nest("/docs", docs)
        .at("/api/v1/ws/jobs/:job_id", get(ws::job_events))
        .nest_no_strip("/api", api)
        .data(state)
        .with(poem::middleware::CookieJarManager::new())
        .around(move |ep, req| {
            let state = wrapped.clone();
            async move { Ok(middleware::handle(ep, req, state).await) }
        })
        .with_if(!cors_origins.is_empty(), cors)
        .with(Tracing)
}

/// A bound API server, ready to run.
pub struct Server {
    acceptor: BoxAcceptor,
    addr: SocketAddr,
    state: AppState,
}

impl Server {
    /// Binds `addr` (port 0 picks a free port, see [`Server::addr`]); serves HTTPS when a
    /// certificate and key are configured.
    pub async fn bind(addr: SocketAddr, state: AppState) -> std::io::Result<Self> {
        let tcp = TcpListener::bind(addr).into_acceptor().await?;
        let addr = tcp
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .unwrap_or(addr);
        let acceptor = match &state.cfg.security.tls {
            None => tcp.boxed(),
            Some(files) => {
                let cert = std::fs::read(&files.cert)?;
                let key = std::fs::read(&files.key)?;
                let config =
                    RustlsConfig::new().fallback(RustlsCertificate::new().cert(cert).key(key));
                // One configuration, then a stream that stays open: the acceptor polls it
                // on every accept, and an ended stream would be polled in a busy loop.
                let configs = futures::StreamExt::chain(
                    futures::stream::iter([config]),
                    futures::stream::pending(),
                );
                tcp.rustls(configs).boxed()
            }
        };
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
