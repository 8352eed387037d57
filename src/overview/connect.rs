//! Connecting from one's own machine, as coderd's dashboard offers it: SSH through the Coder CLI
//! (the exact commands, with copy buttons) and VS Code deep links, shown when the deployment is a
//! coderd. The embedded backend has neither an SSH server nor the extension's API, so it says what
//! to use instead.
use crate::api::{get_json, use_fetch, ApiError, Loaded};
use crate::state::use_agent;
use crate::ui::CopyButton;
use coder_api::{
    ssh_host, vscode_open_uri, BuildInfo, DisplayApp, SshConfigResponse, VscodeFlavour,
    VscodeTarget, Workspace, WorkspaceAgent,
};
use leptos::prelude::*;
use leptos_router::components::A;

/// The card: the commands and links once the deployment's SSH settings and the workspace are
/// read.
#[component]
pub fn ConnectCard(
    #[prop(into)] agent: Signal<Option<WorkspaceAgent>>,
    workspace: ReadSignal<Loaded<Workspace>>,
) -> impl IntoView {
    let id = use_agent().id;
    let ssh = use_fetch(|| get_json::<SshConfigResponse>(coder_api::routes::deployment_ssh()));
    // The overview's read, or one of its own where the card stands alone.
    let build = use_context::<super::sections::DeploymentBuild>()
        .map(|b| b.0)
        .unwrap_or_else(|| use_fetch(|| get_json::<BuildInfo>(coder_api::routes::buildinfo())));
    let body = move || {
        let agent = agent.get()?;
        Some(ssh.with(|ssh| {
            match ssh {
                Loaded {
                    error: Some(ApiError::NotFound(_)),
                    ..
                } => embedded(id).into_any(),
                Loaded {
                    value: Some(config),
                    ..
                } => workspace.with(|w| match (&w.value, &w.error) {
                    (Some(w), _) => {
                        let url = build.with(|b| deployment_url(b.value.as_ref()));
                        helpers(&agent, w, config, &url).into_any()
                    }
                    (None, Some(e)) => view! {
                        <p class="notice tone-warning">
                            {format!(
                                "The workspace could not be read, so the commands are unknown: {e}",
                            )}
                        </p>
                    }
                    .into_any(),
                    (None, None) => view! { <crate::ui::Skeleton lines=2 /> }.into_any(),
                }),
                Loaded { error: Some(e), .. } => view! {
                    <p class="notice tone-warning">
                        {format!("The deployment's SSH settings could not be read: {e}")}
                    </p>
                }
                .into_any(),
                _ => view! { <crate::ui::Skeleton lines=2 /> }.into_any(),
            }
        }))
    };
    view! {
        <section class="card connect-card" aria-labelledby="ov-connect">
            <h2 id="ov-connect">"Connect from your machine"</h2>
            {body}
        </section>
    }
}

/// Where the extension signs in: coderd's own URL when buildinfo names it (through this console's
/// proxy it does), else this page's origin.
fn deployment_url(build: Option<&BuildInfo>) -> String {
    build
        .and_then(|b| crate::ui::link::safe_http_url(&b.dashboard_url))
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| window().location().origin().unwrap_or_default())
}

fn embedded(id: uuid::Uuid) -> impl IntoView {
    view! {
        <p>
            "This agent is the machine the console runs on, and its "
            <A href=format!("/agents/{id}/terminal")>"Terminal"</A>
            " is a shell there. Connecting with SSH or VS Code Remote through the Coder CLI needs a coderd: start the console with "
            <code>"--coder-url"</code> "."
        </p>
    }
}

fn helpers(
    agent: &WorkspaceAgent,
    w: &Workspace,
    config: &SshConfigResponse,
    url: &str,
) -> impl IntoView {
    let offers = |app: DisplayApp| agent.display_apps.contains(&app);
    let ssh = offers(DisplayApp::SshHelper).then(|| {
        let host = ssh_host(&config.hostname_prefix, &w.name, &agent.name);
        view! {
            <h3>"SSH"</h3>
            <ol class="connect-steps">
                {step("Configure SSH hosts on your machine:", "coder config-ssh".to_owned())}
                {step("Connect to the agent:", format!("ssh {host}"))}
            </ol>
            <p class="muted">
                <a href="https://coder.com/docs/install" target="_blank" rel="noopener noreferrer">
                    "Install the Coder CLI"
                </a>
            </p>
        }
    });
    let target = VscodeTarget {
        owner: &w.owner_name,
        workspace: &w.name,
        url,
        agent: &agent.name,
        folder: agent.expanded_directory.as_deref(),
    };
    let editors: Vec<_> = [
        (DisplayApp::Vscode, VscodeFlavour::Stable, "Open in VS Code"),
        (
            DisplayApp::VscodeInsiders,
            VscodeFlavour::Insiders,
            "Open in VS Code Insiders",
        ),
    ]
    .into_iter()
    .filter(|(app, ..)| offers(app.clone()))
    .map(|(_, flavour, label)| {
        view! {
            <a class="btn" href=vscode_open_uri(flavour, &target)>
                {label}
            </a>
        }
    })
    .collect();
    let vscode = (!editors.is_empty()).then(|| {
        view! {
            <h3>"VS Code"</h3>
            <p class="connect-editors">{editors}</p>
            <p class="muted">
                {format!(
                    "Needs the Coder extension; the first time, it asks you to sign in to {url}.",
                )}
            </p>
        }
    });
    if ssh.is_none() && vscode.is_none() {
        return view! { <p class="muted">"The template offers no SSH or VS Code helper for this agent."</p> }
        .into_any();
    }
    view! {
        {ssh}
        {vscode}
    }
    .into_any()
}

fn step(label: &'static str, command: String) -> impl IntoView {
    view! {
        <li>
            <span>{label}</span>
            <code class="connect-command">{command.clone()}</code>
            <CopyButton text=command />
        </li>
    }
}
