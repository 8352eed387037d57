//! Issue 17: who is connected (terminal sockets, port-forward exchanges) in the agent's
//! `sessions`; the config's `[[apps]]` with real health checks; app statuses posted with the
//! agent token, shown on the app and the workspace as coderd shows them.

mod common;

use std::time::Duration;

use coder_api::{
    AgentExtras, ConnectionType, WorkspaceAgent, WorkspaceAppHealth, WorkspaceAppStatusState,
    WorkspaceConnectionStatus, WorkspaceSession, WorkspacesResponse,
};
use common::{ws_connect, Mode, Server, SESSION, TEST_CONFIG};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The agent's sessions, as the app reads them.
async fn sessions(s: &Server) -> Vec<WorkspaceSession> {
    s.get_as::<AgentExtras>(&s.agent_path(""), 200)
        .await
        .sessions
}

/// Polls `check` on the agent until it holds (the state changes in the background), failing
/// with the last agent seen after 20 s.
async fn wait_for_agent<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    s: &Server,
    what: &str,
    check: impl Fn(&T) -> bool,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let agent = s.get_as::<T>(&s.agent_path(""), 200).await;
        if check(&agent) {
            return agent;
        }
        assert!(tokio::time::Instant::now() < deadline, "{what}: {agent:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn terminals(agent: &AgentExtras) -> Vec<&coder_api::WorkspaceConnection> {
    agent
        .sessions
        .iter()
        .flat_map(|s| &s.connections)
        .filter(|c| c.kind == ConnectionType::ReconnectingPty)
        .collect()
}

both_modes!(
    a_terminal_is_a_session_while_it_is_open,
    |s: Server| async move {
        assert!(sessions(&s).await.is_empty(), "no one connected yet");
        let url = s.ws_url(&format!(
            "{}?reconnect={}&coder_session_token={SESSION}",
            s.agent_path("/pty"),
            uuid::Uuid::new_v4()
        ));
        let mut ws = ws_connect(&url, &[]).await.unwrap();
        let agent = wait_for_agent(&s, "an ongoing terminal", |a| {
            terminals(a).iter().any(|c| c.status.is_ongoing())
        })
        .await;
        let session = &agent.sessions[0];
        // The test's client (or the proxy) is on this machine: its address and hostname.
        assert_eq!(session.ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(session.client_hostname, s.embedded.agent().host.hostname);
        assert_eq!(session.status, WorkspaceConnectionStatus::Ongoing);
        let conn = terminals(&agent)[0];
        assert!(conn.ended_at.is_none() && conn.connected_at.is_some());

        ws.close(None).await.unwrap();
        drop(ws);
        let agent = wait_for_agent(&s, "the terminal ended", |a| {
            !terminals(a).is_empty() && terminals(a).iter().all(|c| !c.status.is_ongoing())
        })
        .await;
        let conn = terminals(&agent)[0];
        let ended = conn.ended_at.expect("an end time");
        assert!(ended >= conn.created_at);
        assert!(!agent.sessions[0].status.is_ongoing());
        assert_eq!(agent.sessions[0].ended_at, Some(ended));
    }
);

/// A local service that answers the head of its response, then holds the body until told.
async fn slow_service() -> (u16, tokio::sync::mpsc::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<()>(1);
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let _ = sock.read(&mut buf).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-length: 10\r\nconnection: close\r\n\r\nhello";
        sock.write_all(head.as_bytes()).await.unwrap();
        let _ = rx.recv().await;
        let _ = sock.write_all(b"world").await;
    });
    (port, tx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_forward_is_a_session_while_it_is_open() {
    let s = Server::start(Mode::Embedded).await;
    let (port, release) = slow_service().await;
    let host = format!("{port}--dev--ws--tester.localhost:{}", s.addr.port());
    let resp = s
        .client
        .get(s.url("/"))
        .header("Host", &host)
        .header("Coder-Session-Token", SESSION)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let forward = |a: &AgentExtras| {
        a.sessions
            .iter()
            .flat_map(|s| &s.connections)
            .find(|c| c.kind == ConnectionType::PortForwarding)
            .cloned()
    };
    let agent = wait_for_agent(&s, "an ongoing forward", |a| forward(a).is_some()).await;
    let conn = forward(&agent).unwrap();
    assert_eq!(conn.status, WorkspaceConnectionStatus::Ongoing);
    assert_eq!(conn.detail, port.to_string());
    assert_eq!(conn.ip.as_deref(), Some("127.0.0.1"));

    release.send(()).await.unwrap();
    assert_eq!(resp.text().await.unwrap(), "helloworld");
    let agent = wait_for_agent(&s, "the forward ended", |a| {
        forward(a).is_some_and(|c| !c.status.is_ongoing())
    })
    .await;
    let conn = forward(&agent).unwrap();
    assert_eq!(conn.status, WorkspaceConnectionStatus::CleanDisconnected);
    assert!(conn.ended_at.is_some());
}

/// A local service that answers every request 200.
async fn healthy_service() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            });
        }
    });
    port
}

