//! The web terminal: a real, reconnecting shell on the agent in xterm.js.
//!
//! - `session` ties xterm.js, the PTY socket and flow control together and reconnects;
//! - `socket` is one PTY WebSocket connection; `flow` the watermarks between it and xterm;
//! - `protocol`, `links`, `osc`, `keybar` hold the pure rules (messages and states, which links
//!   open where, clipboard and title requests, key-bar bytes), tested natively;
//! - `xterm` loads xterm.js on demand and binds what `xterm-js-rs` lacks for xterm 6;
//! - `page` is the browser glue (address bar, listeners, viewport, test hooks).
//!
//! This file is the view: toolbar, notices, the terminal, the key bar and the dialogs.
pub mod flow;
pub mod keybar;
pub mod links;
pub mod osc;
mod page;
pub mod protocol;
mod session;
pub mod utf8;
mod xterm;

use crate::ports::forward::ForwardBase;
use crate::state::{use_agent, use_shell};
use crate::ui::status::Tone;
use crate::ui::{storage, Badge};
use coder_api::{WorkspaceAgentLifecycle as Lifecycle, WorkspaceAgentStatus as Status};
use gloo_events::EventListener as Listener;
use keybar::KeyBar;
use leptos::html;
use leptos::prelude::*;
use page::Observer;
use protocol::ConnState;
use session::{copy_to_clipboard, open_link, Session, SessionUi, Target};
use std::rc::Rc;
use uuid::Uuid;

/// Font sizes offered (CSS pixels).
const FONT_MIN: u32 = 8;
const FONT_MAX: u32 = 32;
const FONT_DEFAULT: u32 = 14;
const FONT_KEY: &str = "agent-console.terminal.font-size";

/// The `?command=` consent.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Consent {
    /// No command asked for.
    NotNeeded,
    /// Waiting for the user.
    Pending(String),
    /// The user agreed to run it.
    Given(String),
    /// The user refused: nothing runs until they ask for a plain shell.
    Declined,
}

/// Things kept alive exactly as long as the view (not `Send`, so stored locally).
#[derive(Default)]
struct Live {
    session: Option<Rc<Session>>,
    listeners: Vec<Listener>,
    observer: Option<Observer>,
}

