//! The agent's containers: a Docker engine on this machine, listed for real (bollard), its
//! containers with the dev container labels shown as dev containers, and the recreate and delete
//! actions run against it. Without an engine the list is empty and its `warnings` say why (Coder's
//! agent answers 500 then; the console's view explains the empty list instead).
//!
//! The list is kept in a watch channel: the GET route and a poller (running only while a watch
//! socket is open) refresh it, and `push_on_change` sends each new list to the sockets.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bollard::models::ContainerSummary;
use bollard::Docker;
use chrono::{DateTime, Utc};
use coder_api::{
    devcontainer_labels, WorkspaceAgentContainer, WorkspaceAgentContainerPort,
    WorkspaceAgentDevcontainer, WorkspaceAgentDevcontainerStatus as Status,
    WorkspaceAgentListContainersResponse as List,
};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::ws;
use super::Embedded;
use crate::config::ContainersSection;
use crate::error::ApiError;

/// The engine when neither the config nor `DOCKER_HOST` names one (the Docker CLI's default).
pub const DEFAULT_DOCKER_HOST: &str = "unix:///var/run/docker.sock";
/// How often an open watch socket's list is refreshed (Coder's agent: every 10 s; a quicker
/// refresh shows a container started by hand within a few seconds).
const POLL: Duration = Duration::from_secs(2);
/// The longest one call to the engine may take.
const DOCKER_TIMEOUT: Duration = Duration::from_secs(20);

/// The containers part of the embedded agent (cheap to clone).
#[derive(Clone)]
pub struct Containers {
    inner: Arc<Inner>,
}

struct Inner {
    /// The client, or why there is none.
    docker: Result<Docker, String>,
    host: String,
    list: watch::Sender<List>,
    known: Mutex<Known>,
    polling: AtomicBool,
    shutdown: CancellationToken,
}

/// What the agent remembers of its dev containers between two listings, by workspace folder.
#[derive(Default)]
pub struct Known {
    /// Ids are made when a dev container is first seen and kept for the server's life (as Coder's
    /// agent does), so the action routes can name it.
    ids: HashMap<String, Uuid>,
    /// A status an action in progress set (stopping, deleting, starting, or error), and its error.
    actions: HashMap<String, (Status, String)>,
}

impl Containers {
    /// The engine of `section` (else `DOCKER_HOST`, else the default socket); nothing is asked yet.
    pub fn new(section: &ContainersSection, shutdown: CancellationToken) -> Self {
        let host = section
            .docker_host
            .clone()
            .or_else(|| std::env::var("DOCKER_HOST").ok().filter(|h| !h.is_empty()))
            .unwrap_or_else(|| DEFAULT_DOCKER_HOST.to_owned());
        let docker = connect(&host);
        let empty = List {
            warnings: docker.as_ref().err().cloned().into_iter().collect(),
            ..List::default()
        };
        Containers {
            inner: Arc::new(Inner {
                docker,
                host,
                list: watch::channel(empty).0,
                known: Mutex::new(Known::default()),
                polling: AtomicBool::new(false),
                shutdown,
            }),
        }
    }

    /// Lists the engine's containers now, publishes the list (watch sockets get it if it changed)
    /// and returns it.
    pub async fn refresh(&self) -> List {
        let listed = match &self.inner.docker {
            Err(why) => Err(why.clone()),
            Ok(docker) => {
                let options = bollard::query_parameters::ListContainersOptionsBuilder::new()
                    .all(true)
                    .build();
                match tokio::time::timeout(DOCKER_TIMEOUT, docker.list_containers(Some(options)))
                    .await
                {
                    Ok(Ok(summaries)) => Ok(summaries.iter().map(to_wire).collect()),
                    Ok(Err(err)) => Err(format!(
                        "The Docker engine at {} could not be asked for its containers: {err}",
                        self.inner.host
                    )),
                    Err(_) => Err(format!(
                        "The Docker engine at {} did not answer within {} s.",
                        self.inner.host,
                        DOCKER_TIMEOUT.as_secs()
                    )),
                }
            }
        };
        let list = match listed {
            Ok(containers) => {
                let mut known = self.inner.known.lock().unwrap_or_else(|p| p.into_inner());
                build_list(containers, &mut known, config_changed_after)
            }
            Err(why) => List {
                warnings: vec![why],
                ..List::default()
            },
        };
        self.inner.list.send_if_modified(|current| {
            let changed = *current != list;
            if changed {
                *current = list.clone();
            }
            changed
        });
        list
    }

