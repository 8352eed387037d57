//! The `agent-console` server: serves the Agent Console web app and answers Coder's `/api/v2/*`
//! from an embedded backend (this machine emulated as a Coder agent) or by proxying to a coderd.
//!
//! [`app`] builds the whole router so tests can drive it without a process; [`serve`] runs it on
//! a bound listener until a shutdown signal; [`run`] is what `agent-console serve` does.

pub mod auth;
pub mod cli;
pub mod config;
pub mod embedded;
pub mod error;
pub mod faults;
pub mod hosts;
pub mod listen;
pub mod proxy;
pub mod request_log;
pub mod security;
pub mod static_files;

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::routing::any;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::{Config, FileConfig, Mode};

/// Shared state of every handler: the configuration and the backend answering `/api/v2`.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    hosts: hosts::AllowedHosts,
    backend: Backend,
    shutdown: CancellationToken,
}

/// What answers `/api/v2/*`.
#[derive(Clone)]
pub enum Backend {
    /// The embedded agent.
    Embedded(embedded::Embedded),
    /// A coderd behind us.
    Proxy(proxy::Proxy),
}

impl AppState {
    /// Builds the state for a server whose listener is bound to `local_addr` (the embedded backend
    /// reports that port in its wildcard app host). Starts the embedded backend's background work
    /// (startup scripts), so it must run inside a Tokio runtime.
    pub fn new(config: Config, local_addr: SocketAddr) -> anyhow::Result<Self> {
        if config.faults.is_some() {
            if !local_addr.ip().is_loopback() {
                anyhow::bail!("fault injection is only allowed on a loopback address");
            }
            if !matches!(config.mode, Mode::Embedded { .. }) {
                anyhow::bail!("fault injection needs the embedded backend");
            }
        }
        let hosts = hosts::AllowedHosts::new(local_addr, &config.allowed_hosts)?;
        let shutdown = CancellationToken::new();
        let backend = match &config.mode {
            Mode::Embedded { .. } => Backend::Embedded(embedded::Embedded::start(
                &config,
                local_addr,
                shutdown.clone(),
            )?),
            Mode::Proxy { upstream } => Backend::Proxy(proxy::Proxy::new(
                upstream.clone(),
                &config.base_path,
                shutdown.clone(),
            )?),
        };
        Ok(AppState {
            inner: Arc::new(Inner {
                config,
                hosts,
                backend,
                shutdown,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The backend.
    pub fn backend(&self) -> &Backend {
        &self.inner.backend
    }

    /// Cancelled when the server shuts down; long-lived sockets watch it to close cleanly.
    pub fn shutdown_token(&self) -> &CancellationToken {
        &self.inner.shutdown
    }
}

/// The whole router: the Host check first, then port-forward host routing (embedded mode), then
/// `/api/v2` (also under the base path), then the web app.
pub fn app(state: AppState) -> Router {
    let api: Router = match state.backend() {
        Backend::Embedded(e) => embedded::router(e.clone()),
        Backend::Proxy(p) => proxy::router(p.clone()),
    };
    let base = state.config().base_path.clone();
    let mut router: Router = Router::new()
        // Like coderd's: a liveness probe for scripts waiting on the server (never proxied).
        .route("/healthz", axum::routing::get(|| async { "OK" }))
        .fallback(any(static_files::serve_static).layer(static_files::page_compression()))
        .route("/api/v2/", any(api_root_with_slash))
        .with_state(state.clone())
        .nest("/api/v2", api.clone());
    if !base.is_empty() {
        router = router
            .route(
                &format!("{base}/api/v2/"),
                any(api_root_with_slash).with_state(state.clone()),
            )
            .nest(&format!("{base}/api/v2"), api);
    }
    // Tests only: the fault layer (inside the security headers, so injected answers keep them)
    // and its control route.
    if let (Some(faults), Mode::Embedded { tokens, .. }) =
        (&state.config().faults, &state.config().mode)
    {
        router = router
            .layer(axum::middleware::from_fn_with_state(
                faults.clone(),
                faults::fault_layer,
            ))
            .merge(faults::control_router(faults.clone(), tokens.clone()));
    }
    // A handler that panics answers 500 with the security headers, and nothing else stops.
    let router = router
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panicked,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::security_headers,
        ));
    let router = match state.backend() {
        Backend::Embedded(e) => embedded::with_port_forwarding(router, e.clone()),
        Backend::Proxy(_) => router,
    };
    // Outermost but for the log: a Host this server is not for gets nothing else.
    router
        .layer(axum::middleware::from_fn_with_state(
            state.inner.hosts.clone(),
            hosts::check_host,
        ))
        .layer(axum::middleware::from_fn(request_log::log_requests))
}

/// `/api/v2/` is the API root too, as in coderd; a nested router only reaches `/api/v2`, and the
/// app's fallback must never answer an API path with its page.
async fn api_root_with_slash(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    match state.backend() {
        Backend::Embedded(_) => embedded::api_root().await.into_response(),
        Backend::Proxy(p) => proxy::forward_request(p.clone(), req).await,
    }
}

/// Binds the configured address.
pub async fn bind(config: &Config) -> anyhow::Result<TcpListener> {
    TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))
}

/// Serves on `listener` until `shutdown` completes, then closes sockets and waits (briefly) for
/// requests in flight.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let state = AppState::new(config, addr)?;
    serve_state(listener, state, shutdown).await
}

