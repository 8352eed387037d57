//! Paths and URLs of every route the console uses, relative to the deployment's origin and an
//! optional base path (`/coder` when coderd is mounted under a prefix).
use uuid::Uuid;

/// The API prefix.
pub const API: &str = "/api/v2";

/// Percent-encodes a query value or path segment (RFC 3986 unreserved characters stay).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A query string being built: `?a=1&flag&b=x`.
#[derive(Clone, Debug, Default)]
pub struct Query(Vec<String>);

impl Query {
    /// Adds `key=value` (value encoded).
    pub fn pair(mut self, key: &str, value: impl ToString) -> Self {
        self.0.push(format!("{key}={}", encode(&value.to_string())));
        self
    }
    /// Adds `key=value` when present.
    pub fn opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.pair(key, v),
            None => self,
        }
    }
    /// Adds a presence-only flag (coderd checks only that the key exists).
    pub fn flag(mut self, key: &str, on: bool) -> Self {
        if on {
            self.0.push(key.to_owned());
        }
        self
    }
    /// `?…`, or empty.
    pub fn render(&self) -> String {
        if self.0.is_empty() { String::new() } else { format!("?{}", self.0.join("&")) }
    }
}

/// Normalises a base path: "" or "/p" (leading slash, no trailing slash).
pub fn normalize_base(base: &str) -> String {
    let trimmed = base.trim().trim_matches('/');
    if trimmed.is_empty() { String::new() } else { format!("/{trimmed}") }
}

/// Joins a base path and an absolute route path.
pub fn with_base(base: &str, path: &str) -> String {
    format!("{}{}", normalize_base(base), path)
}

fn agent(id: &Uuid, rest: &str) -> String {
    format!("{API}/workspaceagents/{id}{rest}")
}

/// `GET /workspaceagents/{id}`.
pub fn agent_path(id: &Uuid) -> String {
    agent(id, "")
}
/// `GET /workspaceagents/{id}/connection`.
pub fn connection(id: &Uuid) -> String {
    agent(id, "/connection")
}
/// `GET /workspaceagents/{id}/coordinate` (WebSocket).
pub fn coordinate(id: &Uuid) -> String {
    agent(id, "/coordinate")
}
/// `GET /workspaceagents/{id}/listening-ports`.
pub fn listening_ports(id: &Uuid) -> String {
    agent(id, "/listening-ports")
}

/// Query of the logs routes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogsQuery {
    /// Only logs with an id above this one.
    pub after: Option<i64>,
    /// Documented but ignored by coderd.
    pub before: Option<i64>,
    /// Upgrade to a WebSocket that streams new logs.
    pub follow: bool,
    /// Ask the server not to compress the WebSocket (Safari).
    pub no_compression: bool,
}

impl LogsQuery {
    fn render(&self) -> String {
        Query::default()
            .opt("before", self.before)
            .opt("after", self.after)
            .flag("follow", self.follow)
            .flag("no_compression", self.no_compression)
            .render()
    }
}

/// `GET /workspaceagents/{id}/logs`.
pub fn logs(id: &Uuid, q: &LogsQuery) -> String {
    agent(id, &format!("/logs{}", q.render()))
}
/// `GET /workspaceagents/{id}/startup-logs` (removed in newer coderd; same query).
pub fn startup_logs(id: &Uuid, q: &LogsQuery) -> String {
    agent(id, &format!("/startup-logs{}", q.render()))
}

/// Query of the PTY route.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PtyQuery {
    /// The session id: the same id re-attaches to the same shell.
    pub reconnect: Uuid,
    pub width: Option<u16>,
    pub height: Option<u16>,
    pub command: Option<String>,
    pub container: Option<String>,
    /// Only sent with `container`.
    pub container_user: Option<String>,
}

