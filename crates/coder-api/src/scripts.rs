//! Scripts an agent runs on start, on stop or on a schedule.
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// A script the agent runs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentScript {
    /// Script id.
    #[serde(default)]
    pub id: Uuid,
    /// The log source its output goes to.
    #[serde(default)]
    pub log_source_id: Uuid,
    /// File in the workspace its output is also written to.
    #[serde(default)]
    pub log_path: String,
    /// The script text.
    #[serde(default)]
    pub script: String,
    /// Cron schedule, when it runs periodically (coderd writes `""` when there is none).
    #[serde(
        default,
        deserialize_with = "crate::de::empty_as_none",
        serialize_with = "crate::de::none_as_empty"
    )]
    pub cron: Option<String>,
    /// Runs when the agent starts.
    #[serde(default)]
    pub run_on_start: bool,
    /// Runs when the agent stops.
    #[serde(default)]
    pub run_on_stop: bool,
    /// Logins wait for it to finish.
    #[serde(default)]
    pub start_blocks_login: bool,
    /// Go `time.Duration`: integer nanoseconds; 0 means no timeout.
    #[serde(default)]
    pub timeout: i64,
    /// Human name.
    #[serde(default)]
    pub display_name: String,
    /// Exit code of its latest run (absent before its first run, or from a coderd too old to
    /// record it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// How its latest run ended (absent as `exit_code` is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<crate::WorkspaceAgentScriptStatus>,
}

impl WorkspaceAgentScript {
    /// The timeout, or None when there is none (0 or negative).
    pub fn timeout_duration(&self) -> Option<Duration> {
        u64::try_from(self.timeout)
            .ok()
            .filter(|n| *n > 0)
            .map(Duration::from_nanos)
    }
    /// The timeout in whole seconds (0 when there is none).
    pub fn timeout_seconds(&self) -> u64 {
        self.timeout_duration().map_or(0, |d| d.as_secs())
    }
    /// Sets the timeout from a duration (saturating at Go's maximum).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = i64::try_from(timeout.as_nanos()).unwrap_or(i64::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_is_nanoseconds() {
        let mut s = WorkspaceAgentScript {
            timeout: 90_500_000_000,
            ..Default::default()
        };
        assert_eq!(s.timeout_duration(), Some(Duration::from_millis(90_500)));
        assert_eq!(s.timeout_seconds(), 90);
        s.timeout = -1;
        assert_eq!((s.timeout_duration(), s.timeout_seconds()), (None, 0));
        s.set_timeout(Duration::from_secs(5));
        assert_eq!(s.timeout, 5_000_000_000);
        s.set_timeout(Duration::MAX);
        assert_eq!(s.timeout, i64::MAX);
    }
}
