//! The containers list as coderd relays it from Coder's agent (`codersdk/workspaceagents.go`):
//! dev containers with their container, sub-agent, dirty flag and error; plain containers with
//! their host port bindings; warnings; unknown statuses kept; missing and `null` fields read as
//! empty.
mod common;

use coder_api::*;
use common::round_trip;
use serde_json::{json, Value};

/// A body shaped like coderd's: what Coder's agent writes for one running dev container with a
/// sub-agent and a plain container (Go's encoding: zero time, omitempty fields left out).
fn coderd_body() -> Value {
    json!({
        "devcontainers": [{
            "id": "8e2d0b6c-8b0f-4f3e-9d7e-2d6d5c1b6a01",
            "name": "api",
            "workspace_folder": "/home/coder/api",
            "config_path": "/home/coder/api/.devcontainer/devcontainer.json",
            "status": "running",
            "dirty": true,
            "container": {
                "created_at": "2026-06-01T10:00:00.123456789Z",
                "id": "c0ffee",
                "name": "api-dev",
                "image": "mcr.microsoft.com/devcontainers/base:ubuntu",
                "labels": {
                    "devcontainer.local_folder": "/home/coder/api",
                    "devcontainer.config_file": "/home/coder/api/.devcontainer/devcontainer.json"
                },
                "running": true,
                "ports": [
                    {"port": 8080, "network": "tcp", "host_ip": "0.0.0.0", "host_port": 18080},
                    {"port": 9229, "network": "tcp"}
                ],
                "status": "running",
                "volumes": {"/home/coder/api": "/workspaces/api"}
            },
            "agent": {
                "id": "3c9e8b8e-2a41-4b7e-8f55-6a1f3d2b9c10",
                "name": "api",
                "directory": "/workspaces/api"
            }
        }],
        "containers": [
            {
                "created_at": "2026-06-01T10:00:00.123456789Z",
                "id": "c0ffee",
                "name": "api-dev",
                "image": "mcr.microsoft.com/devcontainers/base:ubuntu",
                "labels": {"devcontainer.local_folder": "/home/coder/api"},
                "running": true,
                "ports": [],
                "status": "running",
                "volumes": {}
            },
            {
                "created_at": "0001-01-01T00:00:00Z",
                "id": "beef",
                "name": "postgres",
                "image": "postgres:16",
                "labels": null,
                "running": false,
                "ports": null,
                "status": "exited with code 1",
                "volumes": null
            }
        ],
        "warnings": ["host port 18080 is mapped to multiple containers on different interfaces: a, b"]
    })
}

#[test]
fn a_coderd_list_reads_whole() {
    let list: WorkspaceAgentListContainersResponse = round_trip(&coderd_body().to_string());
    let dc = &list.devcontainers[0];
    assert_eq!(dc.status, WorkspaceAgentDevcontainerStatus::Running);
    assert!(dc.dirty);
    assert_eq!(dc.workspace_folder, "/home/coder/api");
    let agent = dc.agent.as_ref().expect("sub-agent");
    assert_eq!(agent.name, "api");
    assert_eq!(agent.directory, "/workspaces/api");
    let container = dc.container.as_ref().expect("container");
    assert_eq!(container.ports[0].host_port, Some(18080));
    assert_eq!(container.ports[0].host_ip.as_deref(), Some("0.0.0.0"));
    assert_eq!(container.ports[1].host_port, None, "an unbound port");
    assert!(container.created_at.is_some());
    // Go's zero time and `null` collections read as "unknown" and empty.
    let plain = &list.containers[1];
    assert_eq!(plain.created_at, None);
    assert!(plain.labels.is_empty() && plain.ports.is_empty() && plain.volumes.is_empty());
    assert_eq!(plain.status, "exited with code 1");
    assert_eq!(list.warnings.len(), 1);
    // The dev container's own container is not listed again among the plain ones.
    let names: Vec<_> = list.plain_containers().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["postgres"]);
}

#[test]
fn written_as_go_writes_it() {
    let list: WorkspaceAgentListContainersResponse =
        parse(&coderd_body().to_string()).expect("parse");
    let written = serde_json::to_value(&list).unwrap();
    // omitempty: an unbound port has no host fields; no warnings, no field.
    assert_eq!(
        written["devcontainers"][0]["container"]["ports"][1],
        json!({"port": 9229, "network": "tcp"})
    );
    assert_eq!(
        written["containers"][1]["created_at"],
        json!("0001-01-01T00:00:00Z")
    );
    let empty = serde_json::to_value(WorkspaceAgentListContainersResponse::default()).unwrap();
    assert_eq!(empty, json!({"devcontainers": [], "containers": []}));
}