    /// A receiver of every new list; while any is alive, the list is refreshed every [`POLL`].
    pub fn subscribe(&self) -> watch::Receiver<List> {
        let rx = self.inner.list.subscribe();
        if !self.inner.polling.swap(true, Ordering::SeqCst) {
            let this = self.clone();
            tokio::spawn(async move {
                while this.inner.list.receiver_count() > 0 && !this.inner.shutdown.is_cancelled() {
                    tokio::select! {
                        _ = tokio::time::sleep(POLL) => {}
                        _ = this.inner.shutdown.cancelled() => break,
                    }
                    this.refresh().await;
                }
                this.inner.polling.store(false, Ordering::SeqCst);
            });
        }
        rx
    }

    fn docker(&self) -> Result<Docker, ApiError> {
        self.inner.docker.clone().map_err(|why| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "No container engine is reachable.",
            )
            .detail(why)
        })
    }

    /// Marks (or, with `None`, unmarks) a dev container's action status and publishes the list.
    async fn mark(&self, folder: &str, action: Option<(Status, String)>) {
        {
            let mut known = self.inner.known.lock().unwrap_or_else(|p| p.into_inner());
            match action {
                Some(a) => known.actions.insert(folder.to_owned(), a),
                None => known.actions.remove(folder),
            };
        }
        self.refresh().await;
    }

    /// The dev container named `raw`, refreshed; 404 as Coder's agent when there is none, 409
    /// while an action is under way.
    async fn find(&self, raw: &str, action: &str) -> Result<WorkspaceAgentDevcontainer, ApiError> {
        let list = self.refresh().await;
        let dc = Uuid::parse_str(raw)
            .ok()
            .and_then(|id| list.devcontainers.into_iter().find(|d| d.id == id))
            .ok_or_else(|| {
                ApiError::with_body(
                    StatusCode::NOT_FOUND,
                    coder_api::Response::devcontainer_not_found(raw),
                )
            })?;
        if dc.status.transitioning() {
            return Err(ApiError::with_body(
                StatusCode::CONFLICT,
                coder_api::Response::devcontainer_transitioning(
                    action,
                    &dc.name,
                    dc.status.as_str(),
                ),
            ));
        }
        Ok(dc)
    }

    /// Restarts the dev container's container (202 at once; the list shows `starting` until the
    /// engine has done it, or `error` with why). Without the dev container CLI on this machine the
    /// configuration is not rebuilt: the container restarts as it is.
    pub async fn recreate(&self, raw: &str) -> Result<coder_api::Response, ApiError> {
        let docker = self.docker()?;
        let dc = self.find(raw, "recreate").await?;
        let folder = dc.workspace_folder.clone();
        let container = dc.container.as_ref().map(|c| c.id.clone());
        self.mark(&folder, Some((Status::Starting, String::new())))
            .await;
        let this = self.clone();
        tokio::spawn(async move {
            let outcome = match container {
                Some(id) => docker
                    .restart_container(
                        &id,
                        None::<bollard::query_parameters::RestartContainerOptions>,
                    )
                    .await
                    .map_err(|e| e.to_string()),
                None => Err("The dev container has no container to start.".to_owned()),
            };
            let next = outcome.err().map(|e| (Status::Error, e));
            this.mark(&folder, next).await;
        });
        Ok(coder_api::Response::devcontainer_recreate_started(&dc.name))
    }

    /// Stops and removes the dev container's container (status `stopping`, then `deleting`), then
    /// forgets it: 204. A failing step leaves it in `error` with the engine's words.
    pub async fn delete(&self, raw: &str) -> Result<(), ApiError> {
        let docker = self.docker()?;
        let dc = self.find(raw, "delete").await?;
        let folder = dc.workspace_folder.clone();
        let Some(id) = dc.container.as_ref().map(|c| c.id.clone()) else {
            self.forget(&folder).await;
            return Ok(());
        };
        self.mark(&folder, Some((Status::Stopping, String::new())))
            .await;
        if let Err(e) = docker
            .stop_container(&id, None::<bollard::query_parameters::StopContainerOptions>)
            .await
        {
            self.mark(&folder, Some((Status::Error, e.to_string())))
                .await;
            return Err(ApiError::internal(
                "An error occurred stopping the container",
                e,
            ));
        }
        self.mark(&folder, Some((Status::Deleting, String::new())))
            .await;
        if let Err(e) = docker
            .remove_container(
                &id,
                None::<bollard::query_parameters::RemoveContainerOptions>,
            )
            .await
        {
            self.mark(&folder, Some((Status::Error, e.to_string())))
                .await;
            return Err(ApiError::internal(
                "An error occurred removing the container",
                e,
            ));
        }
        self.forget(&folder).await;
        Ok(())
    }

    async fn forget(&self, folder: &str) {
        {
            let mut known = self.inner.known.lock().unwrap_or_else(|p| p.into_inner());
            known.actions.remove(folder);
            known.ids.remove(folder);
        }
        self.refresh().await;
    }
}

