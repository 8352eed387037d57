//! The overview's sections. Every field of the agent is shown somewhere; values this console
//! does not know (newer enum values) are shown as they are.
use super::version::{version_status, VersionStatus};
use crate::api::{get_json, use_fetch, Loaded};
use crate::state::use_agent;
use crate::ui::link::safe_http_url;
use crate::ui::status::{describe_lifecycle, describe_scripts, describe_status, Tone};
use crate::ui::visible::use_near_viewport;
use crate::ui::{Badge, Skeleton, Timestamp};
use coder_api::{BuildInfo, WorkspaceAgent};
use leptos::prelude::*;

type Time = chrono::DateTime<chrono::Utc>;

/// The overview of the agent of the current page.
#[component]
pub fn Overview() -> impl IntoView {
    let ctx = use_agent();
    let buildinfo = use_fetch(|| get_json::<BuildInfo>(coder_api::routes::buildinfo()));
    // Read once for the page: the connect card below needs the deployment's address from it.
    provide_context(DeploymentBuild(buildinfo));
    // The sections render from the agent without `last_connected_at` and `updated_at`, which its
    // heartbeat moves on nearly every re-read: a heartbeat then changes two facts instead of
    // rebuilding the page (and losing a selection or a focused button). Relative times count on
    // by themselves.
    let last_connected = Memo::new(move |_| {
        ctx.agent
            .with(|l| l.value.as_ref().and_then(|a| a.last_connected_at))
    });
    let updated = Memo::new(move |_| ctx.agent.with(|l| l.value.as_ref().map(|a| a.updated_at)));
    let agent = steady_agent();
    let top = move || {
        agent.get().map(|a| {
            view! {
                <div class="overview grid">
                    {summary(&a, buildinfo)} {connection(&a)}
                    {timestamps(&a, last_connected.into(), updated.into())}
                </div>
            }
        })
    };
    // Drawn once: the metadata card streams on its own, the cards below follow the agent by
    // themselves.
    let loaded = Memo::new(move |_| agent.with(|a| a.is_some()));
    view! {
        {top}
        {move || {
            loaded
                .get()
                .then(|| {
                    view! { <LoadWhenNear class="overview-metadata" load=super::metadata_card /> }
                })
        }}
        {move || {
            loaded
                .get()
                .then(|| view! { <LoadWhenNear class="overview-details" load=super::details /> })
        }}
    }
}

/// The deployment's build information, read once by the overview for the cards that need it.
#[derive(Clone, Copy)]
pub struct DeploymentBuild(pub ReadSignal<Loaded<BuildInfo>>);

/// The agent without `last_connected_at` and `updated_at`, which its heartbeat moves on nearly
/// every re-read, and without its latency, which moves with each measurement (the latency card
/// follows it alone): what the overview's cards and the startup chart are drawn from, so a re-read that changes neither
/// redraws nothing (a focused row or a selection stays).
pub(crate) fn steady_agent() -> Memo<Option<WorkspaceAgent>> {
    let ctx = use_agent();
    Memo::new(move |_| {
        ctx.agent.with(|l| {
            l.value.clone().map(|mut a| {
                a.last_connected_at = None;
                a.updated_at = Default::default();
                a.latency = None;
                a
            })
        })
    })
}

pub(crate) fn fact(label: &'static str, value: impl IntoView) -> impl IntoView {
    view! {
        <dt>{label}</dt>
        <dd>{value}</dd>
    }
}

pub(crate) fn or_dash(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into())
}

