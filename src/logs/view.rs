//! `/agents/{id}/logs`: the toolbar (state, search, filters, toggles, download), the overflow
//! notice, the virtualized list and the "jump to latest" control.
use super::feed::{start_feed, FeedState};
use super::filter::{download_parts, FilterSpec, LevelClass, LevelSet, SourceSet};
use super::merge::{SourceIdx, SOURCE_PALETTE};
use super::model::{Model, Stats};
use super::render::{render_frame, ListDom, BOTTOM_TOLERANCE_PX};
use super::virtual_list::Align;
use crate::state::use_agent;
use crate::ui::status::Tone;
use crate::ui::{Badge, ErrorView};
use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

type ModelStore = StoredValue<Model, LocalStorage>;

/// The log viewer of the current agent.
#[component]
pub fn LogsView() -> impl IntoView {
    crate::ui::use_view_styles("logs", include_str!("../../style/logs.css"));
    let agent = use_agent();
    let model: ModelStore = StoredValue::new_local(Model::default());
    let stats = RwSignal::new(Stats::default());
    let viewer_ref = NodeRef::<html::Div>::new();
    let spacer_ref = NodeRef::<html::Div>::new();
    let window_ref = NodeRef::<html::Div>::new();
    let whole_line = RwSignal::new(None::<String>);

    // Filter controls.
    let levels = RwSignal::new(LevelSet::all());
    let hidden_sources = RwSignal::new(SourceSet::all());
    let search = RwSignal::new(String::new());
    let wrap = RwSignal::new(true);
    let show_time = RwSignal::new(true);
    let sources = RwSignal::new(Vec::<(SourceIdx, String, &'static str)>::new());

    let dom = move || {
        Some(ListDom {
            viewer: viewer_ref.get_untracked()?.unchecked_into(),
            spacer: spacer_ref.get_untracked()?.unchecked_into(),
            window: window_ref.get_untracked()?.unchecked_into(),
        })
    };

    // One render per animation frame, however many batches arrive in between.
    let schedule = move || {
        let already = model
            .try_update_value(|m| std::mem::replace(&mut m.frame_pending, true))
            .unwrap_or(true);
        if already {
            return;
        }
        fn frame(
            model: ModelStore,
            dom: impl Fn() -> Option<ListDom> + Copy + 'static,
            stats: RwSignal<Stats>,
            sources: RwSignal<Vec<(SourceIdx, String, &'static str)>>,
        ) {
            request_animation_frame(move || {
                let Some(d) = dom() else {
                    let _ = model.try_update_value(|m| m.frame_pending = false);
                    return;
                };
                let again = model.try_update_value(|m| {
                    m.frame_pending = false;
                    let again = render_frame(m, &d);
                    let s = Stats::of(m);
                    if stats.try_get_untracked().as_ref() != Some(&s) {
                        let refresh_sources = stats
                            .try_get_untracked()
                            .is_some_and(|old| old.sources_version != s.sources_version);
                        let _ = stats.try_set(s);
                        if refresh_sources {
                            let list = m
                                .buffer
                                .sources()
                                .iter()
                                .enumerate()
                                .map(|(i, info)| {
                                    (
                                        SourceIdx(i as u16),
                                        info.display_name.clone(),
                                        SOURCE_PALETTE
                                            [usize::from(info.color_index) % SOURCE_PALETTE.len()],
                                    )
                                })
                                .collect();
                            let _ = sources.try_set(list);
                        }
                    }
                    if again {
                        m.frame_pending = true;
                    }
                    again
                });
                if again == Some(true) {
                    frame(model, dom, stats, sources);
                }
            });
        }
        frame(model, dom, stats, sources);
    };

    // Describe the agent's sources (names, colours) as they become known. A memo: the agent is
    // re-read every few seconds, and only a change of its sources may rebuild the rows.
    let log_sources = Memo::new(move |_| {
        agent.agent.with(|l| {
            l.value
                .as_ref()
                .map(|a| a.log_sources.clone())
                .unwrap_or_default()
        })
    });
    Effect::new(move |_| {
        let list = log_sources.get();
        model.update_value(|m| {
            for s in &list {
                m.buffer.register_source(s.id, &s.display_name, &s.icon);
            }
            m.rendered.clear();
        });
        schedule();
    });

    // The feed: backlog, then follow, merged by id.
    let feed = start_feed(agent.id, move |batch| {
        let cursor = model
            .try_update_value(|m| {
                m.buffer.insert_batch(&batch);
                m.buffer.cursor()
            })
            .unwrap_or(0);
        schedule();
        cursor
    });

    // Filters → model.
    Effect::new(move |_| {
        let spec = FilterSpec {
            levels: levels.get(),
            sources: hidden_sources.get(),
            search: search.get(),
            only_matching: false,
        };
        model.update_value(|m| m.set_spec(spec));
        schedule();
    });
    Effect::new(move |_| {
        let _ = (wrap.get(), show_time.get());
        // Wrapping changes every row's height: forget the measurements.
        model.update_value(|m| {
            let n = m.list.len();
            m.list.reset(n);
        });
        schedule();
    });

    // Keep laying out when the viewer changes size (rotation, window resize, wrap).
    let observer = StoredValue::new_local(None::<(web_sys::ResizeObserver, Closure<dyn FnMut()>)>);
    Effect::new(move |_| {
        let Some(viewer) = viewer_ref.get() else {
            return;
        };
        let callback = Closure::<dyn FnMut()>::new(schedule);
        if let Ok(ro) = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()) {
            ro.observe(&viewer);
            observer.set_value(Some((ro, callback)));
        }
    });
    on_cleanup(move || {
        let _ = observer.try_with_value(|o| {
            if let Some((ro, _)) = o {
                ro.disconnect();
            }
        });
    });

    let on_scroll = move |_| {
        let Some(d) = dom() else { return };
        model.update_value(|m| {
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
        schedule();
    };
    let jump_to_latest = move |_| {
        model.update_value(|m| m.following = true);
        schedule();
    };
    let go_to_match = move |forward: bool| {
        let Some(d) = dom() else { return };
        model.update_value(|m| {
            let from = m.current.map(|c| c.row);
            let next = if forward {
                m.view.next_match(from)
            } else {
                m.view.prev_match(from)
            };
            if let Some(pos) = next {
                m.pause();
                m.current = Some(pos);
                let viewport = f64::from(d.viewer.client_height());
                let top = m.list.scroll_to_row(pos.row, Align::Center, viewport);
                m.programmatic_scroll = Some(top.round() as i32);
                d.viewer.set_scroll_top(top.round() as i32);
            }
        });
        schedule();
    };
    let download = move |_| {
        let name = agent
            .agent
            .with_untracked(|l| l.value.as_ref().map(|a| a.name.clone()))
            .unwrap_or_else(|| "agent".into());
        let parts = js_sys::Array::new();
        model.with_value(|m| {
            for part in download_parts(&m.buffer, &m.view, 1 << 20) {
                parts.push(&JsValue::from_str(&part));
            }
        });
        save_blob(&parts, &format!("{name}-logs.txt"));
    };
    // "show whole line" buttons inside rows (one listener for the whole list).
    let on_list_click = move |ev: leptos::ev::MouseEvent| {
        let Some(target) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let Some(button) = target.closest(".log-more").ok().flatten() else {
            return;
        };
        let Some(index) = button
            .get_attribute("data-index")
            .and_then(|i| i.parse::<usize>().ok())
        else {
            return;
        };
        let text = model.with_value(|m| {
            m.buffer
                .text(index)
                .map(|t| super::ansi::plain_text(t).into_owned())
        });
        whole_line.set(text);
    };

    view! {
        <section class="logs-page" aria-label="Agent logs">
            <div class="log-toolbar">
                <FeedBadge feed/>
                <div class="log-search" role="search">
                    <label for="log-search" class="visually-hidden">"Search the logs"</label>
                    <input id="log-search" type="search" placeholder="Search logs" autocomplete="off"
                        prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { go_to_match(!ev.shift_key()) }/>
                    <span class="search-count" aria-live="polite">{move || {
                        let s = stats.get();
                        if search.with(|q| q.is_empty()) { String::new() }
                        else { match s.current {
                            Some(k) => format!("{k} of {}", s.matches),
                            None => format!("{} match{}", s.matches, if s.matches == 1 { "" } else { "es" }),
                        } }
                    }}</span>
                    <button type="button" class="btn btn-small" aria-label="Previous match" on:click=move |_| go_to_match(false)>"↑"</button>
                    <button type="button" class="btn btn-small" aria-label="Next match" on:click=move |_| go_to_match(true)>"↓"</button>
                </div>
                <button type="button" class="btn btn-small" on:click=download>"Download"</button>
            </div>
            <details class="log-filters-panel" open=window().inner_width().ok().and_then(|w| w.as_f64()).is_some_and(|w| w > 700.0)>
            <summary>{move || {
                let hidden = LevelClass::ALL.iter().filter(|c| !levels.get().contains(**c)).count()
                    + if hidden_sources.with(|h| h.is_all()) { 0 } else { 1 };
                if hidden == 0 { "Filters and display".to_string() } else { "Filters and display (some lines hidden)".to_string() }
            }}</summary>
            <div class="log-filters">
                <fieldset class="level-filter">
                    <legend>"Levels"</legend>
                    {LevelClass::ALL.into_iter().map(|class| view! {
                        <label>
                            <input type="checkbox" prop:checked=move || levels.get().contains(class)
                                on:change=move |_| levels.update(|l| *l = l.toggled(class))/>
                            {class.label()}
                        </label>
                    }).collect_view()}
                </fieldset>
                <fieldset class="source-filter">
                    <legend>"Sources"</legend>
                    {move || sources.get().into_iter().map(|(idx, name, color)| view! {
                        <label>
                            <input type="checkbox" prop:checked=move || hidden_sources.with(|h| h.is_shown(idx))
                                on:change=move |_| hidden_sources.update(|h| h.toggle(idx))/>
                            <span class="source-dot" style=format!("background:{color}") aria-hidden="true"></span>
                            {name}
                        </label>
                    }).collect_view()}
                </fieldset>
                <label><input type="checkbox" prop:checked=move || show_time.get() on:change=move |_| show_time.update(|v| *v = !*v)/>"Timestamps"</label>
                <label><input type="checkbox" prop:checked=move || wrap.get() on:change=move |_| wrap.update(|v| *v = !*v)/>"Wrap lines"</label>
            </div>
            </details>
            {move || agent.agent.with(|l| l.value.as_ref().is_some_and(|a| a.logs_overflowed)).then(|| view! {
                <p class="notice tone-warning" role="note">
                    "⚠ This agent's logs passed the server's 1 MiB limit: later lines were not stored and are not shown here. "
                    "The workspace still has them in its script log files."
                </p>
            })}
            {move || whole_line.get().map(|text| {
                let len = text.len();
                let for_download = text.clone();
                view! {
                    <div class="card whole-line-panel" role="dialog" aria-label="Whole log line">
                        <div class="section-head">
                            <strong>{format!("Whole line ({})", super::long_line::format_bytes(len))}</strong>
                            <div class="form-actions">
                                <button type="button" class="btn btn-small" on:click=move |_| {
                                    let parts = js_sys::Array::of1(&JsValue::from_str(&for_download));
                                    save_blob(&parts, "log-line.txt");
                                }>"Download line"</button>
                                <button type="button" class="btn btn-small" on:click=move |_| whole_line.set(None)>"Close"</button>
                            </div>
                        </div>
                        <pre class="whole-line">{text}</pre>
                    </div>
                }
            })}
            {move || match feed.get() {
                FeedState::Failed(e) => Some(view! { <ErrorView error=e/> }.into_any()),
                FeedState::Gone => Some(view! { <AgentGone/> }.into_any()),
                _ => None,
            }}
            <div class="log-status">
                <span>{move || { let s = stats.get(); if s.shown == s.total { format!("{} lines", s.total) } else { format!("{} of {} lines shown", s.shown, s.total) } }}</span>
            </div>
            <div node_ref=viewer_ref class="log-viewer" class:wrap=move || wrap.get() class:show-time=move || show_time.get()
                role="log" aria-live="off" tabindex="0" on:scroll=on_scroll on:click=on_list_click>
                <div node_ref=spacer_ref class="log-spacer">
                    <div node_ref=window_ref class="log-window"></div>
                </div>
                {move || (stats.get().total == 0).then(|| view! {
                    <p class="log-empty" role="status">{move || match feed.get() {
                        FeedState::Loading => "Loading logs…".to_string(),
                        // Not "no lines": there may be lines the server could not send yet.
                        FeedState::Reconnecting { reason, .. } => {
                            format!("The logs are not available right now. {reason} The view keeps trying.")
                        }
                        _ => "No log lines yet. Startup scripts and tools that post logs appear here as they write.".to_string(),
                    }}</p>
                })}
                {move || { let s = stats.get(); (!s.following).then(|| view! {
                    <button type="button" class="btn btn-primary jump-latest" on:click=jump_to_latest>
                        {if s.new_lines > 0 { format!("Jump to latest ({} new)", s.new_lines) } else { "Jump to latest".to_string() }}
                    </button>
                }) }}
            </div>
        </section>
    }
}

/// Offers `parts` (strings) as a text file download.
fn save_blob(parts: &js_sys::Array, filename: &str) {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/plain;charset=utf-8");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let doc = document();
    if let Ok(a) = doc.create_element("a") {
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(filename);
        a.click();
    }
    // Let the download start before the URL goes.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(30),
    );
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
            <p><A href="/">"Choose an agent"</A></p>
        </section>
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
    view! { <span class="feed-state"><Badge tone label title/></span> }
}
