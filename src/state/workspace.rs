//! The workspace of the agent of the page: the ports view builds forwarded URLs from it, the
//! startup view reads its latest build's timings.
use crate::api::{get_json, use_fetch, ApiError, Loaded};
use coder_api::{Workspace, WorkspacesResponse};
use leptos::prelude::*;
use uuid::Uuid;

/// Loads the workspaces once and picks the one whose latest build holds `agent_id`.
pub fn use_agent_workspace(agent_id: Uuid) -> ReadSignal<Loaded<Workspace>> {
    use_fetch(move || agent_workspace(agent_id))
}

/// The workspace whose latest build holds `agent_id`, read now.
pub async fn agent_workspace(agent_id: Uuid) -> Result<Workspace, ApiError> {
    let list = get_json::<WorkspacesResponse>(coder_api::routes::workspaces()).await?;
    list.workspaces
        .into_iter()
        .find(|w| w.agents().any(|a| a.id == agent_id))
        .ok_or_else(|| {
            ApiError::NotFound(coder_api::Response::message(
                "No workspace lists this agent in its latest build.",
            ))
        })
}
