//! The overview's cards below the first screen: scripts (their outcomes and durations, from
//! `startup`), log sources, sessions, capabilities and environment variables. Loaded with code of their own
//! when they come near the viewport (see `sections::LoadWhenNear`).
use super::sections::{fact, steady_agent};
use crate::api::Loaded;
use crate::startup::ScriptsList;
use crate::ui::link::safe_http_url;
use crate::ui::status::Tone;
use crate::ui::{Badge, EmptyState, Timestamp};
use coder_api::{Workspace, WorkspaceAgent};
use leptos::prelude::*;

/// How often the workspace (its health, its latest app status) is re-read.
const WORKSPACE_REFRESH_MS: u32 = 10_000;

/// The cards, following the agent (a heartbeat alone redraws nothing).
#[component]
pub fn Details() -> impl IntoView {
    crate::ui::use_view_styles(
        "overview-details",
        include_str!("../../style/overview-details.css"),
    );
    let agent = steady_agent();
    // Re-read now and then: its latest app status and health move while the page is open.
    let id = crate::state::use_agent().id;
    let workspace = crate::api::use_poll(Some(WORKSPACE_REFRESH_MS), move || {
        crate::state::agent_workspace(id)
    });
    // Kept outside the cards, which are rebuilt whenever the agent changes.
    let env_revealed = RwSignal::new(false);
    view! {
        <super::apps::AppsCard agent workspace />
        <div class="grid">
            <section class="card" aria-labelledby="ov-scripts">
                <h2 id="ov-scripts">"Scripts"</h2>
                <ScriptsList />
            </section>
            {move || agent.get().map(|a| log_sources(&a))}
            <super::sessions::SessionsCard />
            {move || agent.get().map(|a| app_statuses(&a))}
            <super::connect::ConnectCard agent workspace />
            <WorkspaceCard workspace />
        </div>
        {move || {
            agent
                .get()
                .map(|a| {
                    view! {
                        <div class="grid">
                            {capabilities(&a)}
                            <EnvironmentVariables vars=env_sorted(&a) revealed=env_revealed />
                        </div>
                    }
                })
        }}
    }
}

/// What each app reported (an AI agent at work, say): the latest first, then its history.
fn app_statuses(a: &WorkspaceAgent) -> Option<impl IntoView> {
    let apps: Vec<_> = a
        .apps
        .iter()
        .filter(|app| !app.statuses.is_empty())
        .cloned()
        .collect();
    if apps.is_empty() {
        return None;
    }
    Some(view! {
        <section class="card" aria-labelledby="ov-app-statuses">
            <h2 id="ov-app-statuses">"App statuses"</h2>
            {apps
                .into_iter()
                .map(|app| {
                    let name = app.shown_name().to_owned();
                    view! {
                        <h3 class="app-status-app">{name}</h3>
                        <ol class="plain app-status-list">
                            {app.statuses.iter().take(20).map(status_row).collect_view()}
                        </ol>
                    }
                })
                .collect_view()}
        </section>
    })
}

/// The workspace the agent belongs to: whether its template moved on, its agents' health, the
/// latest status any of its apps reported, and its task.
#[component]
fn WorkspaceCard(workspace: ReadSignal<Loaded<Workspace>>) -> impl IntoView {
    let facts = move || {
        workspace.with(|w| match (&w.value, &w.error) {
            (Some(w), _) => workspace_facts(w).into_any(),
            (None, Some(e)) => view! { <p class="notice tone-warning">{format!("The workspace could not be read: {e}")}</p> }
            .into_any(),
            (None, None) => view! { <crate::ui::Skeleton lines=3 /> }.into_any(),
        })
    };
    view! {
        <section class="card" aria-labelledby="ov-workspace">
            <h2 id="ov-workspace">"Workspace"</h2>
            {facts}
        </section>
    }
}

fn workspace_facts(w: &Workspace) -> impl IntoView {
    let template = if w.template_display_name.is_empty() {
        w.template_name.clone()
    } else {
        w.template_display_name.clone()
    };
    let version = if w.outdated {
        view! {
            <Badge
                tone=Tone::Warning
                label="Outdated".to_string()
                title="The template has a newer version: update the workspace to use it."
                    .to_string()
            />
        }
        .into_any()
    } else {
        view! { <span>"Current"</span> }.into_any()
    };
    let health = if w.health.healthy {
        view! { <Badge tone=Tone::Ok label="Healthy".to_string() /> }.into_any()
    } else {
        let n = w.health.failing_agents.len();
        let label = format!("{n} agent{} failing", if n == 1 { "" } else { "s" });
        view! { <Badge tone=Tone::Danger label /> }.into_any()
    };
    let latest = w
        .latest_app_status
        .as_ref()
        .map(|s| view! { <ol class="plain app-status-list">{status_row(s)}</ol> }.into_any())
        .unwrap_or_else(|| "None reported".into_any());
    view! {
        <dl class="facts">
            {fact("Name", format!("{}/{}", w.owner_name, w.name))} {fact("Template", template)}
            {fact("Template version", version)} {fact("Health", health)}
            {fact("Latest app status", latest)}
            {fact("Last used", view! { <Timestamp at=w.last_used_at /> })}
            {fact("Task", w.task_id.map(|t| t.to_string()).unwrap_or_else(|| "—".into()))}
        </dl>
    }
}

