//! Badges: a tone, a symbol and a label (colour is never the only signal).
use super::status::{describe_agent, StateText, Tone};
use coder_api::{WorkspaceAgentLifecycle, WorkspaceAgentStatus};
use leptos::prelude::*;

/// A pill with a symbol and a label; `title` gives the longer sentence on hover.
#[component]
pub fn Badge(
    #[prop(into)] tone: Signal<Tone>,
    #[prop(into)] label: Signal<String>,
    #[prop(optional, into)] title: Signal<String>,
) -> impl IntoView {
    view! {
        <span class=move || format!("badge {}", tone.get().class()) title=move || title.get()>
            <span class="badge-symbol" aria-hidden="true">
                {move || tone.get().symbol()}
            </span>
            <span class="badge-label">{move || label.get()}</span>
        </span>
    }
}

/// The agent's headline state (status and lifecycle together).
#[component]
pub fn AgentStateBadge(
    #[prop(into)] status: Signal<WorkspaceAgentStatus>,
    #[prop(into)] lifecycle: Signal<WorkspaceAgentLifecycle>,
) -> impl IntoView {
    let state = Memo::new(move |_| describe_agent(&status.get(), &lifecycle.get()));
    let tone = Signal::derive(move || state.with(|s: &StateText| s.tone));
    let label = Signal::derive(move || state.with(|s| s.label.clone()));
    let title = Signal::derive(move || state.with(|s| s.description.clone()));
    view! { <Badge tone label title /> }
}
