//! Test harness: real servers on 127.0.0.1:0 — the embedded backend alone, or the embedded
//! backend as the upstream of a second server in proxy mode — plus HTTP and WebSocket helpers.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use agent_console_server::auth::Tokens;
use agent_console_server::embedded::Embedded;
use agent_console_server::{AppState, Backend, Config, FileConfig};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub const SESSION: &str = "test-session-token-0123456789";
pub const AGENT: &str = "5f0c2a3e-8c1b-4c2d-9a7e-1b2c3d4e5f60";

/// Which server the test talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Embedded,
    Proxy,
}

/// One running server (and, in proxy mode, its upstream).
pub struct Server {
    pub mode: Mode,
    /// Address the test talks to.
    pub addr: SocketAddr,
    /// The embedded backend (the upstream's in proxy mode).
    pub embedded: Embedded,
    pub agent_id: String,
    pub client: reqwest::Client,
    stops: Vec<oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        for s in self.stops.drain(..) {
            let _ = s.send(());
        }
    }
}

/// A config file with no startup scripts and no metadata (tests add their own lines) and a few
/// providers.
pub const TEST_CONFIG: &str = r#"
scripts = []
metadata = []

[agent]
name = "dev"
workspace = "ws"
username = "tester"

[[external_auth]]
id = "github"
type = "github"
match = "^(https?://)?github\\.com(/.*)?$"

[[external_auth]]
id = "gitlab"
type = "gitlab"
match = "gitlab\\.example\\.com"
access_token = "glpat-123"

[instance_identity]
aws = ["i-0123456789abcdef0"]
azure = ["vm-1111"]
google = ["4242"]
accept_unverified = true
"#;