fn status_row(s: &coder_api::WorkspaceAppStatus) -> impl IntoView {
    use coder_api::WorkspaceAppStatusState as State;
    let tone = match &s.state {
        State::Working => Tone::Progress,
        State::Complete => Tone::Ok,
        State::Failure => Tone::Danger,
        State::Idle | State::Unknown(_) => Tone::Neutral,
    };
    // A link only to http(s): a status's URI is the reporter's text.
    let link = safe_http_url(&s.uri).map(|url| {
        let text = url.clone();
        view! {
            " "
            <a href=url target="_blank" rel="noopener noreferrer">
                {text}
            </a>
        }
    });
    // Deprecated in coderd, but an older one or an upstream may still set it: it must stand out.
    let attention = s.needs_user_attention.then(|| {
        view! {
            " "
            <Badge tone=Tone::Warning label="Needs attention".to_string() />
        }
    });
    view! {
        <li class="app-status" class:attention=s.needs_user_attention>
            <Badge tone label=s.state.to_string() />
            {attention}
            " "
            <span class="app-status-message">{s.message.clone()}</span>
            {link}
            " "
            <span class="muted">
                <Timestamp at=Some(s.created_at) />
            </span>
        </li>
    }
}

fn log_sources(a: &WorkspaceAgent) -> impl IntoView {
    let sources = a.log_sources.clone();
    view! {
        <section class="card" aria-labelledby="ov-sources">
            <h2 id="ov-sources">"Log sources"</h2>
            {if sources.is_empty() {
                view! { <p class="muted">"No log sources yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="plain">
                        {sources
                            .into_iter()
                            .map(|s| {
                                view! {
                                    <li>
                                        <strong>{s.display_name.clone()}</strong>
                                        " "
                                        <span class="muted">"created "</span>
                                        <Timestamp at=Some(s.created_at) />
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}

fn capabilities(a: &WorkspaceAgent) -> impl IntoView {
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "—".to_string()
        } else {
            items.join(", ")
        }
    };
    view! {
        <section class="card" aria-labelledby="ov-caps">
            <h2 id="ov-caps">"Capabilities"</h2>
            <dl class="facts">
                {fact("Display apps", list(a.display_apps.iter().map(|d| d.to_string()).collect()))}
                {fact("Subsystems", list(a.subsystems.iter().map(|s| s.to_string()).collect()))}
            </dl>
        </section>
    }
}

fn env_sorted(a: &WorkspaceAgent) -> Vec<(String, String)> {
    let mut vars: Vec<_> = a.environment_variables.clone().into_iter().collect();
    vars.sort();
    vars
}

/// Environment variables, values masked until the user reveals them (they often hold secrets).
#[component]
fn EnvironmentVariables(vars: Vec<(String, String)>, revealed: RwSignal<bool>) -> impl IntoView {
    let empty = vars.is_empty();
    view! {
        <section class="card" aria-labelledby="ov-env">
            <h2 id="ov-env">"Environment variables"</h2>
            {if empty {
                view! {
                    <EmptyState title="None set">
                        <p>"The template sets no extra variables."</p>
                    </EmptyState>
                }
                    .into_any()
            } else {
                view! {
                    <button
                        type="button"
                        class="btn btn-small"
                        aria-pressed=move || revealed.get().to_string()
                        on:click=move |_| revealed.update(|r| *r = !*r)
                    >
                        {move || if revealed.get() { "Hide values" } else { "Show values" }}
                    </button>
                    <dl class="facts env">
                        {vars
                            .into_iter()
                            .map(|(k, v)| {
                                let masked = "•".repeat(v.chars().count().clamp(4, 12));
                                view! {
                                    <dt>
                                        <code>{k}</code>
                                    </dt>
                                    <dd>
                                        <code>
                                            {move || {
                                                if revealed.get() { v.clone() } else { masked.clone() }
                                            }}
                                        </code>
                                    </dd>
                                }
                            })
                            .collect_view()}
                    </dl>
                }
                    .into_any()
            }}
        </section>
    }
}