/// `/agents/{id}/terminal`.
#[component]
pub fn TerminalView() -> impl IntoView {
    crate::ui::use_view_styles("terminal", include_str!("../../style/terminal.css"));
    view! { <Terminal agent=use_agent().id/> }
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
    let live = StoredValue::new_local(Live::default());
    let ready = RwSignal::new(false);
    let with_session = move |f: &dyn Fn(&Rc<Session>)| {
        live.try_with_value(|l| {
            if let Some(s) = &l.session {
                f(s)
            }
        });
    };

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
        with_session(&|s| s.schedule_fit());
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
            let (Some(dark), Some(size)) = (
                untrack(|| {
                    shell
                        .theme
                        .try_get()
                        .zip(shell.system_prefers_dark.try_get())
                })
                .map(|(theme, system_dark)| theme.is_dark(system_dark)),
                font_size.try_get_untracked(),
            ) else {
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

    // Theme and font follow the app and the user.
    Effect::new(move |_| {
        let dark = shell.dark();
        if ready.get() {
            with_session(&|s| s.xterm().set_dark(dark));
        }
    });
    Effect::new(move |_| {
        let size = font_size.get();
        storage::save(FONT_KEY, &size.to_string());
        if ready.get() {
            with_session(&|s| s.xterm().set_font_size(size));
        }
    });
    // The key bar appearing or leaving changes the room left for the terminal.
    Effect::new(move |_| {
        show_keys.track();
        if ready.get() {
            request_animation_frame(layout);
        }
    });
    // Keep the session id in the address if a link inside the app dropped the query.
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

    // The reconnect countdown ticks while it runs.
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
    // Back online: retry now instead of waiting out the backoff.
    let online = window_event_listener(leptos::ev::online, move |_| {
        if ui
            .state
            .try_get_untracked()
            .is_some_and(|s| s.can_reconnect())
        {
            with_session(&|s| s.reconnect_now());
        }
    });
    on_cleanup(move || online.remove());

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

    // Transient notices fade after a few seconds.
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

    let status = Memo::new(move |_| ui.state.with(|s| s.describe(now.get())));
    let tone = Signal::derive(move || status.with(|s| s.0));
    let label = Signal::derive(move || status.with(|s| s.1.clone()));
    let detail = Signal::derive(move || status.with(|s| s.2.clone()));

    let new_session = move || {
        let id = page::new_session_id();
        page::remember_session(&agent, &id);
        page::replace_query(&[("reconnect", Some(&id.to_string())), ("command", None)]);
        with_session(&|s| s.restart(id));
    };
    let run_plain_shell = move || {
        consent.set(Consent::Declined);
        page::replace_query(&[("command", None)]);
        with_session(&|s| s.start_with_command(None));
    };
    let agent_name = Signal::derive(move || {
        ctx.agent
            .with(|a| a.value.as_ref().map(|a| a.name.clone()).unwrap_or_default())
    });

    view! {
        <section class="terminal-page" class:embed=shell.embed aria-label="Terminal">
            <div class="terminal-bar" node_ref=bar_ref>
                <div class="terminal-status">
                    <Badge tone label title=detail/>
                    <span class="terminal-detail muted">{detail}</span>
                    // Announced once per change of state, not at every tick of the countdown.
                    <span class="visually-hidden" role="status">{move || ui.state.with(|s| s.describe(0.0).2)}</span>
                </div>
                <span class="terminal-title mono" title="Title set by the program in the terminal"
                    hidden=move || ui.title.with(String::is_empty)>{move || ui.title.get()}</span>
                <div class="terminal-actions">
                    {move || ui.state.with(|s| matches!(s, ConnState::Reconnecting { .. })).then(|| view! {
                        <button type="button" class="btn btn-small btn-primary"
                            on:click=move |_| with_session(&|s| s.reconnect_now())>"Reconnect now"</button>
                    })}
                    <div class="font-size" role="group" aria-label="Font size">
                        <button type="button" class="btn btn-small" aria-label="Smaller text"
                            disabled=move || { font_size.get() <= FONT_MIN }
                            on:click=move |_| font_size.update(|s| *s = (*s - 1).max(FONT_MIN))>"A−"</button>
                        <span class="font-size-value" aria-live="polite">{move || format!("{} px", font_size.get())}</span>
                        <button type="button" class="btn btn-small" aria-label="Larger text"
                            disabled=move || { font_size.get() >= FONT_MAX }
                            on:click=move |_| font_size.update(|s| *s = (*s + 1).min(FONT_MAX))>"A+"</button>
                    </div>
                    <button type="button" class="btn btn-small" title="Copy the selection (Ctrl+Shift+C)"
                        disabled=move || !ui.has_selection.get()
                        on:click=move |_| with_session(&|s| s.copy_selection())>"Copy"</button>
                    <button type="button" class="btn btn-small" title="Paste from the clipboard (Ctrl+Shift+V)"
                        disabled=move || !ui.state.with(|s| s.accepts_input())
                        on:click=move |_| paste_from_clipboard(live, ui)>"Paste"</button>
                    <button type="button" class="btn btn-small" aria-pressed=move || show_keys.get().to_string()
                        title="Show the key bar (Esc, Tab, Ctrl, arrows)"
                        on:click=move |_| show_keys.update(|v| *v = !*v)>"Keys"</button>
                </div>
            </div>
            <div class="terminal-alerts" node_ref=alerts_ref>
                <AgentAlerts new_session/>
                {move || match ui.state.get() {
                    ConnState::Ended => Some(view! {
                        <div class="notice tone-neutral terminal-alert" role="status">
                            <span>"The shell exited. This session is over."</span>
                            <button type="button" class="btn btn-small btn-primary" on:click=move |_| new_session()>"Start a new session"</button>
                        </div>
                    }.into_any()),
                    ConnState::Disconnected { reason } => Some(view! {
                        <div class="notice tone-danger terminal-alert" role="alert">
                            <span>{reason}" The shell may still be running; reconnecting resumes it."</span>
                            <button type="button" class="btn btn-small btn-primary" on:click=move |_| with_session(&|s| s.reconnect_now())>"Reconnect"</button>
                        </div>
                    }.into_any()),
                    ConnState::Declined => Some(view! {
                        <div class="notice tone-neutral terminal-alert" role="status">
                            <span>"The command was not run."</span>
                            <button type="button" class="btn btn-small" on:click=move |_| run_plain_shell()>"Open a plain shell instead"</button>
                        </div>
                    }.into_any()),
                    ConnState::Failed { reason } => Some(view! {
                        <div class="notice tone-danger terminal-alert" role="alert">
                            <span>{reason}</span>
                            <button type="button" class="btn btn-small" on:click=move |_| { let _ = window().location().reload(); }>"Reload"</button>
                        </div>
                    }.into_any()),
                    _ => None,
                }}
                {move || ui.clipboard_offer.get().map(|text| {
                    let n = text.chars().count();
                    let allow = text.clone();
                    view! {
                        <div class="notice tone-warning terminal-alert" role="alert">
                            <span>{format!("A program in the terminal wants to copy {n} character{} to your clipboard.", if n == 1 { "" } else { "s" })}</span>
                            <button type="button" class="btn btn-small btn-primary" on:click=move |_| {
                                ui.clipboard_allowed.set(true);
                                ui.clipboard_offer.set(None);
                                copy_to_clipboard(allow.clone(), ui.notice, "Copied. Programs in this terminal may now copy to your clipboard.");
                            }>"Allow"</button>
                            <button type="button" class="btn btn-small" on:click=move |_| ui.clipboard_offer.set(None)>"Don't allow"</button>
                        </div>
                    }
                })}
                {move || ui.notice.get().map(|n| view! { <p class="terminal-notice muted" role="status">{n}</p> })}
            </div>
            <div class="terminal-screen" node_ref=screen_ref>
                <div class="terminal-host" node_ref=host_ref on:click=move |_| with_session(&|s| s.xterm().focus())></div>
            </div>
            <div node_ref=keys_ref>
                <Show when=move || show_keys.get()>
                    <KeyBar ctrl=ui.ctrl alt=ui.alt on_key=move |k| with_session(&|s| s.key(k))
                        refocus=move || with_session(&|s| s.xterm().focus())/>
                </Show>
            </div>
            <ConsentDialog consent agent_name
                on_run=move |cmd| {
                    consent.set(Consent::Given(cmd.clone()));
                    if ready.get_untracked() {
                        with_session(&|s| s.start_with_command(Some(cmd.clone())));
                    }
                }
                on_cancel=move || {
                    consent.set(Consent::Declined);
                    ui.state.set(ConnState::Declined);
                }/>
            <LinkDialog offer=ui.link_offer forward=ui.forward/>
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

fn paste_from_clipboard(live: StoredValue<Live, LocalStorage>, ui: SessionUi) {
    let p = window().navigator().clipboard().read_text();
    leptos::task::spawn_local(async move {
        match wasm_bindgen_futures::JsFuture::from(p).await {
            Ok(text) => {
                let text = text.as_string().unwrap_or_default();
                live.try_with_value(|l| {
                    if let Some(s) = &l.session {
                        s.paste(&text);
                    }
                });
            }
            Err(_) => {
                ui.notice.try_set(Some(
                    "The browser did not let the page read the clipboard. Paste with Ctrl+Shift+V (⌘V on a Mac) instead.".into(),
                ));
            }
        }
    });
}

/// Warnings about the agent: not connected, still starting, failed to start, or finished starting
/// after this shell began.
#[component]
fn AgentAlerts(new_session: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let ctx = use_agent();
    let seen_starting = StoredValue::new(false);
    let dismissed_ready = RwSignal::new(false);
    let logs_href = format!("/agents/{}/logs", ctx.id);
    // Only a change of state re-renders the alert (the agent is re-read every few seconds, and a
    // re-rendered button can lose a click).
    let state = Memo::new(move |_| {
        ctx.agent.with(|a| {
            a.value
                .as_ref()
                .map(|a| (a.status.clone(), a.lifecycle_state.clone()))
        })
    });
    move || {
        let (status, lifecycle) = state.get()?;
        if lifecycle.is_starting() {
            seen_starting.set_value(true);
        }
        let alert = |tone: Tone, text: String, extra: Option<AnyView>| {
            Some(
                view! {
                    <div class=format!("notice terminal-alert {}", tone.class()) role="status">
                        <span aria-hidden="true">{tone.symbol()}" "</span>
                        <span>{text}</span>
                        {extra}
                    </div>
                }
                .into_any(),
            )
        };
        let logs_link = || {
            Some(
                view! { <a class="btn btn-small" href=logs_href.clone()>"Startup logs"</a> }
                    .into_any(),
            )
        };
        if !matches!(status, Status::Connected) {
            return alert(
                Tone::Warning,
                format!("The agent is {status}, not connected. The terminal can only reach it while it is connected."),
                None,
            );
        }
        match lifecycle {
            Lifecycle::Created | Lifecycle::Starting => alert(
                Tone::Progress,
                "Startup scripts are still running. You can use this shell now, but the workspace may not be complete yet.".into(),
                logs_link(),
            ),
            Lifecycle::StartError => alert(
                Tone::Warning,
                "A startup script failed, so the workspace may be incomplete. Check the startup logs, then start a new session.".into(),
                logs_link(),
            ),
            Lifecycle::StartTimeout => alert(
                Tone::Warning,
                "The startup scripts ran longer than their timeout, so the workspace may be incomplete. Check the startup logs.".into(),
                logs_link(),
            ),
            Lifecycle::ShuttingDown | Lifecycle::ShutdownTimeout | Lifecycle::ShutdownError | Lifecycle::Off => alert(
                Tone::Warning,
                format!("The agent is {lifecycle}; the shell will stop with it."),
                None,
            ),
            Lifecycle::Ready if seen_starting.get_value() && !dismissed_ready.get() => alert(
                Tone::Ok,
                "Startup finished after this shell started. A new session gets the complete environment.".into(),
                Some(view! {
                    <button type="button" class="btn btn-small" on:click=move |_| new_session()>"Start a new session"</button>
                    <button type="button" class="btn btn-small btn-ghost" aria-label="Dismiss"
                        on:click=move |_| dismissed_ready.set(true)>"✕"</button>
                }.into_any()),
            ),
            _ => None,
        }
    }
}

/// Asks before a `?command=` runs. The socket is not opened until the user agrees.
#[component]
fn ConsentDialog(
    consent: RwSignal<Consent>,
    agent_name: Signal<String>,
    on_run: impl Fn(String) + Clone + 'static,
    on_cancel: impl Fn() + Clone + 'static,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    let command = Memo::new(move |_| match consent.get() {
        Consent::Pending(c) => Some(c),
        _ => None,
    });
    Effect::new(move |_| {
        if let Some(d) = dialog.get() {
            match command.get() {
                Some(_) if !d.open() => {
                    let _ = d.show_modal();
                }
                None if d.open() => d.close(),
                _ => {}
            }
        }
    });
    let cancel = on_cancel.clone();
    view! {
        <dialog class="terminal-dialog" node_ref=dialog aria-labelledby="consent-title"
            on:cancel=move |ev: web_sys::Event| { ev.prevent_default(); cancel(); }>
            <h2 id="consent-title">"Run this command?"</h2>
            <p>"This link asks to run a command in a new shell on "<strong>{agent_name}</strong>
               ". Commands from links you do not trust can do anything you can do. Nothing has run yet."</p>
            <pre class="terminal-command"><code>{move || command.get().unwrap_or_default()}</code></pre>
            <div class="form-actions">
                <button type="button" class="btn" on:click=move |_| on_cancel()>"Cancel"</button>
                <button type="button" class="btn btn-primary" on:click=move |_| {
                    if let Some(c) = command.get_untracked() { on_run(c) }
                }>"Run command"</button>
            </div>
        </dialog>
    }
}

/// Confirms a hyperlink (OSC 8) a program printed before it opens.
#[component]
fn LinkDialog(
    offer: RwSignal<Option<(String, String)>>,
    forward: RwSignal<Option<ForwardBase>>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    Effect::new(move |_| {
        if let Some(d) = dialog.get() {
            match offer.get() {
                Some(_) if !d.open() => {
                    let _ = d.show_modal();
                }
                None if d.open() => d.close(),
                _ => {}
            }
        }
    });
    let link = move || offer.get().map(|o| o.1).unwrap_or_default();
    let rewritten = move || {
        offer
            .get()
            .filter(|(from, to)| from != to)
            .map(|(from, _)| from)
    };
    view! {
        <dialog class="terminal-dialog" node_ref=dialog aria-labelledby="link-title"
            on:cancel=move |ev: web_sys::Event| { ev.prevent_default(); offer.set(None); }>
            <h2 id="link-title">"Open this link?"</h2>
            <p>"A program in the terminal printed a link. Its text can differ from where it leads, which is:"</p>
            <pre class="terminal-command"><code>{link}</code></pre>
            {move || rewritten().map(|from| view! {
                <p class="muted">"It pointed at "<code>{from}</code>" on the agent, so it opens through port forwarding."</p>
            })}
            <div class="form-actions">
                <button type="button" class="btn" on:click=move |_| offer.set(None)>"Cancel"</button>
                <button type="button" class="btn btn-primary" on:click=move |_| {
                    if let Some((_, url)) = offer.get_untracked() { open_link(&url, forward.get_untracked().as_ref()) }
                    offer.set(None);
                }>"Open link"</button>
            </div>
        </dialog>
    }
}
