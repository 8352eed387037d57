//! The emulated agent: its identity, lifecycle and the `WorkspaceAgent` JSON that describes it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use coder_api::{
    DerpRegionLatency, DisplayApp, StartupScriptBehavior, WorkspaceAgent, WorkspaceAgentHealth,
    WorkspaceAgentLifecycle, WorkspaceAgentScript, WorkspaceAgentStatus,
};
use tokio::sync::watch;
use uuid::Uuid;

use super::host::HostInfo;
use super::latency::Latency;
use super::log_store::LogStore;
use super::script_runs::{ScriptRun, ScriptRuns};
use super::scripts::Script;
use crate::config::DerpSection;

/// The version the agent (and the emulated coderd's buildinfo) report. The same string on both
/// sides, so the UI reports the agent as up to date.
pub const VERSION: &str = "v2.24.0-agent-console";
/// The agent API version (`api_version`, buildinfo's `agent_api_version`).
pub const API_VERSION: &str = "2.6";
/// Where the UI sends users when an agent misbehaves.
pub const TROUBLESHOOTING_URL: &str = "https://coder.com/docs/admin/templates/troubleshooting";

/// Lifecycle plus the timestamps coderd keeps with it.
#[derive(Debug, Clone)]
pub struct LifecycleState {
    /// Current state.
    pub state: WorkspaceAgentLifecycle,
    /// When `starting` was reached.
    pub started_at: Option<DateTime<Utc>>,
    /// When start finished (ready, error or timeout).
    pub ready_at: Option<DateTime<Utc>>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
}

/// Ids and fixed facts of the emulated agent, workspace and user: random per process.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// Agent id.
    pub agent_id: Uuid,
    /// Resource holding the agent.
    pub resource_id: Uuid,
    /// Workspace id.
    pub workspace_id: Uuid,
    /// Latest build id.
    pub build_id: Uuid,
    /// Provisioner job of the build.
    pub job_id: Uuid,
    /// User id.
    pub user_id: Uuid,
    /// Organization id.
    pub organization_id: Uuid,
    /// Template id.
    pub template_id: Uuid,
    /// Template version id.
    pub template_version_id: Uuid,
    /// Deployment id (buildinfo, regions).
    pub deployment_id: Uuid,
    /// When the server first started: creation time of the agent, workspace and user.
    pub created_at: DateTime<Utc>,
    /// The latest build's number (each server start is a build; 0 before the first).
    #[serde(default)]
    pub build_number: i64,
    /// When the latest build began (this server's start).
    #[serde(default)]
    pub build_created_at: Option<DateTime<Utc>>,
}

impl Identity {
    /// Fresh random ids.
    pub fn random() -> Self {
        Identity {
            agent_id: Uuid::new_v4(),
            resource_id: Uuid::new_v4(),
            workspace_id: Uuid::new_v4(),
            build_id: Uuid::new_v4(),
            job_id: Uuid::new_v4(),
            user_id: Uuid::new_v4(),
            organization_id: Uuid::new_v4(),
            template_id: Uuid::new_v4(),
            template_version_id: Uuid::new_v4(),
            deployment_id: Uuid::new_v4(),
            created_at: Utc::now(),
            build_number: 0,
            build_created_at: None,
        }
    }

    /// When the latest build began (the agent's creation before any build).
    pub fn build_started_at(&self) -> DateTime<Utc> {
        self.build_created_at.unwrap_or(self.created_at)
    }
}

/// The live agent: identity, host facts, scripts, logs and lifecycle.
#[derive(Clone)]
pub struct Agent {
    /// Ids.
    pub identity: Arc<Identity>,
    /// Machine facts.
    pub host: Arc<HostInfo>,
    /// Configured scripts with their ids.
    pub scripts: Arc<[Script]>,
    /// Logs and log sources.
    pub logs: LogStore,
    /// Regions, for the latency map.
    pub derp: Arc<DerpSection>,
    /// Their latency, measured.
    pub latency: Latency,
    /// How the scripts' runs went.
    pub runs: ScriptRuns,
    /// When this process's agent came up (its connection, in coderd's terms).
    pub connected_at: DateTime<Utc>,
    lifecycle: Arc<Mutex<LifecycleState>>,
    lifecycle_tx: watch::Sender<WorkspaceAgentLifecycle>,
}

impl Agent {
    /// A `created` agent whose script log sources are registered in `logs`.
    pub fn new(
        identity: Identity,
        host: HostInfo,
        scripts: Vec<Script>,
        logs: LogStore,
        derp: DerpSection,
        latency: Latency,
        runs: ScriptRuns,
    ) -> Self {
        // The config's own scripts: far fewer than the source limit.
        for s in &scripts {
            let _ = logs.upsert_source(
                s.log_source_id,
                &s.config.display_name,
                s.config.icon.as_deref().unwrap_or(""),
            );
        }
        let now = Utc::now();
        let (lifecycle_tx, _) = watch::channel(WorkspaceAgentLifecycle::Created);
        Agent {
            identity: Arc::new(identity),
            host: Arc::new(host),
            scripts: scripts.into(),
            logs,
            derp: Arc::new(derp),
            latency,
            runs,
            connected_at: now,
            lifecycle: Arc::new(Mutex::new(LifecycleState {
                state: WorkspaceAgentLifecycle::Created,
                started_at: None,
                ready_at: None,
                changed_at: now,
            })),
            lifecycle_tx,
        }
    }

