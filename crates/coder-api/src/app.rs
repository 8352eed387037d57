//! Workspace apps declared by the template for an agent.
use crate::enums::null_as_default;
use crate::open_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

open_enum! {
    /// App health from its health check.
    WorkspaceAppHealth {
        Disabled => "disabled",
        Initializing => "initializing",
        Healthy => "healthy",
        Unhealthy => "unhealthy",
    }
}

open_enum! {
    /// Who may open the app.
    WorkspaceAppSharingLevel {
        Owner => "owner",
        Authenticated => "authenticated",
        Organization => "organization",
        Public => "public",
    }
}

open_enum! {
    /// How the dashboard opens the app.
    WorkspaceAppOpenIn {
        SlimWindow => "slim-window",
        Tab => "tab",
    }
}

open_enum! {
    /// State an app (e.g. an AI task) reports about itself.
    WorkspaceAppStatusState {
        Working => "working",
        Complete => "complete",
        Failure => "failure",
        Idle => "idle",
    }
}

/// The app's health check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Healthcheck {
    #[serde(default)]
    pub url: String,
    /// Seconds between checks.
    #[serde(default)]
    pub interval: i32,
    #[serde(default)]
    pub threshold: i32,
}

/// A status report of an app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAppStatus {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub workspace_id: Uuid,
    #[serde(default)]
    pub agent_id: Uuid,
    #[serde(default)]
    pub app_id: Uuid,
    #[serde(default)]
    pub state: WorkspaceAppStatusState,
    #[serde(default)]
    pub needs_user_attention: bool,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// A workspace app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceApp {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default)]
    pub external: bool,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default)]
    pub subdomain: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain_name: Option<String>,
    #[serde(default)]
    pub sharing_level: WorkspaceAppSharingLevel,
    #[serde(default)]
    pub healthcheck: Healthcheck,
    #[serde(default)]
    pub health: WorkspaceAppHealth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_in: Option<WorkspaceAppOpenIn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub statuses: Vec<WorkspaceAppStatus>,
}
