//! What the logs page says beside the lines: the cap was reached, a line opened whole, the feed
//! failed or the agent is gone.
use super::feed::FeedState;
use super::view::{save_blob, LogsPage};
use crate::state::use_agent;
use crate::ui::ErrorView;
use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::prelude::*;

/// Shown while the agent's logs are past the server's cap.
#[component]
pub(super) fn OverflowNotice() -> impl IntoView {
    let agent = use_agent();
    let overflowed = move || {
        agent
            .agent
            .with(|l| l.value.as_ref().is_some_and(|a| a.logs_overflowed))
    };
    move || {
        overflowed().then(|| view! {
            <p class="notice tone-warning" role="note">
                "⚠ This agent's logs passed the server's 1 MiB limit: later lines were not stored and are not shown here. "
                "The workspace still has them in its script log files."
            </p>
        })
    }
}

/// A long line in full (plain text), with its own download.
#[component]
pub(super) fn WholeLinePanel(page: LogsPage) -> impl IntoView {
    move || {
        page.whole_line.get().map(|text| {
            let len = text.len();
            let for_download = text.clone();
            view! {
                <div class="card whole-line-panel" role="dialog" aria-label="Whole log line">
                    <div class="section-head">
                        <strong>
                            {format!("Whole line ({})", super::long_line::format_bytes(len))}
                        </strong>
                        <div class="form-actions">
                            <button
                                type="button"
                                class="btn btn-small"
                                on:click=move |_| {
                                    let parts = js_sys::Array::of1(
                                        &JsValue::from_str(&for_download),
                                    );
                                    save_blob(&parts, "log-line.txt");
                                }
                            >
                                "Download line"
                            </button>
                            <button
                                type="button"
                                class="btn btn-small"
                                on:click=move |_| page.whole_line.set(None)
                            >
                                "Close"
                            </button>
                        </div>
                    </div>
                    <pre class="whole-line">{text}</pre>
                </div>
            }
        })
    }
}

/// The feed's end when it cannot go on: the read's error with its hint, or the agent is gone.
#[component]
pub(super) fn FeedProblem(feed: ReadSignal<FeedState>) -> impl IntoView {
    move || match feed.get() {
        FeedState::Failed(e) => Some(view! { <ErrorView error=e /> }.into_any()),
        FeedState::Gone => Some(view! { <AgentGone /> }.into_any()),
        _ => None,
    }
}

/// Said when the followed agent no longer exists: following stops, the lines already shown stay,
/// and the way on is the agent list.
#[component]
fn AgentGone() -> impl IntoView {
    view! {
        <section class="error-view" role="alert">
            <h2>"This agent is gone"</h2>
            <p class="error-message">
                "The server no longer knows this agent, so its logs stopped following. A new build \
                 may have replaced it, or the server came back as another agent."
            </p>
            <p>
                <A href="/">"Choose an agent"</A>
            </p>
        </section>
    }
}
