//! What the terminal says above the screen: the agent's state, how the connection ended, and a
//! program's request to copy to the clipboard.
use super::protocol::ConnState;
use super::session::{copy_to_clipboard, SessionUi};
use super::LiveSession;
use crate::state::use_agent;
use crate::ui::status::Tone;
use coder_api::{WorkspaceAgentLifecycle as Lifecycle, WorkspaceAgentStatus as Status};
use leptos::prelude::*;

/// Warnings about the agent: not connected, still starting, failed to start, or finished starting
/// after this shell began.
#[component]
pub(super) fn AgentAlerts(new_session: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
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
                view! {
                    <a class="btn btn-small" href=logs_href.clone()>
                        "Startup logs"
                    </a>
                }
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
                    <button type="button" class="btn btn-small" on:click=move |_| new_session()>
                        "Start a new session"
                    </button>
                    <button
                        type="button"
                        class="btn btn-small btn-ghost"
                        aria-label="Dismiss"
                        on:click=move |_| dismissed_ready.set(true)
                    >
                        "✕"
                    </button>
                }.into_any()),
            ),
            _ => None,
        }
    }
}

/// How the connection ended, when it needs the user: the shell exited, retries gave up, the
/// command was declined, or the terminal could not start.
#[component]
pub(super) fn ConnectionNotice(
    ui: SessionUi,
    live: LiveSession,
    new_session: impl Fn() + Copy + Send + Sync + 'static,
    run_plain_shell: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || match ui.state.get() {
        ConnState::Ended => Some(
            view! {
                <div class="notice tone-neutral terminal-alert" role="status">
                    <span>"The shell exited. This session is over."</span>
                    <button
                        type="button"
                        class="btn btn-small btn-primary"
                        on:click=move |_| new_session()
                    >
                        "Start a new session"
                    </button>
                </div>
            }
            .into_any(),
        ),
        ConnState::Disconnected { reason } => Some(
            view! {
                <div class="notice tone-danger terminal-alert" role="alert">
                    <span>{reason}" The shell may still be running; reconnecting resumes it."</span>
                    <button
                        type="button"
                        class="btn btn-small btn-primary"
                        on:click=move |_| live.with(|s| s.reconnect_now())
                    >
                        "Reconnect"
                    </button>
                </div>
            }
            .into_any(),
        ),
        ConnState::Declined => Some(
            view! {
                <div class="notice tone-neutral terminal-alert" role="status">
                    <span>"The command was not run."</span>
                    <button type="button" class="btn btn-small" on:click=move |_| run_plain_shell()>
                        "Open a plain shell instead"
                    </button>
                </div>
            }
            .into_any(),
        ),
        ConnState::Failed { reason } => Some(
            view! {
                <div class="notice tone-danger terminal-alert" role="alert">
                    <span>{reason}</span>
                    <button
                        type="button"
                        class="btn btn-small"
                        on:click=move |_| {
                            let _ = window().location().reload();
                        }
                    >
                        "Reload"
                    </button>
                </div>
            }
            .into_any(),
        ),
        _ => None,
    }
}

/// A program asked to copy to the clipboard (OSC 52): the user allows it once for the session.
#[component]
pub(super) fn ClipboardOffer(ui: SessionUi) -> impl IntoView {
    move || {
        ui.clipboard_offer.get().map(|text| {
            let n = text.chars().count();
            let allow = text.clone();
            view! {
                <div class="notice tone-warning terminal-alert" role="alert">
                    <span>
                        {format!(
                            "A program in the terminal wants to copy {n} character{} to your clipboard.",
                            if n == 1 { "" } else { "s" },
                        )}
                    </span>
                    <button
                        type="button"
                        class="btn btn-small btn-primary"
                        on:click=move |_| {
                            ui.clipboard_allowed.set(true);
                            ui.clipboard_offer.set(None);
                            copy_to_clipboard(
                                allow.clone(),
                                ui.notice,
                                "Copied. Programs in this terminal may now copy to your clipboard.",
                            );
                        }
                    >
                        "Allow"
                    </button>
                    <button
                        type="button"
                        class="btn btn-small"
                        on:click=move |_| ui.clipboard_offer.set(None)
                    >
                        "Don't allow"
                    </button>
                </div>
            }
        })
    }
}
