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

use crate::error::{ApiError, ApiResult};
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
        ApiError::new(status, "Failed to accept websocket.").detail(detail)
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