async fn spawn(config: Config) -> (SocketAddr, AppState, oneshot::Sender<()>) {
    let listener = TcpListener::bind(config.listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(config, addr).unwrap();
    let (tx, rx) = oneshot::channel();
    let st = state.clone();
    tokio::spawn(async move {
        agent_console_server::serve_state(listener, st, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, state, tx)
}

impl Server {
    pub async fn start(mode: Mode) -> Server {
        Self::start_with(mode, TEST_CONFIG, |_| {}).await
    }

    /// Starts with a config file text and a hook to adjust the server config (dist, base path...).
    pub async fn start_with(mode: Mode, file: &str, adjust: impl Fn(&mut Config)) -> Server {
        let file = FileConfig::parse(file).unwrap();
        let tokens = Tokens::new(Some(SESSION.into()), Some(AGENT.into())).unwrap();
        let mut config = Config::embedded("127.0.0.1:0".parse().unwrap(), tokens, file);
        if mode == Mode::Embedded {
            adjust(&mut config);
        }
        let (up_addr, state, up_stop) = spawn(config).await;
        let embedded = match state.backend() {
            Backend::Embedded(e) => e.clone(),
            Backend::Proxy(_) => unreachable!(),
        };
        let agent_id = embedded.agent().identity.agent_id.to_string();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut stops = vec![up_stop];
        let addr = match mode {
            Mode::Embedded => up_addr,
            Mode::Proxy => {
                let mut config = Config::proxy(
                    "127.0.0.1:0".parse().unwrap(),
                    format!("http://{up_addr}").parse().unwrap(),
                );
                adjust(&mut config);
                let (addr, _, stop) = spawn(config).await;
                stops.push(stop);
                addr
            }
        };
        Server {
            mode,
            addr,
            embedded,
            agent_id,
            client,
            stops,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }

    pub fn agent_path(&self, rest: &str) -> String {
        format!("/api/v2/workspaceagents/{}{}", self.agent_id, rest)
    }

    /// GET with the session token header.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("Coder-Session-Token", SESSION)
            .send()
            .await
            .unwrap()
    }

    /// GET with the session token, parsed as JSON (asserting `status`).
    pub async fn get_json(&self, path: &str, status: u16) -> Value {
        let resp = self.get(path).await;
        assert_eq!(resp.status().as_u16(), status, "GET {path}");
        resp.json().await.unwrap()
    }

    /// GET with the session token, read into the wire crate's type as the app reads it
    /// (asserting `status`): the server and its client agree on the contract.
    pub async fn get_as<T: serde::de::DeserializeOwned>(&self, path: &str, status: u16) -> T {
        let resp = self.get(path).await;
        assert_eq!(resp.status().as_u16(), status, "GET {path}");
        let text = resp.text().await.unwrap();
        coder_api::parse::<T>(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
    }

    /// A request with the agent token.
    pub fn agent_req(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("Coder-Session-Token", AGENT)
    }

    /// Creates a log source and returns its id.
    pub async fn log_source(&self, name: &str) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let resp = self
            .agent_req(
                reqwest::Method::POST,
                "/api/v2/workspaceagents/me/log-source",
            )
            .json(&serde_json::json!({"id": id, "display_name": name, "icon": "/icon/x.svg"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 201);
        id
    }

    /// PATCHes lines (all `info`) under `source`, returning the status.
    pub async fn patch_logs(&self, source: &str, lines: &[String]) -> reqwest::Response {
        let logs: Vec<Value> = lines
            .iter()
            .map(|l| serde_json::json!({"created_at": chrono::Utc::now(), "level": "info", "output": l}))
            .collect();
        self.agent_req(reqwest::Method::PATCH, "/api/v2/workspaceagents/me/logs")
            .json(&serde_json::json!({"log_source_id": source, "logs": logs}))
            .send()
            .await
            .unwrap()
    }
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a WebSocket with optional extra headers; returns the socket or the refusal status + body.
pub async fn ws_connect(url: &str, headers: &[(&str, &str)]) -> Result<Ws, (u16, String)> {
    let mut req = url.into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(
            reqwest::header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let status = resp.status().as_u16();
            let body = resp
                .body()
                .clone()
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            Err((status, body))
        }
        Err(e) => panic!("ws connect {url}: {e}"),
    }
}

/// Opens a WebSocket that the server must refuse; returns the status and body.
pub async fn ws_refused(url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    match ws_connect(url, headers).await {
        Ok(_) => panic!("{url}: the upgrade was accepted"),
        Err(refusal) => refusal,
    }
}

/// The next data or close message (pings skipped), within 10 s.
pub async fn next_msg(ws: &mut Ws) -> Option<Message> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Err(_) => panic!("timed out waiting for a WebSocket message"),
            Ok(None) => return None,
            Ok(Some(Err(e))) => panic!("ws error: {e}"),
            Ok(Some(Ok(Message::Ping(_)))) | Ok(Some(Ok(Message::Pong(_)))) => continue,
            Ok(Some(Ok(m))) => return Some(m),
        }
    }
}

/// Reads a PTY's binary output until `needle` shows up; returns everything read.
pub async fn read_until(ws: &mut Ws, needle: &str) -> String {
    let mut out = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !out.contains(needle) {
        let msg = tokio::time::timeout_at(deadline, next_msg(ws))
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in output: {out:?}"));
        match msg {
            Some(Message::Binary(b)) => out.push_str(&String::from_utf8_lossy(&b)),
            other => panic!("expected binary output, got {other:?} after {out:?}"),
        }
    }
    out
}

/// Next text frame parsed as JSON.
pub async fn next_json(ws: &mut Ws) -> Value {
    match next_msg(ws).await {
        Some(Message::Text(t)) => serde_json::from_str(t.as_str()).unwrap(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

pub async fn send_text(ws: &mut Ws, text: &str) {
    ws.send(Message::Text(text.into())).await.unwrap();
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("agent-console-{prefix}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `GET {base}{path}` with the session token, read as JSON.
pub async fn get_value(base: &str, path: &str, session: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("Coder-Session-Token", session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The id of the first agent `GET /api/v2/workspaces` lists on the server at `base`.
pub async fn first_agent_id(base: &str, session: &str) -> String {
    let ws = get_value(base, "/api/v2/workspaces", session).await;
    ws["workspaces"][0]["latest_build"]["resources"][0]["agents"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no agent listed: {ws}"))
        .to_owned()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Generates one `#[tokio::test]` per mode for an `async fn(Server)` body, or, with `mode`,
/// for an `async fn(Mode)` body that starts its own server (a config of its own).
#[macro_export]
macro_rules! both_modes {
    (mode $name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                $body(common::Mode::Embedded).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn proxy() {
                $body(common::Mode::Proxy).await;
            }
        }
    };
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() {
                let f = $body;
                f(common::Server::start(common::Mode::Embedded).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn proxy() {
                let f = $body;
                f(common::Server::start(common::Mode::Proxy).await).await;
            }
        }
    };
}