    /// Moves the lifecycle, stamping `started_at`/`ready_at` as coderd does.
    pub fn set_lifecycle(&self, state: WorkspaceAgentLifecycle) {
        let now = Utc::now();
        {
            let mut l = self.lifecycle.lock().unwrap_or_else(|p| p.into_inner());
            l.state = state.clone();
            l.changed_at = now;
            match l.state {
                WorkspaceAgentLifecycle::Starting => l.started_at = Some(now),
                WorkspaceAgentLifecycle::Ready
                | WorkspaceAgentLifecycle::StartError
                | WorkspaceAgentLifecycle::StartTimeout => l.ready_at = Some(now),
                _ => {}
            }
        }
        self.lifecycle_tx.send_replace(state);
    }

    /// The lifecycle now.
    pub fn lifecycle(&self) -> LifecycleState {
        self.lifecycle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Woken on each lifecycle change.
    pub fn watch_lifecycle(&self) -> watch::Receiver<WorkspaceAgentLifecycle> {
        self.lifecycle_tx.subscribe()
    }

    /// The `WorkspaceAgent` JSON.
    pub fn to_wire(&self) -> WorkspaceAgent {
        let id = &self.identity;
        let l = self.lifecycle();
        let status = WorkspaceAgentStatus::Connected;
        let health = WorkspaceAgentHealth::derive(&status, &l.state);
        // The first region of the map that answers is the preferred one.
        let latency = self
            .derp
            .regions
            .iter()
            .filter_map(|r| Some((r.name.clone(), self.latency.of(r)?)))
            .enumerate()
            .map(|(i, (name, latency_ms))| {
                (
                    name,
                    DerpRegionLatency {
                        preferred: i == 0,
                        latency_ms,
                    },
                )
            })
            .collect();
        let blocking = self
            .scripts
            .iter()
            .any(|s| s.config.run_on_start && s.config.start_blocks_login);
        let directory = self.host.directory.display().to_string();
        WorkspaceAgent {
            id: id.agent_id,
            parent_id: None,
            created_at: id.created_at,
            updated_at: l.changed_at,
            first_connected_at: Some(id.created_at),
            last_connected_at: Some(Utc::now()),
            disconnected_at: None,
            started_at: l.started_at,
            ready_at: l.ready_at,
            status,
            lifecycle_state: l.state,
            name: self.host.agent_name.clone(),
            resource_id: id.resource_id,
            instance_id: None,
            architecture: self.host.architecture.clone(),
            environment_variables: BTreeMap::new(),
            operating_system: self.host.operating_system.clone(),
            logs_length: i64::try_from(self.logs.length()).unwrap_or(i64::MAX),
            logs_overflowed: self.logs.overflowed(),
            directory: Some(directory.clone()),
            expanded_directory: Some(directory),
            version: VERSION.into(),
            api_version: API_VERSION.into(),
            apps: Vec::new(),
            latency: Some(latency),
            connection_timeout_seconds: 120,
            troubleshooting_url: TROUBLESHOOTING_URL.into(),
            subsystems: Vec::new(),
            health,
            display_apps: vec![DisplayApp::WebTerminal, DisplayApp::PortForwardingHelper],
            log_sources: self.logs.sources(),
            scripts: self
                .scripts
                .iter()
                .map(|s| script_wire(s, self.runs.latest(s.id)))
                .collect(),
            // coderd's agent JSON carries metadata only in the workspaces list, when asked for.
            metadata: Vec::new(),
            // Filled by `Embedded::agent_wire`, which owns them.
            sessions: Vec::new(),
            startup_script_behavior: Some(if blocking {
                StartupScriptBehavior::Blocking
            } else {
                StartupScriptBehavior::NonBlocking
            }),
        }
    }
}

/// `codersdk.WorkspaceAgentScript` of a configured script, with how its latest run ended.
fn script_wire(s: &Script, latest: Option<ScriptRun>) -> WorkspaceAgentScript {
    let c = &s.config;
    WorkspaceAgentScript {
        id: s.id,
        log_source_id: s.log_source_id,
        log_path: c.log_path.clone().unwrap_or_default(),
        script: c.script.clone(),
        cron: c.cron.clone(),
        run_on_start: c.run_on_start,
        run_on_stop: c.run_on_stop,
        start_blocks_login: c.start_blocks_login,
        timeout: c
            .timeout()
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0),
        display_name: c.display_name.clone(),
        exit_code: latest.as_ref().map(|r| r.exit_code),
        status: latest.map(|r| r.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_follows_db2sdk() {
        use WorkspaceAgentStatus::{Connected, Disconnected};
        let health = WorkspaceAgentHealth::derive;
        assert!(health(&Connected, &WorkspaceAgentLifecycle::Ready).healthy);
        assert!(
            health(&Connected, &WorkspaceAgentLifecycle::StartTimeout).healthy,
            "start_timeout is not unhealthy"
        );
        assert_eq!(
            health(&Connected, &WorkspaceAgentLifecycle::StartError)
                .reason
                .as_deref(),
            Some("agent startup script exited with an error")
        );
        assert_eq!(
            health(&Disconnected, &WorkspaceAgentLifecycle::Off)
                .reason
                .as_deref(),
            Some("agent is not running")
        );
        assert_eq!(
            health(&Connected, &WorkspaceAgentLifecycle::Off)
                .reason
                .as_deref(),
            Some("agent is shutting down")
        );
    }
}
