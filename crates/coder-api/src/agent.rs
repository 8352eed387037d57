//! The workspace agent as `GET /workspaceagents/{id}` returns it, with its status, lifecycle,
//! health and latency.
use crate::de::null_as_default;
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

impl WorkspaceAgentStatus {}

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
        matches!(
            self,
            Self::ShuttingDown | Self::ShutdownTimeout | Self::ShutdownError | Self::Off
        )
    }
    /// `ready`: the start scripts have finished.
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready)
    }
    /// `start_timeout` or `shutdown_timeout`.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::StartTimeout | Self::ShutdownTimeout)
    }
    /// `start_error` or `shutdown_error`.
    pub fn is_error(&self) -> bool {
        matches!(self, Self::StartError | Self::ShutdownError)
    }
}

open_enum! {
    /// Deprecated summary of the scripts: `blocking` when a start script blocks login.
    StartupScriptBehavior {
        Blocking => "blocking",
        NonBlocking => "non-blocking",
    }
}

impl StartupScriptBehavior {
    /// What coderd derives from the scripts: blocking if any runs on start and blocks login.
    pub fn from_scripts(scripts: &[WorkspaceAgentScript]) -> Self {
        if scripts
            .iter()
            .any(|s| s.run_on_start && s.start_blocks_login)
        {
            Self::Blocking
        } else {
            Self::NonBlocking
        }
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

/// `health`: healthy, or the reason it is not.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAgentHealth {
    /// Whether coderd considers the agent healthy.
    #[serde(default)]
    pub healthy: bool,
    /// Why not (omitted when healthy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl WorkspaceAgentHealth {
    /// coderd's rules, first match wins. `start_timeout` is deliberately still healthy.
    pub fn derive(status: &WorkspaceAgentStatus, lifecycle: &WorkspaceAgentLifecycle) -> Self {
        use WorkspaceAgentLifecycle as L;
        use WorkspaceAgentStatus as S;
        let reason = if *status != S::Connected && *lifecycle == L::Off {
            Some("agent is not running")
        } else if *status == S::Timeout {
            Some("agent is taking too long to connect")
        } else if *status == S::Disconnected {
            Some("agent has lost connection")
        } else if *lifecycle == L::StartError {
            Some("agent startup script exited with an error")
        } else if lifecycle.is_shutting_down() {
            Some("agent is shutting down")
        } else {
            None
        };
        Self {
            healthy: reason.is_none(),
            reason: reason.map(str::to_owned),
        }
    }
}

/// One entry of `latency`, keyed by DERP region name.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct DerpRegionLatency {
    /// The region the agent's connection prefers.
    #[serde(default)]
    pub preferred: bool,
    /// Round trip in milliseconds (fractional).
    #[serde(default)]
    pub latency_ms: f64,
}

/// The parts of an agent's JSON that [`WorkspaceAgent`] writes but does not read: its sessions
/// and (in the workspaces list) its metadata. Every view of the app reads the agent, and reading
/// these there put 15 KB of deserializers into the first download; the views that show them
/// read them with this, from the same JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentExtras {
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: Vec<crate::WorkspaceAgentMetadata>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub sessions: Vec<crate::WorkspaceSession>,
}

