//! The web terminal: a real, reconnecting shell on the agent in xterm.js.
//!
//! - `session` ties xterm.js, the PTY socket and flow control together and reconnects;
//! - `socket` is one PTY WebSocket connection; `flow` the watermarks between it and xterm;
//! - `protocol`, `links`, `osc`, `keybar` hold the pure rules (messages and states, which links
//!   open where, clipboard and title requests, key-bar bytes), tested natively;
//! - `xterm` loads xterm.js on demand and binds what `xterm-js-rs` lacks for xterm 6;
//! - `page` is the browser glue (address bar, listeners, viewport, test hooks);
//! - `bar`, `alerts` and `dialogs` are the view's parts: its bar, the notices above the screen,
//!   and the two questions it asks.
//!
//! This file is the view's state and how it starts, reacts and ends. The PTY socket itself is
//! `crate::api::pty_socket`.
mod alerts;
mod bar;
mod dialogs;
pub mod flow;
pub mod fonts;
pub mod keybar;
pub mod links;
pub mod osc;
mod page;
pub mod protocol;
mod search;
mod select_text;
mod session;
mod tab_bar;
pub mod tabs;
mod usage;
pub mod utf8;
mod xterm;

use crate::state::{use_agent, use_shell, Shell};
use crate::ui::storage;
use alerts::{AgentAlerts, ClipboardOffer, ConnectionNotice};
use bar::TerminalBar;
use dialogs::{Consent, ConsentDialog, LinkDialog};
use gloo_events::EventListener as Listener;
use keybar::KeyBar;
use leptos::html;
use leptos::prelude::*;
use page::Observer;
use protocol::{ConnState, PageParams};
use search::SearchBar;
use select_text::{PasteBox, SelectText};
use session::{Session, SessionUi, Target};
use std::rc::Rc;
use tab_bar::{TabActions, TabBar};
use tabs::TabList;
use uuid::Uuid;
use wasm_bindgen::JsCast;

/// Font sizes offered (CSS pixels).
const FONT_MIN: u32 = 8;
const FONT_MAX: u32 = 32;
const FONT_DEFAULT: u32 = 14;
const FONT_KEY: &str = "agent-console.terminal.font-size";

/// Things kept alive exactly as long as the view (not `Send`, so stored locally).
#[derive(Default)]
struct Live {
    session: Option<Rc<Session>>,
    listeners: Vec<Listener>,
    observer: Option<Observer>,
}

/// The view's live parts, shared by its components.
#[derive(Clone, Copy)]
struct LiveSession(StoredValue<Live, LocalStorage>);

impl LiveSession {
    /// Runs `f` on the session, if there is one (and the view is still there).
    fn with(self, f: impl Fn(&Rc<Session>)) {
        self.0.try_with_value(|l| {
            if let Some(s) = &l.session {
                f(s)
            }
        });
    }
}

/// `/agents/{id}/terminal`.
#[component]
pub fn TerminalView() -> impl IntoView {
    crate::ui::use_view_styles("terminal", include_str!("../../style/terminal.css"));
    view! { <TerminalTabs agent=use_agent().id /> }
}

