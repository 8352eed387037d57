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
pub mod keybar;
pub mod links;
pub mod osc;
mod page;
pub mod protocol;
mod session;
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
use protocol::ConnState;
use session::{Session, SessionUi, Target};
use std::rc::Rc;
use uuid::Uuid;

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
    view! { <Terminal agent=use_agent().id /> }
}

/// The terminal page for one agent: toolbar, notices, xterm.js, key bar and dialogs.
#[component]
fn Terminal(agent: Uuid) -> impl IntoView {
    let ctx = use_agent();
    let shell = use_shell();
    let params = page::read_params();
    // The address names the session; else this tab's last one for the agent (not for a command,
    // which needs a new shell to run in); else a new one.
    let reconnect = params
        .reconnect
        .or_else(|| {
            params
                .command
                .is_none()
                .then(|| page::remembered_session(&agent))
                .flatten()
        })
        .unwrap_or_else(page::new_session_id);
    page::remember_session(&agent, &reconnect);
    page::replace_query(&[("reconnect", Some(&reconnect.to_string()))]);
    let force_renderer = match params.renderer.as_deref() {
        Some("dom") => Some(xterm::Renderer::Dom),
        Some("webgl") => Some(xterm::Renderer::Webgl),
        _ => None,
    };
    let consent = RwSignal::new(match params.command.clone() {
        Some(c) => Consent::Pending(c),
        None => Consent::NotNeeded,
    });
    let ui = SessionUi::new(ConnState::Loading);
    usage::report_usage_while_connected(
        agent,
        Signal::derive(move || ui.state.with(ConnState::accepts_input)),
    );
    let live = StoredValue::new_local(Live::default());
    let session = LiveSession(live);
    let ready = RwSignal::new(false);

    // Preferences.
    let font_size = RwSignal::new(
        storage::load(FONT_KEY)
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(FONT_DEFAULT)
            .clamp(FONT_MIN, FONT_MAX),
    );
    let media = |q: &str| window().match_media(q).ok().flatten();
    let coarse = media("(pointer: coarse)").is_some_and(|m| m.matches());
    let narrow = window()
        .inner_width()
        .ok()
        .and_then(|v| v.as_f64())
        .is_some_and(|w| w <= 640.0);
    let show_keys = RwSignal::new(coarse || narrow);

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
    let layout = move || {
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
            page::replace_query(&[("reconnect", Some(&reconnect.to_string()))]);
            page::install_test_hooks(Rc::downgrade(&s));
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
    follow_font_size(font_size, ready, session);
    // The key bar appearing or leaving changes the room left for the terminal.
    Effect::new(move |_| {
        show_keys.track();
        if ready.get() {
            request_animation_frame(layout);
        }
    });
    keep_session_in_address(live);
    let now = tick_reconnect_countdown(ui);
    reconnect_when_online(ui, session);
    fade_notices(ui);
    on_cleanup(move || {
        page::remove_test_hooks();
        // Dropping the session closes its socket (1000) and disposes the terminal.
        live.try_update_value(|l| {
            if let Some(s) = l.session.take() {
                s.shutdown();
            }
            l.listeners.clear();
            l.observer = None;
        });
    });

    let new_session = move || {
        let id = page::new_session_id();
        page::remember_session(&agent, &id);
        page::replace_query(&[("reconnect", Some(&id.to_string())), ("command", None)]);
        session.with(|s| s.restart(id));
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
        <section class="terminal-page" class:embed=shell.embed aria-label="Terminal">
            <TerminalBar ui live=session font_size show_keys now bar_ref />
            <div class="terminal-alerts" node_ref=alerts_ref>
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
            Err(_) => {
                ui.notice.try_set(Some(
                    "The browser did not let the page read the clipboard. Paste with Ctrl+Shift+V (⌘V on a Mac) instead.".into(),
                ));
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

/// The font size is remembered and applied.
fn follow_font_size(font_size: RwSignal<u32>, ready: RwSignal<bool>, session: LiveSession) {
    Effect::new(move |_| {
        let size = font_size.get();
        storage::save(FONT_KEY, &size.to_string());
        if ready.get() {
            session.with(|s| s.xterm().set_font_size(size));
        }
    });
}

/// Keeps the session id in the address if a link inside the app dropped the query.
fn keep_session_in_address(live: StoredValue<Live, LocalStorage>) {
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        location.search.track();
        if let Some(id) = live
            .try_with_value(|l| l.session.as_ref().map(|s| s.target().reconnect))
            .flatten()
        {
            page::replace_query(&[("reconnect", Some(&id.to_string()))]);
        }
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
