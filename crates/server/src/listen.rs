//! How connections are accepted and kept: the limits that keep the server answering when clients
//! are slow or hostile.
//!
//! - **Headers** must arrive within [`HEADER_TIMEOUT`]; the same clock runs while a kept-alive
//!   connection waits for its next request, so it is also the idle timeout. A client that opens
//!   sockets and sends half a request gives them up after that time.
//! - **Bodies** must make progress: a request body that sends nothing for [`BODY_TIMEOUT`] fails.
//!   Responses (log follows, terminals, port forwards) are never timed out.
//! - **Connections** are capped below the open-file limit (whose soft value is first raised to the
//!   hard one), so the server keeps descriptors for its own files, PTYs and upstream connections;
//!   past the cap, new connections wait in the kernel's backlog instead of failing with "too many
//!   open files".
//!
//! axum's `serve` offers none of these knobs, so this is its accept loop with them added (hyper's
//! own HTTP/1.1 connection builder, `ConnectInfo`, `TCP_NODELAY`, graceful shutdown).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt as _;

/// How long a client may take to send a request's headers, and a kept-alive connection may stay
/// idle between requests.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a request body may send nothing.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// Descriptors kept back from the connection cap for everything else the server opens.
const RESERVED_FDS: usize = 128;
/// The cap when the open-file limit cannot be read, or is very high.
const MAX_CONNECTIONS: usize = 10_000;

/// Raises the open-file soft limit to the hard one (as Go programs, coderd among them, do at
/// start) and returns how many connections are served at once: that limit less
/// [`RESERVED_FDS`], at least 16.
pub fn connection_cap() -> usize {
    let limit = rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024);
    usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .saturating_sub(RESERVED_FDS)
        .clamp(16, MAX_CONNECTIONS)
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets the connections in flight
/// finish (the caller bounds how long).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let router = router.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        BODY_TIMEOUT,
    ));
    // HTTP/1.1 only, as before: browsers speak HTTP/2 to servers over TLS only.
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let cap = connection_cap();
    let slots = Arc::new(Semaphore::new(cap));
    let stop = CancellationToken::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (tcp, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors (or a connection reset before accept): wait, don't spin.
                    tracing::warn!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // No Nagle delay: keystroke echoes and other small WebSocket frames leave at once.
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY: {err}");
        }
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<_>| {
            req.extensions_mut().insert(ConnectInfo(remote));
            router.clone().oneshot(req.map(axum::body::Body::new))
        });
        let connection = builder
            .serve_connection(TokioIo::new(tcp), service)
            .with_upgrades();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stop.cancelled() => {
                    // Finish the request in flight, then close.
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = result {
                tracing::trace!("connection from {remote}: {err}");
            }
            drop(permit);
        });
    }
    drop(listener);
    stop.cancel();
    // Every connection holds a slot until it ends: all slots back means all done. (Upgraded
    // connections, the WebSockets, are on their own by then and close on the server's shutdown.)
    let _ = slots
        .acquire_many(u32::try_from(cap).unwrap_or(u32::MAX))
        .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_below_the_open_file_limit() {
        let cap = connection_cap();
        let (soft, _) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap();
        assert!(cap >= 16);
        assert!(
            cap as u64 <= soft.saturating_sub(RESERVED_FDS as u64).max(16),
            "{cap} {soft}"
        );
    }
}