/// A workspace agent.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAgent {
    /// Agent id.
    pub id: Uuid,
    /// The parent agent of a sub-agent (devcontainers); `null` otherwise (coderd always writes it;
    /// older ones leave it out).
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    /// When the agent was created (with its build).
    #[serde(deserialize_with = "crate::de::rfc3339_utc")]
    pub created_at: DateTime<Utc>,
    /// Last change of any field.
    #[serde(deserialize_with = "crate::de::rfc3339_utc")]
    pub updated_at: DateTime<Utc>,
    /// First connection to coderd.
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub first_connected_at: Option<DateTime<Utc>>,
    /// Latest connection to coderd.
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_connected_at: Option<DateTime<Utc>>,
    /// When coderd last saw it disconnect.
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub disconnected_at: Option<DateTime<Utc>>,
    /// When the start scripts began.
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub started_at: Option<DateTime<Utc>>,
    /// When the start scripts finished.
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ready_at: Option<DateTime<Utc>>,
    /// Connection status.
    #[serde(default)]
    pub status: WorkspaceAgentStatus,
    /// Lifecycle state.
    #[serde(default)]
    pub lifecycle_state: WorkspaceAgentLifecycle,
    /// Agent name (unique in its workspace).
    pub name: String,
    /// The build resource holding the agent.
    #[serde(default)]
    pub resource_id: Uuid,
    /// Cloud instance id, when the agent authenticates by instance identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// e.g. `amd64`.
    #[serde(default)]
    pub architecture: String,
    /// Variables the template sets for the agent.
    #[serde(default, deserialize_with = "null_as_default")]
    pub environment_variables: BTreeMap<String, String>,
    /// `linux`, `windows` or `darwin`.
    #[serde(default)]
    pub operating_system: String,
    /// Bytes of logs stored (capped at 1 MiB).
    #[serde(default)]
    pub logs_length: i64,
    /// Logs hit the cap and later lines were dropped.
    #[serde(default)]
    pub logs_overflowed: bool,
    /// Working directory as configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<String>,
    /// Working directory with `~` and variables expanded by the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expanded_directory: Option<String>,
    /// Agent build version (semver with build metadata).
    #[serde(default)]
    pub version: String,
    /// Agent API version, `major.minor`.
    #[serde(default)]
    pub api_version: String,
    /// Template apps.
    #[serde(default, deserialize_with = "null_as_default")]
    pub apps: Vec<WorkspaceApp>,
    /// Latency per DERP region name; absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<BTreeMap<String, DerpRegionLatency>>,
    /// After this long without a connection the status becomes `timeout` (0: never).
    #[serde(default)]
    pub connection_timeout_seconds: i32,
    /// Where to send users when the agent misbehaves.
    #[serde(default)]
    pub troubleshooting_url: String,
    /// Subsystems the agent runs inside.
    #[serde(default, deserialize_with = "null_as_default")]
    pub subsystems: Vec<AgentSubsystem>,
    /// Healthy, or why not.
    #[serde(default)]
    pub health: WorkspaceAgentHealth,
    /// Built-in apps offered.
    #[serde(default, deserialize_with = "null_as_default")]
    pub display_apps: Vec<DisplayApp>,
    /// Where its logs come from.
    #[serde(default, deserialize_with = "null_as_default")]
    pub log_sources: Vec<WorkspaceAgentLogSource>,
    /// Scripts it runs.
    #[serde(default, deserialize_with = "null_as_default")]
    pub scripts: Vec<WorkspaceAgentScript>,
    /// Metadata items with their latest values: only in the workspaces list, only when the
    /// search asks for them (`include_agent_metadata:KEY`, repeatable), only those keys, with
    /// empty scripts (newer coderd; omitted otherwise). The live values come from
    /// [`crate::routes::watch_metadata_ws`].
    ///
    /// Written, not read, with the agent: read it with [`AgentExtras`].
    #[serde(default, skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<crate::WorkspaceAgentMetadata>,
    /// Deprecated summary of the scripts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup_script_behavior: Option<StartupScriptBehavior>,
    /// Who is connected and how ([`crate::WorkspaceSession::group`]); omitted when none, and by
    /// a coderd without sessions (its `main` at `c9a1e2bc`).
    ///
    /// Written, not read, with the agent: read it with [`AgentExtras`].
    #[serde(default, skip_deserializing, skip_serializing_if = "Vec::is_empty")]
    pub sessions: Vec<crate::WorkspaceSession>,
}

