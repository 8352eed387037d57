//! How a build and its agents' scripts went: `GET /workspacebuilds/{build}/timings` and the
//! outcome of each script run (coderd's `workspace_agent_script_timings`).
//!
//! As coderd writes them (coder/coder `codersdk/workspacebuilds.go`): every time is a Go
//! `time.Time`, the agent id of a timing is a plain string, and a script timing's `status` is a
//! string holding a [`WorkspaceAgentScriptStatus`]. Times that are Go's zero value (never set)
//! read as `None`; coderd leaves such timings out, but a client must not trust that.
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::de::{go_time_opt, null_as_default, write_go_time_opt};

crate::open_enum! {
    /// How a script run ended (`codersdk.WorkspaceAgentScriptStatus`).
    WorkspaceAgentScriptStatus {
        /// Exit code 0.
        Ok => "ok",
        /// A non-zero exit code.
        ExitFailure => "exit_failure",
        /// Its timeout killed it.
        TimedOut => "timed_out",
        /// It exited, but something it started kept its output open.
        PipesLeftOpen => "pipes_left_open",
    }
}

impl WorkspaceAgentScriptStatus {
    /// Whether the run counts as a failure (anything but `ok`, unknown values included).
    pub fn failed(&self) -> bool {
        *self != Self::Ok
    }
}

crate::open_enum! {
    /// The stage a timing belongs to (`codersdk.TimingStage`): the provisioner's four, then the
    /// agent's scripts by when they run, then the agent's connection.
    TimingStage {
        /// Provisioner: init.
        Init => "init",
        /// Provisioner: plan.
        Plan => "plan",
        /// Provisioner: graph.
        Graph => "graph",
        /// Provisioner: apply.
        Apply => "apply",
        /// Scripts run when the agent starts.
        Start => "start",
        /// Scripts run when the agent stops.
        Stop => "stop",
        /// Scripts run on a schedule.
        Cron => "cron",
        /// The agent connecting to coderd.
        Connect => "connect",
    }
}

fn unknown<T: From<String>>() -> T {
    T::from(String::new())
}

/// One step of the provisioner (`codersdk.ProvisionerTiming`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProvisionerTiming {
    /// The provisioner job.
    #[serde(default)]
    pub job_id: Uuid,
    /// Start.
    #[serde(
        default,
        deserialize_with = "go_time_opt",
        serialize_with = "write_go_time_opt"
    )]
    pub started_at: Option<DateTime<Utc>>,
    /// End.
    #[serde(
        default,
        deserialize_with = "go_time_opt",
        serialize_with = "write_go_time_opt"
    )]
    pub ended_at: Option<DateTime<Utc>>,
    /// Stage (`init`, `plan`, `graph`, `apply`).
    #[serde(default = "unknown")]
    pub stage: TimingStage,
    /// The Terraform provider or module.
    #[serde(default, deserialize_with = "null_as_default")]
    pub source: String,
    /// What was done (`create`, `read`, …).
    #[serde(default, deserialize_with = "null_as_default")]
    pub action: String,
    /// The resource's address.
    #[serde(default, deserialize_with = "null_as_default")]
    pub resource: String,
}

/// One run of an agent script (`codersdk.AgentScriptTiming`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentScriptTiming {
    /// Start.
    #[serde(
        default,
        deserialize_with = "go_time_opt",
        serialize_with = "write_go_time_opt"
    )]
    pub started_at: Option<DateTime<Utc>>,
    /// End.
    #[serde(
        default,
        deserialize_with = "go_time_opt",
        serialize_with = "write_go_time_opt"
    )]
    pub ended_at: Option<DateTime<Utc>>,
    /// The exit code (Coder's agent writes 255 when there was none: a timeout, a signal).
    #[serde(default, deserialize_with = "null_as_default")]
    pub exit_code: i32,
    /// `start`, `stop` or `cron`.
    #[serde(default = "unknown")]
    pub stage: TimingStage,
    /// How it ended.
    #[serde(default = "unknown")]
    pub status: WorkspaceAgentScriptStatus,
    /// The script's name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub display_name: String,
    /// The agent that ran it (a UUID written as a plain string).
    #[serde(default, deserialize_with = "null_as_default")]
    pub workspace_agent_id: String,
    /// The agent's name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub workspace_agent_name: String,
}

