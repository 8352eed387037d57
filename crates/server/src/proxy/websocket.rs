//! WebSocket forwarding: the upstream handshake happens first (so its refusal, e.g. 401 or 403,
//! reaches the caller as that HTTP status), then frames are relayed both ways as they are: text as
//! text, binary as binary, close codes and reasons intact.

use axum::body::Body;
use axum::extract::ws::{self, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame as TCloseFrame;
use tokio_tungstenite::tungstenite::{self as tung, Message as TMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::{bad_gateway, is_hop_header, Proxy};
use crate::error::ApiError;
use crate::security::check_ws_origin;

type Upstream = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Handles an upgrade request for `/api/v2{path}`.
pub async fn forward(p: Proxy, req: Request) -> Result<Response, ApiError> {
    // Our own same-origin check: the Origin sent upstream is rewritten, so coderd cannot do it.
    check_ws_origin(req.headers())?;
    let (mut parts, _body) = req.into_parts();
    let ws = WebSocketUpgrade::from_request_parts(&mut parts, &())
        .await
        .map_err(|r| {
            ApiError::bad_request(coder_api::Response::websocket_accept_failed(r.body_text()))
        })?;

    let mut url = p.upstream_url(parts.uri.path(), parts.uri.query())?;
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    let _ = url.set_scheme(scheme);
    let mut upstream_req = url
        .as_str()
        .into_client_request()
        .map_err(|e| ApiError::internal("Bad upstream URL.", e))?;
    let headers = upstream_req.headers_mut();
    for (name, value) in &parts.headers {
        // tungstenite writes its own handshake headers; extensions are not relayed (no deflate).
        let own =
            name.as_str().starts_with("sec-websocket-") && name != header::SEC_WEBSOCKET_PROTOCOL;
        if is_hop_header(name) || own || name == header::ORIGIN {
            continue;
        }
        headers.append(name, value.clone());
    }
    if parts.headers.contains_key(header::ORIGIN) {
        if let Ok(v) = HeaderValue::from_str(&p.upstream_origin()) {
            headers.insert(header::ORIGIN, v);
        }
    }

    // Nagle off (the last argument): keystrokes and their echoes are tiny frames.
    let (upstream, handshake) =
        match tokio_tungstenite::connect_async_with_config(upstream_req, None, true).await {
            Ok(ok) => ok,
            Err(tung::Error::Http(resp)) => return Ok(relay_refusal(resp)),
            Err(e) => return Err(bad_gateway(e)),
        };
    let mut ws = ws;
    if let Some(proto) = handshake
        .headers()
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
    {
        ws = ws.protocols([proto.to_owned()]);
    }
    let shutdown = p.shutdown.clone();
    Ok(ws
        .on_upgrade(move |client| async move {
            tokio::select! {
                _ = relay(client, upstream) => {}
                _ = shutdown.cancelled() => {}
            }
        })
        .into_response())
}

/// The upstream's refusal of the handshake, passed on as an HTTP response.
fn relay_refusal(resp: tung::http::Response<Option<Vec<u8>>>) -> Response {
    let (parts, body) = resp.into_parts();
    let mut out = Response::new(Body::from(body.unwrap_or_default()));
    *out.status_mut() =
        StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    for (name, value) in &parts.headers {
        if !is_hop_header(name) && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name, value.clone());
        }
    }
    out
}

/// Relays frames until either side closes; a close frame is passed on with its code and reason.
async fn relay(client: WebSocket, upstream: Upstream) {
    let (mut client_tx, mut client_rx) = client.split();
    let (mut up_tx, mut up_rx) = upstream.split();
    let to_upstream = async {
        while let Some(Ok(msg)) = client_rx.next().await {
            let closing = matches!(msg, ws::Message::Close(_));
            if up_tx.send(to_tungstenite(msg)).await.is_err() || closing {
                break;
            }
        }
        let _ = up_tx.close().await;
    };
    let to_client = async {
        while let Some(Ok(msg)) = up_rx.next().await {
            let Some(msg) = to_axum(msg) else { continue };
            let closing = matches!(msg, ws::Message::Close(_));
            if client_tx.send(msg).await.is_err() || closing {
                break;
            }
        }
        let _ = client_tx.close().await;
    };
    // When one direction ends, give the other a moment to pass on the close handshake.
    tokio::pin!(to_upstream, to_client);
    let grace = std::time::Duration::from_secs(2);
    tokio::select! {
        _ = &mut to_upstream => { let _ = tokio::time::timeout(grace, &mut to_client).await; }
        _ = &mut to_client => { let _ = tokio::time::timeout(grace, &mut to_upstream).await; }
    }
}

fn to_tungstenite(msg: ws::Message) -> TMessage {
    match msg {
        ws::Message::Text(t) => TMessage::Text(t.as_str().into()),
        ws::Message::Binary(b) => TMessage::Binary(b),
        ws::Message::Ping(b) => TMessage::Ping(b),
        ws::Message::Pong(b) => TMessage::Pong(b),
        ws::Message::Close(c) => TMessage::Close(c.map(|c| TCloseFrame {
            code: CloseCode::from(c.code),
            reason: c.reason.as_str().into(),
        })),
    }
}

fn to_axum(msg: TMessage) -> Option<ws::Message> {
    Some(match msg {
        TMessage::Text(t) => ws::Message::Text(t.as_str().into()),
        TMessage::Binary(b) => ws::Message::Binary(b),
        TMessage::Ping(b) => ws::Message::Ping(b),
        TMessage::Pong(b) => ws::Message::Pong(b),
        TMessage::Close(c) => ws::Message::Close(c.map(|c| ws::CloseFrame {
            code: u16::from(c.code),
            reason: c.reason.as_str().into(),
        })),
        TMessage::Frame(_) => return None,
    })
}
