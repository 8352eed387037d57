//! Paths of every route the console uses, relative to the deployment's root (`/api/v2/...`),
//! with their queries. Prefix them with a base path ([`BasePath`], [`with_base`]) when coderd or
//! the console is mounted under one, and turn them into WebSocket URLs with [`websocket_url`].
//!
//! Path segments that come from users (names) are percent-encoded; ids are UUIDs.
use uuid::Uuid;

mod base;
mod query;
mod ws;

use crate::{Response, ValidationError};
pub use base::{normalize_base, with_base, BasePath};
pub use query::{decode, encode, first, has, pairs, Query};
pub use ws::{
    websocket_origin, websocket_url, SESSION_TOKEN_COOKIE, SESSION_TOKEN_HEADER,
    SESSION_TOKEN_QUERY,
};

/// The API prefix.
pub const API: &str = "/api/v2";

fn agent(id: &Uuid, rest: &str) -> String {
    format!("{API}/workspaceagents/{id}{rest}")
}

fn me(rest: &str) -> String {
    format!("{API}/workspaceagents/me{rest}")
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
/// `GET /workspaceagents/{id}/watch-metadata-ws`: a one-way WebSocket of the agent's live
/// metadata, one JSON [`crate::ServerSentEvent`] per TEXT frame (read them with
/// [`crate::MetadataEvent::from_ws_frame`]). Session-token auth like every user route.
pub fn watch_metadata_ws(id: &Uuid) -> String {
    agent(id, "/watch-metadata-ws")
}
/// `GET /workspaceagents/{id}/watch-metadata`: the same events as `text/event-stream`
/// (deprecated in coderd; the fallback for a coderd without [`watch_metadata_ws`]).
pub fn watch_metadata(id: &Uuid) -> String {
    agent(id, "/watch-metadata")
}

/// Query of the logs routes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogsQuery {
    /// Only logs with an id above this one.
    pub after: Option<i64>,
    /// Documented, but coderd ignores it.
    pub before: Option<i64>,
    /// Upgrade to a WebSocket that streams new logs (presence-only: sent as a bare `follow`).
    pub follow: bool,
    /// Ask the server not to compress the WebSocket (Safari; presence-only).
    pub no_compression: bool,
    /// Plain text instead of JSON (`format=text`: one line per log, see
    /// [`crate::WorkspaceAgentLog::text`]); coderd refuses it with `follow`.
    pub text: bool,
}

impl LogsQuery {
    /// `?before=…&after=…&follow&no_compression&format=text` (only what is set), or empty.
    pub fn render(&self) -> String {
        Query::default()
            .opt("before", self.before)
            .opt("after", self.after)
            .flag("follow", self.follow)
            .flag("no_compression", self.no_compression)
            .opt("format", self.text.then_some("text"))
            .render()
    }

    /// Reads a raw query (without `?`) as coderd does: `follow` and `no_compression` by presence,
    /// `after` a non-negative integer when given, `before` read when it is one (coderd ignores
    /// it, so it never fails), `format` `json` (or empty) or `text`, never `text` with
    /// `follow`. The error is coderd's 400 body, checked in coderd's order.
    pub fn parse(raw: &str) -> Result<Self, Response> {
        let follow = has(raw, "follow");
        let text = match first(raw, "format").as_deref() {
            None | Some("" | "json") => false,
            Some("text") => true,
            Some(_) => return Err(Response::invalid_log_format()),
        };
        if text && follow {
            return Err(Response::text_logs_not_followed());
        }
        let after = match first(raw, "after").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n >= 0 => Some(n),
                _ => return Err(Response::bad_after()),
            },
        };
        Ok(Self {
            after,
            before: first(raw, "before").and_then(|v| v.parse().ok()),
            follow,
            no_compression: has(raw, "no_compression"),
            text,
        })
    }
}

/// `GET /workspaceagents/{id}/logs` (REST, or a WebSocket with `follow`).
pub fn logs(id: &Uuid, q: &LogsQuery) -> String {
    agent(id, &format!("/logs{}", q.render()))
}
/// `GET /workspacebuilds/{build}/timings`.
pub fn workspace_build_timings(build: &Uuid) -> String {
    format!("{API}/workspacebuilds/{build}/timings")
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
    /// Columns to start the PTY with (coderd defaults to 80).
    pub width: Option<u16>,
    /// Rows to start the PTY with (coderd defaults to 80).
    pub height: Option<u16>,
    /// Command to run instead of the login shell (ask the user first).
    pub command: Option<String>,
    /// Container to open the shell in.
    pub container: Option<String>,
    /// User inside the container; only sent with `container`.
    pub container_user: Option<String>,
}

impl PtyQuery {
    /// `?reconnect=…&width=…&height=…&command=…&container=…&container_user=…` (empty strings
    /// are left out).
    pub fn render(&self) -> String {
        let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
        let container = non_empty(&self.container);
        let container_user = container
            .as_ref()
            .and_then(|_| non_empty(&self.container_user));
        Query::default()
            .pair("reconnect", self.reconnect)
            .opt("width", self.width)
            .opt("height", self.height)
            .opt("command", non_empty(&self.command))
            .opt("container", container)
            .opt("container_user", container_user)
            .render()
    }

