//! An agent's containers and dev containers: `GET /workspaceagents/{id}/containers`, its watch
//! socket (one whole list per TEXT frame), and the recreate and delete actions.
//!
//! Checked against coder/coder `codersdk/workspaceagents.go` and `coderd/workspaceagents.go`
//! (see `docs/coder-wire.md`, "Dev containers"). Every field is tolerant: a missing or `null`
//! one reads as empty, and unknown statuses are kept as sent.
use crate::de::{go_time_opt, null_as_default, write_go_time_opt};
use crate::open_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The label Coder's agent (and the dev container CLI) puts on a dev container: the workspace
/// folder on the agent's machine. A container with it is a dev container.
pub const DEVCONTAINER_LOCAL_FOLDER_LABEL: &str = "devcontainer.local_folder";
/// The label holding the path of the container's `devcontainer.json`.
pub const DEVCONTAINER_CONFIG_FILE_LABEL: &str = "devcontainer.config_file";

open_enum! {
    /// Where a dev container is in its life (`WorkspaceAgentDevcontainerStatus`).
    WorkspaceAgentDevcontainerStatus {
        Running => "running",
        Stopped => "stopped",
        Starting => "starting",
        Stopping => "stopping",
        Deleting => "deleting",
        Error => "error",
    }
}

impl WorkspaceAgentDevcontainerStatus {
    /// Coder's `Transitioning()`: the agent refuses to recreate or delete (409) until it ends.
    pub fn transitioning(&self) -> bool {
        matches!(self, Self::Starting | Self::Stopping | Self::Deleting)
    }
}

/// A port a container exposes (`WorkspaceAgentContainerPort`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentContainerPort {
    /// The port inside the container.
    #[serde(default)]
    pub port: u16,
    /// `tcp`, `udp`, ….
    #[serde(default)]
    pub network: String,
    /// The host interface it is bound to (IPv4 or IPv6); omitted when not bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    /// The port on the host; omitted when not bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
}

/// A container the agent sees (`WorkspaceAgentContainer`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentContainer {
    /// When it was created (Go writes the zero time when unknown).
    #[serde(
        default,
        deserialize_with = "go_time_opt",
        serialize_with = "write_go_time_opt"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// The engine's id.
    #[serde(default)]
    pub id: String,
    /// Its friendly name (no leading `/`).
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub image: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub running: bool,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ports: Vec<WorkspaceAgentContainerPort>,
    /// A human-readable status, implementation-dependent ("running", "exited with code 1", …).
    #[serde(default)]
    pub status: String,
    /// What is mounted, source → destination.
    #[serde(default, deserialize_with = "null_as_default")]
    pub volumes: BTreeMap<String, String>,
}

/// The sub-agent running inside a dev container (`WorkspaceAgentDevcontainerAgent`): an agent of
/// its own, with its own views.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentDevcontainerAgent {
    #[serde(default)]
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub directory: String,
}

/// A dev container (`WorkspaceAgentDevcontainer`): its configuration's location and its state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentDevcontainer {
    /// What the recreate and delete routes name it by.
    #[serde(default)]
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub workspace_folder: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub config_path: String,
    /// Set when the dev container was defined in Terraform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subagent_id: Option<Uuid>,
    #[serde(default)]
    pub status: WorkspaceAgentDevcontainerStatus,
    /// Its configuration changed after the container was created ("outdated").
    #[serde(default)]
    pub dirty: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<WorkspaceAgentContainer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<WorkspaceAgentDevcontainerAgent>,
    /// What went wrong last (creating it, starting its agent).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub error: String,
}

/// `GET /workspaceagents/{id}/containers`, and each frame of its watch socket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentListContainersResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub devcontainers: Vec<WorkspaceAgentDevcontainer>,
    /// Every container, those of the dev containers included.
    #[serde(default, deserialize_with = "null_as_default")]
    pub containers: Vec<WorkspaceAgentContainer>,
    /// Problems met while listing that were not fatal; the console also gives here why the
    /// list is empty when no container engine could be asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl WorkspaceAgentListContainersResponse {
    /// The containers that belong to no dev container (those are shown on their cards).
    pub fn plain_containers(&self) -> impl Iterator<Item = &WorkspaceAgentContainer> {
        self.containers.iter().filter(move |c| {
            !self
                .devcontainers
                .iter()
                .any(|d| d.container.as_ref().is_some_and(|dc| dc.id == c.id))
        })
    }
}

/// The dev container a container is, read from its labels: its workspace folder and config file
/// (empty when the label is missing). `None` for a container without the folder label.
pub fn devcontainer_labels(container: &WorkspaceAgentContainer) -> Option<(String, String)> {
    let folder = container.labels.get(DEVCONTAINER_LOCAL_FOLDER_LABEL)?;
    if folder.is_empty() {
        return None;
    }
    let config = container
        .labels
        .get(DEVCONTAINER_CONFIG_FILE_LABEL)
        .cloned()
        .unwrap_or_default();
    Some((folder.clone(), config))
}

/// The bodies Coder's agent answers on the dev container actions (coderd relays them as sent).
impl crate::Response {
    /// 202 on `POST …/devcontainers/{id}/recreate`.
    pub fn devcontainer_recreate_started(name: &str) -> Self {
        Self::message("Devcontainer recreation initiated").with_detail(format!(
            "Recreation process for devcontainer \"{name}\" has started."
        ))
    }
    /// 404 when no dev container has the id.
    pub fn devcontainer_not_found(id: &str) -> Self {
        Self::message("Devcontainer not found.")
            .with_detail(format!("Could not find devcontainer with ID: \"{id}\""))
    }
    /// 409 while it is starting, stopping or being deleted; `action` is `recreate` or `delete`.
    pub fn devcontainer_transitioning(action: &str, name: &str, status: &str) -> Self {
        let (message, verb) = if action == "delete" {
            ("Unable to delete transitioning devcontainer", "deleted")
        } else {
            ("Unable to recreate transitioning devcontainer", "restarted")
        };
        Self::message(message).with_detail(format!(
            "Devcontainer \"{name}\" is currently {status} and cannot be {verb}."
        ))
    }
}
