//! Placeholders: a shimmering skeleton while loading, a sentence when there is nothing to show.
use leptos::prelude::*;

/// `lines` grey bars standing in for content that is loading.
#[component]
pub fn Skeleton(#[prop(default = 3)] lines: usize) -> impl IntoView {
    view! {
        <div class="skeleton" role="status" aria-label="Loading">
            {(0..lines)
                .map(|i| {
                    view! {
                        <div
                            class="skeleton-line"
                            style=format!("width: {}%", 92 - (i * 17) % 40)
                        ></div>
                    }
                })
                .collect_view()}
        </div>
    }
}

/// An explanation where a list is empty.
#[component]
pub fn EmptyState(#[prop(into)] title: String, children: Children) -> impl IntoView {
    view! {
        <div class="empty-state">
            <p class="empty-title">{title}</p>
            <div class="empty-body">{children()}</div>
        </div>
    }
}