/// `GET /workspaceagents/{id}/pty` (WebSocket).
pub fn pty(id: &Uuid, q: &PtyQuery) -> String {
    let container = q.container.as_deref().filter(|c| !c.is_empty());
    let query = Query::default()
        .pair("reconnect", q.reconnect)
        .opt("width", q.width)
        .opt("height", q.height)
        .opt("command", q.command.as_deref().filter(|c| !c.is_empty()))
        .opt("container", container)
        .opt("container_user", container.and(q.container_user.as_deref()).filter(|u| !u.is_empty()));
    agent(id, &format!("/pty{}", query.render()))
}

/// `GET /derp-map` (WebSocket, no auth).
pub fn derp_map() -> String {
    format!("{API}/derp-map")
}
/// `POST /workspaceagents/aws-instance-identity`.
pub fn aws_instance_identity() -> String {
    format!("{API}/workspaceagents/aws-instance-identity")
}
/// `POST /workspaceagents/azure-instance-identity`.
pub fn azure_instance_identity() -> String {
    format!("{API}/workspaceagents/azure-instance-identity")
}
/// `POST /workspaceagents/google-instance-identity`.
pub fn google_instance_identity() -> String {
    format!("{API}/workspaceagents/google-instance-identity")
}

/// Query of the external-auth routes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExternalAuthQuery {
    /// A URL (or host) to match a provider against.
    pub r#match: Option<String>,
    /// A provider id.
    pub id: Option<String>,
    /// Wait until a token is issued.
    pub listen: bool,
}

impl ExternalAuthQuery {
    fn render(&self) -> String {
        Query::default()
            .opt("match", self.r#match.as_deref())
            .opt("id", self.id.as_deref())
            .flag("listen", self.listen)
            .render()
    }
}

/// `GET /workspaceagents/me/external-auth`.
pub fn me_external_auth(q: &ExternalAuthQuery) -> String {
    format!("{API}/workspaceagents/me/external-auth{}", q.render())
}
/// `GET /workspaceagents/me/gitauth` (removed; same answer).
pub fn me_gitauth(q: &ExternalAuthQuery) -> String {
    format!("{API}/workspaceagents/me/gitauth{}", q.render())
}
/// `GET /workspaceagents/me/gitsshkey`.
pub fn me_gitsshkey() -> String {
    format!("{API}/workspaceagents/me/gitsshkey")
}
/// `POST /workspaceagents/me/log-source`.
pub fn me_log_source() -> String {
    format!("{API}/workspaceagents/me/log-source")
}
/// `PATCH /workspaceagents/me/logs`.
pub fn me_logs() -> String {
    format!("{API}/workspaceagents/me/logs")
}
/// `GET /users/me`.
pub fn users_me() -> String {
    format!("{API}/users/me")
}
/// `GET /buildinfo`.
pub fn buildinfo() -> String {
    format!("{API}/buildinfo")
}
/// `GET /workspaces`.
pub fn workspaces() -> String {
    format!("{API}/workspaces")
}
/// `GET /regions`.
pub fn regions() -> String {
    format!("{API}/regions")
}
/// `GET /applications/host`.
pub fn applications_host() -> String {
    format!("{API}/applications/host")
}

/// The WebSocket URL for `path` (with its query) on the deployment at `origin`
/// (`http://host[:port][/base]`): http → ws, https → wss; the base path is kept.
/// `token` adds the `coder_session_token` query parameter browsers need on WebSockets.
pub fn websocket_url(origin: &str, path: &str, token: Option<&str>) -> Option<String> {
    let (scheme, rest) = origin.split_once("://")?;
    let ws_scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return None,
    };
    let rest = rest.trim_end_matches('/');
    let mut url = format!("{ws_scheme}://{rest}{path}");
    if let Some(t) = token.filter(|t| !t.is_empty()) {
        url.push(if path.contains('?') { '&' } else { '?' });
        url.push_str("coder_session_token=");
        url.push_str(&encode(t));
    }
    Some(url)
}
