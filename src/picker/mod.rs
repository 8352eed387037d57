//! The agent picker: every workspace the user can see and its agents, searchable.
use crate::api::{get_json, use_poll, Loaded};
use crate::ui::{AgentStateBadge, EmptyState, ErrorBanner, ErrorView, Skeleton};
use coder_api::{Workspace, WorkspacesResponse};
use leptos::prelude::*;
use leptos_router::components::A;

/// Refresh period of the list (agents come and go with builds).
const REFRESH_MS: u32 = 10_000;

/// Lower-cased words a search matches against.
fn haystack(ws: &Workspace) -> String {
    let agents = ws
        .agents()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    format!("{} {} {}", ws.owner_name, ws.name, agents).to_lowercase()
}

/// Workspaces whose owner, name or agent names contain every word of `query`.
pub fn filter_workspaces<'a>(all: &'a [Workspace], query: &str) -> Vec<&'a Workspace> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    all.iter()
        .filter(|ws| {
            let hay = haystack(ws);
            words.iter().all(|w| hay.contains(w.as_str()))
        })
        .collect()
}

/// The list of workspaces and agents.
#[component]
pub fn Picker() -> impl IntoView {
    let data: ReadSignal<Loaded<WorkspacesResponse>> = use_poll(Some(REFRESH_MS), || {
        get_json::<WorkspacesResponse>(coder_api::routes::workspaces())
    });
    let (query, set_query) = signal(String::new());

    let list = move || {
        data.with(|d| {
            let Some(resp) = &d.value else {
                return match &d.error {
                    Some(e) => view! { <ErrorView error=e.clone() /> }.into_any(),
                    None => view! { <Skeleton lines=4 /> }.into_any(),
                };
            };
            let q = query.get();
            let shown = filter_workspaces(&resp.workspaces, &q);
            if shown.is_empty() {
                let title = if resp.workspaces.is_empty() {
                    "No workspaces yet"
                } else {
                    "Nothing matches"
                };
                return view! {
                    <EmptyState title=title>
                        <p>"Workspaces with a running agent appear here."</p>
                    </EmptyState>
                }
                .into_any();
            }
            view! { <ul class="workspace-list">{shown.into_iter().map(workspace_row).collect_view()}</ul> }
            .into_any()
        })
    };
    view! {
        <section class="picker" aria-labelledby="picker-title">
            <h1 id="picker-title">"Agents"</h1>
            <label class="search">
                <span class="visually-hidden">"Search workspaces and agents"</span>
                <input
                    type="search"
                    placeholder="Search by owner, workspace or agent"
                    prop:value=query
                    on:input=move |ev| set_query.set(event_target_value(&ev))
                />
            </label>
            {move || {
                data.with(|d| d.value.is_some().then(|| d.error.clone()).flatten())
                    .map(|e| view! { <ErrorBanner error=e /> })
            }}
            {list}
        </section>
    }
}

fn workspace_row(ws: &Workspace) -> impl IntoView {
    let agents = ws.agents().cloned().collect::<Vec<_>>();
    let title = format!("{}/{}", ws.owner_name, ws.name);
    view! {
        <li class="card workspace">
            <h2 class="workspace-name">{title}</h2>
            {if agents.is_empty() {
                view! {
                    <p class="muted">"No agent in the latest build (is the workspace stopped?)"</p>
                }
                    .into_any()
            } else {
                view! {
                    <ul class="agent-list">
                        {agents
                            .into_iter()
                            .map(|a| {
                                let href = format!("/agents/{}", a.id);
                                let status = a.status.clone();
                                let lifecycle = a.lifecycle_state.clone();
                                view! {
                                    <li class="agent-row">
                                        <A href=href attr:class="agent-link">
                                            {a.name.clone()}
                                        </A>
                                        <AgentStateBadge status=status lifecycle=lifecycle />
                                        <span class="muted">
                                            {format!("{} · {}", a.operating_system, a.architecture)}
                                        </span>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </li>
    }
}
