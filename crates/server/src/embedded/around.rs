//! What a client needs around the agent: the user (`/users/me`), the deployment (`/buildinfo`,
//! `/regions`, `/applications/host`) and the workspace holding the agent (`/workspaces`).
//!
//! Bodies are the `coder_api` types, extended with the other fields a coderd sends (so clients
//! written against coderd find them too); values describe the single emulated user, workspace and
//! build.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::Json;
use coder_api::{
    AppHostResponse, BuildInfo, Region, RegionsResponse, User, Workspace, WorkspaceBuild,
    WorkspaceResource,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::agent::{API_VERSION, VERSION};
use super::Embedded;
use crate::error::ApiResult;

/// The deployment's base URL as this request reached it.
fn access_url(headers: &HeaderMap, e: &Embedded) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(|| e.local_addr().to_string());
    format!("http://{host}")
}

/// Serialises `typed` and adds the keys of `extra` it does not already have.
fn extended(typed: impl Serialize, extra: Value) -> Value {
    let mut value = serde_json::to_value(typed).unwrap_or(Value::Null);
    if let (Some(obj), Value::Object(extra)) = (value.as_object_mut(), extra) {
        for (k, v) in extra {
            obj.entry(k).or_insert(v);
        }
    }
    value
}

/// `GET /users/me`.
pub async fn user_me(State(e): State<Embedded>) -> Json<Value> {
    Json(user_json(&e))
}

fn user_json(e: &Embedded) -> Value {
    let id = &e.agent().identity;
    let host = &e.agent().host;
    let user = User {
        id: id.user_id,
        username: host.username.clone(),
        email: format!("{}@localhost", host.username),
        name: host.username.clone(),
        avatar_url: String::new(),
        created_at: Some(id.created_at),
        status: "active".into(),
    };
    extended(
        user,
        json!({
            "updated_at": id.created_at,
            "last_seen_at": chrono::Utc::now(),
            "login_type": "token",
            "has_ai_seat": false,
            "theme_preference": "",
            "organization_ids": [id.organization_id],
            "roles": [{"name": "owner", "display_name": "Owner", "organization_id": ""}],
        }),
    )
}

/// `GET /buildinfo` (no auth, like coderd).
pub async fn buildinfo(State(e): State<Embedded>, headers: HeaderMap) -> Json<Value> {
    let info = BuildInfo {
        version: VERSION.into(),
        agent_api_version: API_VERSION.into(),
        external_url: "https://github.com/coder/coder".into(),
        dashboard_url: access_url(&headers, &e),
        workspace_proxy: false,
        deployment_id: e.agent().identity.deployment_id.to_string(),
    };
    Json(extended(
        info,
        json!({"telemetry": false, "provisioner_api_version": "1.4", "upgrade_message": ""}),
    ))
}

