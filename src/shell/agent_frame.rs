//! The frame of one agent's pages: loads the agent (refreshed every few seconds), shows its name
//! and state, the tabs between its views, and shares the agent with the view below.
use super::preload_link_target;
use crate::api::{arrived_json, get_json, use_poll_from, ApiError};
use crate::state::{use_agent, use_shell, AgentContext};
use crate::ui::{AgentStateBadge, ErrorBanner, ErrorView, NotFoundView, Skeleton};
use coder_api::WorkspaceAgent;
use leptos::prelude::*;
use leptos_router::components::{Outlet, A};
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

/// How often the agent is re-read while one of its pages is open: often enough that a status an
/// app reports now is on the overview within two seconds.
const AGENT_REFRESH_MS: u32 = 1_500;

/// `/agents/{id}`: header, tabs, then the chosen view.
#[component]
pub fn AgentPage() -> impl IntoView {
    let params = use_params_map();
    // The id never changes under one AgentPage: the router re-creates it for another agent.
    let raw = params.with_untracked(|p| p.get("id").unwrap_or_default());
    match Uuid::parse_str(raw.trim()) {
        Ok(id) => view! { <AgentFrame id /> }.into_any(),
        Err(_) => view! { <NotFoundView what="This address does not name a valid agent id." /> }
            .into_any(),
    }
}

/// The frame of a valid agent id: loads the agent and shares it with the views below.
#[component]
fn AgentFrame(id: Uuid) -> impl IntoView {
    let path = coder_api::routes::agent_path(&id);
    // When the page opened here, its early read usually arrived while the code downloaded.
    let first = arrived_json::<WorkspaceAgent>(&path);
    let agent = use_poll_from(first, Some(AGENT_REFRESH_MS), move || {
        let path = path.clone();
        async move { get_json::<WorkspaceAgent>(&path).await }
    });
    provide_context(AgentContext { id, agent });
    let embed = use_shell().embed;

    // Only a change of phase re-renders the frame, not each refresh: the view below (a live
    // terminal, a scrolled log) must survive the agent being re-read every few seconds.
    let has_value = Memo::new(move |_| agent.with(|l| l.value.is_some()));
    move || {
        if has_value.get() {
            return view! {
                {(!embed).then(|| view! { <AgentHeader /> })}
                {move || agent.with(|l| l.error.clone()).map(|e| view! { <ErrorBanner error=e /> })}
                <Outlet />
            }
            .into_any();
        }
        agent.with(|loaded| match &loaded.error {
            Some(ApiError::NotFound(_)) => view! {
                <NotFoundView what="No agent has this id. It may belong to an older build of its workspace." />
            }.into_any(),
            Some(e) => view! { <ErrorView error=e.clone() /> }.into_any(),
            None => view! { <Skeleton lines=6 /> }.into_any(),
        })
    }
}

#[component]
fn AgentHeader() -> impl IntoView {
    let ctx = use_agent();
    let name = move || {
        ctx.agent
            .with(|l| l.value.as_ref().map(|a| a.name.clone()).unwrap_or_default())
    };
    let status = Signal::derive(move || {
        ctx.agent.with(|l| {
            l.value
                .as_ref()
                .map(|a| a.status.clone())
                .unwrap_or_default()
        })
    });
    let lifecycle = Signal::derive(move || {
        ctx.agent.with(|l| {
            l.value
                .as_ref()
                .map(|a| a.lifecycle_state.clone())
                .unwrap_or_default()
        })
    });
    let base = move || format!("/agents/{}", ctx.id);
    view! {
        <div class="agent-header">
            <div class="agent-title">
                <h1 class="agent-name">{name}</h1>
                <AgentStateBadge status lifecycle />
            </div>
            <nav
                class="tabs"
                aria-label="Agent views"
                on:pointerover=preload_link_target
                on:focusin=preload_link_target
            >
                <A href=base exact=true>
                    "Overview"
                </A>
                <A href=move || format!("{}/startup", base())>"Startup"</A>
                <A href=move || format!("{}/logs", base())>"Logs"</A>
                <A href=move || format!("{}/terminal", base())>"Terminal"</A>
                <A href=move || format!("{}/ports", base())>"Ports"</A>
                <A href=move || format!("{}/network", base())>"Network"</A>
            </nav>
        </div>
    }
}

/// Stands in for a view that a later version builds.
#[component]
pub fn Placeholder() -> impl IntoView {
    view! {
        <section class="card">
            <p class="muted">"This view is not available yet."</p>
        </section>
    }
}
