//! Listening ports and the rules coderd applies to them.
use serde::{Deserialize, Serialize};

/// One listening port of the agent's machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentListeningPort {
    /// May be empty when the process cannot be read.
    #[serde(default)]
    pub process_name: String,
    /// Always "tcp" today.
    #[serde(default)]
    pub network: String,
    pub port: u16,
}

/// `GET /workspaceagents/{id}/listening-ports`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentListeningPortsResponse {
    #[serde(default, deserialize_with = "crate::enums::null_as_default")]
    pub ports: Vec<WorkspaceAgentListeningPort>,
}

/// Lowest port an app or forwarded port may use; lower ones are reserved by Coder.
pub const MIN_APP_PORT: u16 = 9;

/// Ports coderd never lists as listening: well-known non-HTTP services.
pub fn is_ignored_port(port: u16) -> bool {
    matches!(
        port,
        0..=8 | 20 | 21 | 22 | 23 | 25 | 53 | 110 | 143 | 179 | 389 | 465 | 587 | 636 | 989 | 990
            | 993 | 995 | 3306 | 3389 | 5432 | 27017..=27019 | 28017
    )
}

/// A port-forwarding host label `{port}[s]--{agent}--{workspace}--{user}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortForwardLabel {
    pub port: u16,
    /// The `s` suffix: the forwarded service speaks HTTPS.
    pub https: bool,
    pub agent: String,
    pub workspace: String,
    pub user: String,
}

impl PortForwardLabel {
    /// Renders the label.
    pub fn render(&self) -> String {
        port_forward_subdomain(self.port, self.https, &self.agent, &self.workspace, &self.user)
    }

    /// Parses a label (the first DNS label of a host); case-insensitive; None when it is not one.
    pub fn parse(label: &str) -> Option<Self> {
        let label = label.to_ascii_lowercase();
        let mut parts = label.split("--");
        let (port_part, agent, workspace, user) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || agent.is_empty() || workspace.is_empty() || user.is_empty() {
            return None;
        }
        let (digits, https) = match port_part.strip_suffix('s') {
            Some(d) => (d, true),
            None => (port_part, false),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let port: u16 = digits.parse().ok()?;
        (port >= MIN_APP_PORT).then(|| PortForwardLabel {
            port,
            https,
            agent: agent.into(),
            workspace: workspace.into(),
            user: user.into(),
        })
    }
}

/// `{port}[s]--{agent}--{workspace}--{user}`.
pub fn port_forward_subdomain(port: u16, https: bool, agent: &str, workspace: &str, user: &str) -> String {
    format!("{port}{}--{agent}--{workspace}--{user}", if https { "s" } else { "" })
}
