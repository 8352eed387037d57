//! What a client needs of workspaces to find their agents: the workspace, its latest build, the
//! build's resources and the agents in them.
use crate::de::null_as_default;
use crate::{open_enum, WorkspaceAgent, WorkspaceAppStatus};
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
    /// Status of a workspace (its latest build's job).
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
    /// Resource id.
    pub id: Uuid,
    /// Terraform name.
    #[serde(default)]
    pub name: String,
    /// Terraform type, e.g. `docker_container`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Agents running in it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub agents: Vec<WorkspaceAgent>,
}

/// A workspace build (the console reads the latest one).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceBuild {
    /// Build id.
    pub id: Uuid,
    /// 1 for the first build, then increasing.
    #[serde(default)]
    pub build_number: i64,
    /// Status.
    #[serde(default)]
    pub status: WorkspaceStatus,
    /// What the build does.
    #[serde(default)]
    pub transition: WorkspaceTransition,
    /// Resources it created.
    #[serde(default, deserialize_with = "null_as_default")]
    pub resources: Vec<WorkspaceResource>,
}

/// A workspace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    /// Workspace id.
    pub id: Uuid,
    /// Name (unique per owner).
    #[serde(default)]
    pub name: String,
    /// Owner's user id.
    #[serde(default)]
    pub owner_id: Uuid,
    /// Owner's username.
    #[serde(default)]
    pub owner_name: String,
    /// Template name.
    #[serde(default)]
    pub template_name: String,
    /// Template display name (may be empty).
    #[serde(default)]
    pub template_display_name: String,
    /// When it was created.
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<DateTime<Utc>>,
    /// The latest build, whose resources hold the current agents.
    #[serde(default)]
    pub latest_build: WorkspaceBuild,
    /// The newest status any app of the workspace reported (coderd: by `created_at`, across
    /// its builds); `null` when none ever did.
    #[serde(default)]
    pub latest_app_status: Option<WorkspaceAppStatus>,
    /// The latest build is not of the template's active version.
    #[serde(default)]
    pub outdated: bool,
    /// Healthy, or which agents are not.
    #[serde(default)]
    pub health: WorkspaceHealth,
    /// The task the workspace runs, if any (coderd always writes it: `null` when none).
    #[serde(default)]
    pub task_id: Option<Uuid>,
    /// When a client last reported using it (`POST /workspaces/{id}/usage`, connections).
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_used_at: Option<DateTime<Utc>>,
}

/// `Workspace.health`: coderd lists the top-level agents (not sub-agents) whose own `health`
/// is not healthy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceHealth {
    /// No agent is failing.
    #[serde(default = "yes")]
    pub healthy: bool,
    /// Ids of the failing agents.
    #[serde(default, deserialize_with = "null_as_default")]
    pub failing_agents: Vec<Uuid>,
}

fn yes() -> bool {
    true
}

/// Absent health says nothing is failing.
impl Default for WorkspaceHealth {
    fn default() -> Self {
        Self {
            healthy: true,
            failing_agents: Vec::new(),
        }
    }
}

impl WorkspaceHealth {
    /// coderd's rule over the agents of the latest build: sub-agents (with a `parent_id`) do not
    /// count.
    pub fn of<'a>(agents: impl IntoIterator<Item = &'a WorkspaceAgent>) -> Self {
        let failing_agents: Vec<Uuid> = agents
            .into_iter()
            .filter(|a| a.parent_id.is_none() && !a.health.healthy)
            .map(|a| a.id)
            .collect();
        Self {
            healthy: failing_agents.is_empty(),
            failing_agents,
        }
    }
}

impl Workspace {
    /// Every agent of the latest build, resource by resource.
    pub fn agents(&self) -> impl Iterator<Item = &WorkspaceAgent> {
        self.latest_build
            .resources
            .iter()
            .flat_map(|r| r.agents.iter())
    }
    /// The agent with this id in the latest build.
    pub fn agent(&self, id: &Uuid) -> Option<&WorkspaceAgent> {
        self.agents().find(|a| a.id == *id)
    }
}

/// `GET /workspaces`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspacesResponse {
    /// One page of workspaces.
    #[serde(default, deserialize_with = "null_as_default")]
    pub workspaces: Vec<Workspace>,
    /// Total matching the query (across pages).
    #[serde(default)]
    pub count: i64,
}

impl WorkspacesResponse {}

/// The app names coderd accepts in a usage report (codersdk `AllowedAppNames`).
pub const USAGE_APP_NAMES: [&str; 4] = ["vscode", "jetbrains", "reconnecting-pty", "ssh"];
/// What the web terminal reports itself as (`UsageAppNameReconnectingPty`).
pub const USAGE_APP_RECONNECTING_PTY: &str = "reconnecting-pty";
/// How often a client still in use reports again (codersdk `UpdateWorkspaceUsageWithBodyContext`:
/// once at the start, then every minute), so the deployment does not stop a workspace in use.
pub const USAGE_INTERVAL_MS: u32 = 60_000;

/// `POST /workspaces/{id}/usage`: the workspace is in use (coderd moves its `last_used_at` and
/// counts a session of `app_name` on `agent_id`). Answered 204.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostWorkspaceUsageRequest {
    #[serde(default)]
    pub agent_id: Uuid,
    #[serde(default)]
    pub app_name: String,
}

impl PostWorkspaceUsageRequest {
    /// coderd's checks and answers: both fields or neither (an empty body only marks the
    /// workspace used), and a known app name.
    pub fn validate(&self) -> Result<(), crate::Response> {
        let invalid = |field: &str, why: String| {
            crate::Response::message("Invalid request").with_validation(field, why)
        };
        match (self.agent_id.is_nil(), self.app_name.is_empty()) {
            (true, true) => Ok(()),
            (true, false) => Err(invalid(
                "agent_id",
                "must be set when app_name is set".into(),
            )),
            (false, true) => Err(invalid(
                "app_name",
                "must be set when agent_id is set".into(),
            )),
            (false, false) if !USAGE_APP_NAMES.contains(&self.app_name.as_str()) => Err(invalid(
                "app_name",
                format!("must be one of [{}]", USAGE_APP_NAMES.join(" ")),
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod usage_tests {
    use super::*;

    #[test]
    fn usage_reports_are_checked_as_coderd_checks_them() {
        let ok = PostWorkspaceUsageRequest {
            agent_id: Uuid::from_u128(1),
            app_name: USAGE_APP_RECONNECTING_PTY.into(),
        };
        assert_eq!(ok.validate(), Ok(()));
        assert_eq!(PostWorkspaceUsageRequest::default().validate(), Ok(()));
        let only_name = PostWorkspaceUsageRequest {
            agent_id: Uuid::nil(),
            ..ok.clone()
        };
        assert_eq!(
            only_name.validate().unwrap_err().validations()[0].field,
            "agent_id"
        );
        let unknown = PostWorkspaceUsageRequest {
            app_name: "<b>emacs</b>".into(),
            ..ok
        };
        let e = unknown.validate().unwrap_err();
        assert_eq!(e.message, "Invalid request");
        assert_eq!(
            e.validations()[0].detail,
            "must be one of [vscode jetbrains reconnecting-pty ssh]"
        );
        let body: PostWorkspaceUsageRequest = serde_json::from_str(
            r#"{"agent_id":"00000000-0000-0000-0000-000000000001","app_name":"ssh"}"#,
        )
        .unwrap();
        assert_eq!(body.app_name, "ssh");
    }
}