impl WorkspaceAgent {
    /// The preferred region's latency, else the first by name (what the dashboard shows).
    pub fn preferred_latency(&self) -> Option<(&str, &DerpRegionLatency)> {
        let map = self.latency.as_ref()?;
        map.iter()
            .find(|(_, l)| l.preferred)
            .or_else(|| map.iter().next())
            .map(|(k, v)| (k.as_str(), v))
    }

    /// Every region's latency, fastest first.
    pub fn latencies_sorted(&self) -> Vec<(&str, &DerpRegionLatency)> {
        let mut v: Vec<_> = self
            .latency
            .iter()
            .flatten()
            .map(|(k, l)| (k.as_str(), l))
            .collect();
        v.sort_by(|a, b| {
            a.1.latency_ms
                .total_cmp(&b.1.latency_ms)
                .then_with(|| a.0.cmp(b.0))
        });
        v
    }

    /// The log source with this id.
    pub fn log_source(&self, id: &Uuid) -> Option<&WorkspaceAgentLogSource> {
        self.log_sources.iter().find(|s| s.id == *id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use WorkspaceAgentLifecycle as L;
    use WorkspaceAgentStatus as S;

    #[test]
    fn lifecycle_groups() {
        assert!(
            L::Created.is_starting() && L::Starting.is_starting() && !L::StartTimeout.is_starting()
        );
        for l in [
            L::ShuttingDown,
            L::ShutdownTimeout,
            L::ShutdownError,
            L::Off,
        ] {
            assert!(l.is_shutting_down(), "{l}");
        }
        assert!(!L::Ready.is_shutting_down() && L::Ready.is_ready());
        assert!(L::StartTimeout.is_timeout() && L::ShutdownError.is_error());
        assert!(!L::Unknown("hibernating".into()).is_starting());
    }

    #[test]
    fn health_follows_coderds_order() {
        let h = |s, l| WorkspaceAgentHealth::derive(&s, &l).reason;
        assert_eq!(
            h(S::Disconnected, L::Off).as_deref(),
            Some("agent is not running")
        );
        assert_eq!(
            h(S::Timeout, L::Created).as_deref(),
            Some("agent is taking too long to connect")
        );
        assert_eq!(
            h(S::Disconnected, L::Ready).as_deref(),
            Some("agent has lost connection")
        );
        assert_eq!(
            h(S::Connected, L::StartError).as_deref(),
            Some("agent startup script exited with an error")
        );
        assert_eq!(
            h(S::Connected, L::Off).as_deref(),
            Some("agent is shutting down")
        );
        assert!(WorkspaceAgentHealth::derive(&S::Connected, &L::StartTimeout).healthy);
        assert!(WorkspaceAgentHealth::derive(&S::Connected, &L::Ready).healthy);
    }

    #[test]
    fn latency_helpers() {
        let l = |ms, preferred| DerpRegionLatency {
            preferred,
            latency_ms: ms,
        };
        let mut agent = WorkspaceAgent::default();
        assert!(agent.preferred_latency().is_none() && agent.latencies_sorted().is_empty());
        agent.latency = Some(BTreeMap::from([
            ("a".into(), l(40.0, false)),
            ("b".into(), l(20.5, true)),
        ]));
        assert_eq!(agent.preferred_latency().unwrap().0, "b");
        assert_eq!(agent.latencies_sorted()[0].0, "b");
        agent
            .latency
            .as_mut()
            .unwrap()
            .get_mut("b")
            .unwrap()
            .preferred = false;
        assert_eq!(agent.preferred_latency().unwrap().0, "a");
    }

    #[test]
    fn script_behaviour_is_derived_from_scripts() {
        let mut s = WorkspaceAgentScript {
            run_on_start: true,
            ..Default::default()
        };
        assert_eq!(
            StartupScriptBehavior::from_scripts(std::slice::from_ref(&s)),
            StartupScriptBehavior::NonBlocking
        );
        s.start_blocks_login = true;
        assert_eq!(
            StartupScriptBehavior::from_scripts(&[s]),
            StartupScriptBehavior::Blocking
        );
    }
}
