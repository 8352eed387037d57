//! coderd's routes mapped onto the embedded backend, each group behind coderd's auth: public
//! routes, user routes (session token), the terminal (its own check) and
//! `/workspaceagents/me/*` (agent token); plus the port-forward host routing in front of the app.

use axum::extract::{Request, State};
use axum::middleware::{from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};

use super::instance_identity::Cloud;
use super::{
    agent_auth, around, instance_identity, logs, metadata, network, port_forward, terminal, ws,
    Embedded,
};
use crate::auth::{require_agent, require_session, Tokens};
use crate::error::ApiError;

async fn session_auth(State(tokens): State<Tokens>, req: Request, next: Next) -> Response {
    match require_session(req.headers(), req.uri(), &tokens) {
        Ok(()) => next.run(req).await,
        Err(err) => err.into_response(),
    }
}

async fn agent_auth_mw(State(tokens): State<Tokens>, req: Request, next: Next) -> Response {
    match require_agent(req.headers(), req.uri(), &tokens) {
        Ok(()) => next.run(req).await,
        Err(err) => err.into_response(),
    }
}

async fn get_agent(
    State(e): State<Embedded>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<coder_api::WorkspaceAgent>, ApiError> {
    e.check_agent_param(&id)?;
    Ok(Json(e.agent_wire()))
}

async fn listening_ports(
    State(e): State<Embedded>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<coder_api::WorkspaceAgentListeningPortsResponse>, ApiError> {
    e.check_agent_param(&id)?;
    let ports = e
        .inner
        .ports
        .scan()
        .await
        .map_err(|err| ApiError::internal("Failed to list listening ports.", err))?;
    Ok(Json(coder_api::WorkspaceAgentListeningPortsResponse {
        ports,
    }))
}

async fn coordinate(
    State(e): State<Embedded>,
    axum::extract::Path(id): axum::extract::Path<String>,
    query: axum::extract::Query<network::CoordinateQuery>,
    headers: axum::http::HeaderMap,
    ws: ws::Upgrade,
) -> Result<Response, ApiError> {
    e.check_agent_param(&id)?;
    network::coordinate(query, headers, ws).await
}

async fn agent_connection(
    State(e): State<Embedded>,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Json<coder_api::AgentConnectionInfo>, ApiError> {
    e.check_agent_param(&id)?;
    Ok(network::connection(State(e)).await)
}

/// coderd's greeting on the API root.
pub async fn api_root() -> Json<coder_api::Response> {
    Json(coder_api::Response::message("👋"))
}

/// Routes under `/api/v2`.
pub fn router(e: Embedded) -> Router {
    let public = Router::new()
        .route("/", get(api_root))
        .route("/buildinfo", get(around::buildinfo))
        .route(
            "/applications/auth-redirect",
            get(super::app_auth::auth_redirect),
        )
        .route("/derp-map", get(network::derp_map_ws))
        .route(
            "/workspaceagents/aws-instance-identity",
            post(|s, h, b| instance_identity::exchange(Cloud::Aws, s, h, b)),
        )
        .route(
            "/workspaceagents/azure-instance-identity",
            post(|s, h, b| instance_identity::exchange(Cloud::Azure, s, h, b)),
        )
        .route(
            "/workspaceagents/google-instance-identity",
            post(|s, h, b| instance_identity::exchange(Cloud::Google, s, h, b)),
        )
        // The terminal does its own auth (404 rather than 401, like coderd).
        .route("/workspaceagents/{workspaceagent}/pty", get(terminal::pty));

    let user = Router::new()
        .route("/users/me", get(around::user_me))
        .route("/workspaces", get(around::workspaces))
        .route("/workspaces/{workspace}/usage", post(around::post_usage))
        .route("/regions", get(around::regions))
        .route("/applications/host", get(around::applications_host))
        .route("/workspaceagents/connection", get(network::connection))
        .route("/workspaceagents/{workspaceagent}", get(get_agent))
        .route(
            "/workspacebuilds/{workspacebuild}/timings",
            get(super::script_runs::build_timings),
        )
        .route(
            "/workspaceagents/{workspaceagent}/connection",
            get(agent_connection),
        )
        .route(
            "/workspaceagents/{workspaceagent}/logs",
            get(logs::get_logs),
        )
        .route(
            "/workspaceagents/{workspaceagent}/startup-logs",
            get(logs::get_logs),
        )
        .route(
            "/workspaceagents/{workspaceagent}/listening-ports",
            get(listening_ports),
        )
        .route(
            "/workspaceagents/{workspaceagent}/watch-metadata-ws",
            get(metadata::watch_ws),
        )
        .route(
            "/workspaceagents/{workspaceagent}/watch-metadata",
            get(metadata::watch_sse),
        )
        .route(
            "/workspaceagents/{workspaceagent}/coordinate",
            get(coordinate),
        )
        .route_layer(from_fn_with_state(e.tokens().clone(), session_auth));

    let agent = Router::new()
        .route("/workspaceagents/me/logs", patch(logs::patch_logs))
        .route(
            "/workspaceagents/me/log-source",
            post(logs::post_log_source),
        )
        .route("/workspaceagents/me/gitsshkey", get(agent_auth::gitsshkey))
        .route(
            "/workspaceagents/me/app-status",
            patch(super::apps::patch_app_status),
        )
        .route(
            "/workspaceagents/me/external-auth",
            get(agent_auth::external_auth),
        )
        .route(
            "/workspaceagents/me/gitauth",
            get(agent_auth::external_auth),
        )
        .route_layer(from_fn_with_state(e.tokens().clone(), agent_auth_mw));

    public
        .merge(user)
        .merge(agent)
        .fallback(|| async { ApiError::route_not_found() })
        .layer(axum::middleware::from_fn(crate::error::json_rejections))
        .with_state(e)
}

/// Wraps the app so requests whose Host is a port-forward host (`{port}[s]--{agent}--{ws}--{user}
/// .localhost`) go to that port on this machine instead of the console's routes.
pub fn with_port_forwarding(router: Router, e: Embedded) -> Router {
    router.layer(from_fn_with_state(e, forward_mw))
}

async fn forward_mw(State(e): State<Embedded>, req: Request, next: Next) -> Response {
    match port_forward::forward_request(req, e.forward_config()).await {
        Ok(answer) => answer,
        Err(req) => next.run(req).await,
    }
}
