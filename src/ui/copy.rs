//! A button that copies a text to the clipboard and says so.
use leptos::prelude::*;

/// Copies `text`; the label changes to "Copied" for two seconds.
#[component]
pub fn CopyButton(
    #[prop(into)] text: Signal<String>,
    #[prop(optional, into)] label: Option<String>,
) -> impl IntoView {
    let label = label.unwrap_or_else(|| "Copy".into());
    let (copied, set_copied) = signal(false);
    let on_click = move |_| {
        let clipboard = window().navigator().clipboard();
        let _ = clipboard.write_text(&text.get_untracked());
        set_copied.set(true);
        set_timeout(
            move || {
                let _ = set_copied.try_set(false);
            },
            std::time::Duration::from_secs(2),
        );
    };
    view! {
        <button type="button" class="btn btn-small" on:click=on_click aria-live="polite">
            {move || if copied.get() { "Copied".to_string() } else { label.clone() }}
        </button>
    }
}
