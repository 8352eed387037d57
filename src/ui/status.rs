//! What an agent's status and lifecycle mean to a user: one tone, one symbol and one label for
//! every combination, so colour is never the only signal. Unknown values are shown as they are.
use coder_api::{WorkspaceAgentLifecycle as Lifecycle, WorkspaceAgentStatus as Status};

/// The visual family of a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Progress,
    Warning,
    Danger,
    Neutral,
}

impl Tone {
    /// CSS class suffix (`tone-ok`, ...).
    pub fn class(self) -> &'static str {
        match self {
            Tone::Ok => "tone-ok",
            Tone::Progress => "tone-progress",
            Tone::Warning => "tone-warning",
            Tone::Danger => "tone-danger",
            Tone::Neutral => "tone-neutral",
        }
    }

    /// A symbol that carries the meaning without colour.
    pub fn symbol(self) -> &'static str {
        match self {
            Tone::Ok => "✓",
            Tone::Progress => "◔",
            Tone::Warning => "⚠",
            Tone::Danger => "✕",
            Tone::Neutral => "○",
        }
    }
}

/// A described state: tone, short label and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateText {
    pub tone: Tone,
    pub label: String,
    pub description: String,
}

fn text(tone: Tone, label: &str, description: &str) -> StateText {
    StateText {
        tone,
        label: label.into(),
        description: description.into(),
    }
}

/// The connection status alone.
pub fn describe_status(status: &Status) -> StateText {
    match status {
        Status::Connected => text(
            Tone::Ok,
            "Connected",
            "The agent is connected to the control plane.",
        ),
        Status::Connecting => text(
            Tone::Progress,
            "Connecting",
            "Waiting for the agent to connect.",
        ),
        Status::Disconnected => text(
            Tone::Neutral,
            "Disconnected",
            "The agent lost its connection.",
        ),
        Status::Timeout => text(
            Tone::Warning,
            "Connection slow",
            "The agent has not connected in the expected time.",
        ),
        Status::Unknown(s) => text(Tone::Neutral, s, "A status this console does not know yet."),
    }
}

/// The lifecycle alone.
pub fn describe_lifecycle(lifecycle: &Lifecycle) -> StateText {
    match lifecycle {
        Lifecycle::Created => text(
            Tone::Progress,
            "Created",
            "The agent exists but has not started its scripts.",
        ),
        Lifecycle::Starting => text(Tone::Progress, "Starting", "Startup scripts are running."),
        Lifecycle::StartTimeout => text(
            Tone::Warning,
            "Start timed out",
            "Startup scripts are taking longer than expected.",
        ),
        Lifecycle::StartError => text(
            Tone::Danger,
            "Start failed",
            "A startup script exited with an error.",
        ),
        Lifecycle::Ready => text(
            Tone::Ok,
            "Ready",
            "Startup finished; the workspace is ready.",
        ),
        Lifecycle::ShuttingDown => {
            text(Tone::Progress, "Stopping", "Shutdown scripts are running.")
        }
        Lifecycle::ShutdownTimeout => text(
            Tone::Warning,
            "Stop timed out",
            "Shutdown scripts are taking longer than expected.",
        ),
        Lifecycle::ShutdownError => text(
            Tone::Danger,
            "Stop failed",
            "A shutdown script exited with an error.",
        ),
        Lifecycle::Off => text(Tone::Neutral, "Off", "The agent is stopped."),
        Lifecycle::Unknown(s) => text(
            Tone::Neutral,
            s,
            "A lifecycle state this console does not know yet.",
        ),
    }
}

/// The single headline state of an agent: a connection problem wins, then the lifecycle.
pub fn describe_agent(status: &Status, lifecycle: &Lifecycle) -> StateText {
    match status {
        Status::Connected => describe_lifecycle(lifecycle),
        other => describe_status(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_lifecycle_has_a_distinct_label() {
        let all = [
            Lifecycle::Created,
            Lifecycle::Starting,
            Lifecycle::StartTimeout,
            Lifecycle::StartError,
            Lifecycle::Ready,
            Lifecycle::ShuttingDown,
            Lifecycle::ShutdownTimeout,
            Lifecycle::ShutdownError,
            Lifecycle::Off,
        ];
        let labels: std::collections::HashSet<_> =
            all.iter().map(|l| describe_lifecycle(l).label).collect();
        assert_eq!(labels.len(), all.len());
    }

    #[test]
    fn connection_problems_win_over_lifecycle() {
        let s = describe_agent(&Status::Disconnected, &Lifecycle::Ready);
        assert_eq!(s.label, "Disconnected");
        let s = describe_agent(&Status::Connected, &Lifecycle::StartError);
        assert_eq!(s.tone, Tone::Danger);
    }

    #[test]
    fn unknown_values_are_shown_as_they_are() {
        let s = describe_agent(
            &Status::Connected,
            &Lifecycle::Unknown("hibernating".into()),
        );
        assert_eq!(s.label, "hibernating");
        assert_eq!(s.tone, Tone::Neutral);
        let s = describe_agent(&Status::Unknown("teleporting".into()), &Lifecycle::Ready);
        assert_eq!(s.label, "teleporting");
    }
}
