//! The strip of terminal tabs: pick one, add one ("+", or Ctrl+Shift+Enter), rename one (the
//! pencil, or a double click on its name), close one.
use super::tabs::{TabList, MAX_NAME};
use leptos::prelude::*;
use uuid::Uuid;

/// What the strip asks of the view.
#[derive(Clone, Copy)]
pub(super) struct TabActions {
    pub add: Callback<()>,
    pub close: Callback<Uuid>,
}

#[component]
pub(super) fn TabBar(tabs: RwSignal<TabList>, actions: TabActions) -> impl IntoView {
    // The tab being renamed.
    let renaming = RwSignal::new(None::<Uuid>);
    let ids = move || tabs.with(|l| l.tabs.iter().map(|t| t.id).collect::<Vec<_>>());
    view! {
        <div class="terminal-tabs">
            <div class="terminal-tab-list" role="tablist" aria-label="Terminal tabs">
                <For each=ids key=|id| *id let:id>
                    <TabItem id tabs renaming actions />
                </For>
            </div>
            <button
                type="button"
                class="btn btn-small terminal-tab-add"
                aria-label="New tab"
                title="New tab (Ctrl+Shift+Enter)"
                disabled=move || tabs.with(TabList::full)
                on:click=move |_| actions.add.run(())
            >
                "+"
            </button>
        </div>
    }
}

#[component]
fn TabItem(
    id: Uuid,
    tabs: RwSignal<TabList>,
    renaming: RwSignal<Option<Uuid>>,
    actions: TabActions,
) -> impl IntoView {
    let label = Memo::new(move |_| {
        tabs.with(|l| {
            l.tabs
                .iter()
                .position(|t| t.id == id)
                .map(|i| l.label(i))
                .unwrap_or_default()
        })
    });
    let active = Memo::new(move |_| tabs.with(|l| l.active == Some(id)));
    let several = Memo::new(move |_| tabs.with(|l| l.tabs.len() > 1));
    let editing = Memo::new(move |_| renaming.get() == Some(id));
    let input_ref = NodeRef::<leptos::html::Input>::new();
    // The name field takes the focus with its text selected, ready to be typed over.
    input_ref.on_load(|input| {
        let _ = input.focus();
        input.select();
    });
    let show = move || {
        tabs.update(|l| l.active = Some(id));
    };
    let commit = move |value: String| {
        if renaming.get_untracked() == Some(id) {
            tabs.update(|l| l.rename(id, &value));
            renaming.set(None);
        }
    };
    view! {
        <div class="terminal-tab" class:active=active>
            <Show
                when=move || editing.get()
                fallback=move || {
                    view! {
                        <button
                            type="button"
                            role="tab"
                            class="terminal-tab-name"
                            aria-selected=move || active.get().to_string()
                            title="Double-click to rename"
                            on:click=move |_| show()
                            on:dblclick=move |_| renaming.set(Some(id))
                        >
                            {move || label.get()}
                        </button>
                    }
                }
            >
                <input
                    class="terminal-tab-input"
                    aria-label="Tab name"
                    maxlength=MAX_NAME.to_string()
                    prop:value=move || label.get_untracked()
                    node_ref=input_ref
                    on:keydown=move |ev| match ev.key().as_str() {
                        "Enter" => commit(event_target_value(&ev)),
                        "Escape" => renaming.set(None),
                        _ => {}
                    }
                    on:blur=move |ev| commit(event_target_value(&ev))
                />
            </Show>
            <Show when=move || active.get() && !editing.get()>
                <button
                    type="button"
                    class="terminal-tab-icon"
                    aria-label=move || format!("Rename {}", label.get())
                    title="Rename"
                    on:click=move |_| renaming.set(Some(id))
                >
                    "✎"
                </button>
            </Show>
            <Show when=move || several.get()>
                <button
                    type="button"
                    class="terminal-tab-icon"
                    aria-label=move || format!("Close {}", label.get())
                    title="Close this tab (its shell ends when the agent's idle timeout passes)"
                    on:click=move |_| actions.close.run(id)
                >
                    "×"
                </button>
            </Show>
        </div>
    }
}
