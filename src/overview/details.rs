//! The overview's cards below the first screen: scripts (their outcomes and durations, from
//! `startup`), log sources, sessions, capabilities and environment variables. Loaded with code of their own
//! when they come near the viewport (see `sections::LoadWhenNear`).
use super::sections::{fact, steady_agent};
use crate::startup::ScriptsList;
use crate::ui::link::safe_http_url;
use crate::ui::status::Tone;
use crate::ui::{Badge, EmptyState, Timestamp};
use coder_api::WorkspaceAgent;
use leptos::prelude::*;

/// The cards, following the agent (a heartbeat alone redraws nothing).
#[component]
pub fn Details() -> impl IntoView {
    crate::ui::use_view_styles(
        "overview-details",
        include_str!("../../style/overview-details.css"),
    );
    let agent = steady_agent();
    // Kept outside the cards, which are rebuilt whenever the agent changes.
    let env_revealed = RwSignal::new(false);
    view! {
        <div class="grid">
            <section class="card" aria-labelledby="ov-scripts">
                <h2 id="ov-scripts">"Scripts"</h2>
                <ScriptsList />
            </section>
            {move || agent.get().map(|a| log_sources(&a))}
            <super::sessions::SessionsCard />
            {move || agent.get().map(|a| app_statuses(&a))}
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
                    let name = if app.display_name.is_empty() {
                        app.slug.clone()
                    } else {
                        app.display_name.clone()
                    };
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
    view! {
        <li class="app-status" class:attention=s.needs_user_attention>
            <Badge tone label=s.state.to_string() />
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