/// `POST /workspaces/{id}/usage`: coderd's checks (the workspace, both fields or neither, a
/// known app name, the agent), then the workspace's `last_used_at` moves to now. 204.
pub async fn post_usage(
    State(e): State<Embedded>,
    axum::extract::Path(workspace): axum::extract::Path<String>,
    body: axum::body::Bytes,
) -> ApiResult<axum::http::StatusCode> {
    let id = &e.agent().identity;
    if uuid::Uuid::parse_str(&workspace).ok() != Some(id.workspace_id) {
        return Err(crate::error::ApiError::not_found());
    }
    // coderd: no body at all only marks the workspace used.
    if !body.is_empty() {
        let request: coder_api::PostWorkspaceUsageRequest = crate::error::read_json(&body)?;
        request
            .validate()
            .map_err(crate::error::ApiError::bad_request)?;
        if !request.agent_id.is_nil() && request.agent_id != id.agent_id {
            return Err(crate::error::ApiError::not_found());
        }
    }
    e.mark_used();
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// `GET /applications/host`.
pub async fn applications_host(State(e): State<Embedded>) -> Json<AppHostResponse> {
    Json(AppHostResponse {
        host: e.wildcard_hostname(),
    })
}

/// `GET /regions`.
pub async fn regions(State(e): State<Embedded>) -> Json<RegionsResponse> {
    Json(RegionsResponse {
        regions: vec![Region {
            id: e.agent().identity.deployment_id,
            name: "primary".into(),
            display_name: "Default".into(),
            icon_url: "/emojis/1f3e1.png".into(),
            healthy: true,
            // No path apps here (`/@user/ws.agent/apps/slug/` is coderd's): subdomain apps open
            // through the port forwarding.
            path_app_url: String::new(),
            wildcard_hostname: e.wildcard_hostname(),
        }],
    })
}

/// Query of `GET /workspaces`.
#[derive(Debug, Deserialize)]
pub struct WorkspacesQuery {
    /// coderd's search string; only `name:`/`owner:` terms and bare words are understood here.
    #[serde(default)]
    pub q: String,
}

/// `GET /workspaces`: `{workspaces, count}` with the one workspace (if it matches `q`).
pub async fn workspaces(
    State(e): State<Embedded>,
    Query(query): Query<WorkspacesQuery>,
) -> ApiResult<Json<Value>> {
    let ws = workspace_json(&e, &include_agent_metadata(&query.q));
    let list = if matches_query(&e, &query.q) {
        vec![ws]
    } else {
        Vec::new()
    };
    Ok(Json(json!({ "count": list.len(), "workspaces": list })))
}

/// The keys of the search's `include_agent_metadata:KEY` terms (coderd's SDK quotes them):
/// coderd then lists those metadata items in each agent (it is not a filter).
fn include_agent_metadata(q: &str) -> Vec<String> {
    q.split_whitespace()
        .filter_map(|term| term.strip_prefix("include_agent_metadata:"))
        .map(|key| key.trim_matches('"').to_owned())
        .filter(|key| !key.is_empty())
        .collect()
}

/// Whether the workspace matches a coderd-style search (`owner:me name:foo bar`).
fn matches_query(e: &Embedded, q: &str) -> bool {
    let host = &e.agent().host;
    q.split_whitespace().all(|term| match term.split_once(':') {
        Some(("owner", v)) => v == "me" || v.eq_ignore_ascii_case(&host.username),
        Some(("name", v)) => host.workspace_name.contains(&v.to_ascii_lowercase()),
        Some(_) => true,
        None => host.workspace_name.contains(&term.to_ascii_lowercase()),
    })
}

/// `GET /workspaces/{id}`-shaped JSON of the emulated workspace; its agent lists the metadata
/// items of `metadata_keys` (the workspaces list's `include_agent_metadata`).
pub fn workspace_json(e: &Embedded, metadata_keys: &[String]) -> Value {
    let agent = e.agent();
    let id = &agent.identity;
    let host = &agent.host;
    let mut wire_agent = e.agent_wire();
    if !metadata_keys.is_empty() {
        wire_agent.metadata = e.metadata().listed(metadata_keys);
    }
    let health = coder_api::WorkspaceHealth::of([&wire_agent]);
    // Each server start is a build: it began when this server started.
    let build_at = id.build_started_at();
    let job = json!({
        "id": id.job_id,
        "created_at": build_at,
        "started_at": build_at,
        "completed_at": build_at,
        "status": "succeeded",
        "file_id": uuid::Uuid::nil(),
        "tags": {"scope": "organization"},
        "queue_position": 0,
        "queue_size": 0,
        "organization_id": id.organization_id,
        "input": {"workspace_build_id": id.build_id},
        "type": "workspace_build",
        "metadata": {
            "template_version_name": "local",
            "template_id": id.template_id,
            "template_name": "local-machine",
            "template_display_name": "This machine",
            "template_icon": "",
            "workspace_id": id.workspace_id,
            "workspace_name": host.workspace_name,
        },
        "logs_overflowed": false,
    });
    let resource = extended(
        WorkspaceResource {
            id: id.resource_id,
            name: host.hostname.clone(),
            kind: "local_machine".into(),
            agents: vec![wire_agent],
        },
        json!({
            "created_at": id.created_at,
            "job_id": id.job_id,
            "workspace_transition": "start",
            "hide": false,
            "icon": "",
            "metadata": [],
            "daily_cost": 0,
        }),
    );
    let build = WorkspaceBuild {
        id: id.build_id,
        build_number: id.build_number.max(1),
        status: coder_api::WorkspaceStatus::Running,
        transition: coder_api::WorkspaceTransition::Start,
        resources: Vec::new(),
    };
    let mut build = extended(
        build,
        json!({
            "created_at": build_at,
            "updated_at": build_at,
            "workspace_id": id.workspace_id,
            "workspace_name": host.workspace_name,
            "workspace_owner_id": id.user_id,
            "workspace_owner_name": host.username,
            "workspace_owner_avatar_url": "",
            "template_version_id": id.template_version_id,
            "template_version_name": "local",
            "initiator_id": id.user_id,
            "initiator_name": host.username,
            "job": job,
            "reason": "initiator",
            "deadline": null,
            "max_deadline": null,
            "daily_cost": 0,
            "template_version_preset_id": null,
        }),
    );
    // The resource (with its agent) is already JSON with its extra fields.
    build["resources"] = json!([resource]);
    let workspace = Workspace {
        id: id.workspace_id,
        name: host.workspace_name.clone(),
        owner_id: id.user_id,
        owner_name: host.username.clone(),
        template_name: "local-machine".into(),
        template_display_name: "This machine".into(),
        created_at: Some(id.created_at),
        latest_build: WorkspaceBuild::default(),
        latest_app_status: e.apps().latest_status(),
        // Every build is of the one local template version.
        outdated: false,
        health,
        task_id: None,
        last_used_at: Some(e.last_used()),
    };
    let mut workspace = extended(
        workspace,
        json!({
            "updated_at": id.created_at,
            "owner_avatar_url": "",
            "organization_id": id.organization_id,
            "organization_name": "default",
            "template_id": id.template_id,
            "template_icon": "",
            "template_allow_user_cancel_workspace_jobs": false,
            "template_active_version_id": id.template_version_id,
            "template_require_active_version": false,
            // coderd omits an unset autostart schedule and TTL (`omitempty` pointers).
            "deleting_at": null,
            "dormant_at": null,
            "automatic_updates": "never",
            "allow_renames": false,
            "favorite": false,
            "next_start_at": null,
            "is_prebuild": false,
            "template_use_classic_parameter_flow": false,
        }),
    );
    workspace["latest_build"] = build;
    workspace
}
