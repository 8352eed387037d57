//! Agent logs, log sources and scripts, and the agent-side bodies that create them.
use crate::open_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

open_enum! {
    /// Level of a log line.
    LogLevel {
        Trace => "trace",
        Debug => "debug",
        Info => "info",
        Warn => "warn",
        Error => "error",
    }
}

/// Logs sent without a source belong to this well-known source ("External").
pub const EXTERNAL_LOG_SOURCE_ID: Uuid = Uuid::from_u128(0x3b579bf4_1ed8_4b99_87a8_e9a1e3410410);

/// One log line of an agent. Ids increase with every insert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAgentLog {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub output: String,
    #[serde(default)]
    pub level: LogLevel,
    #[serde(default)]
    pub source_id: Uuid,
}

/// Where logs come from (a script, or a tool that posts logs as the agent).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAgentLogSource {
    #[serde(default)]
    pub workspace_agent_id: Uuid,
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub icon: String,
}

/// A script the agent runs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAgentScript {
    #[serde(default)]
    pub id: Uuid,
    #[serde(default)]
    pub log_source_id: Uuid,
    #[serde(default)]
    pub log_path: String,
    #[serde(default)]
    pub script: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    #[serde(default)]
    pub run_on_start: bool,
    #[serde(default)]
    pub run_on_stop: bool,
    #[serde(default)]
    pub start_blocks_login: bool,
    /// Go `time.Duration`: integer nanoseconds; 0 means no timeout.
    #[serde(default)]
    pub timeout: i64,
    #[serde(default)]
    pub display_name: String,
}

impl WorkspaceAgentScript {
    /// The timeout as a duration (None when there is none).
    pub fn timeout_duration(&self) -> Option<Duration> {
        (self.timeout > 0).then(|| Duration::from_nanos(self.timeout as u64))
    }
    /// The timeout in whole seconds (0 when there is none).
    pub fn timeout_seconds(&self) -> u64 {
        self.timeout_duration().map_or(0, |d| d.as_secs())
    }
}

/// One line in `PATCH /workspaceagents/me/logs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Log {
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub level: LogLevel,
    #[serde(default)]
    pub output: String,
}

/// Body of `PATCH /workspaceagents/me/logs`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PatchLogs {
    #[serde(default)]
    pub log_source_id: Uuid,
    #[serde(default, deserialize_with = "crate::enums::null_as_default")]
    pub logs: Vec<Log>,
}

/// Body of `POST /workspaceagents/me/log-source`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostLogSourceRequest {
    pub id: Uuid,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub icon: String,
}
