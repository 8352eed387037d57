//! The ports view's components.
use super::changes::PortTracker;
use super::forward::{
    label_key, parse_port_input, protocol_key, ForwardBase, ForwardProblem, Protocol,
};
use super::policy::PortPolicy;
use super::policy_view::{Policies, PolicyChoice, RangePolicies};
use super::share::{ShareControl, ShareFeed, SharedPorts, Sharing};
use super::{use_forwarding, Forwarding};
use crate::api::{get_json, open_forwarded, use_poll};
use crate::state::use_agent;
use crate::ui::{storage, CopyButton, EmptyState, ErrorBanner, Skeleton};
use coder_api::{WorkspaceAgentListeningPort, WorkspaceAgentListeningPortsResponse};
use leptos::prelude::*;

/// Polling period: a new port shows within 2 s (Coder's dashboard polls every 5 s).
const PORTS_REFRESH_MS: u32 = 1_500;

/// `/agents/{id}/ports`.
#[component]
pub fn PortsView() -> impl IntoView {
    crate::ui::use_view_styles("ports-share", include_str!("../../style/ports-share.css"));
    let agent = use_agent();
    let ports_path = coder_api::routes::listening_ports(&agent.id);
    let ports = use_poll(Some(PORTS_REFRESH_MS), move || {
        let p = ports_path.clone();
        async move { get_json::<WorkspaceAgentListeningPortsResponse>(&p).await }
    });
    // A link needs both reads; if either failed, say which instead of "preparing" for ever.
    let Forwarding {
        base: forward,
        error: link_error,
        workspace,
    } = use_forwarding();
    let sharing = Sharing::new();
    provide_context(sharing);
    let policies = Policies::new();
    provide_context(policies);
    let protocol = RwSignal::new(Protocol::Http);
    // What is remembered per workspace: the protocol choice and the port policies.
    Effect::new(move |_| {
        if let Some(f) = forward.get() {
            if let Some(saved) = storage::load(&protocol_key(&f.workspace_id)) {
                protocol.set(Protocol::parse(&saved));
            }
            policies.load(&f.workspace_id);
        }
    });
    let agent_name =
        Memo::new(move |_| forward.with(|f| f.as_ref().map(|f| f.owner.agent.clone())));
    let set_protocol = move |p: Protocol| {
        protocol.set(p);
        if let Some(f) = forward.get_untracked() {
            storage::save(&protocol_key(&f.workspace_id), p.as_str());
        }
    };

    let list = Memo::new(move |_| ports.with(|p| p.value.as_ref().map(|l| l.ports.clone())));
    let loaded = Memo::new(move |_| list.with(Option::is_some));
    let refresh_error = Memo::new(move |_| ports.with(|p| p.error.clone()));

    // Ports that open while the view is open: announced, opened in a new tab, or ignored, as
    // their policy says. The bool says the port was opened.
    let tracker = StoredValue::new(PortTracker::default());
    let (fresh, set_fresh) = signal(Vec::<(WorkspaceAgentListeningPort, bool)>::new());
    Effect::new(move |_| {
        ports.with(|p| {
            if let Some(list) = &p.value {
                let new = tracker
                    .try_update_value(|t| t.update(list.ports.iter().map(|p| p.port)))
                    .unwrap_or_default();
                for port in list.ports.iter().filter(|p| new.contains(&p.port)) {
                    let opened = match policies.policy_of_untracked(port.port) {
                        PortPolicy::Ignore => continue,
                        PortPolicy::Notify => false,
                        PortPolicy::Open => open_new_port(forward, protocol, port.port),
                    };
                    set_fresh.update(|f| f.push((port.clone(), opened)));
                }
            }
        })
    });
    // Ignored ports are left out of the list until the user shows them.
    let show_hidden = RwSignal::new(false);
    let ignored =
        move |p: &WorkspaceAgentListeningPort| policies.policy_of(p.port) == PortPolicy::Ignore;
    let hidden = Memo::new(move |_| {
        list.with(|l| {
            l.as_ref()
                .map_or(0, |l| l.iter().filter(|p| ignored(p)).count())
        })
    });
    let shown = Signal::derive(move || {
        let all = list.get().unwrap_or_default();
        if show_hidden.get() {
            all
        } else {
            all.into_iter().filter(|p| !ignored(p)).collect()
        }
    });

    view! {
        <section class="ports" aria-labelledby="ports-title">
            <div class="section-head">
                <h2 id="ports-title">"Listening ports"</h2>
                <ProtocolChoice protocol set_protocol />
            </div>
            {move || {
                forward
                    .get()
                    .and_then(|f| f.url(8080, Protocol::Http).err())
                    .filter(|p| *p == ForwardProblem::NoWildcardHost)
                    .map(|p| {
                        view! {
                            <p class="notice tone-warning" role="note">
                                {p.explain()}
                            </p>
                        }
                    })
            }}
            {move || link_error.get().map(|e| view! { <ErrorBanner error=e /> })}
            <div aria-live="polite">
                {move || {
                    fresh
                        .get()
                        .into_iter()
                        .map(|(p, opened)| {
                            let port = p.port;
                            let name = if p.process_name.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", p.process_name)
                            };
                            let url = forward.get().and_then(|f| f.url(port, protocol.get()).ok());
                            view! {
                                <div class="notice tone-ok new-port" role="status">
                                    <span>
                                        "Port " <strong>{port}</strong> {name} " just opened"
                                        {if opened {
                                            ": opening it in a new tab (if none appears, allow pop-ups for this console)."
                                        } else {
                                            "."
                                        }}
                                    </span>
                                    {url
                                        .map(|u| {
                                            view! {
                                                <a
                                                    class="btn btn-small"
                                                    href=u.clone()
                                                    target="_blank"
                                                    rel="noopener noreferrer"
                                                    on:click=open_signed_in(u)
                                                >
                                                    "Open"
                                                </a>
                                            }
                                        })}
                                    <button
                                        type="button"
                                        class="btn btn-small btn-ghost"
                                        aria-label="Dismiss"
                                        on:click=move |_| {
                                            set_fresh.update(|f| f.retain(|x| x.0.port != port))
                                        }
                                    >
                                        "✕"
                                    </button>
                                </div>
                            }
                        })
                        .collect_view()
                }}
            </div>
            // Each refresh (every 1.5 s) changes only what changed: a row being labelled or
            // clicked must not be rebuilt under the user's hands.
            {move || {
                if loaded.get() {
                    view! {
                        {move || refresh_error.get().map(|e| view! { <ErrorBanner error=e /> })}
                        <HiddenToggle hidden show_hidden />
                        <PortList
                            ports=shown
                            forward=forward.into()
                            protocol=protocol.into()
                            link_failed=Signal::derive(move || link_error.with(Option::is_some))
                            hidden=Signal::derive(move || hidden.get())
                        />
                    }
                        .into_any()
                } else {
                    match refresh_error.get() {
                        Some(e) => view! { <ErrorBanner error=e /> }.into_any(),
                        None => view! { <Skeleton lines=3 /> }.into_any(),
                    }
                }
            }}
            {move || {
                let (workspace, template) = workspace.get()?;
                let agent = agent_name.get()?;
                Some(view! { <ShareFeed workspace template agent sharing /> })
            }}
            <SharedPorts forward=forward.into() />
            <RangePolicies />
            <ConnectToPort forward=forward.into() protocol=protocol.into() />
        </section>
    }
}

