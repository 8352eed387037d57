//! The overview's Apps card: each app of the agent, its health and sharing, and a link that opens
//! it where coderd's dashboard would (`WorkspaceApp::open`): an external app at its URL, a command
//! in the terminal, a subdomain app at the wildcard host (on the embedded backend, the console's
//! port forwarding), a path app under the deployment's path-app URL. Loaded with the cards below
//! the first screen.
use crate::api::{get_json, use_fetch, Loaded};
use crate::ui::link::safe_http_url;
use crate::ui::status::Tone;
use crate::ui::Badge;
use coder_api::{
    AppHostResponse, AppOpen, AppPlace, RegionsResponse, Workspace, WorkspaceAgent, WorkspaceApp,
};
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

/// What the links need of the deployment: its wildcard host and its path-app URL.
#[derive(Clone, Default, PartialEq)]
struct Place {
    wildcard_host: String,
    path_app_url: Option<String>,
    owner: String,
    workspace: String,
}

/// The card, once the agent is read; links appear as the deployment's answers arrive.
#[component]
pub fn AppsCard(
    #[prop(into)] agent: Signal<Option<WorkspaceAgent>>,
    workspace: ReadSignal<Loaded<Workspace>>,
) -> impl IntoView {
    let id = crate::state::use_agent().id;
    let host = use_fetch(|| get_json::<AppHostResponse>(coder_api::routes::applications_host()));
    let regions = use_fetch(|| get_json::<RegionsResponse>(coder_api::routes::regions()));
    let place = Memo::new(move |_| Place {
        wildcard_host: host.with(|h| h.value.as_ref().map(|h| h.host.clone()).unwrap_or_default()),
        // The primary region's (coderd's own); the embedded backend serves no path apps.
        path_app_url: regions.with(|r| {
            r.value
                .as_ref()
                .and_then(|r| r.regions.first())
                .map(|r| r.path_app_url.clone())
                .filter(|u| !u.is_empty())
        }),
        owner: workspace.with(|w| {
            w.value
                .as_ref()
                .map(|w| w.owner_name.clone())
                .unwrap_or_default()
        }),
        workspace: workspace.with(|w| w.value.as_ref().map(|w| w.name.clone()).unwrap_or_default()),
    });
    move || agent.get().map(|a| place.with(|at| apps_table(&a, at, id)))
}

/// The link that opens `app`, if it opens somewhere this console may link to.
fn open_link(app: &WorkspaceApp, agent: &WorkspaceAgent, at: &Place, id: Uuid) -> Option<AnyView> {
    let place = AppPlace {
        wildcard_host: &at.wildcard_host,
        scheme: &window()
            .location()
            .protocol()
            .unwrap_or_else(|_| "http:".into()),
        // A path app's address needs the workspace's owner and name.
        path_app_url: at
            .path_app_url
            .as_deref()
            .filter(|_| !at.workspace.is_empty()),
        owner: &at.owner,
        workspace: &at.workspace,
        agent: &agent.name,
    };
    match app.open(&place) {
        // Links only to http(s): an app's URL is the template's text.
        AppOpen::Url(url) => safe_http_url(&url).map(|url| {
            let text = url.clone();
            view! {
                <a href=url target="_blank" rel="noopener noreferrer">
                    {text}
                </a>
            }
            .into_any()
        }),
        AppOpen::Command(command) => {
            let href = format!(
                "/agents/{id}/terminal{}",
                coder_api::routes::Query::default()
                    .pair("command", &command)
                    .render()
            );
            Some(view! { <A href=href>{format!("Run {command:?} in the terminal")}</A> }.into_any())
        }
        AppOpen::Nowhere => None,
    }
}

fn app_health_tone(app: &WorkspaceApp) -> Tone {
    use coder_api::WorkspaceAppHealth as H;
    match &app.health {
        H::Healthy => Tone::Ok,
        H::Initializing => Tone::Progress,
        H::Unhealthy => Tone::Danger,
        H::Disabled | H::Unknown(_) => Tone::Neutral,
    }
}

fn apps_table(a: &WorkspaceAgent, at: &Place, id: Uuid) -> impl IntoView {
    let apps = a.apps.clone();
    view! {
        <section class="card" aria-labelledby="ov-apps">
            <h2 id="ov-apps">"Apps"</h2>
            {if apps.is_empty() {
                view! { <p class="muted">"This agent declares no apps."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table>
                            <thead>
                                <tr>
                                    <th>"App"</th>
                                    <th>"Health"</th>
                                    <th>"Sharing"</th>
                                    <th>"Opens"</th>
                                    <th>"Target"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {apps
                                    .into_iter()
                                    .map(|app| {
                                        let tone = app_health_tone(&app);
                                        let target = app
                                            .url
                                            .clone()
                                            .filter(|u| !u.is_empty())
                                            .or(app.command.clone())
                                            .unwrap_or_default();
                                        let opens = open_link(&app, a, at, id);
                                        let name = app.shown_name().to_owned();
                                        let mut flags = Vec::new();
                                        if app.subdomain {
                                            flags.push("subdomain");
                                        }
                                        if app.external {
                                            flags.push("external");
                                        }
                                        if app.hidden {
                                            flags.push("hidden");
                                        }
                                        view! {
                                            <tr>
                                                <td>
                                                    <strong>{name}</strong>
                                                    {app
                                                        .group
                                                        .clone()
                                                        .map(|g| view! { <div class="muted">"Group: "{g}</div> })}
                                                    {(!flags.is_empty())
                                                        .then(|| {
                                                            view! { <div class="muted">{flags.join(", ")}</div> }
                                                        })}
                                                    {app
                                                        .tooltip
                                                        .clone()
                                                        .map(|t| view! { <div class="muted">{t}</div> })}
                                                </td>
                                                <td>
                                                    <Badge tone label=app.health.to_string() />
                                                </td>
                                                <td>{app.sharing_level.to_string()}</td>
                                                <td>
                                                    {app
                                                        .open_in
                                                        .as_ref()
                                                        .map(|o| o.to_string())
                                                        .unwrap_or_else(|| "—".into())}
                                                </td>
                                                <td>
                                                    {opens
                                                        .unwrap_or_else(|| {
                                                            view! { <code>{target}</code> }.into_any()
                                                        })}
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}
