//! The PTY protocol as the page speaks it, without I/O: the messages sent, what a close means,
//! the reconnect policy, the page's own query parameters and the connection states shown.
use crate::api::backoff::Backoff;
use crate::ui::status::Tone;
use coder_api::ReconnectingPtyRequest;
use uuid::Uuid;

/// Failed attempts in a row after which the page stops retrying and waits for the user.
/// With the delays of [`reconnect_backoff`] that is a little over three minutes, inside the five minutes
/// an unattached session survives on the agent.
pub const MAX_ATTEMPTS: u32 = 10;
/// First retry delay.
const BACKOFF_BASE_MS: u32 = 1_000;
/// Longest retry delay.
const BACKOFF_CAP_MS: u32 = 30_000;

/// Keystrokes or pasted text as the JSON the agent reads.
pub fn input_message(data: &str) -> String {
    serde_json::to_string(&ReconnectingPtyRequest::input(data)).unwrap_or_default()
}

/// A resize as JSON; `None` for sizes the agent would ignore (zero) or cannot hold.
pub fn resize_message(cols: u32, rows: u32) -> Option<String> {
    let (w, h) = (u16::try_from(cols).ok()?, u16::try_from(rows).ok()?);
    if w == 0 || h == 0 {
        return None;
    }
    serde_json::to_string(&ReconnectingPtyRequest::resize(w, h)).ok()
}

/// What the page does after a socket closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterClose {
    /// The shell exited (normal closure, 1000): show that the session ended.
    Ended,
    /// Anything else (network drop 1006, server going away 1001, agent error 1011, ...): retry.
    Retry,
}

/// Classifies a close code.
pub fn after_close(code: u16) -> AfterClose {
    if code == 1000 {
        AfterClose::Ended
    } else {
        AfterClose::Retry
    }
}

/// The terminal's reconnect delays: the app's one backoff, doubling from 1 s up to 30 s with
/// jitter, starting over after a connection that stayed up for the healthy period.
pub fn reconnect_backoff() -> Backoff {
    Backoff::new(BACKOFF_BASE_MS, BACKOFF_CAP_MS)
}

/// The terminal page's own query parameters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageParams {
    /// The session to attach to (a valid UUID, else a new one is made).
    pub reconnect: Option<Uuid>,
    /// A command to run instead of the login shell: only after the user agrees.
    pub command: Option<String>,
    /// A container to open the shell in.
    pub container: Option<String>,
    /// The user inside that container.
    pub container_user: Option<String>,
    /// `?renderer=dom|webgl` forces a renderer (otherwise WebGL only with a hardware GPU).
    pub renderer: Option<String>,
}

impl PageParams {
    /// From the decoded `(name, value)` pairs of the query; the first of each name wins.
    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut p = PageParams::default();
        let mut seen_reconnect = false;
        for (k, v) in pairs {
            let v = v.as_ref();
            let text = || (!v.trim().is_empty()).then(|| v.to_owned());
            match k.as_ref() {
                "reconnect" if !seen_reconnect => {
                    seen_reconnect = true;
                    p.reconnect = Uuid::parse_str(v.trim()).ok();
                }
                "command" if p.command.is_none() => p.command = text(),
                "container" if p.container.is_none() => p.container = text(),
                "container_user" if p.container_user.is_none() => p.container_user = text(),
                "renderer" if p.renderer.is_none() => p.renderer = text(),
                _ => {}
            }
        }
        p
    }
}

/// Where the connection is, as shown above the terminal.
#[derive(Clone, Debug, PartialEq)]
pub enum ConnState {
    /// xterm.js is being downloaded.
    Loading,
    /// A `?command=` waits for the user's consent; nothing is connected.
    AwaitingConsent,
    /// The user declined the command; nothing was run.
    Declined,
    /// Opening the socket (`attempt` 0 is the first connection).
    Connecting { attempt: u32 },
    /// Attached to the shell.
    Connected,
    /// Dropped; the next attempt is at `at_ms` (page time).
    Reconnecting { attempt: u32, at_ms: f64 },
    /// Gave up retrying (or the user stopped); the Reconnect button resumes the same session.
    Disconnected { reason: String },
    /// The shell exited.
    Ended,
    /// The terminal itself could not start (xterm.js failed to load).
    Failed { reason: String },
}

