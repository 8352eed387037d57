//! Listening ports of an agent's machine and the rules coderd applies to them.
use crate::de::null_as_default;
use serde::{Deserialize, Serialize};

/// One listening port of the agent's machine.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentListeningPort {
    /// Process name; empty when it cannot be read.
    #[serde(default)]
    pub process_name: String,
    /// Always `tcp` today.
    #[serde(default)]
    pub network: String,
    /// The port.
    pub port: u16,
}

/// `GET /workspaceagents/{id}/listening-ports`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceAgentListeningPortsResponse {
    /// The ports; when empty, a client should show nothing rather than a "no ports" notice.
    #[serde(default, deserialize_with = "null_as_default")]
    pub ports: Vec<WorkspaceAgentListeningPort>,
}

/// Lowest port an app or forwarded port may use; coderd reserves the ones below.
pub const MIN_APP_PORT: u16 = 9;

/// Ports coderd never lists as listening (inclusive ranges): its reserved ports and well-known
/// services that do not speak HTTP.
pub const IGNORED_PORT_RANGES: &[(u16, u16)] = &[
    (0, 8),
    (20, 23),
    (25, 25),
    (53, 53),
    (110, 110),
    (143, 143),
    (179, 179),
    (389, 389),
    (465, 465),
    (587, 587),
    (636, 636),
    (989, 990),
    (993, 993),
    (995, 995),
    (3306, 3306),
    (3389, 3389),
    (5432, 5432),
    (27017, 27019),
    (28017, 28017),
];

/// Whether coderd leaves this port out of the listening ports.
pub fn is_ignored_port(port: u16) -> bool {
    IGNORED_PORT_RANGES
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&port))
}

/// Whether coderd lets an app or a forwarded port use this port (9 and above; ignored ports
/// can still be forwarded by hand).
pub fn is_allowed_app_port(port: u16) -> bool {
    port >= MIN_APP_PORT
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignored_list_is_exact() {
        let ignored: Vec<u16> = (0..=u16::MAX).filter(|p| is_ignored_port(*p)).collect();
        let expected: Vec<u16> = (0..=8)
            .chain([
                20, 21, 22, 23, 25, 53, 110, 143, 179, 389, 465, 587, 636, 989, 990, 993, 995,
            ])
            .chain([3306, 3389, 5432, 27017, 27018, 27019, 28017])
            .collect();
        assert_eq!(ignored, expected);
    }

    #[test]
    fn app_ports_start_at_nine() {
        assert!(!is_allowed_app_port(8) && is_allowed_app_port(9) && is_allowed_app_port(65535));
    }
}