/// The agent's terminal tabs: the strip, then one [`Terminal`] per tab. Every tab stays mounted
/// (its socket open, its output parsed); only the shown one is laid out and drawn.
#[component]
fn TerminalTabs(agent: Uuid) -> impl IntoView {
    let params = page::read_params();
    let mut list = page::load_tabs(&agent);
    let fresh = page::new_session_id();
    // A `?command=` runs in a new shell, in a tab of its own.
    let named = params
        .reconnect
        .or_else(|| params.command.is_some().then_some(fresh));
    let first = list.open(named, fresh);
    let command_tab = params.command.is_some().then_some(first);
    let tabs = RwSignal::new(list);

    // Preferences, shared by the tabs.
    let font_size = RwSignal::new(
        storage::load(FONT_KEY)
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(FONT_DEFAULT)
            .clamp(FONT_MIN, FONT_MAX),
    );
    Effect::new(move |_| storage::save(FONT_KEY, &font_size.get().to_string()));
    let font_family = RwSignal::new(fonts::load_choice());
    Effect::new(move |_| fonts::save_choice(font_family.get()));
    let media = |q: &str| window().match_media(q).ok().flatten();
    let coarse = media("(pointer: coarse)").is_some_and(|m| m.matches());
    let narrow = window()
        .inner_width()
        .ok()
        .and_then(|v| v.as_f64())
        .is_some_and(|w| w <= 640.0);
    let show_keys = RwSignal::new(coarse || narrow);

    remember_tabs(agent, tabs);
    let add = Callback::new(move |()| {
        if !tabs.with_untracked(TabList::full) {
            tabs.update(|l| l.push(page::new_session_id()));
        }
    });
    let actions = TabActions {
        add,
        close: Callback::new(move |id| tabs.update(|l| l.close(id))),
    };
    tab_shortcuts(add);
    let ids = move || tabs.with(|l| l.tabs.iter().map(|t| t.id).collect::<Vec<_>>());
    view! {
        <div class="terminal-tabs-page">
            <TabBar tabs actions />
            <div class="terminal-tab-panels">
                <For each=ids key=|id| *id let:id>
                    <Terminal
                        agent
                        reconnect=id
                        command=params.command.clone().filter(|_| command_tab == Some(id))
                        params=params.clone()
                        active=Signal::derive(move || tabs.with(|l| l.active == Some(id)))
                        font_size
                        font_family
                        show_keys
                        on_new_session=Callback::new(move |new| tabs.update(|l| l.replace(id, new)))
                    />
                </For>
            </div>
        </div>
    }
}

/// The tabs are remembered for this browser tab, and the shown one is named in the address
/// (also when a link inside the app dropped the query).
fn remember_tabs(agent: Uuid, tabs: RwSignal<TabList>) {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        location.search.track();
        tabs.with(|l| {
            page::save_tabs(&agent, l);
            if let Some(id) = l.active {
                page::replace_query(&[("reconnect", Some(&id.to_string()))]);
            }
        });
    });
}

/// Ctrl+Shift+Enter opens a tab, wherever the focus is. Caught before xterm.js sees the key, so
/// the shell never gets it (no shell binds it; Ctrl+Shift+T belongs to the browser).
fn tab_shortcuts(add: Callback<()>) {
    let options = gloo_events::EventListenerOptions::enable_prevent_default();
    let options = gloo_events::EventListenerOptions {
        phase: gloo_events::EventListenerPhase::Capture,
        ..options
    };
    let win: web_sys::EventTarget = window().into();
    let keys = Listener::new_with_options(&win, "keydown", options, move |ev| {
        let Some(ev) = ev.dyn_ref::<web_sys::KeyboardEvent>() else {
            return;
        };
        if (ev.ctrl_key() || ev.meta_key())
            && ev.shift_key()
            && !ev.alt_key()
            && ev.key() == "Enter"
        {
            ev.prevent_default();
            ev.stop_propagation();
            add.run(());
        }
    });
    // Removed when the view goes (the stored listener is dropped with it).
    let keys = StoredValue::new_local(Some(keys));
    on_cleanup(move || {
        keys.try_update_value(|k| k.take());
    });
}

