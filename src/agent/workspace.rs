//! The workspace an agent belongs to (its name and owner name the forwarded host names).
use crate::api::{get_json, use_fetch, ApiError, Loaded};
use coder_api::{Workspace, WorkspacesResponse};
use leptos::prelude::*;

/// Loads the workspaces once and picks the one whose latest build holds `agent_id`.
pub fn use_agent_workspace(agent_id: String) -> ReadSignal<Loaded<Workspace>> {
    use_fetch(move || {
        let agent_id = agent_id.clone();
        async move {
            let list = get_json::<WorkspacesResponse>(coder_api::routes::workspaces()).await?;
            find_workspace(list.workspaces, &agent_id).ok_or_else(|| {
                ApiError::NotFound(coder_api::Response::message(
                    "No workspace lists this agent in its latest build.",
                ))
            })
        }
    })
}

/// The workspace holding the agent.
pub fn find_workspace(workspaces: Vec<Workspace>, agent_id: &str) -> Option<Workspace> {
    workspaces
        .into_iter()
        .find(|w| w.agents().any(|a| a.id.to_string() == agent_id))
}
