//! What a client needs of workspaces to find their agents, and the deployment around them.
use crate::enums::null_as_default;
use crate::{open_enum, WorkspaceAgent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

open_enum! {
    /// Whether a build starts, stops or deletes the workspace.
    WorkspaceTransition {
        Start => "start",
        Stop => "stop",
        Delete => "delete",
    }
}

open_enum! {
    /// Status of a workspace build.
    WorkspaceStatus {
        Pending => "pending",
        Starting => "starting",
        Running => "running",
        Stopping => "stopping",
        Stopped => "stopped",
        Failed => "failed",
        Canceling => "canceling",
        Canceled => "canceled",
        Deleting => "deleting",
        Deleted => "deleted",
    }
}

/// A resource of a build (a VM, a container, ...) and the agents in it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceResource {
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
    #[serde(default, rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub agents: Vec<WorkspaceAgent>,
}

/// The latest build of a workspace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceBuild {
    pub id: Uuid,
    #[serde(default)]
    pub build_number: i64,
    #[serde(default)]
    pub status: WorkspaceStatus,
    #[serde(default)]
    pub transition: WorkspaceTransition,
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<WorkspaceResource>,
}

/// A workspace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub owner_id: Uuid,
    #[serde(default)]
    pub owner_name: String,
    #[serde(default)]
    pub template_name: String,
    #[serde(default)]
    pub template_display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub latest_build: WorkspaceBuild,
}

impl Workspace {
    /// Every agent of the latest build, resource by resource.
    pub fn agents(&self) -> impl Iterator<Item = &WorkspaceAgent> {
        self.latest_build.resources.iter().flat_map(|r| r.agents.iter())
    }
}

/// `GET /workspaces`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspacesResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub workspaces: Vec<Workspace>,
    #[serde(default)]
    pub count: i64,
}

/// `GET /users/me` (the fields the console uses).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub avatar_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: String,
}

/// `GET /buildinfo` (no auth).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildInfo {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub agent_api_version: String,
    #[serde(default)]
    pub external_url: String,
    #[serde(default)]
    pub dashboard_url: String,
    #[serde(default)]
    pub workspace_proxy: bool,
    #[serde(default)]
    pub deployment_id: String,
}

/// One region of `GET /regions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub id: Uuid,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub icon_url: String,
    #[serde(default)]
    pub healthy: bool,
    #[serde(default)]
    pub path_app_url: String,
    /// e.g. `*.apps.example.com`; empty when the deployment has no wildcard host.
    #[serde(default)]
    pub wildcard_hostname: String,
}

/// `GET /regions`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RegionsResponse {
    #[serde(default, deserialize_with = "null_as_default")]
    pub regions: Vec<Region>,
}

/// `GET /applications/host`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppHostResponse {
    #[serde(default)]
    pub host: String,
}