impl ConnState {
    /// A tone, a short label and a sentence for the status line; `now_ms` counts the retry down.
    pub fn describe(&self, now_ms: f64) -> (Tone, String, String) {
        match self {
            ConnState::Loading => (
                Tone::Progress,
                "Loading".into(),
                "Loading the terminal…".into(),
            ),
            ConnState::AwaitingConsent => (
                Tone::Warning,
                "Waiting for you".into(),
                "Nothing runs until you choose.".into(),
            ),
            ConnState::Declined => (
                Tone::Neutral,
                "Not started".into(),
                "No shell is open.".into(),
            ),
            ConnState::Connecting { attempt: 0 } => (
                Tone::Progress,
                "Connecting".into(),
                "Opening the shell…".into(),
            ),
            ConnState::Connecting { attempt } => (
                Tone::Progress,
                "Reconnecting".into(),
                format!("Reattaching to the same shell (attempt {attempt} of {MAX_ATTEMPTS})…"),
            ),
            ConnState::Connected => (
                Tone::Ok,
                "Connected".into(),
                "Attached to the shell.".into(),
            ),
            ConnState::Reconnecting { attempt, at_ms } => {
                let secs = ((at_ms - now_ms) / 1000.0).ceil().max(0.0) as u64;
                (
                    Tone::Warning,
                    format!("Reconnecting in {secs} s"),
                    format!("The connection dropped. Retry {attempt} of {MAX_ATTEMPTS} reattaches to the same shell."),
                )
            }
            ConnState::Disconnected { reason } => {
                (Tone::Danger, "Disconnected".into(), reason.clone())
            }
            ConnState::Ended => (
                Tone::Neutral,
                "Session ended".into(),
                "The shell exited. Start a new session to get a fresh shell.".into(),
            ),
            ConnState::Failed { reason } => (Tone::Danger, "Unavailable".into(), reason.clone()),
        }
    }

    /// Whether keystrokes can reach the shell.
    pub fn accepts_input(&self) -> bool {
        matches!(self, ConnState::Connected)
    }

    /// Whether the Reconnect button makes sense (a session that may still be alive, not attached).
    pub fn can_reconnect(&self) -> bool {
        matches!(
            self,
            ConnState::Reconnecting { .. } | ConnState::Disconnected { .. }
        )
    }
}

/// Words for a close code the user may see after retries run out.
pub fn close_reason(code: u16, reason: &str) -> String {
    let reason = reason.trim();
    let what = match code {
        1001 => "The server went away",
        1006 => "The connection was lost",
        1011 => "The agent reported an error",
        1008 => "The server refused the connection",
        _ => "The connection closed",
    };
    if reason.is_empty() {
        format!("{what} (code {code}).")
    } else {
        format!("{what} (code {code}): {reason}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_the_agents_json() {
        assert_eq!(input_message("ls\r"), r#"{"data":"ls\r"}"#);
        assert_eq!(input_message("\u{3}"), r#"{"data":"\u0003"}"#);
        assert_eq!(input_message("é\"\\"), r#"{"data":"é\"\\"}"#);
        assert_eq!(
            resize_message(120, 40).as_deref(),
            Some(r#"{"height":40,"width":120}"#)
        );
        assert_eq!(resize_message(0, 40), None);
        assert_eq!(resize_message(70_000, 40), None);
    }

    #[test]
    fn only_a_normal_close_ends_the_session() {
        assert_eq!(after_close(1000), AfterClose::Ended);
        for code in [1001, 1005, 1006, 1011, 4000] {
            assert_eq!(after_close(code), AfterClose::Retry, "{code}");
        }
    }

    #[test]
    fn backoff_doubles_caps_and_jitters_within_half() {
        let delays = |jitter: f64| {
            let mut b = reconnect_backoff();
            (0..40).map(|_| b.next_delay_ms(jitter)).collect::<Vec<_>>()
        };
        let (low, high) = (delays(0.0), delays(0.999_999));
        assert_eq!((low[0], high[0]), (500, 999));
        assert_eq!(low[1], 1_000);
        assert_eq!(delays(0.5)[2], 3_000);
        assert_eq!((low[5], low[6]), (15_000, 15_000));
        assert_eq!(delays(1.0)[39], 30_000);
        let total: u32 = delays(1.0)[..MAX_ATTEMPTS as usize].iter().sum();
        assert!(
            total < 5 * 60 * 1000,
            "gives up while the session is still alive: {total}"
        );
    }

    #[test]
    fn page_params() {
        let id = "7b1c3f2e-8f0a-4c1e-9a6b-2b0f4d1e5c3a";
        let p = PageParams::from_pairs([
            ("reconnect", id),
            ("command", "htop"),
            ("container", ""),
            ("reconnect", "00000000-0000-0000-0000-000000000000"),
            ("command", "rm -rf /"),
        ]);
        assert_eq!(p.reconnect.map(|u| u.to_string()).as_deref(), Some(id));
        assert_eq!(p.command.as_deref(), Some("htop"));
        assert_eq!(p.container, None);
        assert_eq!(
            PageParams::from_pairs([("reconnect", "nope")]).reconnect,
            None
        );
    }

    #[test]
    fn states_read_well() {
        let (_, label, _) = ConnState::Reconnecting {
            attempt: 2,
            at_ms: 10_500.0,
        }
        .describe(8_000.0);
        assert_eq!(label, "Reconnecting in 3 s");
        let (_, label, _) = ConnState::Reconnecting {
            attempt: 2,
            at_ms: 1.0,
        }
        .describe(8_000.0);
        assert_eq!(label, "Reconnecting in 0 s");
        assert!(ConnState::Connected.accepts_input());
        assert!(!ConnState::Ended.accepts_input());
        assert!(ConnState::Disconnected {
            reason: String::new()
        }
        .can_reconnect());
        assert!(!ConnState::Ended.can_reconnect());
        assert_eq!(
            close_reason(1006, ""),
            "The connection was lost (code 1006)."
        );
        assert_eq!(
            close_reason(1011, "dial: refused"),
            "The agent reported an error (code 1011): dial: refused."
        );
    }
}
