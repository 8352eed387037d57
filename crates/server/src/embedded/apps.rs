//! `[[apps]]`: the template's apps of the embedded agent, shaped like Coder's `coder_app`
//! (slug, display name, URL of a local service, icon, health check, sharing level, subdomain),
//! their health checks run as Coder's agent runs them, and the statuses an app reports with the
//! agent token (`PATCH /workspaceagents/me/app-status`), kept as coderd keeps them.
//!
//! Opening: a subdomain app's `subdomain_name` is the port-forward label of its URL's port
//! (`{port}[s]--{agent}--{workspace}--{user}`), which the console's forwarder serves on
//! `*.localhost` (`port_forward.rs`); coderd names it by slug instead, served by its wildcard.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use coder_api::{
    Healthcheck, PortForwardLabel, ValidAppStatus, WorkspaceApp, WorkspaceAppHealth,
    WorkspaceAppOpenIn, WorkspaceAppSharingLevel, WorkspaceAppStatus,
};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Statuses kept per app, newest first (coderd keeps every one; this bounds memory).
pub const MAX_STATUSES_PER_APP: usize = 100;

/// An app's `healthcheck` block, as Coder's template has it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HealthcheckConfig {
    /// URL polled with GET; any answer below 500 is healthy.
    pub url: String,
    /// Seconds between checks (the first after one interval).
    pub interval: u32,
    /// Consecutive failures tolerated: the next one makes the app unhealthy.
    pub threshold: u32,
}

/// One `[[apps]]` entry.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// Unique name in URLs: lowercase letters and digits, single hyphens between them.
    pub slug: String,
    /// Name for people.
    #[serde(default)]
    pub display_name: String,
    /// The local service (`http://localhost:8080/`).
    #[serde(default)]
    pub url: Option<String>,
    /// A command run in a terminal instead of a URL.
    #[serde(default)]
    pub command: Option<String>,
    /// Icon path or URL.
    #[serde(default)]
    pub icon: String,
    /// Its health check; without one the app's health is `disabled`.
    #[serde(default)]
    pub healthcheck: Option<HealthcheckConfig>,
    /// `owner` (default), `authenticated`, `organization` or `public`.
    #[serde(default)]
    pub sharing_level: WorkspaceAppSharingLevel,
    /// Served on its own host (`true`) or under a path of the console.
    #[serde(default)]
    pub subdomain: bool,
    /// Position: lower first, then display name, then slug.
    #[serde(default)]
    pub order: i32,
    /// Display group.
    #[serde(default)]
    pub group: Option<String>,
    /// Hidden from the dashboard.
    #[serde(default)]
    pub hidden: bool,
    /// `slim-window` (default) or `tab`.
    #[serde(default)]
    pub open_in: Option<WorkspaceAppOpenIn>,
    /// Markdown tooltip.
    #[serde(default)]
    pub tooltip: Option<String>,
}

/// Coder's slug rule (`provisioner.AppSlugRegex`: `^[a-z0-9](-?[a-z0-9])*$`).
fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Checks the apps as Coder's provisioner does (slug rule, unique slugs) and what the embedded
/// backend needs (URLs that parse, a known sharing level).
pub fn validate(apps: &[AppConfig]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for app in apps {
        let slug = &app.slug;
        if !is_slug(slug) {
            return Err(format!(
                "app slug {slug:?} does not match regex \"^[a-z0-9](-?[a-z0-9])*$\""
            ));
        }
        if !seen.insert(slug) {
            return Err(format!(
                "duplicate app slug, must be unique per template: {slug:?}"
            ));
        }
        for (what, url) in [
            ("url", app.url.as_deref()),
            (
                "healthcheck.url",
                app.healthcheck.as_ref().map(|h| h.url.as_str()),
            ),
        ] {
            if let Some(url) = url.filter(|u| !u.is_empty()) {
                url::Url::parse(url).map_err(|e| format!("app {slug:?}: {what} {url:?}: {e}"))?;
            }
        }
        if !app.sharing_level.is_known() {
            return Err(format!(
                "app {slug:?}: sharing_level {:?} is not one of owner, authenticated, organization, public",
                app.sharing_level.as_str()
            ));
        }
    }
    Ok(())
}

/// Where the names of the forward host come from.
#[derive(Debug, Clone)]
pub struct Names {
    /// Agent name.
    pub agent: String,
    /// Workspace name.
    pub workspace: String,
    /// Owner's username.
    pub user: String,
}

struct App {
    id: Uuid,
    config: AppConfig,
    health: WorkspaceAppHealth,
    /// Newest first.
    statuses: Vec<WorkspaceAppStatus>,
}

/// The agent's apps with their health and statuses (cheap to clone).
#[derive(Clone)]
pub struct Apps {
    apps: Arc<Mutex<Vec<App>>>,
    names: Arc<Names>,
}

