//! Copy and paste where xterm's own selection is hard to use (touch screens): the screen and its
//! scrollback shown as plain, selectable text over the terminal, with Copy and Close; and a field
//! to paste into when the browser will not let the page read the clipboard.
use super::session::{copy_to_clipboard, SessionUi};
use super::LiveSession;
use leptos::html;
use leptos::prelude::*;

/// The terminal's text, selectable. Inserted as a text node, never as HTML.
#[component]
pub(super) fn SelectText(ui: SessionUi, live: LiveSession) -> impl IntoView {
    let text = live
        .0
        .try_with_value(|l| l.session.as_ref().map(|s| s.xterm().text()))
        .flatten()
        .unwrap_or_default();
    // Trailing empty rows below the prompt are not text anyone wants.
    let text = text.trim_end().to_owned();
    let pre_ref = NodeRef::<html::Pre>::new();
    // Opens at the bottom, where the latest output is.
    pre_ref.on_load(|pre| {
        request_animation_frame(move || pre.set_scroll_top(pre.scroll_height()));
    });
    let all = text.clone();
    let copy = move || {
        let chosen = selection_inside(pre_ref);
        let (text, done) = match chosen {
            Some(t) => (t, "Copied the selected text."),
            None => (all.clone(), "Copied all the text."),
        };
        copy_to_clipboard(text, ui.notice, done);
    };
    let close = move || {
        ui.selecting.set(false);
        live.with(|s| s.xterm().focus());
    };
    view! {
        <div class="terminal-select" role="dialog" aria-label="Select text">
            <div class="terminal-select-bar">
                <span class="muted">"Select text, then Copy (nothing selected: all of it)."</span>
                <button type="button" class="btn btn-small btn-primary" on:click=move |_| copy()>
                    "Copy"
                </button>
                <button type="button" class="btn btn-small" on:click=move |_| close()>
                    "Close"
                </button>
            </div>
            <pre class="terminal-select-text mono" node_ref=pre_ref tabindex="0">
                {text}
            </pre>
        </div>
    }
}

/// The text selected inside `pre`, if any. (`getSelection` through Reflect: web-sys' `Selection`
/// feature is not enabled for this one call.)
fn selection_inside(pre: NodeRef<html::Pre>) -> Option<String> {
    use wasm_bindgen::JsCast;
    let pre = pre.get_untracked()?;
    let win = window();
    let get = js_sys::Reflect::get(&win, &"getSelection".into()).ok()?;
    let sel = get.dyn_into::<js_sys::Function>().ok()?.call0(&win).ok()?;
    let anchor = js_sys::Reflect::get(&sel, &"anchorNode".into())
        .ok()?
        .dyn_into::<web_sys::Node>()
        .ok()?;
    if !pre.contains(Some(&anchor)) {
        return None;
    }
    let text = String::from(js_sys::Object::from(sel).to_string());
    (!text.is_empty()).then_some(text)
}

/// A field to paste into by hand (long-press, Paste), then sent to the shell as a paste.
#[component]
pub(super) fn PasteBox(ui: SessionUi, live: LiveSession) -> impl IntoView {
    let value = RwSignal::new(String::new());
    let field = NodeRef::<html::Textarea>::new();
    field.on_load(|f| {
        let _ = f.focus();
    });
    let send = move || {
        let text = value.get_untracked();
        if !text.is_empty() {
            live.with(|s| s.paste(&text));
        }
        ui.pasting.set(false);
    };
    view! {
        <div class="terminal-paste notice" role="group" aria-label="Paste by hand">
            <label class="terminal-paste-label" for="terminal-paste-field">
                "The browser did not let the page read the clipboard: paste here (long-press, Paste), then send."
            </label>
            <textarea
                id="terminal-paste-field"
                class="terminal-paste-field mono"
                rows="2"
                node_ref=field
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            ></textarea>
            <div class="terminal-paste-actions">
                <button type="button" class="btn btn-small btn-primary" on:click=move |_| send()>
                    "Paste into the terminal"
                </button>
                <button type="button" class="btn btn-small" on:click=move |_| ui.pasting.set(false)>
                    "Cancel"
                </button>
            </div>
        </div>
    }
}
