//! Workspace apps a template declares for an agent, their health check and status reports.
use crate::de::null_as_default;
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
    /// Who may open the app (also the share level of a shared port).
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
    /// URL the agent polls.
    #[serde(default)]
    pub url: String,
    /// Seconds between checks.
    #[serde(default)]
    pub interval: i32,
    /// Failed checks before the app is unhealthy.
    #[serde(default)]
    pub threshold: i32,
}

/// A status report of an app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAppStatus {
    /// Report id.
    pub id: Uuid,
    /// When it was reported.
    #[serde(deserialize_with = "crate::de::rfc3339_utc")]
    pub created_at: DateTime<Utc>,
    /// Workspace of the app.
    #[serde(default)]
    pub workspace_id: Uuid,
    /// Agent of the app.
    #[serde(default)]
    pub agent_id: Uuid,
    /// The app.
    #[serde(default)]
    pub app_id: Uuid,
    /// Reported state.
    #[serde(default)]
    pub state: WorkspaceAppStatusState,
    /// The app waits for the user.
    #[serde(default)]
    pub needs_user_attention: bool,
    /// Free text from the app.
    #[serde(default)]
    pub message: String,
    /// A link the app attaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// An icon the app attaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
}

/// A workspace app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceApp {
    /// App id.
    pub id: Uuid,
    /// Where the app listens (path apps) or its external URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `url` is opened by the browser directly (not proxied).
    #[serde(default)]
    pub external: bool,
    /// Short name used in URLs.
    #[serde(default)]
    pub slug: String,
    /// Human name.
    #[serde(default)]
    pub display_name: String,
    /// A command run in a terminal instead of a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Icon path or URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Served on its own subdomain of the wildcard host.
    #[serde(default)]
    pub subdomain: bool,
    /// That subdomain's host label, computed by coderd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain_name: Option<String>,
    /// Who may open it.
    #[serde(default)]
    pub sharing_level: WorkspaceAppSharingLevel,
    /// Its health check.
    #[serde(default)]
    pub healthcheck: Healthcheck,
    /// Its health.
    #[serde(default)]
    pub health: WorkspaceAppHealth,
    /// Display group (newer coderd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Hidden from the dashboard.
    #[serde(default)]
    pub hidden: bool,
    /// How to open it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_in: Option<WorkspaceAppOpenIn>,
    /// Markdown tooltip (newer coderd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Status reports, newest first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub statuses: Vec<WorkspaceAppStatus>,
}
