//! Who is connected to an agent: `WorkspaceAgent.sessions`, each a client (grouped by its
//! hostname, else its address) with its connections (terminal, SSH, port forward, editor, …).
//!
//! Read in coder/coder at `52febdb0` (`codersdk/workspaceagents.go`) and `31c78eb6`
//! (`coderd/workspaceconnections.go`), both from the search index; `main` at `c9a1e2bc` has no
//! sessions on the agent (see docs/coder-wire.md), so every field here is optional on the wire.
use crate::de::null_as_default;
use crate::open_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

open_enum! {
    /// What a connection is (codersdk `ConnectionType`, shared with the connection log).
    ConnectionType {
        Ssh => "ssh",
        Vscode => "vscode",
        Jetbrains => "jetbrains",
        /// The web terminal.
        ReconnectingPty => "reconnecting_pty",
        WorkspaceApp => "workspace_app",
        PortForwarding => "port_forwarding",
        /// A tailnet tunnel (connection log only; coderd leaves it out of sessions).
        Tunnel => "tunnel",
    }
}

open_enum! {
    /// Where a connection or session is (codersdk `WorkspaceConnectionStatus`).
    WorkspaceConnectionStatus {
        /// Started and not finished.
        Ongoing => "ongoing",
        /// coderd lost contact with the client at its tailnet coordinator.
        ControlLost => "control_lost",
        /// The client went away without a clean goodbye.
        ClientDisconnected => "client_disconnected",
        /// The client said goodbye.
        CleanDisconnected => "clean_disconnected",
    }
}

impl WorkspaceConnectionStatus {
    /// Still connected (`ongoing`); every other value, unknown ones included, has ended.
    pub fn is_ongoing(&self) -> bool {
        matches!(self, Self::Ongoing)
    }
}

/// The DERP region a connection relays through (`home_derp`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceConnectionHomeDerp {
    /// Region id.
    #[serde(default)]
    pub id: i64,
    /// Region name.
    #[serde(default)]
    pub name: String,
}

/// One connection of a session.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceConnection {
    /// The client's address as coderd writes a Go `netip.Addr` (`127.0.0.1`, `fd7a:…`, maybe
    /// with a `%zone`): kept as text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Ongoing or how it ended.
    #[serde(default)]
    pub status: WorkspaceConnectionStatus,
    /// When it began.
    #[serde(deserialize_with = "crate::de::rfc3339_utc")]
    pub created_at: DateTime<Utc>,
    /// When the application layer connected.
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub connected_at: Option<DateTime<Utc>>,
    /// When it ended (absent while ongoing).
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ended_at: Option<DateTime<Utc>>,
    /// Terminal, SSH, port forward, …
    #[serde(default, rename = "type")]
    pub kind: ConnectionType,
    /// The app slug or port number of `workspace_app` and `port_forwarding` connections.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The client's hostname, as the client reports it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_hostname: String,
    /// A short description the client reports (e.g. "Coder Desktop").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub short_description: String,
    /// The client's operating system (newer coderd).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub os: String,
    /// Direct (true) or relayed (false); absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p2p: Option<bool>,
    /// Latest round trip in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// The agent's home relay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_derp: Option<WorkspaceConnectionHomeDerp>,
    /// Why it ended.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub disconnect_reason: String,
    /// Exit code of an SSH session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exit_code: Option<i32>,
    /// The browser's user agent of web connections.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_agent: String,
}

/// A client's session: its connections, grouped by client hostname, else by address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSession {
    /// Set for sessions from history; live sessions are grouped at query time and have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    /// The client's address (text, see [`WorkspaceConnection::ip`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The client's hostname.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_hostname: String,
    /// The client's short description.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub short_description: String,
    /// `ongoing` when any connection is, else the newest connection's status.
    #[serde(default)]
    pub status: WorkspaceConnectionStatus,
    /// The earliest connection's start.
    #[serde(deserialize_with = "crate::de::rfc3339_utc")]
    pub started_at: DateTime<Utc>,
    /// When the last connection ended (historic sessions).
    #[serde(
        deserialize_with = "crate::de::rfc3339_utc_opt",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ended_at: Option<DateTime<Utc>>,
    /// Its connections, newest first.
    #[serde(default, deserialize_with = "null_as_default")]
    pub connections: Vec<WorkspaceConnection>,
}

impl WorkspaceSession {
    /// Groups connections into sessions as coderd does: by client hostname when known, else by
    /// address; connections newest first; a session is `ongoing` when any connection is, else
    /// has its newest connection's status; sessions sorted by hostname, then address. Unlike
    /// coderd's live grouping, an ended session carries `ended_at` (its last connection's end).
    pub fn group(mut connections: Vec<WorkspaceConnection>) -> Vec<WorkspaceSession> {
        connections.sort_by_key(|c| std::cmp::Reverse(c.created_at));
        let mut sessions: Vec<WorkspaceSession> = Vec::new();
        for conn in connections {
            let same = |s: &WorkspaceSession| {
                if conn.client_hostname.is_empty() {
                    s.client_hostname.is_empty() && s.ip == conn.ip
                } else {
                    s.client_hostname == conn.client_hostname
                }
            };
            match sessions.iter_mut().find(|s| same(s)) {
                Some(s) => s.connections.push(conn),
                None => sessions.push(WorkspaceSession {
                    id: None,
                    ip: conn.ip.clone(),
                    client_hostname: conn.client_hostname.clone(),
                    short_description: conn.short_description.clone(),
                    status: WorkspaceConnectionStatus::default(),
                    started_at: conn.created_at,
                    ended_at: None,
                    connections: vec![conn],
                }),
            }
        }
        for s in &mut sessions {
            let ongoing = s.connections.iter().any(|c| c.status.is_ongoing());
            s.status = if ongoing {
                WorkspaceConnectionStatus::Ongoing
            } else {
                s.connections[0].status.clone()
            };
            s.started_at = s
                .connections
                .iter()
                .map(|c| c.created_at)
                .min()
                .unwrap_or(s.started_at);
            s.ended_at = if ongoing {
                None
            } else {
                s.connections.iter().filter_map(|c| c.ended_at).max()
            };
        }
        sessions.sort_by(|a, b| {
            a.client_hostname
                .cmp(&b.client_hostname)
                .then_with(|| a.ip.cmp(&b.ip))
        });
        sessions
    }
}
