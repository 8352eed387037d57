//! Issue 20: the embedded agent's containers, from a Docker engine reached over a unix socket,
//! served on coderd's routes (list, watch socket, recreate, delete), directly and through the
//! proxy; and without an engine, an empty list that says why.
//!
//! The engine here is a fake that speaks the part of Docker's Engine API the agent uses, with
//! these facts of it: a path may carry the API version first (`/v1.NN/...`) or not; `GET
//! /containers/json?all=true` lists stopped containers too, each with `Id`, `Names` (with a
//! leading `/`), `Image`, `Created` (Unix seconds), `State`, `Status` (human text), `Labels`,
//! `Ports` (`IP`, `PrivatePort`, `PublicPort`, `Type`; a port bound on IPv4 and IPv6 is listed
//! twice; an unbound one has no `IP`/`PublicPort`) and `Mounts`; `POST /containers/{id}/stop`,
//! `POST /containers/{id}/restart` and `DELETE /containers/{id}` answer 204 with no body.

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use coder_api::{WorkspaceAgentDevcontainerStatus as Status, WorkspaceAgentListContainersResponse};
use common::{next_json, ws_connect, Mode, Server, TempDir, SESSION};
use serde_json::{json, Value};

#[derive(Clone, Default)]
struct Engine {
    containers: Arc<Mutex<Vec<Value>>>,
    calls: Arc<Mutex<Vec<String>>>,
}

async fn engine(State(e): State<Engine>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or_default().to_owned();
    // Docker serves each route with an API version first (`/v1.53/containers/...`) and without
    // one (the engine's own version); bollard sends the latter.
    let rest = match path.strip_prefix("/v1.").and_then(|r| r.split_once('/')) {
        Some((_, rest)) => format!("/{rest}"),
        None => path.clone(),
    };
    e.calls
        .lock()
        .unwrap()
        .push(format!("{} {rest}", req.method()));
    let mut containers = e.containers.lock().unwrap();
    let parts: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    match (req.method().clone(), parts.as_slice()) {
        (Method::GET, ["containers", "json"]) => {
            assert!(
                query.contains("all=true"),
                "stopped containers are asked for too"
            );
            Json(Value::Array(containers.clone())).into_response()
        }
        (Method::POST, ["containers", id, "stop"]) => {
            for c in containers.iter_mut().filter(|c| c["Id"] == *id) {
                c["State"] = json!("exited");
                c["Status"] = json!("Exited (0) 1 second ago");
            }
            StatusCode::NO_CONTENT.into_response()
        }
        (Method::POST, ["containers", _, "restart"]) => StatusCode::NO_CONTENT.into_response(),
        (Method::DELETE, ["containers", id]) => {
            containers.retain(|c| c["Id"] != *id);
            StatusCode::NO_CONTENT.into_response()
        }
        _ => (StatusCode::NOT_FOUND, "unknown route").into_response(),
    }
}

