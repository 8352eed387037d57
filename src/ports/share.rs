//! Port sharing in the ports view: the workspace's shares (`/workspaces/{id}/port-share`, read
//! every few seconds), the template's ceiling (`max_port_share_level`), a share form on each
//! port's row and the list of shared ports with their level, protocol and removal. Levels above
//! the ceiling are offered disabled, with coderd's dashboard's reason; whatever the server
//! refuses is shown with its own message.
use super::forward::{ForwardBase, Protocol};
use super::view::PortLink;
use crate::api::{get_json, send_json, use_fetch, use_poll, ApiError, Method};
use crate::ui::ErrorBanner;
use coder_api::{
    DeleteWorkspaceAgentPortShareRequest, Template, UpsertWorkspaceAgentPortShareRequest,
    WorkspaceAgentPortShare, WorkspaceAgentPortShareLevel as Level,
    WorkspaceAgentPortShareProtocol as ShareProtocol, WorkspaceAgentPortShares,
};
use leptos::prelude::*;
use uuid::Uuid;

/// How often the shares are read again (coderd's dashboard reads them on open and after each
/// change; another tab or user may change them too).
const SHARES_REFRESH_MS: u32 = 5_000;

/// What the view knows of the agent's shares (cheap to copy; provided as context).
#[derive(Clone, Copy)]
pub struct Sharing {
    /// This agent's shares, by port; `None` until the first read.
    pub shares: RwSignal<Option<Vec<WorkspaceAgentPortShare>>>,
    /// The template's ceiling; `None` until read (or when it cannot be: the server decides).
    pub max_level: RwSignal<Option<Level>>,
    /// Why the shares or the template could not be read.
    pub load_error: RwSignal<Option<ApiError>>,
    /// Why the last share, change or removal failed.
    pub action_error: RwSignal<Option<ApiError>>,
    target: RwSignal<Option<(Uuid, String)>>,
}

impl Sharing {
    /// Nothing known yet.
    pub fn new() -> Self {
        Self {
            shares: RwSignal::new(None),
            max_level: RwSignal::new(None),
            load_error: RwSignal::new(None),
            action_error: RwSignal::new(None),
            target: RwSignal::new(None),
        }
    }

    /// The share of `port`, if it is shared (tracked).
    pub fn share_of(&self, port: u16) -> Option<WorkspaceAgentPortShare> {
        self.shares.with(|s| {
            s.as_ref()?
                .iter()
                .find(|s| s.port == i32::from(port))
                .cloned()
        })
    }

    /// The ceiling the choices follow: while unknown, every level is offered and the server
    /// refuses what its template does not allow.
    fn ceiling(&self) -> Level {
        self.max_level.get().unwrap_or(Level::Public)
    }

    /// Shares `port` (or changes its share) at `level` over `protocol`.
    pub fn upsert(self, port: u16, level: Level, protocol: ShareProtocol) {
        let Some((workspace, agent)) = self.target.get_untracked() else {
            return;
        };
        let body = UpsertWorkspaceAgentPortShareRequest {
            agent_name: agent.clone(),
            port: i32::from(port),
            share_level: level,
            protocol,
        };
        leptos::task::spawn_local(async move {
            let path = coder_api::routes::workspace_port_share(&workspace);
            let answer =
                send_json::<_, WorkspaceAgentPortShare>(Method::Post, &path, &body, None).await;
            match answer {
                Ok(share) => {
                    let _ = self.shares.try_update(|list| {
                        let list = list.get_or_insert_with(Vec::new);
                        list.retain(|s| s.port != share.port);
                        list.push(share);
                        list.sort_by_key(|s| s.port);
                    });
                    let _ = self.action_error.try_set(None);
                }
                Err(e) => {
                    let _ = self.action_error.try_set(Some(e));
                }
            }
        });
    }

    /// Stops sharing `port`.
    pub fn delete(self, port: u16) {
        let Some((workspace, agent)) = self.target.get_untracked() else {
            return;
        };
        let body = DeleteWorkspaceAgentPortShareRequest {
            agent_name: agent,
            port: i32::from(port),
        };
        leptos::task::spawn_local(async move {
            let path = coder_api::routes::workspace_port_share(&workspace);
            match send_json::<_, ()>(Method::Delete, &path, &body, None).await {
                Ok(()) => {
                    let _ = self.shares.try_update(|list| {
                        if let Some(list) = list {
                            list.retain(|s| s.port != body.port);
                        }
                    });
                    let _ = self.action_error.try_set(None);
                }
                Err(e) => {
                    let _ = self.action_error.try_set(Some(e));
                }
            }
        });
    }
}

/// The sharing context of the ports view, when there is one.
pub fn use_sharing() -> Option<Sharing> {
    use_context::<Sharing>()
}

