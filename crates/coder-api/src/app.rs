//! Workspace apps a template declares for an agent, their health check and status reports.
use crate::de::null_as_default;
use crate::open_enum;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

open_enum! {
    /// App health from its health check.
    WorkspaceAppHealth {
        Disabled => "disabled",
        Initializing => "initializing",
        Healthy => "healthy",
        Unhealthy => "unhealthy",
    }
}

open_enum! {
    /// Who may open the app (also the share level of a shared port).
    WorkspaceAppSharingLevel {
        Owner => "owner",
        Authenticated => "authenticated",
        Organization => "organization",
        Public => "public",
    }
}

open_enum! {
    /// How the dashboard opens the app.
    WorkspaceAppOpenIn {
        SlimWindow => "slim-window",
        Tab => "tab",
    }
}

open_enum! {
    /// State an app (e.g. an AI task) reports about itself.
    WorkspaceAppStatusState {
        Working => "working",
        Complete => "complete",
        Failure => "failure",
        Idle => "idle",
    }
}

/// The app's health check.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Healthcheck {
    /// URL the agent polls.
    #[serde(default)]
    pub url: String,
    /// Seconds between checks.
    #[serde(default)]
    pub interval: i32,
    /// Failed checks before the app is unhealthy.
    #[serde(default)]
    pub threshold: i32,
}

/// A status report of an app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceAppStatus {
    /// Report id.
    pub id: Uuid,
    /// When it was reported.
    #[serde(deserialize_with = "crate::de::rfc3339_utc")]
    pub created_at: DateTime<Utc>,
    /// Workspace of the app.
    #[serde(default)]
    pub workspace_id: Uuid,
    /// Agent of the app.
    #[serde(default)]
    pub agent_id: Uuid,
    /// The app.
    #[serde(default)]
    pub app_id: Uuid,
    /// Reported state.
    #[serde(default)]
    pub state: WorkspaceAppStatusState,
    /// Deprecated in coderd and never stored: always `false` from a current coderd.
    #[serde(default)]
    pub needs_user_attention: bool,
    /// Free text from the app, as coderd stored it ([`sanitize_status_message`]): plain text, at
    /// most 160 bytes as sent.
    #[serde(default)]
    pub message: String,
    /// A link the app attaches (`""` when none): any scheme (`https://…`, `file:///…`); a client
    /// opens only http(s).
    #[serde(default, deserialize_with = "null_as_default")]
    pub uri: String,
    /// Deprecated in coderd and never stored: always `""` from a current coderd.
    #[serde(default, deserialize_with = "null_as_default")]
    pub icon: String,
}

/// A workspace app.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceApp {
    /// App id.
    pub id: Uuid,
    /// Where the app listens (path apps) or its external URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `url` is opened by the browser directly (not proxied).
    #[serde(default)]
    pub external: bool,
    /// Short name used in URLs.
    #[serde(default)]
    pub slug: String,
    /// Human name.
    #[serde(default)]
    pub display_name: String,
    /// A command run in a terminal instead of a URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Icon path or URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Served on its own subdomain of the wildcard host.
    #[serde(default)]
    pub subdomain: bool,
    /// That subdomain's host label, computed by coderd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subdomain_name: Option<String>,
    /// Who may open it.
    #[serde(default)]
    pub sharing_level: WorkspaceAppSharingLevel,
    /// Its health check.
    #[serde(default)]
    pub healthcheck: Healthcheck,
    /// Its health.
    #[serde(default)]
    pub health: WorkspaceAppHealth,
    /// Display group (newer coderd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Hidden from the dashboard.
    #[serde(default)]
    pub hidden: bool,
    /// How to open it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_in: Option<WorkspaceAppOpenIn>,
    /// Markdown tooltip (newer coderd).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    /// Status reports, newest first (coderd: `created_at DESC, id DESC`, every one kept).
    #[serde(default, deserialize_with = "null_as_default")]
    pub statuses: Vec<WorkspaceAppStatus>,
}

/// The longest status message coderd stores, in bytes of the message as sent (Go's `len`).
pub const MAX_APP_STATUS_MESSAGE_LEN: usize = 160;

/// `PATCH /workspaceagents/me/app-status` (agent token): an app reports its state. coderd
/// (`agentsdk.PatchAppStatus`) reads missing fields as empty (a missing state is `""`, refused).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PatchAppStatus {
    /// The app's slug (an app of the token's agent).
    #[serde(default)]
    pub app_slug: String,
    /// `working`, `idle`, `complete` or `failure` (coderd accepts any letter case).
    #[serde(default = "no_state")]
    pub state: WorkspaceAppStatusState,
    /// Free text, at most [`MAX_APP_STATUS_MESSAGE_LEN`] bytes.
    #[serde(default)]
    pub message: String,
    /// A link, stored when not empty.
    #[serde(default)]
    pub uri: String,
    /// Deprecated: coderd ignores it.
    #[serde(default)]
    pub icon: String,
    /// Deprecated: coderd ignores it.
    #[serde(default)]
    pub needs_user_attention: bool,
}

fn no_state() -> WorkspaceAppStatusState {
    WorkspaceAppStatusState::Unknown(String::new())
}

