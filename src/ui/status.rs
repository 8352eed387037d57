//! What an agent's status and lifecycle mean to a user: one tone, one symbol and one label for
//! every combination, so colour is never the only signal. Unknown values are shown as they are.
use coder_api::{
    WorkspaceAgentLifecycle as Lifecycle, WorkspaceAgentScript,
    WorkspaceAgentScriptStatus as ScriptStatus, WorkspaceAgentStatus as Status,
};

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

/// How one run of a script ended, from its status and exit code (the overview, the startup chart).
pub fn describe_script_outcome(status: &ScriptStatus, exit_code: i32) -> StateText {
    match status {
        ScriptStatus::Ok => text(Tone::Ok, "Succeeded", "It exited with code 0."),
        ScriptStatus::ExitFailure => StateText {
            tone: Tone::Danger,
            label: format!("Failed (exit {exit_code})"),
            description: format!("It exited with code {exit_code}."),
        },
        ScriptStatus::TimedOut => text(
            Tone::Danger,
            "Timed out",
            "Its timeout stopped it before it finished.",
        ),
        ScriptStatus::PipesLeftOpen => text(
            Tone::Warning,
            "Output left open",
            "It exited, but a process it started still holds its output open.",
        ),
        ScriptStatus::Unknown(s) => text(
            Tone::Neutral,
            s,
            "An outcome this console does not know yet.",
        ),
    }
}

/// The scripts' part of an agent's health, apart from its connection (a failed script is not an
/// unreachable agent): what failed, or that all went well. `None` without scripts.
pub fn describe_scripts(
    scripts: &[WorkspaceAgentScript],
    lifecycle: &Lifecycle,
) -> Option<StateText> {
    if scripts.is_empty() {
        return None;
    }
    let failed: Vec<&str> = scripts
        .iter()
        .filter(|s| s.status.as_ref().is_some_and(|st| st.failed()))
        .map(|s| s.display_name.as_str())
        .collect();
    let reported = scripts.iter().filter(|s| s.status.is_some()).count();
    Some(if !failed.is_empty() {
        StateText {
            tone: Tone::Danger,
            label: format!("{} of {} failed", failed.len(), scripts.len()),
            description: format!(
                "Failed: {}. A script problem, not a connection problem.",
                failed.join(", ")
            ),
        }
    } else if *lifecycle == Lifecycle::Starting {
        text(
            Tone::Progress,
            "Running",
            "Startup scripts are still running.",
        )
    } else if reported == 0 {
        text(
            Tone::Neutral,
            "Not reported",
            "This server does not report how scripts ended (older Coder), or none has run yet.",
        )
    } else {
        StateText {
            tone: Tone::Ok,
            label: format!("{reported} succeeded"),
            description: "Every script that ran exited with code 0.".into(),
        }
    })
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
    fn script_outcomes_say_what_happened_in_words() {
        let failed = describe_script_outcome(&ScriptStatus::ExitFailure, 3);
        assert_eq!(
            (failed.tone, failed.label.as_str()),
            (Tone::Danger, "Failed (exit 3)")
        );
        assert_eq!(describe_script_outcome(&ScriptStatus::Ok, 0).tone, Tone::Ok);
        assert_eq!(
            describe_script_outcome(&ScriptStatus::TimedOut, 255).label,
            "Timed out"
        );
        let odd = describe_script_outcome(&ScriptStatus::Unknown("<b>x</b>".into()), 0);
        assert_eq!((odd.tone, odd.label.as_str()), (Tone::Neutral, "<b>x</b>"));
    }

    #[test]
    fn failed_scripts_are_told_apart_from_connectivity() {
        let script = |name: &str, status: Option<&str>| {
            let mut s: WorkspaceAgentScript = serde_json::from_str("{}").unwrap();
            s.display_name = name.into();
            s.status = status.map(|st| st.to_string().into());
            s
        };
        let ready = Lifecycle::Ready;
        let all = [
            script("a", Some("ok")),
            script("b", Some("exit_failure")),
            script("c", Some("timed_out")),
        ];
        let s = describe_scripts(&all, &ready).unwrap();
        assert_eq!((s.tone, s.label.as_str()), (Tone::Danger, "2 of 3 failed"));
        assert!(
            s.description.starts_with("Failed: b, c."),
            "{}",
            s.description
        );
        let s = describe_scripts(&all[..1], &ready).unwrap();
        assert_eq!((s.tone, s.label.as_str()), (Tone::Ok, "1 succeeded"));
        let old = [script("a", None)];
        assert_eq!(
            describe_scripts(&old, &ready).unwrap().label,
            "Not reported"
        );
        assert_eq!(
            describe_scripts(&old, &Lifecycle::Starting).unwrap().tone,
            Tone::Progress
        );
        assert!(describe_scripts(&[], &ready).is_none());
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
