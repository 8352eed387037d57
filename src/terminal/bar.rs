//! The terminal's bar: the connection's state, the program's title, and the actions (reconnect,
//! font size, copy, paste, key bar).
use super::fonts::TerminalFont;
use super::protocol::ConnState;
use super::session::SessionUi;
use super::{paste_from_clipboard, LiveSession, FONT_MAX, FONT_MIN};
use crate::ui::Badge;
use leptos::html;
use leptos::prelude::*;

#[component]
pub(super) fn TerminalBar(
    ui: SessionUi,
    live: LiveSession,
    font_size: RwSignal<u32>,
    font_family: RwSignal<TerminalFont>,
    show_keys: RwSignal<bool>,
    /// The page clock the reconnect countdown is drawn against.
    now: RwSignal<f64>,
    bar_ref: NodeRef<html::Div>,
) -> impl IntoView {
    let status = Memo::new(move |_| ui.state.with(|s| s.describe(now.get())));
    let tone = Signal::derive(move || status.with(|s| s.0));
    let label = Signal::derive(move || status.with(|s| s.1.clone()));
    let detail = Signal::derive(move || status.with(|s| s.2.clone()));
    view! {
        <div class="terminal-bar" node_ref=bar_ref>
            <div class="terminal-status">
                <Badge tone label title=detail />
                <span class="terminal-detail muted">{detail}</span>
                // Announced once per change of state, not at every tick of the countdown.
                <span class="visually-hidden" role="status">
                    {move || ui.state.with(|s| s.describe(0.0).2)}
                </span>
            </div>
            <span
                class="terminal-title mono"
                title="Title set by the program in the terminal"
                hidden=move || ui.title.with(String::is_empty)
            >
                {move || ui.title.get()}
            </span>
            <div class="terminal-actions">
                {move || {
                    ui.state
                        .with(|s| matches!(s, ConnState::Reconnecting { .. }))
                        .then(|| {
                            view! {
                                <button
                                    type="button"
                                    class="btn btn-small btn-primary"
                                    on:click=move |_| live.with(|s| s.reconnect_now())
                                >
                                    "Reconnect now"
                                </button>
                            }
                        })
                }} <FontSize font_size /> <FontFamily font_family />
                <button
                    type="button"
                    class="btn btn-small"
                    title="Copy the selection (Ctrl+Shift+C)"
                    disabled=move || !ui.has_selection.get()
                    on:click=move |_| live.with(|s| s.copy_selection())
                >
                    "Copy"
                </button>
                <button
                    type="button"
                    class="btn btn-small"
                    title="Paste from the clipboard (Ctrl+Shift+V)"
                    disabled=move || !ui.state.with(|s| s.accepts_input())
                    on:click=move |_| paste_from_clipboard(live, ui)
                >
                    "Paste"
                </button>
                <button
                    type="button"
                    class="btn btn-small"
                    aria-pressed=move || ui.selecting.get().to_string()
                    title="Show the text to select and copy it (for touch screens)"
                    on:click=move |_| ui.selecting.update(|v| *v = !*v)
                >
                    "Select text"
                </button>
                <button
                    type="button"
                    class="btn btn-small"
                    aria-pressed=move || ui.searching.get().to_string()
                    title="Search the scrollback (Ctrl+Shift+F)"
                    on:click=move |_| ui.searching.update(|v| *v = !*v)
                >
                    "Search"
                </button>
                <button
                    type="button"
                    class="btn btn-small"
                    aria-pressed=move || show_keys.get().to_string()
                    title="Show the key bar (Esc, Tab, Ctrl, arrows)"
                    on:click=move |_| show_keys.update(|v| *v = !*v)
                >
                    "Keys"
                </button>
            </div>
        </div>
    }
}

/// Smaller and larger text, within the sizes offered.
#[component]
fn FontSize(font_size: RwSignal<u32>) -> impl IntoView {
    view! {
        <div class="font-size" role="group" aria-label="Font size">
            <button
                type="button"
                class="btn btn-small"
                aria-label="Smaller text"
                disabled=move || { font_size.get() <= FONT_MIN }
                on:click=move |_| font_size.update(|s| *s = (*s - 1).max(FONT_MIN))
            >
                "A−"
            </button>
            <span class="font-size-value" aria-live="polite">
                {move || format!("{} px", font_size.get())}
            </span>
            <button
                type="button"
                class="btn btn-small"
                aria-label="Larger text"
                disabled=move || { font_size.get() >= FONT_MAX }
                on:click=move |_| font_size.update(|s| *s = (*s + 1).min(FONT_MAX))
            >
                "A+"
            </button>
        </div>
    }
}

/// The font family menu.
#[component]
fn FontFamily(font_family: RwSignal<TerminalFont>) -> impl IntoView {
    view! {
        <select
            class="terminal-font-family"
            aria-label="Font"
            title="Font (the optional ones download when chosen)"
            prop:value=move || font_family.get().key()
            on:change=move |ev| font_family.set(TerminalFont::from_key(&event_target_value(&ev)))
        >
            {TerminalFont::ALL
                .into_iter()
                .map(|f| view! { <option value=f.key()>{f.label()}</option> })
                .collect_view()}
        </select>
    }
}