/// Reads the shares (polled) and the template's ceiling (once) of `workspace` into `sharing`,
/// keeping the shares of `agent` only. Rendered once the workspace is known; its cleanup stops
/// the reads.
#[component]
pub fn ShareFeed(
    workspace: Uuid,
    template: Uuid,
    agent: String,
    sharing: Sharing,
) -> impl IntoView {
    sharing.target.set(Some((workspace, agent.clone())));
    let shares = use_poll(Some(SHARES_REFRESH_MS), move || {
        get_json::<WorkspaceAgentPortShares>(coder_api::routes::workspace_port_share(&workspace))
    });
    let template = use_fetch(move || get_json::<Template>(coder_api::routes::template(&template)));
    Effect::new(move |_| {
        shares.with(|s| {
            if let Some(list) = &s.value {
                let mine: Vec<_> = list
                    .shares
                    .iter()
                    .filter(|s| s.agent_name == agent)
                    .cloned()
                    .collect();
                sharing.shares.set(Some(mine));
            }
            sharing.load_error.set(s.error.clone());
        })
    });
    Effect::new(move |_| {
        template.with(|t| {
            if let Some(t) = &t.value {
                sharing.max_level.set(Some(t.max_port_share_level.clone()));
            }
        })
    });
}

/// The words a level is shown with; unknown levels as sent.
fn level_label(level: &Level) -> String {
    match level {
        Level::Owner => "Owner".into(),
        Level::Authenticated => "Authenticated".into(),
        Level::Organization => "Organization".into(),
        Level::Public => "Public".into(),
        Level::Unknown(raw) => raw.clone(),
    }
}

/// `<option>`s of the levels a share may have, `current` selected, those above the ceiling
/// disabled with their reason as a tooltip; a `current` no share may have (a level this console
/// does not know) is kept, as text.
fn level_options(ceiling: Level, current: Level) -> impl IntoView {
    let unknown = (!current.is_shareable()).then(|| {
        let c = current.clone();
        let label = format!("{} (not offered)", level_label(&c));
        view! {
            <option value=c.as_str().to_owned() selected disabled>
                {label}
            </option>
        }
    });
    let known = Level::SHAREABLE
        .into_iter()
        .map(|l| {
            let reason = l.refusal_under(&ceiling);
            let label = match reason {
                Some(_) => format!("{} (not allowed)", level_label(&l)),
                None => level_label(&l),
            };
            let is_selected = l == current;
            view! {
                <option
                    value=l.as_str().to_owned()
                    disabled=reason.is_some()
                    title=reason.unwrap_or_default()
                    selected=is_selected
                >
                    {label}
                </option>
            }
        })
        .collect_view();
    (unknown, known)
}

/// The reasons of the levels the ceiling leaves out, shown under the choice (a disabled option's
/// tooltip alone is hard to find, and absent on phones).
#[component]
fn CeilingReasons(sharing: Sharing) -> impl IntoView {
    move || {
        let ceiling = sharing.ceiling();
        let reasons: Vec<&'static str> = Level::SHAREABLE
            .iter()
            .filter_map(|l| l.refusal_under(&ceiling))
            .filter(|r| !r.contains("Contact"))
            .collect();
        (!reasons.is_empty()).then(|| {
            view! {
                <ul class="share-reasons muted plain">
                    {reasons.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                </ul>
            }
        })
    }
}

fn protocol_options(current: ShareProtocol) -> impl IntoView {
    let unknown = (!current.is_valid()).then(|| {
        view! {
            <option value=current.as_str().to_owned() selected disabled>
                {current.as_str().to_owned()}
            </option>
        }
    });
    let known = [ShareProtocol::Http, ShareProtocol::Https]
        .into_iter()
        .map(|p| {
            let selected = p == current;
            view! {
                <option value=p.as_str().to_owned() selected=selected>
                    {p.as_str().to_uppercase()}
                </option>
            }
        })
        .collect_view();
    (unknown, known)
}

/// The share control of a listening port's row: who may open it and over which protocol, or
/// the share it has. The form stays put while the template's ceiling arrives: only its options
/// follow it.
#[component]
pub fn ShareControl(port: u16, protocol: Signal<Protocol>) -> impl IntoView {
    let Some(sharing) = use_sharing() else {
        return ().into_any();
    };
    let share = Memo::new(move |_| sharing.share_of(port));
    let allowed = Memo::new(move |_| {
        Level::Organization
            .refusal_under(&sharing.ceiling())
            .is_none()
    });
    (move || {
        if let Some(s) = share.get() {
            let text = format!("Shared: {}", level_label(&s.share_level));
            return view! { <span class="badge share-badge">{text}</span> }.into_any();
        }
        if !allowed.get() {
            return ().into_any();
        }
        // The dashboard's default: authenticated, else organization (the ceiling's choice).
        let ceiling = sharing.max_level.get_untracked().unwrap_or(Level::Public);
        let level = RwSignal::new(if Level::Authenticated.refusal_under(&ceiling).is_none() {
            Level::Authenticated
        } else {
            Level::Organization
        });
        let proto = RwSignal::new(match protocol.get_untracked() {
            Protocol::Https => ShareProtocol::Https,
            Protocol::Http => ShareProtocol::Http,
        });
        let submit = move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            sharing.upsert(port, level.get_untracked(), proto.get_untracked());
        };
        view! {
            <details class="port-share">
                <summary class="btn btn-small">"Share"</summary>
                <form class="share-form" on:submit=submit>
                    <label>
                        "Who can open it"
                        <select
                            aria-label=format!("Share level of port {port}")
                            on:change=move |ev| level.set(event_target_value(&ev).into())
                        >
                            {move || level_options(sharing.ceiling(), level.get())}
                        </select>
                    </label>
                    <label>
                        "Protocol"
                        <select
                            aria-label=format!("Share protocol of port {port}")
                            on:change=move |ev| proto.set(event_target_value(&ev).into())
                        >
                            {protocol_options(proto.get_untracked())}
                        </select>
                    </label>
                    <button type="submit" class="btn btn-small btn-primary">
                        {format!("Share port {port}")}
                    </button>
                    <CeilingReasons sharing />
                </form>
            </details>
        }
        .into_any()
    })
    .into_any()
}

