//! The one hook that reads what this agent's forwarded URLs need (the deployment's wildcard app
//! host, the workspace's and owner's names): the ports view and the terminal's links use it.
use super::forward::{ForwardBase, ForwardOwner};
use crate::api::{get_json, use_fetch, ApiError};
use crate::state::{use_agent, use_agent_workspace};
use coder_api::AppHostResponse;
use leptos::prelude::*;

/// What the forwarded URLs of the current agent are built from.
#[derive(Clone, Copy)]
pub struct Forwarding {
    /// Known once both reads answered.
    pub base: Memo<Option<ForwardBase>>,
    /// The error of a read that failed (links cannot be built until it succeeds).
    pub error: Memo<Option<ApiError>>,
    /// The workspace and its template, once read (port sharing needs them).
    pub workspace: Memo<Option<(uuid::Uuid, uuid::Uuid)>>,
}

/// Reads the wildcard app host and the agent's workspace once, for the agent of this page.
pub fn use_forwarding() -> Forwarding {
    let agent = use_agent();
    let host = use_fetch(|| get_json::<AppHostResponse>(coder_api::routes::applications_host()));
    let workspace = use_agent_workspace(agent.id);
    // The agent is re-read every few seconds; only a new name changes the links.
    let agent_name = Memo::new(move |_| {
        agent
            .agent
            .with(|a| a.value.as_ref().map(|a| a.name.clone()))
    });
    let base = Memo::new(move |_| {
        let wildcard_host = host.with(|h| h.value.as_ref().map(|h| h.host.clone()))?;
        let ws = workspace.with(|w| w.value.clone())?;
        Some(ForwardBase {
            wildcard_host,
            owner: ForwardOwner {
                agent: agent_name.get()?,
                workspace: ws.name,
                user: ws.owner_name,
            },
            workspace_id: ws.id.to_string(),
            page_scheme: window().location().protocol().unwrap_or_default(),
        })
    });
    let error = Memo::new(move |_| {
        host.with(|h| h.error.clone())
            .or_else(|| workspace.with(|w| w.error.clone()))
    });
    let ids =
        Memo::new(move |_| workspace.with(|w| w.value.as_ref().map(|w| (w.id, w.template_id))));
    Forwarding {
        base,
        error,
        workspace: ids,
    }
}
