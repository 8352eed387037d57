//! The containers view's components.
use super::feed::{use_containers_feed, Feed};
use super::model::{describe_status, port_link, port_text, rebuild_label, PAGE};
use crate::api::{send_json, use_poll, ApiError, Method};
use crate::ports::forward::ForwardBase;
use crate::ports::{open_signed_in, use_forwarding};
use crate::state::{agent_workspace, use_agent};
use crate::ui::{show_modal_while, AgentStateBadge, Badge, EmptyState, ErrorBanner, Skeleton};
use coder_api::{
    WorkspaceAgent, WorkspaceAgentContainer, WorkspaceAgentDevcontainer,
    WorkspaceAgentListContainersResponse as List,
};
use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

/// How often the workspace is re-read for the sub-agents' states.
const SUB_AGENTS_REFRESH_MS: u32 = 5_000;

/// An action the user asked for, waiting for confirmation.
#[derive(Clone, Debug, PartialEq)]
struct Pending {
    delete: bool,
    id: Uuid,
    name: String,
}

/// What became of the latest action, shown on its card.
#[derive(Clone, Debug, PartialEq)]
struct Outcome {
    id: Uuid,
    result: Result<String, ApiError>,
}

/// `/agents/{id}/containers`.
#[component]
pub fn ContainersView() -> impl IntoView {
    crate::ui::use_view_styles("containers", include_str!("../../style/containers.css"));
    let agent = use_agent();
    let (feed, refresh) = use_containers_feed(agent.id);
    let forward = use_forwarding().base;
    let agent_id = agent.id;
    let workspace = use_poll(Some(SUB_AGENTS_REFRESH_MS), move || {
        agent_workspace(agent_id)
    });
    let sub_agents = Memo::new(move |_| {
        workspace.with(|w| {
            w.value
                .as_ref()
                .map(|w| w.agents().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    let has_list = Memo::new(move |_| feed.with(|f| f.list.is_some()));
    let failed = Memo::new(move |_| feed.with(|f| f.error.is_some()));
    let pending = RwSignal::new(None::<Pending>);
    let outcome = RwSignal::new(None::<Outcome>);
    let confirm = move |p: Pending| {
        let agent_id = agent.id;
        leptos::task::spawn_local(async move {
            let result = if p.delete {
                send_json::<(), ()>(
                    Method::Delete,
                    &coder_api::routes::devcontainer(&agent_id, &p.id),
                    &(),
                    None,
                )
                .await
                .map(|()| format!("“{}” was deleted.", p.name))
            } else {
                send_json::<(), coder_api::Response>(
                    Method::Post,
                    &coder_api::routes::devcontainer_recreate(&agent_id, &p.id),
                    &(),
                    None,
                )
                .await
                .map(|r| r.message)
            };
            outcome.set(Some(Outcome { id: p.id, result }));
            refresh();
        });
    };

    view! {
        <section class="containers" aria-labelledby="containers-title">
            <div class="section-head">
                <h2 id="containers-title">"Dev containers"</h2>
                <FeedState feed />
            </div>
            {move || feed.with(|f| f.error.clone()).map(|e| view! { <ErrorBanner error=e /> })}
            {move || {
                feed.with(|f| f.problem.clone())
                    .map(|p| {
                        view! {
                            <p class="notice tone-warning" role="status">
                                {p}
                                " Reconnecting…"
                            </p>
                        }
                    })
            }}
            // Only a change of phase renders the lists anew: each new list (every poll) only
            // updates them, and how much of them is shown stays.
            {move || {
                match (has_list.get(), failed.get()) {
                    (true, _) => {
                        view! { <Lists feed forward sub_agents pending outcome /> }.into_any()
                    }
                    (false, true) => ().into_any(),
                    (false, false) => view! { <Skeleton lines=4 /> }.into_any(),
                }
            }}
        </section>
        <ConfirmDialog pending on_confirm=confirm />
    }
}

/// Live, polled or connecting.
#[component]
fn FeedState(feed: ReadSignal<Feed>) -> impl IntoView {
    move || {
        let (live, polling) = feed.with(|f| (f.live, f.polling));
        let text = match (live, polling) {
            (true, _) => "Live",
            (false, true) => "Updated by polling (the live socket was refused)",
            (false, false) => "Connecting…",
        };
        view! {
            <span class="muted feed-state" role="status">
                {text}
            </span>
        }
    }
}

/// The warnings, the dev container cards and the other containers, or why there are none.
#[component]
fn Lists(
    feed: ReadSignal<Feed>,
    forward: Memo<Option<ForwardBase>>,
    sub_agents: Memo<Vec<WorkspaceAgent>>,
    pending: RwSignal<Option<Pending>>,
    outcome: RwSignal<Option<Outcome>>,
) -> impl IntoView {
    let list = Memo::new(move |_| feed.with(|f| f.list.clone().unwrap_or_default()));
    let warnings = Memo::new(move |_| list.with(|l| l.warnings.clone()));
    let empty =
        Memo::new(move |_| list.with(|l| l.devcontainers.is_empty() && l.containers.is_empty()));
    let cards_shown = RwSignal::new(PAGE);
    let rows_shown = RwSignal::new(PAGE);
    view! {
        {move || {
            let w = warnings.get();
            (!w.is_empty())
                .then(|| {
                    view! {
                        <ul class="plain container-warnings" role="note" aria-label="Warnings">
                            {w
                                .into_iter()
                                .map(|w| view! { <li class="notice tone-warning">{w}</li> })
                                .collect_view()}
                        </ul>
                    }
                })
        }}
        {move || {
            empty
                .get()
                .then(|| {
                    let why = if warnings.with(Vec::is_empty) {
                        "The agent's container engine has no containers."
                    } else {
                        "The agent could not list containers: see the warning above."
                    };
                    view! {
                        <EmptyState title="No containers">
                            <p>{why}</p>
                        </EmptyState>
                    }
                })
        }}
        <ul class="plain devcontainer-list">
            {move || {
                list.with(|l| {
                    let subs = sub_agents.get();
                    let shown = cards_shown.get();
                    l.devcontainers
                        .iter()
                        .take(shown)
                        .map(|dc| {
                            let sub = dc
                                .agent
                                .as_ref()
                                .and_then(|a| subs.iter().find(|s| s.id == a.id).cloned());
                            let result = outcome.get().filter(|o| o.id == dc.id).map(|o| o.result);
                            view! {
                                <DevcontainerCard
                                    dc=dc.clone()
                                    sub
                                    forward=forward.get()
                                    pending
                                    result
                                />
                            }
                        })
                        .collect_view()
                })
            }}
        </ul>
        <ShowMore
            total=Signal::derive(move || list.with(|l| l.devcontainers.len()))
            shown=cards_shown
            what="dev containers"
        />
        <OtherContainers list rows_shown />
    }
}

/// One dev container.
#[component]
fn DevcontainerCard(
    dc: WorkspaceAgentDevcontainer,
    sub: Option<WorkspaceAgent>,
    forward: Option<ForwardBase>,
    pending: RwSignal<Option<Pending>>,
    result: Option<Result<String, ApiError>>,
) -> impl IntoView {
    let (tone, label) = describe_status(&dc.status);
    let busy = dc.status.transitioning();
    let rebuild = rebuild_label(&dc.status, dc.container.is_some());
    let name = if dc.name.is_empty() {
        dc.config_path.clone()
    } else {
        dc.name.clone()
    };
    let ask = {
        let name = name.clone();
        let id = dc.id;
        move |delete: bool| {
            let name = name.clone();
            move |_| {
                pending.set(Some(Pending {
                    delete,
                    id,
                    name: name.clone(),
                }))
            }
        }
    };
    let container = dc.container.clone();
    view! {
        <li
            class="card devcontainer"
            class:has-error=!dc.error.is_empty()
            data-id=dc.id.to_string()
        >
            <div class="devcontainer-head">
                <Badge tone label=label.clone() />
                <h3 class="devcontainer-name">{name.clone()}</h3>
                {container
                    .as_ref()
                    .map(|c| view! { <span class="muted">"(" {c.name.clone()} ")"</span> })}
                {dc
                    .dirty
                    .then(|| {
                        view! {
                            <span
                                class="badge tone-warning outdated"
                                title="Its configuration changed after the container was created: rebuild to apply it."
                            >
                                "Outdated"
                            </span>
                        }
                    })}
                <div class="devcontainer-actions">
                    <button type="button" class="btn btn-small" disabled=busy on:click=ask(false)>
                        {rebuild}
                    </button>
                    <button
                        type="button"
                        class="btn btn-small btn-danger"
                        disabled=busy
                        on:click=ask(true)
                    >
                        "Delete…"
                    </button>
                </div>
            </div>
            <dl class="facts">
                <dt>"Workspace folder"</dt>
                <dd class="mono">{dc.workspace_folder.clone()}</dd>
                {(!dc.config_path.is_empty())
                    .then(|| {
                        view! {
                            <dt>"Configuration"</dt>
                            <dd class="mono">{dc.config_path.clone()}</dd>
                        }
                    })}
                <dt>"Agent"</dt>
                <dd>
                    <SubAgent dc=dc.clone() sub />
                </dd>
            </dl>
            {(!dc.error.is_empty())
                .then(|| {
                    view! {
                        <p class="field-error" role="alert">
                            {dc.error.clone()}
                        </p>
                    }
                })}
            {result
                .map(|r| match r {
                    Ok(text) => {
                        view! {
                            <p class="notice tone-ok" role="status">
                                {text}
                            </p>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorBanner error=e /> }.into_any(),
                })}
            {container.map(|c| view! { <Ports container=c forward /> })}
        </li>
    }
}

/// The dev container's own agent: its state and a link to its views.
#[component]
fn SubAgent(dc: WorkspaceAgentDevcontainer, sub: Option<WorkspaceAgent>) -> impl IntoView {
    let Some(agent) = dc.agent else {
        return view! { <span class="muted">"None runs in this container."</span> }.into_any();
    };
    let href = format!("/agents/{}", agent.id);
    let state = sub.map(|s| {
        view! { <AgentStateBadge status=s.status.clone() lifecycle=s.lifecycle_state.clone() /> }
    });
    view! {
        <span class="sub-agent">
            <A href=href>{agent.name.clone()}</A>
            {state
                .map(IntoAny::into_any)
                .unwrap_or_else(|| {
                    view! { <span class="muted">"(not in the workspace's latest build yet)"</span> }
                        .into_any()
                })}
            {(!agent.directory.is_empty())
                .then(|| view! { <span class="muted mono">{agent.directory.clone()}</span> })}
        </span>
    }
    .into_any()
}

/// A container's ports with their host bindings; bound ones open through the port forwarder.
#[component]
fn Ports(container: WorkspaceAgentContainer, forward: Option<ForwardBase>) -> impl IntoView {
    if container.ports.is_empty() {
        return ().into_any();
    }
    view! {
        <ul class="plain container-ports" aria-label="Ports">
            {container
                .ports
                .iter()
                .map(|p| {
                    let text = port_text(p);
                    match port_link(p, forward.as_ref()) {
                        Some(url) => {
                            view! {
                                <li>
                                    <a
                                        class="mono"
                                        href=url.clone()
                                        target="_blank"
                                        rel="noopener noreferrer"
                                        on:click=open_signed_in(url)
                                    >
                                        {text}
                                    </a>
                                </li>
                            }
                                .into_any()
                        }
                        None => view! { <li class="mono">{text}</li> }.into_any(),
                    }
                })
                .collect_view()}
        </ul>
    }
    .into_any()
}

/// The containers that are no dev container's, as a table.
#[component]
fn OtherContainers(list: Memo<List>, rows_shown: RwSignal<usize>) -> impl IntoView {
    let total = Signal::derive(move || list.with(|l| l.plain_containers().count()));
    view! {
        {move || {
            (total.get() > 0)
                .then(|| {
                    view! {
                        <h2 class="other-title">"Other containers"</h2>
                        <div class="table-wrap">
                            <table class="container-table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Name"</th>
                                        <th scope="col">"Image"</th>
                                        <th scope="col">"Status"</th>
                                        <th scope="col">"Ports"</th>
                                    </tr>
                                </thead>
                                <tbody>
                                    {move || {
                                        list.with(|l| {
                                            l.plain_containers()
                                                .take(rows_shown.get())
                                                .map(|c| {
                                                    let ports = c
                                                        .ports
                                                        .iter()
                                                        .map(port_text)
                                                        .collect::<Vec<_>>()
                                                        .join(", ");
                                                    view! {
                                                        <tr class:stopped=!c.running>
                                                            <td>{c.name.clone()}</td>
                                                            <td class="mono">{c.image.clone()}</td>
                                                            <td>{c.status.clone()}</td>
                                                            <td class="mono">{ports}</td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()
                                        })
                                    }}
                                </tbody>
                            </table>
                        </div>
                        <ShowMore total shown=rows_shown what="containers" />
                    }
                })
        }}
    }
}

/// "Show more" under a long list: the rest is drawn a page at a time.
#[component]
fn ShowMore(
    #[prop(into)] total: Signal<usize>,
    shown: RwSignal<usize>,
    what: &'static str,
) -> impl IntoView {
    move || {
        let (total, now) = (total.get(), shown.get());
        (total > now).then(|| {
            view! {
                <p class="show-more">
                    <span class="muted">{format!("{now} of {total} {what} shown. ")}</span>
                    <button
                        type="button"
                        class="btn btn-small"
                        on:click=move |_| shown.update(|s| *s += PAGE)
                    >
                        {format!("Show {} more", PAGE.min(total - now))}
                    </button>
                </p>
            }
        })
    }
}

/// Asks before a rebuild or a delete; nothing is sent until the user confirms.
#[component]
fn ConfirmDialog(
    pending: RwSignal<Option<Pending>>,
    on_confirm: impl Fn(Pending) + Copy + 'static,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    show_modal_while(dialog, move || pending.with(Option::is_some));
    let text = move || {
        pending.get().map(|p| {
            if p.delete {
                (
                    "Delete this dev container?",
                    format!(
                        "“{}” will be stopped and removed. Any unsaved work in it will be lost.",
                        p.name
                    ),
                    "Delete",
                )
            } else {
                (
                    "Rebuild this dev container?",
                    format!("“{}” will be recreated: what runs in it now stops.", p.name),
                    "Rebuild",
                )
            }
        })
    };
    view! {
        <dialog
            class="confirm-dialog"
            node_ref=dialog
            aria-labelledby="confirm-title"
            on:cancel=move |ev: web_sys::Event| {
                ev.prevent_default();
                pending.set(None);
            }
        >
            <h2 id="confirm-title">{move || text().map(|t| t.0)}</h2>
            <p>{move || text().map(|t| t.1)}</p>
            <div class="form-actions">
                <button type="button" class="btn" on:click=move |_| pending.set(None)>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="btn btn-danger"
                    on:click=move |_| {
                        if let Some(p) = pending.get_untracked() {
                            pending.set(None);
                            on_confirm(p);
                        }
                    }
                >
                    {move || text().map(|t| t.2)}
                </button>
            </div>
        </dialog>
    }
}