impl Apps {
    /// The configured apps; an app's id is derived from the agent's and its slug, so it stays
    /// the same across restarts of the same agent.
    pub fn new(configs: &[AppConfig], agent_id: Uuid, names: Names) -> Self {
        let apps = configs
            .iter()
            .map(|config| App {
                id: app_id(agent_id, &config.slug),
                health: match &config.healthcheck {
                    // coderd's provisioner: a health check URL makes it `initializing`.
                    Some(h) if !h.url.is_empty() => WorkspaceAppHealth::Initializing,
                    _ => WorkspaceAppHealth::Disabled,
                },
                config: config.clone(),
                statuses: Vec::new(),
            })
            .collect();
        Self {
            apps: Arc::new(Mutex::new(apps)),
            names: Arc::new(names),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<App>> {
        self.apps.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts the health checks until `stop`: each app with a URL, an interval and a threshold
    /// is polled every interval.
    pub fn start_health_checks(&self, stop: CancellationToken) {
        let client = reqwest::Client::new();
        for app in self.lock().iter() {
            let Some(check) = app.config.healthcheck.clone() else {
                continue;
            };
            // Coder's agent (`shouldStartTicker`) checks only with all three set.
            if check.url.is_empty() || check.interval == 0 || check.threshold == 0 {
                continue;
            }
            let (apps, id, client, stop) = (self.clone(), app.id, client.clone(), stop.clone());
            tokio::spawn(async move {
                let interval = Duration::from_secs(check.interval.into());
                let mut ticker =
                    tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
                let mut failures = 0;
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = ticker.tick() => {}
                    }
                    // The request may take the interval less a millisecond, as in Coder's agent.
                    let answer = client
                        .get(&check.url)
                        .timeout(interval.saturating_sub(Duration::from_millis(1)))
                        .send()
                        .await;
                    let healthy = answer.is_ok_and(|r| r.status().as_u16() < 500);
                    if let Some(health) = next_health(healthy, &mut failures, check.threshold) {
                        apps.set_health(id, health);
                    }
                }
            });
        }
    }

    fn set_health(&self, id: Uuid, health: WorkspaceAppHealth) {
        if let Some(app) = self.lock().iter_mut().find(|a| a.id == id) {
            app.health = health;
        }
    }

    /// Stores a status for the app `status.app_slug`: coderd's 400 when there is none.
    pub fn post_status(
        &self,
        status: ValidAppStatus,
        workspace_id: Uuid,
        agent_id: Uuid,
    ) -> Result<WorkspaceAppStatus, coder_api::Response> {
        let mut apps = self.lock();
        let Some(app) = apps.iter_mut().find(|a| a.config.slug == status.app_slug) else {
            return Err(coder_api::Response::app_status_unknown_slug(
                &status.app_slug,
            ));
        };
        let stored = WorkspaceAppStatus {
            id: Uuid::new_v4(),
            created_at: Utc::now(),
            workspace_id,
            agent_id,
            app_id: app.id,
            state: status.state,
            // coderd stores neither (deprecated fields).
            needs_user_attention: false,
            message: status.message,
            uri: status.uri,
            icon: String::new(),
        };
        app.statuses.insert(0, stored.clone());
        app.statuses.truncate(MAX_STATUSES_PER_APP);
        Ok(stored)
    }

    /// The newest status of any app (`Workspace.latest_app_status`).
    pub fn latest_status(&self) -> Option<WorkspaceAppStatus> {
        self.lock()
            .iter()
            .filter_map(|a| a.statuses.first())
            .max_by_key(|s| s.created_at)
            .cloned()
    }

    /// The agent's `apps` as coderd writes them: sorted by order, display name, slug.
    pub fn wire(&self) -> Vec<WorkspaceApp> {
        let mut apps: Vec<(i32, WorkspaceApp)> = self
            .lock()
            .iter()
            .map(|app| {
                let c = &app.config;
                let h = c.healthcheck.clone().unwrap_or_default();
                let wire = WorkspaceApp {
                    id: app.id,
                    url: c.url.clone().filter(|u| !u.is_empty()),
                    external: false,
                    slug: c.slug.clone(),
                    display_name: c.display_name.clone(),
                    command: c.command.clone().filter(|u| !u.is_empty()),
                    icon: Some(c.icon.clone()).filter(|i| !i.is_empty()),
                    subdomain: c.subdomain,
                    subdomain_name: c
                        .subdomain
                        .then(|| self.forward_label(c.url.as_deref()?))
                        .flatten(),
                    sharing_level: c.sharing_level.clone(),
                    healthcheck: Healthcheck {
                        url: h.url,
                        interval: i32::try_from(h.interval).unwrap_or(i32::MAX),
                        threshold: i32::try_from(h.threshold).unwrap_or(i32::MAX),
                    },
                    health: app.health.clone(),
                    group: c.group.clone().filter(|g| !g.is_empty()),
                    hidden: c.hidden,
                    open_in: Some(c.open_in.clone().unwrap_or(WorkspaceAppOpenIn::SlimWindow)),
                    tooltip: c.tooltip.clone().filter(|t| !t.is_empty()),
                    statuses: app.statuses.clone(),
                };
                (c.order, wire)
            })
            .collect();
        apps.sort_by(|(oa, a), (ob, b)| {
            oa.cmp(ob)
                .then_with(|| a.display_name.cmp(&b.display_name))
                .then_with(|| a.slug.cmp(&b.slug))
        });
        apps.into_iter().map(|(_, app)| app).collect()
    }

    /// The forward host label of a local URL's port: `8080--agent--ws--user`, `8443s--…` for
    /// https; none for a URL without a host or with a reserved port.
    fn forward_label(&self, url: &str) -> Option<String> {
        let url = url::Url::parse(url).ok()?;
        let port = url.port_or_known_default()?;
        if super::ports::is_ignored_port(port) {
            return None;
        }
        let label = PortForwardLabel {
            prefix: None,
            port,
            https: url.scheme() == "https",
            agent: self.names.agent.clone(),
            workspace: self.names.workspace.clone(),
            user: self.names.user.clone(),
        };
        Some(label.to_string())
    }
}

/// `PATCH /workspaceagents/me/app-status`: an app of the agent reports its state. coderd's
/// checks and answers: the body, the state, the message's length (`PatchAppStatus::validate`),
/// then the slug (400 when the agent has no such app); 200 with a `null` body.
pub async fn patch_app_status(
    axum::extract::State(e): axum::extract::State<super::Embedded>,
    body: axum::body::Bytes,
) -> crate::error::ApiResult<axum::Json<serde_json::Value>> {
    let request: coder_api::PatchAppStatus = crate::error::read_json(&body)?;
    let valid = request
        .validate()
        .map_err(crate::error::ApiError::bad_request)?;
    let id = &e.agent().identity;
    e.apps()
        .post_status(valid, id.workspace_id, id.agent_id)
        .map_err(crate::error::ApiError::bad_request)?;
    Ok(axum::Json(serde_json::Value::Null))
}

/// Coder's agent's rule (`agent/apphealth.go`): a success is healthy and resets the count; a
/// failure counts while fewer than `threshold` were counted, and the one after makes the app
/// unhealthy (so `threshold + 1` consecutive failures). `None`: the health does not change.
fn next_health(healthy: bool, failures: &mut u32, threshold: u32) -> Option<WorkspaceAppHealth> {
    if healthy {
        *failures = 0;
        return Some(WorkspaceAppHealth::Healthy);
    }
    if *failures < threshold {
        *failures += 1;
        None
    } else {
        Some(WorkspaceAppHealth::Unhealthy)
    }
}

/// A stable id for the agent's app `slug` (random-looking, version 4 bits).
fn app_id(agent_id: Uuid, slug: &str) -> Uuid {
    use sha2::Digest as _;
    let digest = sha2::Sha256::new()
        .chain_update(agent_id.as_bytes())
        .chain_update(slug.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use WorkspaceAppHealth as H;

    #[test]
    fn unhealthy_after_threshold_plus_one_failures() {
        let mut failures = 0;
        assert_eq!(next_health(false, &mut failures, 2), None);
        assert_eq!(next_health(false, &mut failures, 2), None);
        assert_eq!(next_health(false, &mut failures, 2), Some(H::Unhealthy));
        assert_eq!(next_health(true, &mut failures, 2), Some(H::Healthy));
        assert_eq!(failures, 0);
        assert_eq!(
            next_health(false, &mut failures, 2),
            None,
            "healthy stays for now"
        );
    }

    #[test]
    fn slugs_follow_coders_rule() {
        let app = |slug: &str| AppConfig {
            slug: slug.into(),
            ..toml::from_str("slug = \"x\"").unwrap()
        };
        assert!(validate(&[app("code-server"), app("a1")]).is_ok());
        for bad in ["", "Code", "a--b", "-a", "a_b"] {
            assert!(validate(&[app(bad)]).is_err(), "{bad:?}");
        }
        assert!(validate(&[app("a"), app("a")])
            .unwrap_err()
            .contains("duplicate"));
    }

    #[test]
    fn ids_are_stable_and_labels_name_the_port() {
        let agent = Uuid::new_v4();
        assert_eq!(app_id(agent, "a"), app_id(agent, "a"));
        assert_ne!(app_id(agent, "a"), app_id(agent, "b"));
        let config: AppConfig =
            toml::from_str("slug = \"web\"\nurl = \"https://localhost:8443/x\"\nsubdomain = true")
                .unwrap();
        let names = Names {
            agent: "dev".into(),
            workspace: "ws".into(),
            user: "me".into(),
        };
        let apps = Apps::new(&[config], agent, names);
        let wire = &apps.wire()[0];
        assert_eq!(wire.subdomain_name.as_deref(), Some("8443s--dev--ws--me"));
        assert_eq!(wire.health, H::Disabled);
    }
}
