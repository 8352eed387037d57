//! The virtualized list: the line count, the scrolling viewer whose rows `render.rs` draws, the
//! empty state, and "jump to latest".
use super::feed::FeedState;
use super::line_link::LineRange;
use super::render::BOTTOM_TOLERANCE_PX;
use super::view::LogsPage;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub(super) fn LogList(page: LogsPage, feed: ReadSignal<FeedState>) -> impl IntoView {
    let f = page.filters;
    let stats = page.stats;
    // The user's scrolling pauses following; back at the bottom it follows again.
    let on_scroll = move |_| {
        let Some(d) = page.dom() else { return };
        page.model.update_value(|m| {
            let top = d.viewer.scroll_top();
            if m.programmatic_scroll
                .take()
                .is_some_and(|p| (p - top).abs() <= 2)
            {
                return;
            }
            let viewport = f64::from(d.viewer.client_height());
            if m.list
                .is_at_bottom(f64::from(top), viewport, BOTTOM_TOLERANCE_PX)
            {
                m.following = true;
            } else {
                m.pause();
            }
        });
        page.schedule();
    };
    let jump_to_latest = move |_| {
        page.model.update_value(|m| m.following = true);
        page.schedule();
    };
    // Line links and "show whole line" buttons inside rows: one listener for the whole list.
    let on_list_click = move |ev: leptos::ev::MouseEvent| {
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let link = target
            .as_ref()
            .and_then(|t| t.closest(".log-anchor").ok().flatten())
            .and_then(|a| a.get_attribute("data-id"))
            .and_then(|id| id.parse::<i64>().ok());
        if let Some(id) = link {
            // The router would navigate; the link only changes the address's fragment.
            ev.prevent_default();
            let range = LineRange::clicked(page.link.get_untracked(), id, ev.shift_key());
            page.set_link(Some(range), false);
            return;
        }
        let index = target
            .and_then(|target| target.closest(".log-more").ok().flatten())
            .and_then(|button| button.get_attribute("data-index"))
            .and_then(|i| i.parse::<usize>().ok());
        let Some(index) = index else { return };
        let text = page.model.with_value(|m| {
            m.buffer
                .text(index)
                .map(|t| super::ansi::plain_text(t).into_owned())
        });
        page.whole_line.set(text);
    };
    let count = move || {
        let s = stats.get();
        if s.shown == s.total {
            format!("{} lines", s.total)
        } else {
            format!("{} of {} lines shown", s.shown, s.total)
        }
    };
    let empty = move || match feed.get() {
        FeedState::Loading => "Loading logs…".to_string(),
        // Not "no lines": there may be lines the server could not send yet.
        FeedState::Reconnecting { reason, .. } => {
            format!("The logs are not available right now. {reason} The view keeps trying.")
        }
        _ => {
            "No log lines yet. Startup scripts and tools that post logs appear here as they write."
                .to_string()
        }
    };
    view! {
        <div class="log-status">
            <span>{count}</span>
        </div>
        <div
            node_ref=page.viewer
            class="log-viewer"
            class:wrap=move || f.wrap.get()
            class:show-time=move || f.show_time.get()
            role="log"
            aria-live="off"
            tabindex="0"
            on:scroll=on_scroll
            on:click=on_list_click
        >
            <div node_ref=page.spacer class="log-spacer">
                <div node_ref=page.window class="log-window"></div>
            </div>
            {move || {
                (stats.get().total == 0)
                    .then(|| {
                        view! {
                            <p class="log-empty" role="status">
                                {empty}
                            </p>
                        }
                    })
            }}
            {move || {
                let s = stats.get();
                (!s.following)
                    .then(|| {
                        view! {
                            <button
                                type="button"
                                class="btn btn-primary jump-latest"
                                on:click=jump_to_latest
                            >
                                {if s.new_lines > 0 {
                                    format!("Jump to latest ({} new)", s.new_lines)
                                } else {
                                    "Jump to latest".to_string()
                                }}
                            </button>
                        }
                    })
            }}
        </div>
    }
}