#[test]
fn unknown_statuses_are_kept_and_written_back() {
    let mut body = coderd_body();
    body["devcontainers"][0]["status"] = json!("hibernating");
    let list: WorkspaceAgentListContainersResponse = round_trip(&body.to_string());
    let status = &list.devcontainers[0].status;
    assert!(!status.is_known());
    assert_eq!(status.as_str(), "hibernating");
    assert!(!status.transitioning());
    let written = serde_json::to_value(&list).unwrap();
    assert_eq!(written["devcontainers"][0]["status"], json!("hibernating"));
    for known in ["starting", "stopping", "deleting"] {
        assert!(WorkspaceAgentDevcontainerStatus::from_wire(known).transitioning());
    }
    assert!(!WorkspaceAgentDevcontainerStatus::Error.transitioning());
}

#[test]
fn missing_fields_read_as_empty() {
    // An older agent: no status, no dirty flag, no container, no warnings, no containers.
    let list: WorkspaceAgentListContainersResponse = round_trip(
        r#"{"devcontainers":[{"id":"8e2d0b6c-8b0f-4f3e-9d7e-2d6d5c1b6a01","workspace_folder":"/w"}]}"#,
    );
    let dc = &list.devcontainers[0];
    assert_eq!(dc.name, "");
    assert!(!dc.dirty && dc.container.is_none() && dc.agent.is_none() && dc.error.is_empty());
    assert!(list.containers.is_empty() && list.warnings.is_empty());
    let nothing: WorkspaceAgentListContainersResponse =
        parse(r#"{"devcontainers":null,"containers":null}"#).unwrap();
    assert_eq!(nothing, WorkspaceAgentListContainersResponse::default());
    let port: WorkspaceAgentContainerPort = parse("{}").unwrap();
    assert_eq!(port, WorkspaceAgentContainerPort::default());
}

#[test]
fn labels_make_a_dev_container() {
    let mut c = WorkspaceAgentContainer::default();
    assert_eq!(devcontainer_labels(&c), None, "no labels");
    c.labels.insert(
        DEVCONTAINER_CONFIG_FILE_LABEL.into(),
        "/w/.devcontainer.json".into(),
    );
    assert_eq!(
        devcontainer_labels(&c),
        None,
        "a config file alone is not enough"
    );
    c.labels
        .insert(DEVCONTAINER_LOCAL_FOLDER_LABEL.into(), "/w".into());
    assert_eq!(
        devcontainer_labels(&c),
        Some(("/w".into(), "/w/.devcontainer.json".into()))
    );
    c.labels.remove(DEVCONTAINER_CONFIG_FILE_LABEL);
    assert_eq!(devcontainer_labels(&c), Some(("/w".into(), String::new())));
    c.labels
        .insert(DEVCONTAINER_LOCAL_FOLDER_LABEL.into(), String::new());
    assert_eq!(devcontainer_labels(&c), None, "an empty folder");
}

#[test]
fn routes_and_bodies_follow_coderd() {
    let agent = uuid::Uuid::nil();
    let dc: uuid::Uuid = "8e2d0b6c-8b0f-4f3e-9d7e-2d6d5c1b6a01".parse().unwrap();
    let base = "/api/v2/workspaceagents/00000000-0000-0000-0000-000000000000";
    assert_eq!(routes::containers(&agent), format!("{base}/containers"));
    assert_eq!(
        routes::containers_watch(&agent),
        format!("{base}/containers/watch")
    );
    assert_eq!(
        routes::devcontainer(&agent, &dc),
        format!("{base}/containers/devcontainers/{dc}")
    );
    assert_eq!(
        routes::devcontainer_recreate(&agent, &dc),
        format!("{base}/containers/devcontainers/{dc}/recreate")
    );
    let started = Response::devcontainer_recreate_started("api");
    assert_eq!(started.message, "Devcontainer recreation initiated");
    assert_eq!(
        started.detail.as_deref(),
        Some("Recreation process for devcontainer \"api\" has started.")
    );
    let busy = Response::devcontainer_transitioning("delete", "api", "starting");
    assert_eq!(busy.message, "Unable to delete transitioning devcontainer");
    assert_eq!(
        busy.detail.as_deref(),
        Some("Devcontainer \"api\" is currently starting and cannot be deleted.")
    );
}