/// Empty, as Go's zero value: the state is `""` (not the enum's first value).
impl Default for PatchAppStatus {
    fn default() -> Self {
        Self {
            app_slug: String::new(),
            state: no_state(),
            message: String::new(),
            uri: String::new(),
            icon: String::new(),
            needs_user_attention: false,
        }
    }
}

/// A [`PatchAppStatus`] that passed coderd's checks: what is stored.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidAppStatus {
    /// The slug to look up (an unknown one is [`crate::Response::app_status_unknown_slug`]).
    pub app_slug: String,
    /// A known state, lowercase.
    pub state: WorkspaceAppStatusState,
    /// [`sanitize_status_message`] of the message.
    pub message: String,
    /// The URI as sent.
    pub uri: String,
}

impl PatchAppStatus {
    /// coderd's checks, in its order (`coderd/workspaceagents.go` `patchWorkspaceAgentAppStatus`,
    /// `agentsdk.ProtoFromPatchAppStatus`, `agentapi.AppsAPI.UpdateAppStatus`): the state (any
    /// letter case), then the message length; each refusal is the 400 body coderd sends.
    pub fn validate(&self) -> Result<ValidAppStatus, crate::Response> {
        let state = WorkspaceAppStatusState::from_wire(&self.state.as_str().to_ascii_lowercase());
        if !state.is_known() {
            return Err(crate::Response::message("Failed to parse request.")
                .with_detail(format!("Invalid state: {}", self.state)));
        }
        if self.message.len() > MAX_APP_STATUS_MESSAGE_LEN {
            let why = "Message must be less than 160 characters.";
            return Err(crate::Response::message("Message is too long.")
                .with_detail(why)
                .with_validation("message", why));
        }
        Ok(ValidAppStatus {
            app_slug: self.app_slug.clone(),
            state,
            message: sanitize_status_message(&self.message),
            uri: self.uri.clone(),
        })
    }
}

impl crate::Response {
    /// coderd's 400 for a status whose slug is not an app of the agent.
    pub fn app_status_unknown_slug(slug: &str) -> Self {
        Self::message("Failed to get workspace app.")
            .with_detail(format!("No app found with slug {slug:?}"))
    }
}

/// What coderd stores of a status message (`strutil.UISanitize`): HTML tags removed (with the
/// contents of `script` and `style`), ANSI escape sequences removed, other control characters
/// dropped, runs of whitespace one space, trimmed. coderd first reads Go escapes (`\n`, `\u003c`)
/// when the whole message is a valid Go string body, and its HTML sanitizer writes `&`, `<`, `>`,
/// `'`, `"` as entities; neither is done here: a client shows the message as text.
pub fn sanitize_status_message(input: &str) -> String {
    let text = strip_ansi(&strip_tags(input));
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !space {
                out.push(' ');
                space = true;
            }
            continue;
        }
        space = false;
        if !c.is_control() {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// Removes `<…>` tags (a `<` not followed by a letter, `/`, `!` or `?` is text) and everything
/// inside `<script>` and `<style>` elements.
fn strip_tags(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at + 1..];
        let starts_tag = tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || "/!?".contains(c));
        let Some(end) = tag.find('>').filter(|_| starts_tag) else {
            out.push('<');
            rest = tag;
            continue;
        };
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        rest = &tag[end + 1..];
        if name == "script" || name == "style" {
            let close = format!("</{name}");
            let lower = rest.to_ascii_lowercase();
            rest = match lower.find(&close) {
                Some(i) => rest[i..].find('>').map_or("", |j| &rest[i + j + 1..]),
                None => "",
            };
        }
    }
    out.push_str(rest);
    out
}

/// Removes ANSI escape sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL` or `ESC \\`) and
/// two-character escapes.
fn strip_ansi(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_plain_text() {
        let s = sanitize_status_message;
        assert_eq!(s("  <b>Done</b>\n\tnow  "), "Done now");
        assert_eq!(s("<script>alert(1)</script>ok<style>p{}</style>!"), "ok!");
        assert_eq!(s("\u{1b}[31mred\u{1b}[0m \u{1b}]0;title\u{7}x"), "red x");
        assert_eq!(s("a < b > c"), "a < b > c");
        assert_eq!(s("bell\u{7}"), "bell");
    }

    #[test]
    fn coderds_checks_in_its_order() {
        let req = |state: &str, message: &str| PatchAppStatus {
            app_slug: "code".into(),
            state: state.into(),
            message: message.into(),
            ..Default::default()
        };
        let ok = req("WORKING", "hi").validate().unwrap();
        assert_eq!(ok.state, WorkspaceAppStatusState::Working);
        let bad = req("sleeping", &"x".repeat(1000)).validate().unwrap_err();
        assert_eq!(bad.message, "Failed to parse request.");
        assert_eq!(bad.detail.as_deref(), Some("Invalid state: sleeping"));
        assert_eq!(
            req("", "").validate().unwrap_err().detail.as_deref(),
            Some("Invalid state: ")
        );
        let long = req("idle", &"é".repeat(81)).validate().unwrap_err();
        assert_eq!(long.message, "Message is too long.");
        assert_eq!(long.validations.unwrap()[0].field, "message");
        assert!(req("idle", &"x".repeat(160)).validate().is_ok());
    }
}

