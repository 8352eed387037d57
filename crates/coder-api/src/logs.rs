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

impl WorkspaceAgentLog {
    /// The line as coderd's `?format=text` writes it (codersdk `WorkspaceAgentLog.Text`):
    /// `2026-12-02T10:00:00Z [info] [agent.main|Startup] output`, the time in whole seconds,
    /// the agent and source names left out when empty, the output unchanged (ANSI kept).
    pub fn text(&self, agent_name: &str, source_name: &str) -> String {
        let time = self
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut line = format!("{time} [{}] [agent", self.level.as_str());
        if !agent_name.is_empty() {
            line.push('.');
            line.push_str(agent_name);
        }
        if !source_name.is_empty() {
            line.push('|');
            line.push_str(source_name);
        }
        line.push_str("] ");
        line.push_str(&self.output);
        line
    }
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

/// One line in `PATCH /workspaceagents/me/logs`. As Go decodes `agentsdk.Log`, a missing time is
/// the zero time (the receiver then uses the time of arrival) and a missing or empty level is
/// `info` (coderd's default).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Log {
    /// When the line was produced; the Unix epoch when not sent (or `null`).
    #[serde(default, deserialize_with = "time_or_epoch")]
    pub created_at: DateTime<Utc>,
    /// Level; an unknown one is kept (and refused by the server).
    #[serde(default = "info_level", deserialize_with = "level_or_info")]
    pub level: LogLevel,
    /// The text (`null` reads as empty).
    #[serde(default, deserialize_with = "null_as_default")]
    pub output: String,
}

fn time_or_epoch<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    Ok(crate::de::rfc3339_utc_opt(d)?.unwrap_or_default())
}

fn info_level() -> LogLevel {
    LogLevel::Info
}

/// An empty or `null` level is `info`, as coderd reads it.
fn level_or_info<'de, D: serde::Deserializer<'de>>(d: D) -> Result<LogLevel, D::Error> {
    let raw: Option<String> = Option::deserialize(d)?;
    Ok(match raw.as_deref() {
        None | Some("") => LogLevel::Info,
        Some(level) => LogLevel::from_wire(level),
    })
}

/// Body of `PATCH /workspaceagents/me/logs`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PatchLogs {
    /// Source of every line; [`EXTERNAL_LOG_SOURCE_ID`] when the sender has none (absent, `null`
    /// or the nil UUID).
    #[serde(default, deserialize_with = "null_as_default")]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_as_coderd_writes_them() {
        let log = WorkspaceAgentLog {
            id: 7,
            created_at: "2026-12-02T10:00:00.123456Z".parse().unwrap(),
            output: "\u{1b}[31mred\u{1b}[0m <b>".into(),
            level: LogLevel::Error,
            source_id: Uuid::nil(),
        };
        assert_eq!(
            log.text("main", "Install"),
            "2026-12-02T10:00:00Z [error] [agent.main|Install] \u{1b}[31mred\u{1b}[0m <b>"
        );
        assert_eq!(
            log.text("", ""),
            "2026-12-02T10:00:00Z [error] [agent] \u{1b}[31mred\u{1b}[0m <b>"
        );
    }
}
