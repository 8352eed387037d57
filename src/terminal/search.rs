//! Searching the scrollback: a field above the screen (Ctrl+Shift+F, or the bar's Search button),
//! next and previous (Enter, Shift+Enter), a case toggle, the matches highlighted and counted.
//! xterm's search addon is fetched the first time a search opens.
use super::session::SessionUi;
use super::xterm::{SearchQuery, SEARCH_HIGHLIGHT_LIMIT};
use super::LiveSession;
use crate::state::use_shell;
use leptos::html;
use leptos::prelude::*;

/// The count shown beside the field, from the addon's (active index or -1, number of matches).
pub fn describe_results(index: i32, count: i32) -> String {
    match (index, count) {
        (_, n) if n <= 0 => "No matches".into(),
        (_, n) if n as u32 >= SEARCH_HIGHLIGHT_LIMIT => {
            format!("{SEARCH_HIGHLIGHT_LIMIT}+ matches")
        }
        (i, n) if i < 0 => format!("{n} matches"),
        (i, n) => format!("{} of {n}", i + 1),
    }
}

#[component]
pub(super) fn SearchBar(ui: SessionUi, live: LiveSession) -> impl IntoView {
    let shell = use_shell();
    let term = RwSignal::new(String::new());
    let case_sensitive = RwSignal::new(false);
    let results = RwSignal::new(None::<(i32, i32)>);
    let problem = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let input_ref = NodeRef::<html::Input>::new();

    let find = move |forward: bool, incremental: bool| {
        if !loaded.get_untracked() {
            return;
        }
        let t = term.get_untracked();
        let dark = shell.try_dark_untracked().unwrap_or(false);
        live.with(|s| {
            if t.is_empty() {
                s.xterm().end_search();
                results.set(None);
            } else {
                let found = s.xterm().find(
                    &SearchQuery {
                        term: &t,
                        case_sensitive: case_sensitive.get_untracked(),
                        incremental,
                        dark,
                    },
                    forward,
                );
                // The addon leaves its last count standing when nothing matches any more.
                if !found {
                    results.set(Some((-1, 0)));
                }
            }
        });
    };
    // The field takes the focus; the addon loads (once per terminal).
    input_ref.on_load(move |input| {
        let _ = input.focus();
        let session = live.0.try_with_value(|l| l.session.clone()).flatten();
        leptos::task::spawn_local(async move {
            let Some(s) = session else { return };
            let done = s
                .xterm()
                .start_search(move |i, n| {
                    results.try_set(Some((i, n)));
                })
                .await;
            match done {
                Ok(()) => {
                    loaded.try_set(true);
                    find(true, true);
                }
                Err(e) => {
                    problem.try_set(Some(format!("Search could not be loaded: {e}")));
                }
            }
        });
    });
    // Closed by Esc, its button or the bar's Search button: the highlights go with it.
    on_cleanup(move || live.with(|s| s.xterm().end_search()));
    let close = move || {
        ui.searching.set(false);
        live.with(|s| s.xterm().focus());
    };
    let toggle_case = move || {
        case_sensitive.update(|c| *c = !*c);
        find(true, true);
    };

    view! {
        <div class="terminal-search" role="search" aria-label="Search the terminal">
            <input
                class="terminal-search-input"
                type="search"
                aria-label="Search the scrollback"
                placeholder="Search the scrollback"
                node_ref=input_ref
                prop:value=move || term.get()
                on:input=move |ev| {
                    term.set(event_target_value(&ev));
                    find(true, true);
                }
                on:keydown=move |ev| match ev.key().as_str() {
                    "Enter" => {
                        ev.prevent_default();
                        find(!ev.shift_key(), false);
                    }
                    "Escape" => {
                        ev.prevent_default();
                        close();
                    }
                    _ => {}
                }
            />
            <span class="terminal-search-count muted" role="status">
                {move || {
                    problem
                        .get()
                        .or_else(|| {
                            if term.with(String::is_empty) {
                                None
                            } else {
                                results.get().map(|(i, n)| describe_results(i, n))
                            }
                        })
                }}
            </span>
            <button
                type="button"
                class="btn btn-small"
                aria-label="Match case"
                title="Match case"
                aria-pressed=move || case_sensitive.get().to_string()
                on:click=move |_| toggle_case()
            >
                "Aa"
            </button>
            <button
                type="button"
                class="btn btn-small"
                aria-label="Previous match"
                title="Previous match (Shift+Enter)"
                on:click=move |_| find(false, false)
            >
                "↑"
            </button>
            <button
                type="button"
                class="btn btn-small"
                aria-label="Next match"
                title="Next match (Enter)"
                on:click=move |_| find(true, false)
            >
                "↓"
            </button>
            <button
                type="button"
                class="btn btn-small"
                aria-label="Close search"
                title="Close (Esc)"
                on:click=move |_| close()
            >
                "×"
            </button>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_count_reads_as_people_say_it() {
        assert_eq!(describe_results(-1, 0), "No matches");
        assert_eq!(describe_results(0, 3), "1 of 3");
        assert_eq!(describe_results(2, 3), "3 of 3");
        assert_eq!(describe_results(-1, 7), "7 matches");
        assert_eq!(describe_results(-1, 1000), "1000+ matches");
    }
}
