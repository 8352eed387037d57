//! The workspace agent as `GET /workspaceagents/{id}` returns it.
use crate::enums::null_as_default;
use crate::{open_enum, WorkspaceAgentLogSource, WorkspaceAgentScript, WorkspaceApp};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

open_enum! {
    /// Connection status, derived by coderd from the agent's connection timestamps.
    WorkspaceAgentStatus {
        Connecting => "connecting",
        Connected => "connected",
        Disconnected => "disconnected",
        Timeout => "timeout",
    }
}

open_enum! {
    /// Where the agent is in its start/stop life.
    WorkspaceAgentLifecycle {
        Created => "created",
        Starting => "starting",
        StartTimeout => "start_timeout",
        StartError => "start_error",
        Ready => "ready",
        ShuttingDown => "shutting_down",
        ShutdownTimeout => "shutdown_timeout",
        ShutdownError => "shutdown_error",
        Off => "off",
    }
}

impl WorkspaceAgentLifecycle {
    /// `created` or `starting` (coderd's `Starting()`).
    pub fn is_starting(&self) -> bool {
        matches!(self, Self::Created | Self::Starting)
    }
    /// Any stopping or stopped state (coderd's `ShuttingDown()`).
    pub fn is_shutting_down(&self) -> bool {
        matches!(self, Self::ShuttingDown | Self::ShutdownTimeout | Self::ShutdownError | Self::Off)
    }
}

open_enum! {
    /// Deprecated summary of the scripts: blocking when a start script blocks login.
    StartupScriptBehavior {
        Blocking => "blocking",
        NonBlocking => "non-blocking",
    }
}

open_enum! {
    /// Built-in apps the dashboard offers for this agent.
    DisplayApp {
        Vscode => "vscode",
        VscodeInsiders => "vscode_insiders",
        WebTerminal => "web_terminal",
        PortForwardingHelper => "port_forwarding_helper",
        SshHelper => "ssh_helper",
    }
}

open_enum! {
    /// Subsystems the agent runs inside.
    AgentSubsystem {
        Envbox => "envbox",
        Envbuilder => "envbuilder",
        Exectrace => "exectrace",
    }
}

/// `health`: healthy, or a reason.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAgentHealth {
    pub healthy: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One entry of `latency`, keyed by DERP region name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpRegionLatency {
    #[serde(default)]
    pub preferred: bool,
    #[serde(default)]
    pub latency_ms: f64,
}

/// A workspace agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAgent {
    pub id: Uuid,
    /// Set for sub-agents (devcontainers); newer coderd only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_connected_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_connected_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disconnected_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: WorkspaceAgentStatus,
    #[serde(default)]
    pub lifecycle_state: WorkspaceAgentLifecycle,
    pub name: String,
    #[serde(default)]
    pub resource_id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    #[serde(default)]
    pub architecture: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub environment_variables: BTreeMap<String, String>,
    #[serde(default)]
    pub operating_system: String,
    #[serde(default)]
    pub logs_length: i64,
    #[serde(default)]
    pub logs_overflowed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expanded_directory: Option<String>,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub api_version: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub apps: Vec<WorkspaceApp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<BTreeMap<String, DerpRegionLatency>>,
    #[serde(default)]
    pub connection_timeout_seconds: i32,
    #[serde(default)]
    pub troubleshooting_url: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub subsystems: Vec<AgentSubsystem>,
    #[serde(default)]
    pub health: WorkspaceAgentHealth,
    #[serde(default, deserialize_with = "null_as_default")]
    pub display_apps: Vec<DisplayApp>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub log_sources: Vec<WorkspaceAgentLogSource>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub scripts: Vec<WorkspaceAgentScript>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_script_behavior: Option<StartupScriptBehavior>,
}