/// Starts the fake engine on a unix socket in `dir` with a dev container and a plain container.
async fn start_engine(dir: &TempDir) -> (Engine, String) {
    let config = dir.0.join("devcontainer.json");
    std::fs::write(&config, "{}").unwrap();
    let e = Engine::default();
    *e.containers.lock().unwrap() = vec![
        json!({
            "Id": "dev1", "Names": ["/app-dev"], "Image": "mcr.microsoft.com/devcontainers/base",
            // Created long before its config file was written: outdated.
            "Created": 1_600_000_000, "State": "running", "Status": "Up 2 hours",
            "Labels": {
                "devcontainer.local_folder": "/home/me/app",
                "devcontainer.config_file": config.to_string_lossy(),
            },
            "Ports": [
                {"IP": "0.0.0.0", "PrivatePort": 3000, "PublicPort": 13000, "Type": "tcp"},
                {"IP": "::", "PrivatePort": 3000, "PublicPort": 13000, "Type": "tcp"},
                {"PrivatePort": 9229, "Type": "tcp"}
            ],
            "Mounts": [{"Type": "bind", "Source": "/home/me/app", "Destination": "/workspaces/app"}]
        }),
        json!({
            "Id": "db1", "Names": ["/<b>db</b>"], "Image": "postgres:16",
            "Created": 1_700_000_000, "State": "exited", "Status": "Exited (1) 3 minutes ago",
            "Labels": {}, "Ports": [], "Mounts": []
        }),
    ];
    let socket = dir.0.join("docker.sock");
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    let app = axum::Router::new().fallback(engine).with_state(e.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (e, format!("unix://{}", socket.display()))
}

fn config_with(host: &str) -> String {
    format!("scripts = []\n\n[containers]\ndocker_host = \"{host}\"\n")
}

async fn send(s: &Server, method: reqwest::Method, path: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .request(method, s.url(path))
        .header("Coder-Session-Token", SESSION)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn docker_containers_and_dev_containers_directly_and_through_the_proxy() {
    for mode in [Mode::Embedded, Mode::Proxy] {
        let dir = TempDir::new("containers");
        let (engine, host) = start_engine(&dir).await;
        let s = Server::start_with(mode, &config_with(&host), |_| {}).await;
        let path = s.agent_path("/containers");

        let list: WorkspaceAgentListContainersResponse = s.get_as(&path, 200).await;
        assert!(list.warnings.is_empty(), "{mode:?}: {:?}", list.warnings);
        assert_eq!(list.containers.len(), 2);
        let dc = &list.devcontainers[0];
        assert_eq!(list.devcontainers.len(), 1, "only the labelled container");
        assert_eq!(dc.name, "app");
        assert_eq!(dc.workspace_folder, "/home/me/app");
        assert_eq!(dc.status, Status::Running);
        assert!(dc.dirty, "its config file is newer than the container");
        let container = dc.container.as_ref().unwrap();
        assert_eq!(container.name, "app-dev");
        assert_eq!(
            container.ports.len(),
            2,
            "one port bound on IPv4 and IPv6 is one"
        );
        assert_eq!(container.ports[0].host_port, Some(13000));
        assert_eq!(container.ports[1].host_port, None);
        let plain: Vec<_> = list.plain_containers().collect();
        assert_eq!(plain[0].name, "<b>db</b>");
        assert_eq!(plain[0].status, "Exited (1) 3 minutes ago");
        assert!(!plain[0].running);

        // The watch socket sends the whole list at once, as coderd's encoder writes it.
        let mut ws = ws_connect(
            &s.ws_url(&s.agent_path("/containers/watch")),
            &[("Coder-Session-Token", SESSION)],
        )
        .await
        .unwrap_or_else(|e| panic!("{mode:?}: watch refused: {e:?}"));
        let first = next_json(&mut ws).await;
        assert_eq!(first["devcontainers"][0]["id"], json!(dc.id.to_string()));

        // Recreate: 202 with Coder's body, and the engine restarts the container.
        let recreate = format!("/containers/devcontainers/{}/recreate", dc.id);
        let (status, body) = send(&s, reqwest::Method::POST, &s.agent_path(&recreate)).await;
        assert_eq!(status, 202, "{mode:?}: {body}");
        assert_eq!(body["message"], "Devcontainer recreation initiated");
        let restarted = "POST /containers/dev1/restart".to_owned();
        wait_for(|| engine.calls.lock().unwrap().contains(&restarted)).await;

        // Unknown ids: Coder's 404.
        let missing = uuid::Uuid::new_v4();
        let (status, body) = send(
            &s,
            reqwest::Method::DELETE,
            &s.agent_path(&format!("/containers/devcontainers/{missing}")),
        )
        .await;
        assert_eq!(status, 404, "{mode:?}: {body}");
        assert_eq!(body["message"], "Devcontainer not found.");

        // Delete: stop, then remove; 204; the dev container is gone, and the socket says so.
        wait_for_status(&s, &path, Status::Running).await;
        let (status, _) = send(
            &s,
            reqwest::Method::DELETE,
            &s.agent_path(&format!("/containers/devcontainers/{}", dc.id)),
        )
        .await;
        assert_eq!(status, 204, "{mode:?}");
        let calls = engine.calls.lock().unwrap().clone();
        let stop = calls.iter().position(|c| c == "POST /containers/dev1/stop");
        let remove = calls.iter().position(|c| c == "DELETE /containers/dev1");
        assert!(stop.is_some() && stop < remove, "{calls:?}");
        let after: WorkspaceAgentListContainersResponse = s.get_as(&path, 200).await;
        assert!(after.devcontainers.is_empty());
        assert_eq!(after.containers.len(), 1);
        loop {
            let frame = next_json(&mut ws).await;
            if frame["devcontainers"].as_array().is_some_and(Vec::is_empty) {
                break;
            }
        }
    }
}

#[tokio::test]
async fn without_an_engine_the_list_is_empty_and_says_why() {
    for mode in [Mode::Embedded, Mode::Proxy] {
        let s = Server::start_with(
            mode,
            &config_with("unix:///nonexistent/agent-console/docker.sock"),
            |_| {},
        )
        .await;
        let list: WorkspaceAgentListContainersResponse =
            s.get_as(&s.agent_path("/containers"), 200).await;
        assert!(list.containers.is_empty() && list.devcontainers.is_empty());
        assert_eq!(list.warnings.len(), 1);
        assert!(
            list.warnings[0].contains("no Docker socket at /nonexistent/agent-console/docker.sock"),
            "{:?}",
            list.warnings
        );
        let any = uuid::Uuid::new_v4();
        let (status, body) = send(
            &s,
            reqwest::Method::POST,
            &s.agent_path(&format!("/containers/devcontainers/{any}/recreate")),
        )
        .await;
        assert_eq!(status, 503, "{mode:?}: {body}");
        assert_eq!(body["message"], "No container engine is reachable.");
        // Session-token routes like the rest.
        let resp = reqwest::get(s.url(&s.agent_path("/containers")))
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 401);
    }
}

async fn wait_for(mut done: impl FnMut() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("not done within 10 s");
}

async fn wait_for_status(s: &Server, path: &str, status: Status) {
    for _ in 0..200 {
        let list: WorkspaceAgentListContainersResponse = s.get_as(path, 200).await;
        if list.devcontainers.first().map(|d| &d.status) == Some(&status) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never {status}");
}