/// Like [`serve`], with a state built by the caller.
pub async fn serve_state(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let token = state.shutdown_token().clone();
    let router = app(state.clone());
    let signal_token = token.clone();
    let graceful = async move {
        shutdown.await;
        // Tell sockets to close (they send a close frame), then let hyper drain.
        signal_token.cancel();
    };
    // Timeouts and the connection cap live in the accept loop.
    let server = async move {
        listen::serve(listener, router, graceful)
            .await
            .context("server error")
    };
    tokio::pin!(server);
    tokio::select! {
        res = &mut server => res?,
        _ = async { token.cancelled().await; tokio::time::sleep(Duration::from_secs(5)).await } => {
            tracing::warn!("connections still open 5 s after shutdown; exiting anyway");
        }
    }
    if let Backend::Embedded(e) = state.backend() {
        e.stop().await;
    }
    Ok(())
}

/// `agent-console serve`: bind, print where to go, serve until Ctrl-C (or SIGTERM).
pub async fn run(config: Config) -> anyhow::Result<()> {
    let listener = bind(&config).await?;
    let addr = listener.local_addr()?;
    // Handlers go in before the banner: a script that reads the banner and signals at once must
    // get a clean shutdown, not the default kill.
    let signal = shutdown_signal()?;
    print_banner(&config, addr);
    serve(listener, config, signal).await?;
    tracing::info!("stopped");
    Ok(())
}

/// The only place tokens are ever printed: stdout, once, at startup, and only the ones the server
/// generated (an operator who supplied a token has it, and `ps`-free ways to pass it).
fn print_banner(config: &Config, addr: SocketAddr) {
    let base = &config.base_path;
    let mut out = std::io::stdout().lock();
    match &config.mode {
        Mode::Embedded { tokens, .. } => {
            let _ = writeln!(
                out,
                "agent-console: embedded backend listening on http://{addr}{base}/"
            );
            let _ = if tokens.session_generated {
                writeln!(
                    out,
                    "Sign in: http://{addr}{base}/#token={}",
                    tokens.session
                )
            } else {
                writeln!(
                    out,
                    "Sign in: http://{addr}{base}/ with the session token you supplied"
                )
            };
            let _ = if tokens.agent_generated {
                writeln!(
                    out,
                    "Agent token (for /api/v2/workspaceagents/me/*): {}",
                    tokens.agent
                )
            } else {
                writeln!(
                    out,
                    "Agent token (for /api/v2/workspaceagents/me/*): the one you supplied"
                )
            };
        }
        Mode::Proxy { upstream } => {
            let _ = writeln!(
                out,
                "agent-console: proxy to {upstream} listening on http://{addr}{base}/"
            );
        }
    }
    let _ = out.flush();
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when this is called.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        Ok(async move {
            tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
            tracing::info!("shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
    }
}