/// A client for `host`, or the sentence that says why there is none.
fn connect(host: &str) -> Result<Docker, String> {
    if let Some(path) = host.strip_prefix("unix://") {
        if !std::path::Path::new(path).exists() {
            return Err(format!(
                "No container engine on this machine: there is no Docker socket at {path} \
                 (set DOCKER_HOST, or [containers] docker_host in the config, to use another)."
            ));
        }
    }
    Docker::connect_with_host(host)
        .map_err(|e| format!("The Docker engine at {host} cannot be used: {e}"))
}

/// One container of Docker's list (`GET /containers/json`) as Coder's agent describes it.
pub fn to_wire(s: &ContainerSummary) -> WorkspaceAgentContainer {
    let name = s
        .names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/').to_owned())
        .unwrap_or_default();
    let mut ports: Vec<WorkspaceAgentContainerPort> = Vec::new();
    for p in s.ports.iter().flatten() {
        let port = WorkspaceAgentContainerPort {
            port: p.private_port,
            network: p
                .typ
                .map(|t| t.to_string())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "tcp".into()),
            host_ip: p.ip.clone().filter(|ip| !ip.is_empty()),
            host_port: p.public_port.filter(|&hp| hp > 0),
        };
        // Docker lists a port bound on 0.0.0.0 and on :: twice; Coder's agent keeps it once.
        let same = |q: &WorkspaceAgentContainerPort| {
            q.port == port.port
                && q.host_port == port.host_port
                && q.network == port.network
                && loopback_or_unspecified(q.host_ip.as_deref())
                && loopback_or_unspecified(port.host_ip.as_deref())
        };
        if !ports.iter().any(same) {
            ports.push(port);
        }
    }
    ports.sort_by_key(|p| (p.port, p.host_port));
    WorkspaceAgentContainer {
        created_at: s
            .created
            .and_then(|secs| DateTime::<Utc>::from_timestamp(secs, 0)),
        id: s.id.clone().unwrap_or_default(),
        name,
        image: s.image.clone().unwrap_or_default(),
        labels: s.labels.clone().unwrap_or_default().into_iter().collect(),
        running: s.state.map(|st| st.to_string()).as_deref() == Some("running"),
        ports,
        status: s.status.clone().unwrap_or_default(),
        volumes: s
            .mounts
            .iter()
            .flatten()
            .filter_map(|m| Some((m.source.clone()?, m.destination.clone()?)))
            .collect(),
    }
}

fn loopback_or_unspecified(ip: Option<&str>) -> bool {
    match ip.and_then(|ip| ip.parse::<std::net::IpAddr>().ok()) {
        Some(ip) => ip.is_loopback() || ip.is_unspecified(),
        None => ip.is_none_or(str::is_empty),
    }
}