/// A port nothing listens on.
async fn dead_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// The test config with two apps: `web` on port `up` and `down` on port `down`, each checked
/// every second.
fn apps_config(up: u16, down: u16) -> String {
    format!(
        r#"{TEST_CONFIG}
[[apps]]
slug = "web"
display_name = "Web <b>app</b>"
url = "http://localhost:{up}/"
icon = "/icon/code.svg"
subdomain = true
sharing_level = "authenticated"
healthcheck = {{ url = "http://127.0.0.1:{up}/healthz", interval = 1, threshold = 1 }}

[[apps]]
slug = "down"
display_name = "Down"
url = "http://localhost:{down}/"
healthcheck = {{ url = "http://127.0.0.1:{down}/", interval = 1, threshold = 1 }}
"#
    )
}

async fn app_health_follows_the_local_services(mode: Mode) {
    let (up, down) = (healthy_service().await, dead_port().await);
    let s = Server::start_with(mode, &apps_config(up, down), |_| {}).await;
    let agent = s.get_as::<WorkspaceAgent>(&s.agent_path(""), 200).await;
    let slugs: Vec<_> = agent.apps.iter().map(|a| a.slug.as_str()).collect();
    // Sorted as coderd sorts them: order, then display name.
    assert_eq!(slugs, ["down", "web"]);
    let web = &agent.apps[1];
    assert_eq!(
        web.url.as_deref(),
        Some(format!("http://localhost:{up}/").as_str())
    );
    assert_eq!(web.healthcheck.threshold, 1);
    assert_eq!(
        web.sharing_level,
        coder_api::WorkspaceAppSharingLevel::Authenticated
    );
    // The host the console's forwarder serves for the app's port.
    assert_eq!(
        web.subdomain_name.as_deref(),
        Some(format!("{up}--dev--ws--tester").as_str())
    );
    assert!(
        agent.apps[0].subdomain_name.is_none(),
        "not a subdomain app"
    );

    let health = |a: &WorkspaceAgent, slug: &str| {
        a.apps
            .iter()
            .find(|x| x.slug == slug)
            .unwrap()
            .health
            .clone()
    };
    wait_for_agent(&s, "web healthy, down unhealthy", |a| {
        health(a, "web") == WorkspaceAppHealth::Healthy
            && health(a, "down") == WorkspaceAppHealth::Unhealthy
    })
    .await;

    // The app opens through its forward host.
    if mode == Mode::Embedded {
        let resp = s
            .client
            .get(s.url("/"))
            .header(
                "Host",
                format!("{}.localhost", web.subdomain_name.as_ref().unwrap()),
            )
            .header("Coder-Session-Token", SESSION)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.text().await.unwrap(), "ok");
    }
}

both_modes!(mode app_health_follows_the_local_services, app_health_follows_the_local_services);

async fn patch_status(
    s: &Server,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let resp = s
        .client
        .patch(s.url(&coder_api::routes::me_app_status()))
        .header("Coder-Session-Token", token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(serde_json::Value::Null))
}

/// A server whose two apps have no service behind them (their statuses are what is tested).
async fn server_with_idle_apps(mode: Mode) -> Server {
    Server::start_with(
        mode,
        &apps_config(dead_port().await, dead_port().await),
        |_| {},
    )
    .await
}

