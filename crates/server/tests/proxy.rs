//! Proxy mode against a fake coderd that reports what it received: Host/Origin rewriting, token
//! pass-through, streaming, redirects, WebSocket framing and close codes, upstream failures.

mod common;

use std::net::SocketAddr;

use agent_console_server::{AppState, Config};
use axum::extract::ws::{CloseFrame, Message as AxMessage, WebSocketUpgrade};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use common::{next_msg, ws_connect, ws_refused};
use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

async fn echo(req: Request) -> Json<Value> {
    let headers: serde_json::Map<String, Value> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), json!(v.to_str().unwrap_or(""))))
        .collect();
    let uri = req.uri().to_string();
    let method = req.method().to_string();
    let body = axum::body::to_bytes(req.into_body(), usize::MAX)
        .await
        .unwrap();
    Json(json!({"method": method, "uri": uri, "headers": headers, "body_len": body.len()}))
}

async fn ws_echo(ws: WebSocketUpgrade, req: axum::http::HeaderMap) -> Response {
    let origin = req
        .get("origin")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    ws.on_upgrade(move |mut socket| async move {
        let _ = socket
            .send(AxMessage::Text(format!("origin={origin}").into()))
            .await;
        while let Some(Ok(msg)) = socket.recv().await {
            match msg {
                AxMessage::Text(t) if t.as_str() == "close-please" => {
                    let _ = socket
                        .send(AxMessage::Close(Some(CloseFrame {
                            code: 4001,
                            reason: "bye from upstream".into(),
                        })))
                        .await;
                    return;
                }
                AxMessage::Text(t) => {
                    let _ = socket.send(AxMessage::Text(t)).await;
                }
                AxMessage::Binary(b) => {
                    let _ = socket.send(AxMessage::Binary(b)).await;
                }
                AxMessage::Close(_) => return,
                _ => {}
            }
        }
    })
}

