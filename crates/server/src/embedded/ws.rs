//! WebSocket plumbing shared by the embedded routes: the handshake checks coderd makes (a valid
//! upgrade, then a same-origin Origin) and clean closes.
//!
//! permessage-deflate is never negotiated (axum's WebSocket has no compression), so a client's
//! `no_compression` is honoured trivially and every frame is sent as-is.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;

use tokio::sync::watch;

use super::Embedded;
use crate::error::{ApiError, ApiResult};
use crate::faults::WsDrop;
use crate::security::check_ws_origin;

/// The upgrade extractor, kept fallible so the handler decides the error body.
pub type Upgrade = Result<WebSocketUpgrade, WebSocketUpgradeRejection>;

/// How often sockets are pinged (coderd: 15 s).
pub const HEARTBEAT: Duration = Duration::from_secs(15);

/// Checks the handshake (400 "Failed to accept websocket." like coderd) and then the Origin (403).
pub fn upgrade(headers: &HeaderMap, ws: Upgrade) -> ApiResult<WebSocketUpgrade> {
    let ws = ws.map_err(|rejection| {
        let detail = rejection.body_text();
        let status = rejection.into_response().status();
        // A method or version problem keeps its own status; anything else is coderd's 400.
        let status = if status == StatusCode::METHOD_NOT_ALLOWED {
            status
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::with_body(status, coder_api::Response::websocket_accept_failed(detail))
    })?;
    check_ws_origin(headers)?;
    Ok(ws)
}

/// Sends a close frame and waits briefly for the peer's reply so the close handshake completes.
pub async fn ws_close(socket: &mut WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_ok() {
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while let Some(Ok(msg)) = socket.recv().await {
                if matches!(msg, Message::Close(_)) {
                    break;
                }
            }
        })
        .await;
    }
}

/// What a pushing socket sends next.
pub enum Next {
    /// Send this frame; `more` when another is ready at once (a backlog sent in parts).
    Send { frame: Message, more: bool },
    /// Nothing new: wait for the watched value to change.
    Wait,
}

/// Answers the upgrade with a socket that sends the watched value as one TEXT frame (`to_text`),
/// at once and after each change ([`push_on_change`]): the one-way JSON sockets (metadata,
/// containers).
pub fn push_text_on_change<T: Send + Sync + 'static>(
    upgrade: WebSocketUpgrade,
    rx: watch::Receiver<T>,
    e: Embedded,
    to_text: impl Fn(&T) -> String + Send + Sync + 'static,
) -> axum::response::Response {
    upgrade.on_upgrade(move |socket| async move {
        push_on_change(socket, rx, &e, |rx| Next::Send {
            frame: Message::Text(to_text(&rx.borrow()).into()),
            more: false,
        })
        .await;
    })
}

/// Sends what `next` gives, first at once and then whenever `rx` changes, until the client
/// leaves, the watched value's sender is gone or the server shuts down (close 1001). The one loop
/// of every "watch a value, push it" socket: it pings every [`HEARTBEAT`] and applies the fault
/// switches after each frame.
pub async fn push_on_change<T>(
    mut socket: WebSocket,
    mut rx: watch::Receiver<T>,
    e: &Embedded,
    mut next: impl FnMut(&watch::Receiver<T>) -> Next,
) {
    let shutdown = e.shutdown_token();
    let mut faults = e.ws_faults();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    loop {
        // Seen before reading, so a change made while `next` reads wakes the loop again.
        rx.mark_unchanged();
        if let Next::Send { frame, more } = next(&rx) {
            if socket.send(frame).await.is_err() {
                return;
            }
            if let Some(how) = faults.after_frame() {
                if how == WsDrop::Close1011 {
                    let _ = socket.send(crate::faults::close_1011()).await;
                }
                return;
            }
            if more {
                continue;
            }
        }
        loop {
            tokio::select! {
                changed = rx.changed() => {
                    if changed.is_err() { return; }
                    break;
                }
                msg = socket.recv() => match msg {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    if socket.send(Message::Ping(Default::default())).await.is_err() { return; }
                }
                _ = shutdown.cancelled() => {
                    ws_close(&mut socket, 1001, "server shutting down").await;
                    return;
                }
            }
        }
    }
}
