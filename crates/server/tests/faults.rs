//! Fault injection (`--enable-fault-injection`): each fault, the control route and its token, and
//! that nothing of it exists without the flag.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use agent_console_server::faults::{FaultSpec, Faults};
use common::{ws_connect, Mode, Server, Ws, SESSION, TEST_CONFIG};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_agent-console");

async fn start(spec: &str) -> (Server, Faults) {
    let faults = Faults::new(FaultSpec::parse(spec).unwrap());
    let f = faults.clone();
    let s = Server::start_with(Mode::Embedded, TEST_CONFIG, move |c| {
        c.faults = Some(f.clone());
    })
    .await;
    (s, faults)
}

async fn put_faults(s: &Server, body: Value) -> reqwest::Response {
    s.client
        .put(s.url("/__faults"))
        .header("Coder-Session-Token", SESSION)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn status_of(s: &Server, path: &str) -> u16 {
    s.get(path).await.status().as_u16()
}

/// How a socket ended.
#[derive(Debug, PartialEq)]
enum End {
    /// A close frame with this code.
    Close(u16),
    /// The connection went away without a close frame.
    Abrupt,
}

/// Reads data frames until the socket ends; returns them and how it ended.
async fn read_to_end(ws: &mut Ws) -> (Vec<Message>, End) {
    let mut frames = Vec::new();
    loop {
        let next = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("socket neither sent nor ended within 10 s");
        match next {
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Ok(Message::Close(frame))) => {
                return (
                    frames,
                    End::Close(frame.map(|f| u16::from(f.code)).unwrap_or(1005)),
                )
            }
            Some(Ok(m)) => frames.push(m),
            Some(Err(_)) | None => return (frames, End::Abrupt),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_flag_the_control_route_does_not_exist() {
    let s = Server::start(Mode::Embedded).await;
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE] {
        let resp = s
            .client
            .request(method.clone(), s.url("/__faults"))
            .header("Coder-Session-Token", SESSION)
            .json(&json!("status=503"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            405,
            "{method} /__faults falls to the static files"
        );
    }
    let resp = s.get("/__faults").await;
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        !ct.unwrap_or_default().contains("json"),
        "no fault status without the flag"
    );
    assert_eq!(status_of(&s, "/api/v2/workspaces").await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_route_needs_the_session_token_and_switches_faults() {
    let (s, _) = start("").await;
    for token in [None, Some("wrong"), Some(common::AGENT)] {
        let mut req = s.client.put(s.url("/__faults")).json(&json!("status=503"));
        if let Some(t) = token {
            req = req.header("Coder-Session-Token", t);
        }
        assert_eq!(req.send().await.unwrap().status(), 401, "{token:?}");
    }
    let resp = s.client.get(s.url("/__faults")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(status_of(&s, "/api/v2/workspaces").await, 200);

    // A spec string, then the same as an object, then {"spec": ...}; bad specs are 400.
    let resp = put_faults(&s, json!("status=503")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap()["spec"]["status"], 503);
    let resp = s.get("/api/v2/workspaces").await;
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    assert!(resp.headers().contains_key("content-security-policy"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["message"], "Injected fault: 503.");
    // The health probe and the control route itself are never affected.
    assert_eq!(
        s.client
            .get(s.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let st: Value = s.get("/__faults").await.json().await.unwrap();
    assert_eq!(st["affected_requests"], 1);

    assert_eq!(put_faults(&s, json!({"status": 500})).await.status(), 200);
    assert_eq!(status_of(&s, "/api/v2/users/me").await, 500);
    assert_eq!(
        put_faults(&s, json!({"spec": "status=503,path=/api/v2/users"}))
            .await
            .status(),
        200
    );
    assert_eq!(status_of(&s, "/api/v2/users/me").await, 503);
    assert_eq!(status_of(&s, "/api/v2/workspaces").await, 200);
    for bad in [
        json!("status=200"),
        json!("bogus=1"),
        json!({"status": "x"}),
        json!(42),
    ] {
        assert_eq!(put_faults(&s, bad.clone()).await.status(), 400, "{bad}");
    }

    // DELETE clears: the app recovers.
    let resp = s
        .client
        .delete(s.url("/__faults"))
        .header("Coder-Session-Token", SESSION)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(status_of(&s, "/api/v2/users/me").await, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_faults_by_prefix_every_kth_and_fraction() {
    let (s, faults) = start("status=500,path=/api/v2/workspaces,every=2").await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(status_of(&s, "/api/v2/workspaces").await);
        assert_eq!(
            status_of(&s, "/api/v2/users/me").await,
            200,
            "outside the prefix"
        );
    }
    assert_eq!(seen, [200, 500, 200, 500]);

    faults.set(FaultSpec::parse("status=503,fraction=0").unwrap());
    for _ in 0..5 {
        assert_eq!(status_of(&s, "/api/v2/workspaces").await, 200);
    }
    faults.set(FaultSpec::parse("status=503,fraction=1").unwrap());
    for _ in 0..5 {
        assert_eq!(status_of(&s, "/api/v2/workspaces").await, 503);
    }
    // A WebSocket handshake under the fault is refused with the status.
    let (status, _) = common::ws_refused(&s.ws_url("/api/v2/derp-map"), &[]).await;
    assert_eq!(status, 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delay_slows_api_requests_only() {
    let (s, _) = start("delay-ms=300").await;
    let t = Instant::now();
    assert_eq!(status_of(&s, "/api/v2/buildinfo").await, 200);
    let slow = t.elapsed();
    assert!(slow >= Duration::from_millis(300), "{slow:?}");
    let t = Instant::now();
    assert_eq!(
        s.client
            .get(s.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(
        t.elapsed() < Duration::from_millis(250),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_breaks_json_200s_only() {
    let (s, _) = start("malformed-json").await;
    let resp = s.get("/api/v2/workspaces").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("json"));
    let text = resp.text().await.unwrap();
    assert!(
        text.starts_with('{'),
        "starts like the real body: {text:.40}"
    );
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    // Errors keep their real body.
    let resp = s
        .client
        .get(s.url("/api/v2/workspaces"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.json::<Value>().await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncate_cuts_bodies_and_the_connection() {
    let (s, faults) = start("truncate=10").await;
    let mut resp = s.get("/api/v2/workspaces").await;
    assert_eq!(resp.status(), 200);
    let announced = resp.content_length().unwrap();
    assert!(announced > 10, "the full length is announced: {announced}");
    let mut got = Vec::new();
    let err = loop {
        match resp.chunk().await {
            Ok(Some(c)) => got.extend_from_slice(&c),
            Ok(None) => panic!("body ended cleanly after {} bytes", got.len()),
            Err(e) => break e,
        }
    };
    assert_eq!(got.len(), 10, "{err}");
    faults.set(FaultSpec::parse("truncate").unwrap());
    let resp = s.get("/api/v2/workspaces").await;
    assert!(resp.bytes().await.is_err(), "half a body is an error");
    faults.set(FaultSpec::default());
    assert!(s
        .get("/api/v2/workspaces")
        .await
        .json::<Value>()
        .await
        .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_follow_is_dropped_every_n_frames_and_resumes() {
    let (s, faults) = start("ws-drop-every=3").await;
    let source = s.log_source("faults").await;
    let url = s.ws_url(&format!(
        "{}?follow&coder_session_token={SESSION}",
        s.agent_path("/logs")
    ));
    let mut ws = ws_connect(&url, &[]).await.unwrap();
    let mut ids = Vec::new();
    // Frame 1 is the backlog; frames 2 and 3 carry one line each, then the socket is dropped.
    let backlog = common::next_json(&mut ws).await;
    ids.extend(
        backlog
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_i64().unwrap()),
    );
    for i in 0..2 {
        assert_eq!(
            s.patch_logs(&source, &[format!("line {i}")]).await.status(),
            200
        );
        let batch = common::next_json(&mut ws).await;
        ids.extend(
            batch
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["id"].as_i64().unwrap()),
        );
    }
    let (rest, end) = read_to_end(&mut ws).await;
    assert!(rest.is_empty());
    assert_eq!(end, End::Abrupt, "dropped without a close frame");
    let st: Value = s.get("/__faults").await.json().await.unwrap();
    assert_eq!(st["dropped_websockets"], 1);

    // Resuming after the last id loses and repeats nothing.
    assert_eq!(
        s.patch_logs(&source, &["line 2".into()]).await.status(),
        200
    );
    faults.set(FaultSpec::default());
    let last = *ids.last().unwrap();
    let mut ws = ws_connect(&format!("{url}&after={last}"), &[])
        .await
        .unwrap();
    let batch = common::next_json(&mut ws).await;
    let outputs: Vec<&str> = batch
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["output"].as_str().unwrap())
        .collect();
    assert_eq!(outputs, ["line 2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pty_and_derp_map_are_dropped_too() {
    let (s, faults) = start("ws-drop-every=1").await;
    // DERP map: the first map arrives, then the connection is cut.
    let mut ws = ws_connect(&s.ws_url("/api/v2/derp-map"), &[])
        .await
        .unwrap();
    let (frames, end) = read_to_end(&mut ws).await;
    assert_eq!((frames.len(), end), (1, End::Abrupt));

    // PTY with the 1011 variant: output flows until the second frame, then close 1011.
    faults.set(FaultSpec::parse("ws-drop-every=2,ws-drop=1011").unwrap());
    let url = s.ws_url(&format!(
        "{}?reconnect={}&coder_session_token={SESSION}",
        s.agent_path("/pty"),
        uuid::Uuid::new_v4()
    ));
    let mut ws = ws_connect(&url, &[]).await.unwrap();
    ws.send(Message::Text(
        json!({"data": "echo a; sleep 0.2; echo b; sleep 0.2; echo c\r"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let (frames, end) = read_to_end(&mut ws).await;
    assert_eq!(frames.len(), 2, "{frames:?}");
    assert_eq!(end, End::Close(u16::from(CloseCode::Error)));
}

#[test]
fn the_binary_takes_the_flags_on_loopback_only() {
    // Refused: non-loopback (even with tokens), --faults without the flag, a bad spec, proxy mode.
    for args in [
        vec![
            "--listen",
            "0.0.0.0:0",
            "--session-token",
            "s-0123456789",
            "--agent-token",
            "a-0123456789",
            "--enable-fault-injection",
        ],
        vec!["--listen", "127.0.0.1:0", "--faults", "status=503"],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--enable-fault-injection",
            "--faults",
            "status=200",
        ],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--enable-fault-injection",
            "--coder-url",
            "http://127.0.0.1:9",
        ],
    ] {
        let out = Command::new(BIN).arg("serve").args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} was accepted");
    }
    // Hidden from --help.
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--listen")
            && !help.contains("--enable-fault-injection")
            && !help.contains("--faults"),
        "{help}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_refuses_faults_on_a_non_loopback_address() {
    let tokens =
        agent_console_server::auth::Tokens::new(Some(SESSION.into()), Some(common::AGENT.into()))
            .unwrap();
    let file = agent_console_server::FileConfig::parse("scripts = []").unwrap();
    let mut config =
        agent_console_server::Config::embedded("0.0.0.0:0".parse().unwrap(), tokens, file);
    config.faults = Some(Faults::default());
    let err = agent_console_server::AppState::new(config, "0.0.0.0:7999".parse().unwrap()).err();
    assert!(err.is_some_and(|e| e.to_string().contains("loopback")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_answers_500_and_nothing_else_stops() {
    let (s, faults) = start("").await;
    let url = s.ws_url(&format!(
        "{}?reconnect={}&coder_session_token={SESSION}",
        s.agent_path("/pty"),
        uuid::Uuid::new_v4()
    ));
    let mut pty = ws_connect(&url, &[]).await.unwrap();
    common::send_text(
        &mut pty,
        &json!({"data": "echo before-$((40+2))\r"}).to_string(),
    )
    .await;
    common::read_until(&mut pty, "before-42").await;

    faults.set(FaultSpec::parse("panic,path=/api/v2/buildinfo").unwrap());
    for _ in 0..3 {
        let resp = s.get("/api/v2/buildinfo").await;
        assert_eq!(resp.status(), 500);
        // The answer still carries the security headers, and says nothing of the panic itself.
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["message"], "Internal error.");
        assert!(!body.to_string().contains("injected"), "{body}");
    }
    // Other requests, and the terminal session opened before, go on.
    assert_eq!(status_of(&s, "/api/v2/workspaces").await, 200);
    common::send_text(
        &mut pty,
        &json!({"data": "echo after-$((40+2))\r"}).to_string(),
    )
    .await;
    common::read_until(&mut pty, "after-42").await;
    faults.set(FaultSpec::default());
    assert_eq!(status_of(&s, "/api/v2/buildinfo").await, 200);
}