async fn app_statuses_show_on_the_app_and_the_workspace(mode: Mode) {
    let s = server_with_idle_apps(mode).await;
    assert!(workspace(&s).await.latest_app_status.is_none());

    let (code, body) = patch_status(
        &s,
        common::AGENT,
        serde_json::json!({
            "app_slug": "web", "state": "working", "message": "Reading the code",
            "uri": "https://example.com/pr/1", "icon": "/ignored.svg", "needs_user_attention": true,
        }),
    )
    .await;
    assert_eq!((code, body), (200, serde_json::Value::Null));
    let (code, _) = patch_status(
        &s,
        common::AGENT,
        serde_json::json!({
            "app_slug": "web", "state": "IDLE", "message": "Waiting for you",
        }),
    )
    .await;
    assert_eq!(code, 200, "coderd reads the state in any case");

    let agent = s.get_as::<WorkspaceAgent>(&s.agent_path(""), 200).await;
    let web = agent.apps.iter().find(|a| a.slug == "web").unwrap();
    let states: Vec<_> = web.statuses.iter().map(|x| x.state.clone()).collect();
    assert_eq!(
        states,
        [
            WorkspaceAppStatusState::Idle,
            WorkspaceAppStatusState::Working
        ],
        "newest first"
    );
    let first = &web.statuses[1];
    assert_eq!(
        (first.message.as_str(), first.uri.as_str()),
        ("Reading the code", "https://example.com/pr/1")
    );
    // Deprecated fields coderd does not store.
    assert!(first.icon.is_empty() && !first.needs_user_attention);
    assert_eq!(first.app_id, web.id);
    assert_eq!(first.agent_id, agent.id);
    let ws = workspace(&s).await;
    let latest = ws.latest_app_status.expect("the workspace's latest status");
    assert_eq!(latest.id, web.statuses[0].id);
    assert_eq!(latest.workspace_id, ws.id);
    assert!(agent
        .apps
        .iter()
        .find(|a| a.slug == "down")
        .unwrap()
        .statuses
        .is_empty());
}

both_modes!(mode app_statuses_show_on_the_app_and_the_workspace, app_statuses_show_on_the_app_and_the_workspace);

async fn bad_app_statuses_get_coderds_answers(mode: Mode) {
    let s = server_with_idle_apps(mode).await;
    let ok = |msg: &str| serde_json::json!({"app_slug": "web", "state": "working", "message": msg});

    let (code, body) = patch_status(
        &s,
        common::AGENT,
        serde_json::json!({"app_slug": "nope", "state": "idle"}),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(body["message"], "Failed to get workspace app.");
    assert_eq!(body["detail"], "No app found with slug \"nope\"");

    let (code, _) = patch_status(&s, "not-the-agent-token", ok("hi")).await;
    assert_eq!(code, 401);
    // The user's session is not the agent's token either.
    let (code, _) = patch_status(&s, SESSION, ok("hi")).await;
    assert_eq!(code, 401);

    let (code, body) = patch_status(
        &s,
        common::AGENT,
        serde_json::json!({"app_slug": "web", "state": "sleeping"}),
    )
    .await;
    assert_eq!(
        (code, body["message"].as_str()),
        (400, Some("Failed to parse request."))
    );
    assert_eq!(body["detail"], "Invalid state: sleeping");
    let (code, body) =
        patch_status(&s, common::AGENT, serde_json::json!({"app_slug": "web"})).await;
    assert_eq!(
        (code, body["detail"].as_str()),
        (400, Some("Invalid state: "))
    );

    let megabyte = "x".repeat(1 << 20);
    let (code, body) = patch_status(&s, common::AGENT, ok(&megabyte)).await;
    assert_eq!(
        (code, body["message"].as_str()),
        (400, Some("Message is too long."))
    );
    assert_eq!(body["validations"][0]["field"], "message");

    let (code, _) = patch_status(
        &s,
        common::AGENT,
        ok("<img src=x onerror=alert(1)>Done \u{1b}[31mred\u{1b}[0m\n\tnow"),
    )
    .await;
    assert_eq!(code, 200);
    let resp = s
        .client
        .patch(s.url(&coder_api::routes::me_app_status()))
        .header("Coder-Session-Token", common::AGENT)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    let agent = s.get_as::<WorkspaceAgent>(&s.agent_path(""), 200).await;
    let web = agent.apps.iter().find(|a| a.slug == "web").unwrap();
    assert_eq!(web.statuses.len(), 1, "only the accepted one is stored");
    assert_eq!(web.statuses[0].message, "Done red now");
}

both_modes!(mode bad_app_statuses_get_coderds_answers, bad_app_statuses_get_coderds_answers);

async fn workspace(s: &Server) -> coder_api::Workspace {
    s.get_as::<WorkspacesResponse>("/api/v2/workspaces", 200)
        .await
        .workspaces
        .remove(0)
}