/// The response for these containers: those with the dev container folder label become dev
/// containers (one per folder, sorted by folder, as Coder's agent), running or stopped, "dirty"
/// when `config_changed(config_file, created_at)`, with an action's status over their own.
pub fn build_list(
    containers: Vec<WorkspaceAgentContainer>,
    known: &mut Known,
    config_changed: impl Fn(&str, Option<DateTime<Utc>>) -> bool,
) -> List {
    let mut by_folder: Vec<(String, String, &WorkspaceAgentContainer)> = Vec::new();
    for c in &containers {
        if c.labels.get("devcontainer.is_test_run").map(String::as_str) == Some("true") {
            continue;
        }
        if let Some((folder, config)) = devcontainer_labels(c) {
            // The newest container of a folder is its dev container.
            match by_folder.iter_mut().find(|(f, _, _)| *f == folder) {
                Some(entry) if entry.2.created_at < c.created_at => *entry = (folder, config, c),
                Some(_) => {}
                None => by_folder.push((folder, config, c)),
            }
        }
    }
    by_folder.sort_by(|a, b| a.0.cmp(&b.0));
    let devcontainers = by_folder
        .into_iter()
        .map(|(folder, config, c)| {
            let id = *known.ids.entry(folder.clone()).or_insert_with(Uuid::new_v4);
            let (status, error) = match known.actions.get(&folder) {
                Some((status, error)) => (status.clone(), error.clone()),
                None if c.running => (Status::Running, String::new()),
                None => (Status::Stopped, String::new()),
            };
            WorkspaceAgentDevcontainer {
                id,
                name: devcontainer_name(&folder, &c.name),
                dirty: !config.is_empty() && config_changed(&config, c.created_at),
                workspace_folder: folder,
                config_path: config,
                subagent_id: None,
                status,
                container: Some(c.clone()),
                // The embedded agent starts no agent inside its dev containers.
                agent: None,
                error,
            }
        })
        .collect();
    List {
        devcontainers,
        containers,
        warnings: Vec::new(),
    }
}