/// The agent's shared ports: each with its link, level and protocol to change, and a button to
/// stop sharing; the errors of reading and changing them.
#[component]
pub fn SharedPorts(forward: Signal<Option<ForwardBase>>) -> impl IntoView {
    let Some(sharing) = use_sharing() else {
        return ().into_any();
    };
    let intro = move || {
        if Level::Organization
            .refusal_under(&sharing.ceiling())
            .is_some()
        {
            "This workspace template does not allow sharing ports. Contact a template administrator to enable port sharing."
        } else {
            "A shared port opens for others too: public ones without signing in."
        }
    };
    view! {
        <section class="shared-ports" aria-labelledby="shared-title">
            <h3 id="shared-title">"Shared ports"</h3>
            <p class="muted">{intro}</p>
            {move || sharing.action_error.get().map(|e| view! { <ErrorBanner error=e /> })}
            {move || sharing.load_error.get().map(|e| view! { <ErrorBanner error=e /> })}
            {move || match sharing.shares.get() {
                None => ().into_any(),
                Some(list) if list.is_empty() => {
                    view! { <p class="muted">"No port is shared."</p> }.into_any()
                }
                Some(_) => {
                    view! {
                        <ul class="share-list plain">
                            <For
                                each=move || sharing.shares.get().unwrap_or_default()
                                key=|s| (s.port, s.share_level.clone(), s.protocol.clone())
                                let:share
                            >
                                <SharedPort share forward sharing />
                            </For>
                        </ul>
                    }
                        .into_any()
                }
            }}
        </section>
    }
    .into_any()
}

#[component]
fn SharedPort(
    share: WorkspaceAgentPortShare,
    forward: Signal<Option<ForwardBase>>,
    sharing: Sharing,
) -> impl IntoView {
    let Ok(port) = u16::try_from(share.port) else {
        // Not a port this console can open: shown as sent, still removable by the server's API.
        return view! { <li class="card share-row">{format!("Port {}", share.port)}</li> }
            .into_any();
    };
    let protocol = Protocol::parse(share.protocol.as_str());
    let url = move || forward.get().and_then(|f| f.url(port, protocol).ok());
    let level = share.share_level.clone();
    let current_protocol = share.protocol.clone();
    let level_for_change = level.clone();
    let protocol_for_level = current_protocol.clone();
    view! {
        <li class="card share-row" data-share-port=port>
            <span class="port-number">{port}</span>
            {move || url().map(|u| view! { <PortLink url=u /> })}
            <select
                aria-label=format!("Who can open shared port {port}")
                on:change=move |ev| {
                    sharing.upsert(port, event_target_value(&ev).into(), protocol_for_level.clone())
                }
            >
                {level_options(sharing.ceiling(), level.clone())}
            </select>
            <select
                aria-label=format!("Protocol of shared port {port}")
                on:change=move |ev| {
                    sharing.upsert(port, level_for_change.clone(), event_target_value(&ev).into())
                }
            >
                {protocol_options(current_protocol.clone())}
            </select>
            <button type="button" class="btn btn-small" on:click=move |_| sharing.delete(port)>
                {format!("Stop sharing port {port}")}
            </button>
        </li>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_read_as_words_and_unknown_ones_as_sent() {
        assert_eq!(level_label(&Level::Public), "Public");
        assert_eq!(level_label(&"<b>team</b>".into()), "<b>team</b>");
    }
}
