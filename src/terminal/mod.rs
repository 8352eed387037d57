//! The web terminal: a real, reconnecting shell in xterm.js.
use leptos::prelude::*;

/// `/agents/{id}/terminal`.
#[component]
pub fn TerminalView() -> impl IntoView {
    view! { <section class="card"><p class="muted">"The terminal is not available yet."</p></section> }
}