/// Opens a port that just started listening in a new tab (its policy says so); false when its
/// address cannot be built yet.
fn open_new_port(
    forward: Memo<Option<ForwardBase>>,
    protocol: RwSignal<Protocol>,
    port: u16,
) -> bool {
    let url = forward.with_untracked(|f| f.as_ref().map(|f| f.url(port, protocol.get_untracked())));
    match url {
        Some(Ok(url)) => {
            open_forwarded(url);
            true
        }
        _ => false,
    }
}

/// "Show N hidden ports" while ignored ports are hidden, "Hide ignored ports" while shown.
#[component]
fn HiddenToggle(hidden: Memo<usize>, show_hidden: RwSignal<bool>) -> impl IntoView {
    move || {
        let n = hidden.get();
        (n > 0).then(|| {
            let text = if show_hidden.get() {
                "Hide ignored ports".to_owned()
            } else if n == 1 {
                "Show 1 hidden port".to_owned()
            } else {
                format!("Show {n} hidden ports")
            };
            view! {
                <button
                    type="button"
                    class="btn btn-small btn-ghost hidden-toggle"
                    aria-pressed=move || show_hidden.get().to_string()
                    on:click=move |_| show_hidden.update(|s| *s = !*s)
                >
                    {text}
                </button>
            }
        })
    }
}