/// The terminal page for one tab: toolbar, notices, xterm.js, key bar and dialogs.
#[allow(clippy::too_many_arguments)]
#[component]
fn Terminal(
    agent: Uuid,
    reconnect: Uuid,
    /// The `?command=` to ask about, for the tab it opened.
    command: Option<String>,
    params: PageParams,
    /// Whether this tab is the one shown.
    active: Signal<bool>,
    font_size: RwSignal<u32>,
    font_family: RwSignal<fonts::TerminalFont>,
    show_keys: RwSignal<bool>,
    /// The shell ended and the user started a new one, under this id.
    on_new_session: Callback<Uuid>,
) -> impl IntoView {
    let ctx = use_agent();
    let shell = use_shell();
    let force_renderer = match params.renderer.as_deref() {
        Some("dom") => Some(xterm::Renderer::Dom),
        Some("webgl") => Some(xterm::Renderer::Webgl),
        _ => None,
    };
    let consent = RwSignal::new(match command {
        Some(c) => Consent::Pending(c),
        None => Consent::NotNeeded,
    });
    let ui = SessionUi::new(ConnState::Loading);
    // The shown tab reports the workspace in use (one report a minute, however many tabs).
    usage::report_usage_while_connected(
        agent,
        Signal::derive(move || active.get() && ui.state.with(ConnState::accepts_input)),
    );
    let live = StoredValue::new_local(Live::default());
    let session = LiveSession(live);
    let ready = RwSignal::new(false);

    // Where local links go: the ports view's forward base, once its reads answered.
    let forwarding = crate::ports::use_forwarding();
    Effect::new(move |_| {
        if let Some(base) = forwarding.base.get() {
            ui.forward.set(Some(base));
        }
    });
    let host_ref = NodeRef::<html::Div>::new();
    let screen_ref = NodeRef::<html::Div>::new();
    let bar_ref = NodeRef::<html::Div>::new();
    let alerts_ref = NodeRef::<html::Div>::new();
    let keys_ref = NodeRef::<html::Div>::new();

    // Lays the terminal out in the visible viewport, then refits it.
    // May run from a listener or an animation frame after the view is gone: every read is `try_`.
    // A tab in the background keeps its size until it is shown again.
    let layout = move || {
        if !active.try_get_untracked().unwrap_or(false) {
            return;
        }
        let Some(screen) = screen_ref.try_get_untracked().flatten() else {
            return;
        };
        let below = keys_ref
            .try_get_untracked()
            .flatten()
            .map(|k| k.get_bounding_client_rect().height())
            .unwrap_or(0.0);
        let bar: Option<web_sys::HtmlElement> =
            bar_ref.try_get_untracked().flatten().map(|b| b.into());
        page::fit_to_viewport(&screen, bar.as_ref(), below);
        session.with(|s| s.schedule_fit());
    };

    // Start: load xterm.js, open the terminal, then connect (or wait for consent).
    host_ref.on_load(move |host| {
        leptos::task::spawn_local(async move {
            if let Err(e) = xterm::load().await {
                ui.state.try_set(ConnState::Failed {
                    reason: format!(
                        "The terminal could not be loaded: {e}. Reload the page to try again."
                    ),
                });
                return;
            }
            // The view may have gone while xterm.js loaded; its signals with it.
            let (Some(dark), Some(size)) =
                (shell.try_dark_untracked(), font_size.try_get_untracked())
            else {
                return;
            };
            let host: web_sys::HtmlElement = host.into();
            layout();
            let term = match xterm::Xterm::open(&host, size, dark) {
                Ok(t) => t,
                Err(e) => {
                    ui.state.try_set(ConnState::Failed {
                        reason: format!("The terminal could not start: {e}."),
                    });
                    return;
                }
            };
            let target = Target {
                agent,
                reconnect,
                command: None,
                container: params.container.clone(),
                container_user: params.container_user.clone(),
            };
            let s = Session::new(term, ui, target);
            s.wire();
            if live
                .try_update_value(|l| l.session = Some(s.clone()))
                .is_none()
            {
                return; // the view left while xterm.js was loading
            }
            // Again: when the view opened through an in-app link, the router wrote its own address
            // after the view was created.
            if active.get_untracked() {
                page::replace_query(&[("reconnect", Some(&reconnect.to_string()))]);
            }
            watch_layout(live, &host, screen_ref, bar_ref, alerts_ref, layout);
            leptos::task::spawn_local(s.clone().choose_renderer(force_renderer));
            ready.set(true);
            match consent.get_untracked() {
                Consent::NotNeeded => s.connect(),
                Consent::Given(cmd) => s.start_with_command(Some(cmd)),
                Consent::Pending(_) => ui.state.set(ConnState::AwaitingConsent),
                Consent::Declined => ui.state.set(ConnState::Declined),
            }
        });
    });

    follow_theme(shell, ready, session);
    // A tab in the background parses its output in small slices (see `Session::set_background`).
    Effect::new(move |_| {
        let background = !active.get();
        if ready.get() {
            session.with(|s| s.set_background(background));
        }
    });
    follow_font_size(font_size, ready, session);
    follow_font_family(font_family, ready, session, ui);
    // The key bar appearing or leaving, or the tab being shown, changes the room left for the
    // terminal. A tab shown takes the keyboard and the test hooks.
    Effect::new(move |_| {
        show_keys.track();
        if ready.get() && active.get() {
            request_animation_frame(layout);
            session.with(|s| {
                page::install_test_hooks(Rc::downgrade(s));
                s.xterm().focus();
            });
        }
    });
    let now = tick_reconnect_countdown(ui);
    reconnect_when_online(ui, session);
    fade_notices(ui);
    on_cleanup(move || {
        if active.try_get_untracked().unwrap_or(false) {
            page::remove_test_hooks();
        }
        // Dropping the session closes its socket (1000) and disposes the terminal.
        live.try_update_value(|l| {
            if let Some(s) = l.session.take() {
                s.shutdown();
            }
            l.listeners.clear();
            l.observer = None;
        });
    });

    // The tab then shows a new terminal on a new shell, in the same place.
    let new_session = move || {
        page::replace_query(&[("command", None)]);
        on_new_session.run(page::new_session_id());
    };
    let run_plain_shell = move || {
        consent.set(Consent::Declined);
        page::replace_query(&[("command", None)]);
        session.with(|s| s.start_with_command(None));
    };
    let agent_name = Signal::derive(move || {
        ctx.agent
            .with(|a| a.value.as_ref().map(|a| a.name.clone()).unwrap_or_default())
    });

    view! {
        <section
            class="terminal-page"
            class:embed=shell.embed
            class:background=move || !active.get()
            inert=move || !active.get()
            aria-label="Terminal"
        >
            <TerminalBar ui live=session font_size font_family show_keys now bar_ref />
            <div class="terminal-alerts" node_ref=alerts_ref>
                <Show when=move || ui.searching.get()>
                    <SearchBar ui live=session />
                </Show>
                <Show when=move || ui.pasting.get()>
                    <PasteBox ui live=session />
                </Show>
                <AgentAlerts new_session />
                <ConnectionNotice ui live=session new_session run_plain_shell />
                <ClipboardOffer ui />
                // Without these reads, links to the agent's ports cannot be forwarded: say why.
                {move || {
                    forwarding
                        .error
                        .get()
                        .map(|e| {
                            view! {
                                <p class="notice tone-warning terminal-alert" role="note">
                                    "Links to this agent's ports open as printed, not through port forwarding: "
                                    {e.to_string()}
                                </p>
                            }
                        })
                }}
                {move || {
                    ui.notice
                        .get()
                        .map(|n| {
                            view! {
                                <p class="terminal-notice muted" role="status">
                                    {n}
                                </p>
                            }
                        })
                }}
            </div>
            <div class="terminal-screen" node_ref=screen_ref>
                <Show when=move || ui.selecting.get()>
                    <SelectText ui live=session />
                </Show>
                <div
                    class="terminal-host"
                    node_ref=host_ref
                    on:click=move |_| session.with(|s| s.xterm().focus())
                ></div>
            </div>
            <div node_ref=keys_ref>
                <Show when=move || show_keys.get()>
                    <KeyBar
                        ctrl=ui.ctrl
                        alt=ui.alt
                        on_key=move |k| session.with(|s| s.key(k))
                        refocus=move || session.with(|s| s.xterm().focus())
                    />
                </Show>
            </div>
            <ConsentDialog
                consent
                agent_name
                on_run=move |cmd| {
                    consent.set(Consent::Given(cmd.clone()));
                    if ready.get_untracked() {
                        session.with(|s| s.start_with_command(Some(cmd.clone())));
                    }
                }
                on_cancel=move || {
                    consent.set(Consent::Declined);
                    ui.state.set(ConnState::Declined);
                }
            />
            <LinkDialog offer=ui.link_offer forward=ui.forward />
        </section>
    }
}

