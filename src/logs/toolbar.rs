//! The logs page's toolbar (the feed's state, search, download) and its filter panel.
use super::feed::FeedState;
use super::filter::LevelClass;
use super::view::LogsPage;
use crate::state::use_agent;
use crate::ui::status::Tone;
use crate::ui::Badge;
use leptos::prelude::*;

/// The feed's state, the search box with its match count and steps, and the download button.
#[component]
pub(super) fn LogToolbar(page: LogsPage, feed: ReadSignal<FeedState>) -> impl IntoView {
    let agent = use_agent();
    let search = page.filters.search;
    let count = move || {
        let s = page.stats.get();
        if search.with(|q| q.is_empty()) {
            return String::new();
        }
        match s.current {
            Some(k) => format!("{k} of {}", s.matches),
            None => format!(
                "{} match{}",
                s.matches,
                if s.matches == 1 { "" } else { "es" }
            ),
        }
    };
    let download = move |_| {
        let name = agent
            .agent
            .with_untracked(|l| l.value.as_ref().map(|a| a.name.clone()))
            .unwrap_or_else(|| "agent".into());
        page.download(&name);
    };
    let download_problem = RwSignal::new(None::<String>);
    let download_all = move |_| {
        let name = agent
            .agent
            .with_untracked(|l| l.value.as_ref().map(|a| a.name.clone()))
            .unwrap_or_else(|| "agent".into());
        let id = agent.id;
        download_problem.set(None);
        leptos::task::spawn_local(async move {
            if let Err(e) = page.download_all(id, name).await {
                let _ = download_problem.try_set(Some(format!("The download failed: {e}")));
            }
        });
    };
    view! {
        <div class="log-toolbar">
            <FeedBadge feed />
            <div class="log-search" role="search">
                <label for="log-search" class="visually-hidden">
                    "Search the logs"
                </label>
                <input
                    id="log-search"
                    type="search"
                    placeholder="Search logs"
                    autocomplete="off"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Enter" {
                            page.go_to_match(!ev.shift_key())
                        }
                    }
                />
                <span class="search-count" aria-live="polite">
                    {count}
                </span>
                <button
                    type="button"
                    class="btn btn-small"
                    aria-label="Previous match"
                    on:click=move |_| page.go_to_match(false)
                >
                    "↑"
                </button>
                <button
                    type="button"
                    class="btn btn-small"
                    aria-label="Next match"
                    on:click=move |_| page.go_to_match(true)
                >
                    "↓"
                </button>
            </div>
            <button
                type="button"
                class="btn btn-small"
                on:click=download
                title="The lines shown, as filtered"
            >
                "Download shown"
            </button>
            <button
                type="button"
                class="btn btn-small"
                on:click=download_all
                title="Every line, as plain text from the server"
            >
                "Download all"
            </button>
            {move || {
                download_problem
                    .get()
                    .map(|p| {
                        view! {
                            <span class="muted" role="alert">
                                {p}
                            </span>
                        }
                    })
            }}
        </div>
    }
}

/// Levels, sources, timestamps and wrapping; open at first on a wide screen.
#[component]
pub(super) fn FilterPanel(page: LogsPage) -> impl IntoView {
    let f = page.filters;
    let wide = window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .is_some_and(|w| w > 700.0);
    let summary = move || {
        let hidden = LevelClass::ALL
            .iter()
            .filter(|c| !f.levels.get().contains(**c))
            .count()
            + usize::from(!f.hidden_sources.with(|h| h.is_all()));
        if hidden == 0 {
            "Filters and display"
        } else {
            "Filters and display (some lines hidden)"
        }
    };
    view! {
        <details class="log-filters-panel" open=wide>
            <summary>{summary}</summary>
            <div class="log-filters">
                <fieldset class="level-filter">
                    <legend>"Levels"</legend>
                    {LevelClass::ALL
                        .into_iter()
                        .map(|class| {
                            view! {
                                <label>
                                    <input
                                        type="checkbox"
                                        prop:checked=move || f.levels.get().contains(class)
                                        on:change=move |_| {
                                            f.levels.update(|l| *l = l.toggled(class))
                                        }
                                    />
                                    {class.label()}
                                </label>
                            }
                        })
                        .collect_view()}
                </fieldset>
                <fieldset class="source-filter">
                    <legend>"Sources"</legend>
                    {move || {
                        page.sources
                            .get()
                            .into_iter()
                            .map(|(idx, id, name, color)| {
                                let failed = move || {
                                    page.failed_sources.with(|f| f.contains(&id))
                                };
                                view! {
                                    <label>
                                        <input
                                            type="checkbox"
                                            prop:checked=move || {
                                                f.hidden_sources.with(|h| h.is_shown(idx))
                                            }
                                            on:change=move |_| {
                                                f.hidden_sources.update(|h| h.toggle(idx));
                                                page.focused.set(None);
                                            }
                                        />
                                        <span
                                            class="source-dot"
                                            style=format!("background:{color}")
                                            aria-hidden="true"
                                        ></span>
                                        {name}
                                        {move || {
                                            failed()
                                                .then(|| {
                                                    view! {
                                                        <span
                                                            class="source-failed"
                                                            title="Its script's latest run failed"
                                                        >
                                                            "✕ failed"
                                                        </span>
                                                    }
                                                })
                                        }}
                                    </label>
                                }
                            })
                            .collect_view()
                    }}
                </fieldset>
                <label>
                    <input
                        type="checkbox"
                        prop:checked=move || f.show_time.get()
                        on:change=move |_| f.show_time.update(|v| *v = !*v)
                    />
                    "Timestamps"
                </label>
                <label>
                    <input
                        type="checkbox"
                        prop:checked=move || f.wrap.get()
                        on:change=move |_| f.wrap.update(|v| *v = !*v)
                    />
                    "Wrap lines"
                </label>
            </div>
        </details>
    }
}

/// The feed's state as a badge.
#[component]
fn FeedBadge(feed: ReadSignal<FeedState>) -> impl IntoView {
    let state = move || feed.get();
    let tone = Signal::derive(move || match state() {
        FeedState::Loading => Tone::Progress,
        FeedState::Live => Tone::Ok,
        FeedState::Reconnecting { .. } => Tone::Warning,
        FeedState::Ended => Tone::Neutral,
        FeedState::Failed(_) | FeedState::Gone => Tone::Danger,
    });
    let label = Signal::derive(move || match state() {
        FeedState::Loading => "Loading…".to_string(),
        FeedState::Live => "Live".to_string(),
        FeedState::Reconnecting { in_ms, attempt, .. } => format!(
            "Reconnecting in {:.0} s (attempt {attempt})",
            (f64::from(in_ms) / 1000.0).ceil()
        ),
        FeedState::Ended => "Ended: the agent left the latest build".to_string(),
        FeedState::Failed(_) => "Not available".to_string(),
        FeedState::Gone => "Stopped: the agent is gone".to_string(),
    });
    let title = Signal::derive(move || match state() {
        FeedState::Reconnecting { reason, .. } => reason,
        _ => String::new(),
    });
    view! {
        <span class="feed-state">
            <Badge tone label title />
        </span>
    }
}