/// Where an app opens, by coderd's dashboard's rule (`site/src/modules/apps/apps.ts`
/// `getAppHref`): an external app at its URL; a command in the web terminal; a subdomain app at
/// the deployment's wildcard host with `*` replaced by its `subdomain_name`; any other app under
/// the deployment's path-app URL, `/@{owner}/{workspace}.{agent}/apps/{slug}/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppOpen {
    /// An address to open (not yet checked: links open only for http(s)).
    Url(String),
    /// A command to run in the web terminal.
    Command(String),
    /// Nowhere this console can name (a path app without a path-app URL, an app with nothing).
    Nowhere,
}

/// What [`WorkspaceApp::open`] needs of the deployment and the agent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppPlace<'a> {
    /// `/applications/host`'s wildcard (`*.apps.example.com`); empty when there is none.
    pub wildcard_host: &'a str,
    /// The page's scheme, `http:` or `https:`.
    pub scheme: &'a str,
    /// Where path apps are served (coderd's access URL); none when the deployment has no path
    /// apps (the embedded backend).
    pub path_app_url: Option<&'a str>,
    pub owner: &'a str,
    pub workspace: &'a str,
    pub agent: &'a str,
}

impl WorkspaceApp {
    /// Its name as shown: the display name, or the slug when it has none.
    pub fn shown_name(&self) -> &str {
        if self.display_name.is_empty() {
            &self.slug
        } else {
            &self.display_name
        }
    }

    /// Where this app opens (see [`AppOpen`]).
    pub fn open(&self, at: &AppPlace<'_>) -> AppOpen {
        let url = self.url.as_deref().filter(|u| !u.is_empty());
        if let (true, Some(url)) = (self.external, url) {
            return AppOpen::Url(url.to_owned());
        }
        if let Some(command) = self.command.as_deref().filter(|c| !c.is_empty()) {
            return AppOpen::Command(command.to_owned());
        }
        let name = self.subdomain_name.as_deref().filter(|n| !n.is_empty());
        if let (true, Some(name), false) = (self.subdomain, name, at.wildcard_host.is_empty()) {
            return AppOpen::Url(format!(
                "{}//{}/",
                at.scheme,
                at.wildcard_host.replace('*', name)
            ));
        }
        match (at.path_app_url, url) {
            (Some(base), Some(_)) => AppOpen::Url(format!(
                "{}/@{}/{}.{}/apps/{}/",
                base.trim_end_matches('/'),
                at.owner,
                at.workspace,
                at.agent,
                crate::routes::encode(&self.slug)
            )),
            _ => AppOpen::Nowhere,
        }
    }
}

#[cfg(test)]
mod open_tests {
    use super::*;

    fn app(f: impl FnOnce(&mut WorkspaceApp)) -> WorkspaceApp {
        let mut a = WorkspaceApp {
            slug: "code server".into(),
            url: Some("http://localhost:8080".into()),
            ..Default::default()
        };
        f(&mut a);
        a
    }

    #[test]
    fn an_app_without_a_display_name_is_shown_by_its_slug() {
        assert_eq!(app(|_| {}).shown_name(), "code server");
        assert_eq!(
            app(|a| a.display_name = "Code <b>Server</b>".into()).shown_name(),
            "Code <b>Server</b>"
        );
    }

    #[test]
    fn apps_open_where_coderds_dashboard_opens_them() {
        let at = AppPlace {
            wildcard_host: "*.apps.example.com",
            scheme: "https:",
            path_app_url: Some("https://coder.example.com/"),
            owner: "alice",
            workspace: "ws",
            agent: "main",
        };
        assert_eq!(
            app(|a| {
                a.external = true;
                a.url = Some("https://docs.example.com".into());
            })
            .open(&at),
            AppOpen::Url("https://docs.example.com".into())
        );
        assert_eq!(
            app(|a| {
                a.url = None;
                a.command = Some("htop".into());
            })
            .open(&at),
            AppOpen::Command("htop".into())
        );
        assert_eq!(
            app(|a| {
                a.subdomain = true;
                a.subdomain_name = Some("code--main--ws--alice".into());
            })
            .open(&at),
            AppOpen::Url("https://code--main--ws--alice.apps.example.com/".into())
        );
        assert_eq!(
            app(|_| {}).open(&at),
            AppOpen::Url("https://coder.example.com/@alice/ws.main/apps/code%20server/".into())
        );
        // No path apps here, and a subdomain app without a wildcard host: nowhere.
        let embedded = AppPlace {
            path_app_url: None,
            ..at.clone()
        };
        assert_eq!(app(|_| {}).open(&embedded), AppOpen::Nowhere);
        let no_wildcard = AppPlace {
            wildcard_host: "",
            path_app_url: None,
            ..at
        };
        assert_eq!(
            app(|a| {
                a.subdomain = true;
                a.subdomain_name = Some("x".into());
            })
            .open(&no_wildcard),
            AppOpen::Nowhere
        );
    }
}
