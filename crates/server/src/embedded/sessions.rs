//! Who is connected to the embedded agent: every terminal socket and every port-forward
//! exchange is a connection with the client's address, its type, its status and its times,
//! listed in the agent's `sessions` as coderd lists them ([`coder_api::WorkspaceSession::group`]).
//!
//! coderd keeps ongoing connections and those of the last 24 hours, 50 per agent at most
//! (`coderd/workspaceconnections.go`); so does this registry, in memory (a restart is a new
//! build, whose agent has no connections yet).

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use coder_api::{ConnectionType, WorkspaceConnection, WorkspaceConnectionStatus, WorkspaceSession};

/// How long an ended connection stays listed (coderd's window).
const KEEP_ENDED: Duration = Duration::hours(24);
/// Connections listed per agent at most, newest kept (coderd's limit).
const MAX_CONNECTIONS: usize = 50;
/// Port-forward requests of one client to one port within this time of each other are one
/// connection: coderd counts a web app as active this long after its last request.
const FORWARD_ACTIVE_WINDOW: Duration = Duration::seconds(90);

struct Entry {
    conn: WorkspaceConnection,
    /// Open sockets or requests holding it ongoing.
    holders: usize,
}

/// The agent's connections (cheap to clone).
#[derive(Clone)]
pub struct Sessions {
    entries: Arc<Mutex<Vec<Entry>>>,
    /// This machine's hostname: the client hostname of loopback clients.
    hostname: Arc<str>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions").finish_non_exhaustive()
    }
}

/// Holds a connection ongoing; when the last holder goes it ends, `clean_disconnected` if
/// [`ConnectionGuard::end_cleanly`] was called, else `client_disconnected`.
pub struct ConnectionGuard {
    sessions: Sessions,
    key: (Option<String>, ConnectionType, String, DateTime<Utc>),
    clean: bool,
}

impl ConnectionGuard {
    /// The client said goodbye (a close frame, a finished exchange).
    pub fn end_cleanly(mut self) {
        self.clean = true;
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        let status = if self.clean {
            WorkspaceConnectionStatus::CleanDisconnected
        } else {
            WorkspaceConnectionStatus::ClientDisconnected
        };
        let mut entries = self.sessions.lock();
        let (ip, kind, detail, created) = &self.key;
        if let Some(e) = entries.iter_mut().find(|e| {
            e.conn.ip == *ip
                && e.conn.kind == *kind
                && e.conn.detail == *detail
                && e.conn.created_at == *created
        }) {
            e.holders = e.holders.saturating_sub(1);
            if e.holders == 0 {
                e.conn.status = status;
                e.conn.ended_at = Some(Utc::now());
            }
        }
    }
}