/// How long an agent took to connect (`codersdk.AgentConnectionTiming`): from the agent's
/// creation to its first connection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AgentConnectionTiming {
    /// Start (the agent was created).
    #[serde(
        default,
        deserialize_with = "go_time_opt",
        serialize_with = "write_go_time_opt"
    )]
    pub started_at: Option<DateTime<Utc>>,
    /// End (it first connected).
    #[serde(
        default,
        deserialize_with = "go_time_opt",
        serialize_with = "write_go_time_opt"
    )]
    pub ended_at: Option<DateTime<Utc>>,
    /// Always `connect`.
    #[serde(default = "unknown")]
    pub stage: TimingStage,
    /// The agent (a UUID written as a plain string).
    #[serde(default, deserialize_with = "null_as_default")]
    pub workspace_agent_id: String,
    /// The agent's name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub workspace_agent_name: String,
}

/// `GET /workspacebuilds/{build}/timings` (`codersdk.WorkspaceBuildTimings`). Each list reads
/// `null` or absent as empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceBuildTimings {
    /// The provisioner's steps.
    #[serde(default, deserialize_with = "null_as_default")]
    pub provisioner_timings: Vec<ProvisionerTiming>,
    /// Every recorded script run.
    #[serde(default, deserialize_with = "null_as_default")]
    pub agent_script_timings: Vec<AgentScriptTiming>,
    /// The agents' connections.
    #[serde(default, deserialize_with = "null_as_default")]
    pub agent_connection_timings: Vec<AgentConnectionTiming>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_coderd_writes() {
        let body = r#"{
            "provisioner_timings": null,
            "agent_script_timings": [{
                "started_at": "2026-12-02T10:00:00.5Z", "ended_at": "2026-12-02T10:00:03Z",
                "exit_code": 3, "stage": "start", "status": "exit_failure",
                "display_name": "Install", "workspace_agent_id": "b7c4d3b0-1111-4222-8333-944455556666",
                "workspace_agent_name": "main"
            }, {
                "started_at": "2026-12-02T10:00:00Z", "ended_at": "0001-01-01T00:00:00Z",
                "stage": "warp", "status": "exploded"
            }, {}],
            "agent_connection_timings": [{"stage": "connect", "started_at": "2026-12-02T09:59:58Z",
                "ended_at": "2026-12-02T10:00:00Z", "workspace_agent_id": "x", "workspace_agent_name": "main"}]
        }"#;
        let t: WorkspaceBuildTimings = serde_json::from_str(body).unwrap();
        assert!(t.provisioner_timings.is_empty());
        let [failed, odd, empty] = &t.agent_script_timings[..] else {
            panic!("{t:?}")
        };
        assert_eq!(failed.status, WorkspaceAgentScriptStatus::ExitFailure);
        assert!(failed.status.failed());
        assert_eq!((failed.exit_code, &failed.stage), (3, &TimingStage::Start));
        let took = failed.ended_at.unwrap() - failed.started_at.unwrap();
        assert_eq!(took.num_milliseconds(), 2_500);
        // Unknown values are kept; a zero end is no end; nothing at all is tolerated.
        assert_eq!(odd.stage.as_str(), "warp");
        assert_eq!(odd.status.as_str(), "exploded");
        assert!(odd.ended_at.is_none() && odd.started_at.is_some());
        assert!(empty.started_at.is_none() && empty.status.failed());
        assert_eq!(empty.stage, TimingStage::Unknown(String::new()));
        assert_eq!(t.agent_connection_timings[0].stage, TimingStage::Connect);
    }

    #[test]
    fn writes_go_times() {
        let timing = AgentConnectionTiming {
            started_at: None,
            ended_at: Some("2026-12-02T10:00:00Z".parse().unwrap()),
            stage: TimingStage::Connect,
            workspace_agent_id: String::new(),
            workspace_agent_name: "main".into(),
        };
        let json = serde_json::to_value(&timing).unwrap();
        assert_eq!(json["started_at"], "0001-01-01T00:00:00Z");
        assert_eq!(json["ended_at"], "2026-12-02T10:00:00Z");
        let back: AgentConnectionTiming = serde_json::from_value(json).unwrap();
        assert_eq!(back, timing);
    }
}