/// Resizes follow the window, the container, the rotation and the visible viewport (soft keyboard).
fn watch_layout(
    live: StoredValue<Live, LocalStorage>,
    host: &web_sys::HtmlElement,
    screen: NodeRef<html::Div>,
    bar: NodeRef<html::Div>,
    alerts: NodeRef<html::Div>,
    layout: impl Fn() + Copy + 'static,
) {
    let win: web_sys::EventTarget = window().into();
    let mut listeners = vec![
        Listener::new(&win, "resize", move |_| layout()),
        Listener::new(&win, "orientationchange", move |_| layout()),
    ];
    if let Some(vv) = window().visual_viewport() {
        listeners.push(Listener::new(&vv, "resize", move |_| layout()));
        listeners.push(Listener::new(&vv, "scroll", move |_| layout()));
    }
    // The terminal's box (its width follows the window), and what sits above it (notices come
    // and go), decide its size.
    let mut watched: Vec<web_sys::Element> = vec![host.clone().into()];
    for r in [screen, bar, alerts] {
        if let Some(e) = r.get_untracked() {
            watched.push(e.into());
        }
    }
    let refs: Vec<&web_sys::Element> = watched.iter().collect();
    let observer = Observer::new(&refs, layout);
    live.try_update_value(|l| {
        l.listeners.extend(listeners);
        l.observer = observer;
    });
    layout();
}

