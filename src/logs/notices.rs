//! What the logs page says beside the lines: the cap was reached, a line opened whole, the feed
//! failed or the agent is gone.
use super::feed::FeedState;
use super::view::{save_blob, LogsPage};
use crate::state::use_agent;
use crate::ui::ErrorView;
use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::prelude::*;

/// The linked lines: which, a way to copy the link (the page's address with only the line in its
/// fragment: never a token) and to clear it; and why the view did not go there, if it did not.
#[component]
pub(super) fn LinkBar(page: LogsPage, feed: ReadSignal<FeedState>) -> impl IntoView {
    let address = move || {
        let location = window().location();
        let range = page.link.get();
        format!(
            "{}{}{}{}",
            location.origin().unwrap_or_default(),
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default(),
            super::line_link::with_range("", range),
        )
    };
    move || {
        let range = page.link.get()?;
        let _ = page.stats.get(); // re-checked as lines arrive
        let loaded = !matches!(feed.get(), FeedState::Loading);
        let missing = loaded
            && page
                .model
                .with_value(|m| m.link_pending && m.buffer.index_of_id(range.from).is_none());
        let label = if range.from == range.to {
            format!("Line {} linked", range.from)
        } else {
            format!("Lines {}–{} linked", range.from, range.to)
        };
        Some(view! {
            <div class="notice tone-neutral link-bar" role="status">
                <span>{label}</span>
                {missing
                    .then(|| {
                        view! {
                            <span class="muted">
                                " — it is not in these logs (the server no longer has it, or it belongs to another agent)."
                            </span>
                        }
                    })}
                <span class="form-actions">
                    <crate::ui::CopyButton
                        text=Signal::derive(address)
                        label="Copy link".to_string()
                    />
                    <button
                        type="button"
                        class="btn btn-small"
                        on:click=move |_| page.set_link(None, false)
                    >
                        "Clear"
                    </button>
                </span>
            </div>
        })
    }
}

/// Says that one source is shown alone, and why; a button shows every source again.
#[component]
pub(super) fn FocusNotice(page: LogsPage) -> impl IntoView {
    move || {
        page.focused.get().map(|f| {
            let why = if f.failed {
                ", whose script failed"
            } else {
                ""
            };
            view! {
                <p class="notice tone-neutral focus-notice" role="status">
                    {format!("Showing only {}{why}. ", f.name)}
                    <button
                        type="button"
                        class="btn btn-small"
                        on:click=move |_| {
                            page.filters.hidden_sources.set(super::filter::SourceSet::all());
                            page.focused.set(None);
                        }
                    >
                        "Show all sources"
                    </button>
                </p>
            }
        })
    }
}

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