fn summary(a: &WorkspaceAgent, server: ReadSignal<Loaded<BuildInfo>>) -> impl IntoView {
    let status = describe_status(&a.status);
    let lifecycle = describe_lifecycle(&a.lifecycle_state);
    let health = if a.health.healthy {
        view! { <Badge tone=Tone::Ok label="Healthy".to_string() /> }.into_any()
    } else {
        let reason = a
            .health
            .reason
            .clone()
            .unwrap_or_else(|| "unhealthy".into());
        view! { <Badge tone=Tone::Danger label=reason /> }.into_any()
    };
    // The server's version arrives on its own; only this fact waits for it.
    let (agent_version, agent_api) = (a.version.clone(), a.api_version.clone());
    let version = move || {
        server.with(|b| match &b.value {
        Some(s) => match version_status(&agent_version, &s.version, &agent_api, &s.agent_api_version) {
            VersionStatus::Current => view! { <span>{agent_version.clone()}</span> }.into_any(),
            VersionStatus::Outdated => view! {
                <span>
                    {agent_version.clone()} " "
                    <Badge
                        tone=Tone::Warning
                        label="Outdated".to_string()
                        title=format!(
                            "The server runs {}; restart the workspace to update the agent.",
                            s.version,
                        )
                    />
                </span>
            }.into_any(),
            VersionStatus::Deprecated => view! {
                <span>
                    {agent_version.clone()} " "
                    <Badge
                        tone=Tone::Danger
                        label="Deprecated API".to_string()
                        title=format!(
                            "Agent API {} is older than the server's {}; restart the workspace.",
                            agent_api,
                            s.agent_api_version,
                        )
                    />
                </span>
            }.into_any(),
        },
        // A failed read says so beside the version rather than leaving it unexplained.
        None => view! {
            <span>
                {agent_version.clone()}
                {b
                    .error
                    .as_ref()
                    .map(|e| {
                        view! {
                            <span class="muted">
                                {format!(" (not compared with the server's version: {e})")}
                            </span>
                        }
                    })}
            </span>
        }.into_any(),
    })
    };
    let troubleshooting = safe_http_url(&a.troubleshooting_url).map(|url| {
        view! {
            <a href=url target="_blank" rel="noopener noreferrer">
                "Troubleshooting guide"
            </a>
        }
    });
    view! {
        <section class="card" aria-labelledby="ov-summary">
            <h2 id="ov-summary">"Summary"</h2>
            <dl class="facts">
                {fact(
                    "Status",
                    view! { <Badge tone=status.tone label=status.label title=status.description /> },
                )}
                {fact(
                    "Lifecycle",
                    view! {
                        <Badge
                            tone=lifecycle.tone
                            label=lifecycle.label
                            title=lifecycle.description
                        />
                    },
                )} {fact("Health", health)}
                {describe_scripts(&a.scripts, &a.lifecycle_state)
                    .map(|s| {
                        fact(
                            "Scripts",
                            view! { <Badge tone=s.tone label=s.label title=s.description /> },
                        )
                    })} {fact("Version", version)} {fact("API version", a.api_version.clone())}
                {fact("OS / arch", format!("{} / {}", a.operating_system, a.architecture))}
                {fact("Directory", or_dash(a.directory.clone()))}
                {fact("Expanded directory", or_dash(a.expanded_directory.clone()))}
                {fact(
                    "Startup behaviour",
                    a
                        .startup_script_behavior
                        .as_ref()
                        .map(|b| b.to_string())
                        .unwrap_or_else(|| "—".into()),
                )}
            </dl>
            {troubleshooting}
        </section>
    }
}

fn connection(a: &WorkspaceAgent) -> impl IntoView {
    let overflow = if a.logs_overflowed {
        view! { <Badge tone=Tone::Warning label="Overflowed (1 MiB cap reached)".to_string() /> }
            .into_any()
    } else {
        view! { <span>"No"</span> }.into_any()
    };
    view! {
        <section class="card" aria-labelledby="ov-ids">
            <h2 id="ov-ids">"Identity"</h2>
            <dl class="facts">
                {fact("Agent ID", view! { <code>{a.id.to_string()}</code> })}
                {fact("Resource ID", view! { <code>{a.resource_id.to_string()}</code> })}
                {fact("Parent agent", or_dash(a.parent_id.map(|p| p.to_string())))}
                {fact("Instance ID", or_dash(a.instance_id.clone()))}
                {fact("Connection timeout", format!("{} s", a.connection_timeout_seconds))}
                {fact("Logs stored", format!("{} bytes", a.logs_length))}
                {fact("Logs overflowed", overflow)}
            </dl>
        </section>
    }
}

fn timestamps(
    a: &WorkspaceAgent,
    last_connected: Signal<Option<Time>>,
    updated: Signal<Option<Time>>,
) -> impl IntoView {
    let row =
        |label: &'static str, t: Signal<Option<Time>>| fact(label, view! { <Timestamp at=t /> });
    view! {
        <section class="card" aria-labelledby="ov-times">
            <h2 id="ov-times">"Timeline"</h2>
            <dl class="facts">
                {row("Created", Signal::stored(Some(a.created_at)))}
                {row("First connected", Signal::stored(a.first_connected_at))}
                {row("Last connected", last_connected)}
                {row("Disconnected", Signal::stored(a.disconnected_at))}
                {row("Started", Signal::stored(a.started_at))}
                {row("Ready", Signal::stored(a.ready_at))} {row("Updated", updated)}
            </dl>
        </section>
    }
}

/// Latency tone like Coder's thresholds: under 150 ms good, under 300 ms fair, else slow.
/// A part of the overview whose code loads on its own when it comes near the viewport (the
/// metadata card; the cards below the first screen: scripts, log sources, capabilities,
/// environment), after the agent's name is on screen, so the first page stays small.
#[component]
fn LoadWhenNear<F>(class: &'static str, load: fn() -> F) -> impl IntoView
where
    F: std::future::Future<Output = AnyView> + Send + 'static,
{
    let node = NodeRef::<leptos::html::Div>::new();
    let near = use_near_viewport(node);
    view! {
        <div class=class node_ref=node>
            {move || {
                if near.get() {
                    Suspend::new(load()).into_any()
                } else {
                    view! {
                        <section class="card">
                            <Skeleton lines=3 />
                        </section>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