fn paste_from_clipboard(live: LiveSession, ui: SessionUi) {
    let p = window().navigator().clipboard().read_text();
    leptos::task::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(p).await {
            Ok(text) => {
                let text = text.as_string().unwrap_or_default();
                live.with(|s| s.paste(&text));
            }
            // Paste by hand into a field instead (on a desktop, Ctrl+Shift+V also works).
            Err(_) => {
                ui.pasting.try_set(true);
            }
        }
    });
}

/// The terminal's colours follow the page's theme.
fn follow_theme(shell: Shell, ready: RwSignal<bool>, session: LiveSession) {
    Effect::new(move |_| {
        let dark = shell.dark();
        if ready.get() {
            session.with(|s| s.xterm().set_dark(dark));
        }
    });
}

/// The font size is applied.
fn follow_font_size(font_size: RwSignal<u32>, ready: RwSignal<bool>, session: LiveSession) {
    Effect::new(move |_| {
        let size = font_size.get();
        if ready.get() {
            session.with(|s| s.xterm().set_font_size(size));
        }
    });
}

/// The chosen font family is fetched (the first time) and drawn with; the system's needs nothing.
fn follow_font_family(
    font_family: RwSignal<fonts::TerminalFont>,
    ready: RwSignal<bool>,
    session: LiveSession,
    ui: SessionUi,
) {
    Effect::new(move |_| {
        let font = font_family.get();
        if !ready.get() {
            return;
        }
        let Some(s) = session.0.try_with_value(|l| l.session.clone()).flatten() else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Err(e) = s.xterm().use_font(font).await {
                ui.notice
                    .try_set(Some(format!("The font could not be loaded: {e}.")));
            }
        });
    });
}

/// The page clock the reconnect countdown is drawn against, ticking while it runs.
fn tick_reconnect_countdown(ui: SessionUi) -> RwSignal<f64> {
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(h) = set_interval_with_handle(
        move || {
            if matches!(
                ui.state.try_get_untracked(),
                Some(ConnState::Reconnecting { .. })
            ) {
                now.try_set(js_sys::Date::now());
            }
        },
        std::time::Duration::from_millis(500),
    ) {
        on_cleanup(move || h.clear());
    }
    now
}

/// Back online: retry now instead of waiting out the backoff.
fn reconnect_when_online(ui: SessionUi, session: LiveSession) {
    let online = window_event_listener(leptos::ev::online, move |_| {
        if ui
            .state
            .try_get_untracked()
            .is_some_and(|s| s.can_reconnect())
        {
            session.with(|s| s.reconnect_now());
        }
    });
    on_cleanup(move || online.remove());
}

/// Transient notices fade after a few seconds.
fn fade_notices(ui: SessionUi) {
    Effect::new(move |_| {
        if ui.notice.get().is_some() {
            set_timeout(
                move || {
                    ui.notice.try_set(None);
                },
                std::time::Duration::from_secs(4),
            );
        }
    });
}
