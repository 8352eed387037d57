//! Agent logs and log sources, and the agent-side bodies that create them.
use crate::de::null_as_default;
use crate::open_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
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

/// Most log bytes coderd stores per agent; past it, `PATCH /me/logs` gets 413 and
/// `logs_overflowed` is set.
pub const MAX_LOGS_LENGTH: usize = 1 << 20;

/// One log line of an agent. Ids increase with every insert, across sources.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAgentLog {
    /// Position in the agent's log (the `after` cursor).
    pub id: i64,
    /// When the line was produced.
    #[serde(deserialize_with = "crate::de::rfc3339_utc")]
    pub created_at: DateTime<Utc>,
    /// The text, possibly with ANSI escapes and `\r`.
    #[serde(default)]
    pub output: String,
    /// Level.
    #[serde(default)]
    pub level: LogLevel,
    /// The log source.
    #[serde(default)]
    pub source_id: Uuid,
}

/// Where logs come from (a script, or a tool that posts logs as the agent).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAgentLogSource {
    /// The agent.
    #[serde(default)]
    pub workspace_agent_id: Uuid,
    /// Source id.
    pub id: Uuid,
    /// When it was created.
    #[serde(deserialize_with = "crate::de::rfc3339_utc")]
    pub created_at: DateTime<Utc>,
    /// Human name.
    #[serde(default)]
    pub display_name: String,
    /// Icon path or URL; may be empty.
    #[serde(default)]
    pub icon: String,
}

/// One line in `PATCH /workspaceagents/me/logs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Log {
    /// When the line was produced.
    #[serde(deserialize_with = "crate::de::rfc3339_utc")]
    pub created_at: DateTime<Utc>,
    /// Level.
    #[serde(default)]
    pub level: LogLevel,
    /// The text.
    #[serde(default)]
    pub output: String,
}

/// Body of `PATCH /workspaceagents/me/logs`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PatchLogs {
    /// Source of every line; [`EXTERNAL_LOG_SOURCE_ID`] when the sender has none.
    #[serde(default)]
    pub log_source_id: Uuid,
    /// The lines.
    #[serde(default, deserialize_with = "null_as_default")]
    pub logs: Vec<Log>,
}

/// Body of `POST /workspaceagents/me/log-source`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PostLogSourceRequest {
    /// Chosen by the caller; posting the same id again is harmless.
    pub id: Uuid,
    /// Human name.
    #[serde(default)]
    pub display_name: String,
    /// Icon path or URL.
    #[serde(default)]
    pub icon: String,
}