/// A link's click: the port opens signed in (its `href` stays the plain address, for copying
/// and for opening elsewhere, where the port's host asks to sign in). Modified clicks (a new
/// window or tab the user chose) keep the browser's own handling.
pub fn open_signed_in(url: String) -> impl Fn(web_sys::MouseEvent) + 'static {
    move |ev: web_sys::MouseEvent| {
        if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
            return;
        }
        ev.prevent_default();
        open_forwarded(url.clone());
    }
}

/// A forwarded port's address as a link that opens it signed in.
#[component]
pub(super) fn PortLink(url: String) -> impl IntoView {
    let open = open_signed_in(url.clone());
    let href = url.clone();
    view! {
        <a class="port-url mono" href=href target="_blank" rel="noopener noreferrer" on:click=open>
            {url}
        </a>
    }
}

#[component]
fn ProtocolChoice(
    protocol: RwSignal<Protocol>,
    set_protocol: impl Fn(Protocol) + Copy + 'static,
) -> impl IntoView {
    view! {
        <fieldset class="segmented" aria-label="Protocol of forwarded ports">
            <legend class="visually-hidden">"Protocol"</legend>
            {[Protocol::Http, Protocol::Https]
                .into_iter()
                .map(|p| {
                    view! {
                        <label class:active=move || protocol.get() == p>
                            <input
                                type="radio"
                                name="port-protocol"
                                value=p.as_str()
                                prop:checked=move || protocol.get() == p
                                on:change=move |_| set_protocol(p)
                            />
                            {p.as_str().to_uppercase()}
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

/// The listening ports, one card each (kept across refreshes by port and process), or an
/// explanation when there are none.
#[component]
pub fn PortList(
    #[prop(into)] ports: Signal<Vec<WorkspaceAgentListeningPort>>,
    forward: Signal<Option<ForwardBase>>,
    protocol: Signal<Protocol>,
    /// The reads links need failed (the view shows why above the list).
    #[prop(optional, into)]
    link_failed: Signal<bool>,
    /// How many listening ports are left out (ignored).
    #[prop(optional, into)]
    hidden: Signal<usize>,
) -> impl IntoView {
    let empty = Memo::new(move |_| ports.with(Vec::is_empty));
    move || {
        if empty.get() && hidden.get() > 0 {
            return view! { <p class="muted">"Every listening port is ignored."</p> }.into_any();
        }
        if empty.get() {
            return view! {
                <EmptyState title="No ports are listening">
                    <p>
                        "Start a server in the workspace (for example "
                        <code>"python3 -m http.server 8000"</code>
                        ") and it appears here within two seconds."
                    </p>
                </EmptyState>
            }
            .into_any();
        }
        view! {
            <ul class="port-list plain">
                <For each=move || ports.get() key=|p| (p.port, p.process_name.clone()) let:p>
                    <PortRow port=p forward protocol link_failed />
                </For>
            </ul>
        }
        .into_any()
    }
}

#[component]
fn PortRow(
    port: WorkspaceAgentListeningPort,
    forward: Signal<Option<ForwardBase>>,
    protocol: Signal<Protocol>,
    /// The reads a link needs failed: the row says so instead of waiting.
    link_failed: Signal<bool>,
) -> impl IntoView {
    let number = port.port;
    let url = Memo::new(move |_| forward.get().map(|f| f.url(number, protocol.get())));
    let label = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(f) = forward.get() {
            label.set(storage::load(&label_key(&f.workspace_id, number)).unwrap_or_default());
        }
    });
    let save_label = move |value: String| {
        label.set(value.clone());
        if let Some(f) = forward.get_untracked() {
            storage::save(&label_key(&f.workspace_id, number), value.trim());
        }
    };
    let process = if port.process_name.is_empty() {
        "unknown process".to_string()
    } else {
        port.process_name.clone()
    };
    view! {
        <li class="card port-row" data-port=number>
            <div class="port-main">
                <span class="port-number">{number}</span>
                <span class="muted port-process">{process}</span>
                <label class="port-label">
                    <span class="visually-hidden">{format!("Label for port {number}")}</span>
                    <input
                        type="text"
                        placeholder="Add a label"
                        maxlength="60"
                        prop:value=move || label.get()
                        on:change=move |ev| save_label(event_target_value(&ev))
                    />
                </label>
            </div>
            {move || match url.get() {
                Some(Ok(u)) => {
                    view! {
                        <div class="port-actions">
                            <PortLink url=u.clone() />
                            <a
                                class="btn btn-small btn-primary"
                                href=u.clone()
                                target="_blank"
                                rel="noopener noreferrer"
                                aria-label=format!("Open port {number}")
                                on:click=open_signed_in(u.clone())
                            >
                                "Open"
                            </a>
                            <CopyButton text=u.clone() label="Copy URL".to_string() />
                        </div>
                    }
                        .into_any()
                }
                Some(Err(problem)) => view! { <p class="muted">{problem.explain()}</p> }.into_any(),
                None if link_failed.get() => {
                    view! { <p class="muted">"No link: a read it needs failed (see above)."</p> }
                        .into_any()
                }
                None => view! { <p class="muted">"Preparing the link…"</p> }.into_any(),
            }}
            <div class="port-extra">
                <PolicyChoice port=number />
                <ShareControl port=number protocol />
            </div>
        </li>
    }
}

#[component]
fn ConnectToPort(
    forward: Signal<Option<ForwardBase>>,
    protocol: Signal<Protocol>,
) -> impl IntoView {
    let (input, set_input) = signal(String::new());
    let (error, set_error) = signal(None::<String>);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let port = match parse_port_input(&input.get_untracked()) {
            Ok(p) => p,
            Err(e) => return set_error.set(Some(e)),
        };
        match forward
            .get_untracked()
            .map(|f| f.url(port, protocol.get_untracked()))
        {
            Some(Ok(url)) => {
                set_error.set(None);
                open_forwarded(url);
            }
            Some(Err(problem)) => set_error.set(Some(problem.explain())),
            None => set_error.set(Some(
                "The forwarding address is still loading; try again in a moment.".into(),
            )),
        }
    };
    view! {
        <form
            class="card connect-port form"
            novalidate
            on:submit=on_submit
            aria-labelledby="connect-title"
        >
            <h3 id="connect-title">"Connect to a port"</h3>
            <p class="muted">"Open any port of the workspace, listening or not yet detected."</p>
            <div class="inline-form">
                <label for="connect-port" class="visually-hidden">
                    "Port number"
                </label>
                <input
                    id="connect-port"
                    type="number"
                    inputmode="numeric"
                    min="9"
                    max="65535"
                    placeholder="Port (9–65535)"
                    prop:value=input
                    on:input=move |ev| set_input.set(event_target_value(&ev))
                    aria-invalid=move || error.get().is_some().to_string()
                    aria-describedby="connect-error"
                />
                <button type="submit" class="btn btn-primary">
                    "Open"
                </button>
            </div>
            <p id="connect-error" class="field-error" role="alert">
                {move || error.get()}
            </p>
        </form>
    }
}