    /// Reads a raw query (without `?`) as coderd's query parser does: `reconnect` a required
    /// UUID, `width`/`height` 16-bit when given, empty strings as absent. Every problem becomes
    /// one validation of coderd's 400 body.
    pub fn parse(raw: &str) -> Result<Self, Response> {
        let text = |key: &str| first(raw, key).filter(|v| !v.is_empty());
        let mut problems = Vec::new();
        let reconnect = match text("reconnect") {
            None => {
                problems.push(ValidationError {
                    field: "reconnect".into(),
                    detail: "Query param \"reconnect\" is required and cannot be empty".into(),
                });
                None
            }
            Some(s) => Uuid::parse_str(&s).ok().or_else(|| {
                problems.push(ValidationError {
                    field: "reconnect".into(),
                    detail: "Query param \"reconnect\" must be a valid uuid".into(),
                });
                None
            }),
        };
        let mut size = |key: &str| -> Option<u16> {
            let s = text(key)?;
            s.parse::<u16>().ok().or_else(|| {
                problems.push(ValidationError {
                    field: key.into(),
                    detail: format!(
                        "Query param {key:?} must be a valid positive integer no larger than 65535"
                    ),
                });
                None
            })
        };
        let (width, height) = (size("width"), size("height"));
        match reconnect {
            Some(reconnect) if problems.is_empty() => Ok(Self {
                reconnect,
                width,
                height,
                command: text("command"),
                container: text("container"),
                container_user: text("container_user"),
            }),
            _ => Err(Response::invalid_query(problems)),
        }
    }
}

/// `GET /workspaceagents/{id}/pty` (WebSocket).
pub fn pty(id: &Uuid, q: &PtyQuery) -> String {
    agent(id, &format!("/pty{}", q.render()))
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
    /// A URL (e.g. a git remote) to match a provider against.
    pub r#match: Option<String>,
    /// A provider id.
    pub id: Option<String>,
    /// Wait until a token is issued (presence-only).
    pub listen: bool,
}

impl ExternalAuthQuery {
    /// `?match=…&id=…&listen` (only what is set), or empty.
    pub fn render(&self) -> String {
        Query::default()
            .opt("match", self.r#match.as_deref())
            .opt("id", self.id.as_deref())
            .flag("listen", self.listen)
            .render()
    }
}

/// `GET /workspaceagents/me/external-auth`.
pub fn me_external_auth(q: &ExternalAuthQuery) -> String {
    me(&format!("/external-auth{}", q.render()))
}
/// `GET /workspaceagents/me/gitsshkey`.
pub fn me_gitsshkey() -> String {
    me("/gitsshkey")
}
/// `POST /workspaceagents/me/log-source`.
pub fn me_log_source() -> String {
    me("/log-source")
}
/// `PATCH /workspaceagents/me/logs`.
pub fn me_logs() -> String {
    me("/logs")
}
/// `PATCH /workspaceagents/me/app-status` (agent token; body [`crate::PatchAppStatus`]).
pub fn me_app_status() -> String {
    me("/app-status")
}
/// `GET /users/me`.
pub fn users_me() -> String {
    format!("{API}/users/me")
}
/// `GET /buildinfo` (no auth).
pub fn buildinfo() -> String {
    format!("{API}/buildinfo")
}
/// `GET /deployment/ssh` (what `coder config-ssh` writes; coderd only).
pub fn deployment_ssh() -> String {
    format!("{API}/deployment/ssh")
}
/// `GET /workspaces`.
pub fn workspaces() -> String {
    format!("{API}/workspaces")
}
/// `GET /workspaces/{id}`.
pub fn workspace(id: &Uuid) -> String {
    format!("{API}/workspaces/{id}")
}
/// `POST /workspaces/{id}/usage` (body [`crate::PostWorkspaceUsageRequest`]).
pub fn workspace_usage(id: &Uuid) -> String {
    format!("{API}/workspaces/{id}/usage")
}
/// `GET /regions`.
pub fn regions() -> String {
    format!("{API}/regions")
}
/// `GET /applications/host`.
pub fn applications_host() -> String {
    format!("{API}/applications/host")
}
/// `GET /applications/auth-redirect?redirect_uri=…`: sign in to a subdomain app or forwarded
/// port (coderd redirects there with a one-time key; asked with `Accept: application/json`,
/// the console answers [`crate::AuthRedirectResponse`] instead).
pub fn applications_auth_redirect(redirect_uri: &str) -> String {
    format!(
        "{API}/applications/auth-redirect{}",
        Query::default()
            .opt("redirect_uri", Some(redirect_uri))
            .render()
    )
}
/// The query parameter that carries a one-time app key back to the app's host (coderd's name).
pub const APP_CONNECT_KEY_QUERY: &str = "coder_application_connect_api_key";