async fn fake_coderd() -> SocketAddr {
    let app = Router::new()
        .route("/api/v2/echo", any(echo))
        .route("/api/v2/echo/{*rest}", any(echo))
        .route("/api/v2/ws", get(ws_echo))
        .route(
            "/api/v2/refuse-ws",
            get(|| async { (StatusCode::UNAUTHORIZED, Json(json!({"message": "no"}))) }),
        )
        .route(
            "/api/v2/redirect",
            get(|| async { (StatusCode::FOUND, [("location", "/elsewhere")]).into_response() }),
        )
        // Anything else is echoed too, so a path that escaped /api/v2 would show up here.
        .fallback(echo);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

async fn proxy_to(upstream: &str) -> SocketAddr {
    let config = Config::proxy("127.0.0.1:0".parse().unwrap(), upstream.parse().unwrap());
    let listener = tokio::net::TcpListener::bind(config.listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(config, addr).unwrap();
    tokio::spawn(async move {
        agent_console_server::serve_state(listener, state, std::future::pending())
            .await
            .unwrap()
    });
    addr
}

#[tokio::test]
async fn http_is_forwarded_with_host_and_origin_rewritten_and_tokens_untouched() {
    let up = fake_coderd().await;
    let proxy = proxy_to(&format!("http://{up}")).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let big = vec![b'x'; 3 << 20];
    let resp = client
        .post(format!(
            "http://{proxy}/api/v2/echo/a%20b?coder_session_token=q1&x=1"
        ))
        .header("Origin", format!("http://{proxy}"))
        .header("Coder-Session-Token", "h1")
        .header("Cookie", "coder_session_token=c1")
        .header("Authorization", "Bearer b1")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let seen: Value = resp.json().await.unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["uri"], "/api/v2/echo/a%20b?coder_session_token=q1&x=1");
    assert_eq!(seen["headers"]["host"], up.to_string());
    assert_eq!(seen["headers"]["origin"], format!("http://{up}"));
    assert_eq!(seen["headers"]["coder-session-token"], "h1");
    assert_eq!(seen["headers"]["cookie"], "coder_session_token=c1");
    assert_eq!(seen["headers"]["authorization"], "Bearer b1");
    assert_eq!(seen["body_len"], 3 << 20, "the streamed body arrives whole");

    let resp = client
        .get(format!("http://{proxy}/api/v2/redirect"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302, "redirects go back to the caller");
    assert_eq!(resp.headers()["location"], "/elsewhere");
}

#[tokio::test]
async fn websocket_frames_and_close_codes_are_relayed() {
    let up = fake_coderd().await;
    let proxy = proxy_to(&format!("http://{up}")).await;
    let url = format!("ws://{proxy}/api/v2/ws");
    let mut ws = ws_connect(&url, &[("Origin", &format!("http://{proxy}"))])
        .await
        .unwrap();
    match next_msg(&mut ws).await {
        Some(Message::Text(t)) => assert_eq!(t.as_str(), format!("origin=http://{up}")),
        other => panic!("{other:?}"),
    }
    ws.send(Message::Binary(vec![0, 159, 146, 150].into()))
        .await
        .unwrap();
    assert_eq!(
        next_msg(&mut ws).await,
        Some(Message::Binary(vec![0, 159, 146, 150].into()))
    );
    ws.send(Message::Text("hello".into())).await.unwrap();
    assert_eq!(next_msg(&mut ws).await, Some(Message::Text("hello".into())));
    ws.send(Message::Text("close-please".into())).await.unwrap();
    match next_msg(&mut ws).await {
        Some(Message::Close(Some(frame))) => {
            assert_eq!(u16::from(frame.code), 4001);
            assert_eq!(frame.reason.as_str(), "bye from upstream");
        }
        other => panic!("expected the upstream's close, got {other:?}"),
    }
    // The caller's Origin is checked here, since upstream only sees the rewritten one.
    let (status, _) = ws_refused(&url, &[("Origin", "http://evil.example")]).await;
    assert_eq!(status, 403);
    // An upstream refusal keeps its status and body.
    let (status, body) = ws_refused(&format!("ws://{proxy}/api/v2/refuse-ws"), &[]).await;
    assert_eq!(status, 401);
    assert!(body.contains("\"no\""));
}

#[tokio::test]
async fn unreachable_upstream_is_502() {
    // A port nothing listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let proxy = proxy_to(&format!("http://127.0.0.1:{port}")).await;
    let resp = reqwest::get(format!("http://{proxy}/api/v2/buildinfo"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "The Coder server could not be reached.");
    let (status, _) = ws_refused(&format!("ws://{proxy}/api/v2/derp-map"), &[]).await;
    assert_eq!(status, 502);
    // Static files and the health check stay local.
    assert_eq!(
        reqwest::get(format!("http://{proxy}/healthz"))
            .await
            .unwrap()
            .status(),
        200
    );
}

/// Issue 15, item 6: a path that leaves /api/v2 through dot segments (plain or percent-encoded)
/// or encoded slashes is refused, never sent upstream as `/etc/passwd`; one that stays inside is
/// forwarded normalised.
#[tokio::test]
async fn paths_that_leave_the_api_are_refused() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let up = fake_coderd().await;
    let proxy = proxy_to(&format!("http://{up}")).await;
    // Raw requests: an HTTP client would normalise the path before sending it.
    let raw = |path: &'static str| async move {
        let mut tcp = tokio::net::TcpStream::connect(proxy).await.unwrap();
        let req = format!("GET {path} HTTP/1.1\r\nHost: {proxy}\r\nConnection: close\r\n\r\n");
        tcp.write_all(req.as_bytes()).await.unwrap();
        let mut out = String::new();
        tcp.read_to_string(&mut out).await.unwrap();
        out
    };
    for path in [
        "/api/v2/../../etc/passwd",
        "/api/v2/%2e%2e/%2e%2e/etc/passwd",
        "/api/v2/echo/..%2f..%2f..%2fetc/passwd",
    ] {
        let out = raw(path).await;
        assert!(out.starts_with("HTTP/1.1 400"), "{path}: {out}");
        assert!(
            out.contains("Only paths under /api/v2 are proxied."),
            "{path}: {out}"
        );
        assert!(
            !out.contains("/etc/passwd\",\"headers"),
            "{path} reached upstream: {out}"
        );
    }
    let out = raw("/api/v2/echo/x/../y").await;
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains(r#""uri":"/api/v2/echo/y""#), "{out}");
}
