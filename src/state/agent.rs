//! The agent of `/agents/{id}/...`, shared with its views by the agent frame.
use crate::api::Loaded;
use coder_api::WorkspaceAgent;
use leptos::prelude::*;
use uuid::Uuid;

/// The agent shared with the views of `/agents/{id}/...`.
#[derive(Clone, Copy)]
pub struct AgentContext {
    /// The agent id from the address (an address without a valid one shows "not found").
    pub id: Uuid,
    /// The latest agent JSON (or the error of the latest read).
    pub agent: ReadSignal<Loaded<WorkspaceAgent>>,
}

/// The agent of the current page (inside `/agents/{id}`).
pub fn use_agent() -> AgentContext {
    expect_context::<AgentContext>()
}