impl Sessions {
    /// An empty registry; loopback clients are named `hostname`.
    pub fn new(hostname: &str) -> Self {
        Self {
            entries: Arc::default(),
            hostname: hostname.into(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A terminal (or any one-socket) connection from `client`, ongoing until the guard goes.
    pub fn open(
        &self,
        client: Option<SocketAddr>,
        kind: ConnectionType,
        detail: &str,
    ) -> ConnectionGuard {
        self.start(client, kind, detail, false)
    }

    /// A port-forward exchange from `client` to `port`: joins that client's connection to the
    /// port while it is ongoing or ended less than 90 s ago, else starts one.
    pub fn open_forward(&self, client: Option<SocketAddr>, port: u16) -> ConnectionGuard {
        self.start(
            client,
            ConnectionType::PortForwarding,
            &port.to_string(),
            true,
        )
    }

    fn start(
        &self,
        client: Option<SocketAddr>,
        kind: ConnectionType,
        detail: &str,
        join: bool,
    ) -> ConnectionGuard {
        let now = Utc::now();
        let ip = client.map(|a| unmapped(a.ip()));
        let ip_text = ip.map(|ip| ip.to_string());
        let mut entries = self.lock();
        let joined = join.then(|| {
            entries.iter_mut().find(|e| {
                e.conn.ip == ip_text
                    && e.conn.kind == kind
                    && e.conn.detail == detail
                    && e.conn
                        .ended_at
                        .is_none_or(|end| now - end < FORWARD_ACTIVE_WINDOW)
            })
        });
        let created_at = match joined.flatten() {
            Some(e) => {
                e.holders += 1;
                e.conn.status = WorkspaceConnectionStatus::Ongoing;
                e.conn.ended_at = None;
                e.conn.created_at
            }
            None => {
                entries.retain(|e| {
                    e.holders > 0 || e.conn.ended_at.is_none_or(|end| now - end < KEEP_ENDED)
                });
                if entries.len() >= MAX_CONNECTIONS {
                    // The oldest ended connection makes room; ongoing ones are never dropped.
                    if let Some(i) = entries
                        .iter()
                        .enumerate()
                        .filter(|(_, e)| e.holders == 0)
                        .min_by_key(|(_, e)| e.conn.created_at)
                        .map(|(i, _)| i)
                    {
                        entries.remove(i);
                    }
                }
                let client_hostname = match ip {
                    Some(ip) if ip.is_loopback() => self.hostname.to_string(),
                    _ => String::new(),
                };
                entries.push(Entry {
                    conn: WorkspaceConnection {
                        ip: ip_text.clone(),
                        status: WorkspaceConnectionStatus::Ongoing,
                        created_at: now,
                        connected_at: Some(now),
                        kind: kind.clone(),
                        detail: detail.to_owned(),
                        client_hostname,
                        ..Default::default()
                    },
                    holders: 1,
                });
                now
            }
        };
        ConnectionGuard {
            sessions: self.clone(),
            key: (ip_text, kind, detail.to_owned(), created_at),
            clean: false,
        }
    }

    /// The agent's `sessions`: connections of the last 24 hours grouped as coderd groups them.
    pub fn list(&self) -> Vec<WorkspaceSession> {
        let now = Utc::now();
        let conns = self
            .lock()
            .iter()
            .filter(|e| e.conn.ended_at.is_none_or(|end| now - end < KEEP_ENDED))
            .map(|e| e.conn.clone())
            .collect();
        WorkspaceSession::group(conns)
    }
}

/// An IPv4 client seen on an IPv6 socket is written as IPv4, as coderd's `Unmap`.
fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40000))
    }

    #[test]
    fn a_connection_is_ongoing_then_ended() {
        let s = Sessions::new("box");
        let g = s.open(client("127.0.0.1"), ConnectionType::ReconnectingPty, "");
        let live = s.list();
        assert_eq!(live[0].status, WorkspaceConnectionStatus::Ongoing);
        assert_eq!(live[0].client_hostname, "box");
        g.end_cleanly();
        let ended = &s.list()[0];
        assert_eq!(ended.status, WorkspaceConnectionStatus::CleanDisconnected);
        assert!(ended.connections[0].ended_at.is_some());
        drop(s.open(
            client("::ffff:10.1.2.3"),
            ConnectionType::ReconnectingPty,
            "",
        ));
        let other = s
            .list()
            .into_iter()
            .find(|x| x.client_hostname.is_empty())
            .unwrap();
        assert_eq!(other.ip.as_deref(), Some("10.1.2.3"));
        assert_eq!(other.status, WorkspaceConnectionStatus::ClientDisconnected);
    }

    #[test]
    fn forwards_join_while_active_and_the_list_is_capped() {
        let s = Sessions::new("box");
        let a = s.open_forward(client("10.0.0.1"), 8080);
        let b = s.open_forward(client("10.0.0.1"), 8080);
        drop(a);
        assert_eq!(s.list()[0].status, WorkspaceConnectionStatus::Ongoing);
        b.end_cleanly();
        s.open_forward(client("10.0.0.1"), 8080).end_cleanly();
        assert_eq!(
            s.list()[0].connections.len(),
            1,
            "a request within 90 s joins"
        );
        for i in 0..60 {
            s.open(
                client(&format!("10.0.1.{i}")),
                ConnectionType::ReconnectingPty,
                "",
            )
            .end_cleanly();
        }
        let _held = s.open(client("10.0.9.9"), ConnectionType::ReconnectingPty, "");
        let total: usize = s.list().iter().map(|x| x.connections.len()).sum();
        assert_eq!(total, MAX_CONNECTIONS);
        assert!(s.list().iter().any(|x| x.status.is_ongoing()));
    }
}