/// A dev container's name as Coder's agent makes it: the workspace folder's last part, lowercase,
/// letters, digits and dashes; the container's name when nothing is left.
pub fn devcontainer_name(folder: &str, container_name: &str) -> String {
    let last = folder
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("");
    let mut name = String::new();
    for ch in last.to_lowercase().chars() {
        if ch.is_ascii_alphanumeric() {
            name.push(ch);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-').to_owned();
    if name.is_empty() {
        container_name.to_owned()
    } else {
        name
    }
}

/// Whether the file at `config` changed after the container was created (Coder's "dirty").
fn config_changed_after(config: &str, created: Option<DateTime<Utc>>) -> bool {
    let (Some(created), Ok(modified)) = (
        created,
        std::fs::metadata(config).and_then(|m| m.modified()),
    ) else {
        return false;
    };
    let created: SystemTime = created.into();
    modified > created
}

/// `GET /workspaceagents/{id}/containers`.
pub async fn list(
    State(e): State<Embedded>,
    Path(id): Path<String>,
) -> Result<Json<List>, ApiError> {
    e.check_agent_param(&id)?;
    Ok(Json(e.containers().refresh().await))
}

/// `GET /workspaceagents/{id}/containers/watch`: one whole list per TEXT frame (JSON and a
/// newline, as coderd's encoder writes it), the first at once, then each change.
pub async fn watch(
    State(e): State<Embedded>,
    Path(id): Path<String>,
    headers: HeaderMap,
    upgrade: ws::Upgrade,
) -> Result<Response, ApiError> {
    e.check_agent_param(&id)?;
    let upgrade = ws::upgrade(&headers, upgrade)?;
    e.containers().refresh().await;
    let rx = e.containers().subscribe();
    Ok(ws::push_text_on_change(upgrade, rx, e, |list| {
        serde_json::to_string(list).unwrap_or_default() + "\n"
    }))
}

/// `POST /workspaceagents/{id}/containers/devcontainers/{devcontainer}/recreate`: 202.
pub async fn recreate(
    State(e): State<Embedded>,
    Path((id, devcontainer)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    e.check_agent_param(&id)?;
    let body = e.containers().recreate(&devcontainer).await?;
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// `DELETE /workspaceagents/{id}/containers/devcontainers/{devcontainer}`: 204.
pub async fn delete(
    State(e): State<Embedded>,
    Path((id, devcontainer)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    e.check_agent_param(&id)?;
    e.containers().delete(&devcontainer).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(name: &str, labels: &[(&str, &str)], running: bool) -> WorkspaceAgentContainer {
        WorkspaceAgentContainer {
            id: format!("id-{name}"),
            name: name.into(),
            running,
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            created_at: DateTime::from_timestamp(1_700_000_000, 0),
            ..Default::default()
        }
    }

    #[test]
    fn labelled_containers_become_dev_containers() {
        let mut known = Known::default();
        let containers = vec![
            container("db", &[], true),
            container(
                "web-dev",
                &[
                    ("devcontainer.local_folder", "/home/me/Web App"),
                    (
                        "devcontainer.config_file",
                        "/home/me/Web App/.devcontainer.json",
                    ),
                ],
                false,
            ),
            container(
                "api-dev",
                &[("devcontainer.local_folder", "/home/me/api")],
                true,
            ),
            container(
                "test",
                &[
                    ("devcontainer.local_folder", "/t"),
                    ("devcontainer.is_test_run", "true"),
                ],
                true,
            ),
        ];
        let list = build_list(containers, &mut known, |config, _| {
            config.ends_with(".json")
        });
        let names: Vec<_> = list.devcontainers.iter().map(|d| d.name.as_str()).collect();
        // Sorted by folder as bytes ("/home/me/W" before "/home/me/a"); test runs left out.
        assert_eq!(names, ["web-app", "api"]);
        let web = &list.devcontainers[0];
        assert_eq!(web.status, Status::Stopped);
        assert!(web.dirty, "its config changed after the container was made");
        assert_eq!(web.container.as_ref().unwrap().name, "web-dev");
        assert_eq!(list.devcontainers[1].status, Status::Running);
        assert!(!list.devcontainers[1].dirty, "no config file, never dirty");
        assert_eq!(
            list.containers.len(),
            4,
            "every container stays in the list"
        );
        let plain: Vec<_> = list.plain_containers().map(|c| c.name.as_str()).collect();
        assert_eq!(plain, ["db", "test"]);

        // Ids stay the same from one listing to the next; an action's status shows over its own.
        let first_id = list.devcontainers[1].id;
        known
            .actions
            .insert("/home/me/api".into(), (Status::Error, "boom".into()));
        let again = build_list(
            vec![container(
                "api-dev",
                &[("devcontainer.local_folder", "/home/me/api")],
                true,
            )],
            &mut known,
            |_, _| false,
        );
        assert_eq!(again.devcontainers[0].id, first_id);
        assert_eq!(again.devcontainers[0].status, Status::Error);
        assert_eq!(again.devcontainers[0].error, "boom");
    }

    #[test]
    fn names_follow_the_folder() {
        assert_eq!(devcontainer_name("/home/me/My_Project/", "c"), "my-project");
        assert_eq!(devcontainer_name("/", "container-1"), "container-1");
        assert_eq!(devcontainer_name("/srv/__", "box"), "box");
    }

    #[test]
    fn docker_summaries_read_as_coder_describes_them() {
        let summary: ContainerSummary = serde_json::from_value(serde_json::json!({
            "Id": "abc",
            "Names": ["/web"],
            "Image": "nginx:1",
            "Created": 1_700_000_000,
            "State": "running",
            "Status": "Up 5 minutes",
            "Labels": {"devcontainer.local_folder": "/w"},
            "Ports": [
                {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
                {"PrivatePort": 443, "Type": "tcp"}
            ],
            "Mounts": [{"Source": "/w", "Destination": "/workspaces/w"}]
        }))
        .unwrap();
        let c = to_wire(&summary);
        assert_eq!(c.name, "web");
        assert!(c.running);
        assert_eq!(c.status, "Up 5 minutes");
        assert_eq!(c.created_at, DateTime::from_timestamp(1_700_000_000, 0));
        assert_eq!(
            c.ports.len(),
            2,
            "the IPv4 and IPv6 bindings of one port are one"
        );
        assert_eq!(c.ports[0].host_port, Some(8080));
        assert_eq!(c.ports[1].host_port, None, "443 is not bound to the host");
        assert_eq!(
            c.volumes.get("/w").map(String::as_str),
            Some("/workspaces/w")
        );
    }

    #[test]
    fn no_socket_is_a_reason_not_an_error() {
        let c = Containers::new(
            &ContainersSection {
                docker_host: Some("unix:///nonexistent/docker.sock".into()),
            },
            CancellationToken::new(),
        );
        let warnings = c.inner.list.borrow().warnings.clone();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("no Docker socket at /nonexistent/docker.sock"));
    }
}
