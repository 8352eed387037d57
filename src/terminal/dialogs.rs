//! The terminal's two questions: run a command a link asks for, and open a link a program printed.
use super::session::open_link;
use crate::ports::forward::ForwardBase;
use crate::ui::show_modal_while;
use leptos::html;
use leptos::prelude::*;

/// The `?command=` consent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Consent {
    /// No command asked for.
    NotNeeded,
    /// Waiting for the user.
    Pending(String),
    /// The user agreed to run it.
    Given(String),
    /// The user refused: nothing runs until they ask for a plain shell.
    Declined,
}

/// Asks before a `?command=` runs. The socket is not opened until the user agrees.
#[component]
pub(super) fn ConsentDialog(
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
    show_modal_while(dialog, move || command.with(Option::is_some));
    let cancel = on_cancel.clone();
    view! {
        <dialog
            class="terminal-dialog"
            node_ref=dialog
            aria-labelledby="consent-title"
            on:cancel=move |ev: web_sys::Event| {
                ev.prevent_default();
                cancel();
            }
        >
            <h2 id="consent-title">"Run this command?"</h2>
            <p>
                "This link asks to run a command in a new shell on "<strong>{agent_name}</strong>
                ". Commands from links you do not trust can do anything you can do. Nothing has run yet."
            </p>
            <pre class="terminal-command">
                <code>{move || command.get().unwrap_or_default()}</code>
            </pre>
            <div class="form-actions">
                <button type="button" class="btn" on:click=move |_| on_cancel()>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="btn btn-primary"
                    on:click=move |_| {
                        if let Some(c) = command.get_untracked() {
                            on_run(c)
                        }
                    }
                >
                    "Run command"
                </button>
            </div>
        </dialog>
    }
}

/// Confirms a hyperlink (OSC 8) a program printed before it opens.
#[component]
pub(super) fn LinkDialog(
    offer: RwSignal<Option<(String, String)>>,
    forward: RwSignal<Option<ForwardBase>>,
) -> impl IntoView {
    let dialog = NodeRef::<html::Dialog>::new();
    show_modal_while(dialog, move || offer.with(Option::is_some));
    let link = move || offer.get().map(|o| o.1).unwrap_or_default();
    let rewritten = move || {
        offer
            .get()
            .filter(|(from, to)| from != to)
            .map(|(from, _)| from)
    };
    view! {
        <dialog
            class="terminal-dialog"
            node_ref=dialog
            aria-labelledby="link-title"
            on:cancel=move |ev: web_sys::Event| {
                ev.prevent_default();
                offer.set(None);
            }
        >
            <h2 id="link-title">"Open this link?"</h2>
            <p>
                "A program in the terminal printed a link. Its text can differ from where it leads, which is:"
            </p>
            <pre class="terminal-command">
                <code>{link}</code>
            </pre>
            {move || {
                rewritten()
                    .map(|from| {
                        view! {
                            <p class="muted">
                                "It pointed at "<code>{from}</code>
                                " on the agent, so it opens through port forwarding."
                            </p>
                        }
                    })
            }}
            <div class="form-actions">
                <button type="button" class="btn" on:click=move |_| offer.set(None)>
                    "Cancel"
                </button>
                <button
                    type="button"
                    class="btn btn-primary"
                    on:click=move |_| {
                        if let Some((_, url)) = offer.get_untracked() {
                            open_link(&url, forward.get_untracked().as_ref())
                        }
                        offer.set(None);
                    }
                >
                    "Open link"
                </button>
            </div>
        </dialog>
    }
}
