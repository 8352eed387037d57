//! `/agents/{id}/logs`: the page's state and how its parts fit together. The parts are components
//! of their own: the toolbar and filters (`toolbar.rs`), the notices (`notices.rs`) and the
//! virtualized list (`list.rs`).
use super::feed::start_feed;
use super::filter::{download_parts, FilterSpec, LevelSet, SourceSet};
use super::line_link::{with_range, LineRange};
use super::list::LogList;
use super::merge::{SourceIdx, SOURCE_PALETTE};
use super::model::{Model, Stats};
use super::notices::{FeedProblem, FocusNotice, LinkBar, OverflowNotice, WholeLinePanel};
use super::render::{render_frame, ListDom};
use super::toolbar::{FilterPanel, LogToolbar};
use super::virtual_list::Align;
use crate::state::{use_agent, use_shell, Shell};
use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

pub(super) type ModelStore = StoredValue<Model, LocalStorage>;

/// A source's chip in the filter panel: its index, id, name and colour.
pub(super) type SourceChip = (SourceIdx, Uuid, String, &'static str);

/// The source the page opened on alone: asked for by the address (`?source=`, the startup
/// chart's way in) or, without one, the source of a script that failed.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct FocusedSource {
    pub name: String,
    pub failed: bool,
}

/// What the user chose to see.
#[derive(Clone, Copy)]
pub(super) struct Filters {
    pub levels: RwSignal<LevelSet>,
    pub hidden_sources: RwSignal<SourceSet>,
    pub search: RwSignal<String>,
    pub wrap: RwSignal<bool>,
    pub show_time: RwSignal<bool>,
}

/// The state the page's parts share: the lines (outside the reactive graph, rendered by hand into
/// the list's elements), the numbers the toolbar shows, and the user's choices.
#[derive(Clone, Copy)]
pub(super) struct LogsPage {
    pub model: ModelStore,
    pub stats: RwSignal<Stats>,
    pub sources: RwSignal<Vec<SourceChip>>,
    pub filters: Filters,
    /// Log sources of scripts whose latest run failed (their chips carry a mark).
    pub failed_sources: Memo<Vec<Uuid>>,
    /// Set when the page opened on one source alone.
    pub focused: RwSignal<Option<FocusedSource>>,
    /// The lines the address links to (a mirror of the model's, for the link bar).
    pub link: RwSignal<Option<LineRange>>,
    /// A long line opened whole (plain text).
    pub whole_line: RwSignal<Option<String>>,
    pub viewer: NodeRef<html::Div>,
    pub spacer: NodeRef<html::Div>,
    pub window: NodeRef<html::Div>,
    /// The theme the rows are drawn for.
    shell: Shell,
}

impl LogsPage {
    fn new() -> Self {
        let shell = use_shell();
        Self {
            model: StoredValue::new_local(Model::default()),
            stats: RwSignal::new(Stats::default()),
            sources: RwSignal::new(Vec::new()),
            failed_sources: failed_sources(),
            focused: RwSignal::new(None),
            link: RwSignal::new(None),
            filters: Filters {
                levels: RwSignal::new(LevelSet::all()),
                hidden_sources: RwSignal::new(SourceSet::all()),
                search: RwSignal::new(String::new()),
                wrap: RwSignal::new(true),
                show_time: RwSignal::new(true),
            },
            whole_line: RwSignal::new(None),
            viewer: NodeRef::new(),
            spacer: NodeRef::new(),
            window: NodeRef::new(),
            shell,
        }
    }

    /// The list's elements, once mounted.
    pub fn dom(self) -> Option<ListDom> {
        Some(ListDom {
            viewer: self.viewer.get_untracked()?.unchecked_into(),
            spacer: self.spacer.get_untracked()?.unchecked_into(),
            window: self.window.get_untracked()?.unchecked_into(),
        })
    }

    /// Renders in the next animation frame: one render however many batches arrive in between.
    pub fn schedule(self) {
        let already = self
            .model
            .try_update_value(|m| std::mem::replace(&mut m.frame_pending, true))
            .unwrap_or(true);
        if !already {
            self.render_next_frame();
        }
    }

    fn render_next_frame(self) {
        request_animation_frame(move || {
            let Some(d) = self.dom() else {
                let _ = self.model.try_update_value(|m| m.frame_pending = false);
                return;
            };
            let dark = self.shell.try_dark_untracked().unwrap_or(false);
            let again = self.model.try_update_value(|m| {
                m.frame_pending = false;
                let again = render_frame(m, &d, dark);
                self.publish(m);
                m.frame_pending = again;
                again
            });
            if again == Some(true) {
                self.render_next_frame();
            }
        });
    }

    /// Copies the numbers out of the model, and the source chips when the sources changed.
    fn publish(self, m: &Model) {
        let s = Stats::of(m);
        let Some(old) = self.stats.try_get_untracked() else {
            return;
        };
        if old == s {
            return;
        }
        if old.sources_version != s.sources_version {
            let chips = m
                .buffer
                .sources()
                .iter()
                .enumerate()
                .map(|(i, info)| {
                    let color =
                        SOURCE_PALETTE[usize::from(info.color_index) % SOURCE_PALETTE.len()];
                    (
                        SourceIdx(i as u16),
                        info.id,
                        info.display_name.clone(),
                        color,
                    )
                })
                .collect();
            let _ = self.sources.try_set(chips);
        }
        let _ = self.stats.try_set(s);
    }

    /// Moves to the next (or previous) search match and pauses following there.
    pub fn go_to_match(self, forward: bool) {
        let Some(d) = self.dom() else { return };
        self.model.update_value(|m| {
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
        self.schedule();
    }

    /// Links to `range` (or to nothing): highlighted, in the address, scrolled to if `scroll`.
    pub fn set_link(self, range: Option<LineRange>, scroll: bool) {
        if self.link.try_get_untracked() == Some(range) && !scroll {
            return;
        }
        self.model.update_value(|m| {
            m.linked = range;
            m.link_pending = scroll && range.is_some();
        });
        self.link.set(range);
        let location = window().location();
        let hash = location.hash().unwrap_or_default();
        let next = with_range(&hash, range);
        if next != hash {
            let path =
                location.pathname().unwrap_or_default() + &location.search().unwrap_or_default();
            let _ = window().history().and_then(|h| {
                h.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{next}")))
            });
        }
        self.schedule();
    }

    /// Every line as the server writes it in plain text (`format=text`: the same lines as the
    /// REST backlog, timestamps and ANSI kept). A server that answers JSON instead (older
    /// coderd ignores the format) gets the lines held here, unfiltered.
    pub async fn download_all(
        self,
        agent: uuid::Uuid,
        agent_name: String,
    ) -> Result<(), crate::api::ApiError> {
        let query = coder_api::routes::LogsQuery {
            text: true,
            ..Default::default()
        };
        let (body, content_type) =
            crate::api::get_bytes(&coder_api::routes::logs(&agent, &query)).await?;
        let parts = js_sys::Array::new();
        if content_type.starts_with("text/plain") {
            parts.push(&js_sys::Uint8Array::from(body.as_slice()));
        } else {
            self.model.with_value(|m| {
                let all = super::filter::LogView::new(FilterSpec::default());
                let mut all = all;
                all.sync(&m.buffer);
                for part in download_parts(&m.buffer, &all, 1 << 20) {
                    parts.push(&JsValue::from_str(&part));
                }
            });
        }
        save_blob(&parts, &format!("{agent_name}-logs-all.txt"));
        Ok(())
    }

    /// The lines shown (as filtered), as a text file named after the agent.
    pub fn download(self, agent_name: &str) {
        let parts = js_sys::Array::new();
        self.model.with_value(|m| {
            for part in download_parts(&m.buffer, &m.view, 1 << 20) {
                parts.push(&JsValue::from_str(&part));
            }
        });
        save_blob(&parts, &format!("{agent_name}-logs.txt"));
    }
}

/// The log viewer of the current agent.
#[component]
pub fn LogsView() -> impl IntoView {
    crate::ui::use_view_styles("logs", include_str!("../../style/logs.css"));
    let agent = use_agent();
    let page = LogsPage::new();
    follow_line_link(page);
    describe_sources(page);
    // The feed: backlog, then follow, merged by id.
    let feed = start_feed(agent.id, move |batch| {
        let cursor = page
            .model
            .try_update_value(|m| {
                m.buffer.insert_batch(&batch);
                m.buffer.cursor()
            })
            .unwrap_or(0);
        page.schedule();
        cursor
    });
    apply_filters(page);
    relayout_on_display_change(page);
    follow_viewer_size(page);

    view! {
        <section class="logs-page" aria-label="Agent logs">
            <LogToolbar page feed />
            <FilterPanel page />
            <LinkBar page feed />
            <FocusNotice page />
            <OverflowNotice />
            <WholeLinePanel page />
            <FeedProblem feed />
            <LogList page feed />
        </section>
    }
}

/// Describes the agent's sources (names, colours) as they become known. A memo: the agent is
/// re-read every few seconds, and only a change of its sources may rebuild the rows.
fn describe_sources(page: LogsPage) {
    let agent = use_agent();
    let requested = use_query_map()
        .with_untracked(|q| q.get("source"))
        .and_then(|s| Uuid::parse_str(s.trim()).ok());
    let focus_pending = StoredValue::new(true);
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
        let registered: Vec<(SourceIdx, Uuid, String)> = page
            .model
            .try_update_value(|m| {
                let registered = list
                    .iter()
                    .map(|s| {
                        let idx = m.buffer.register_source(s.id, &s.display_name, &s.icon);
                        (idx, s.id, s.display_name.clone())
                    })
                    .collect();
                m.rendered.clear();
                registered
            })
            .unwrap_or_default();
        // A line link wins over focusing a source: the line could be in another one.
        let linked = page.link.get_untracked().is_some();
        if !registered.is_empty() && focus_pending.get_value() && !linked {
            focus_pending.set_value(false);
            focus_source(page, requested, &registered);
        }
        page.schedule();
    });
}

/// The address's line link (`#L…`) when the page opens and whenever the fragment changes.
fn follow_line_link(page: LogsPage) {
    let read = move || {
        let hash = window().location().hash().unwrap_or_default();
        page.set_link(LineRange::from_fragment(&hash), true);
    };
    read();
    let handle = window_event_listener(leptos::ev::hashchange, move |_| read());
    on_cleanup(move || handle.remove());
}

/// Shows one source alone: the one the address asks for, else the first whose script failed.
/// The notice above the list says so and offers every source back.
fn focus_source(page: LogsPage, requested: Option<Uuid>, registered: &[(SourceIdx, Uuid, String)]) {
    let failed = page.failed_sources.get_untracked();
    let wanted = requested.or_else(|| failed.first().copied());
    let Some((idx, id, name)) = wanted.and_then(|w| registered.iter().find(|(_, id, _)| *id == w))
    else {
        return;
    };
    page.filters
        .hidden_sources
        .set(SourceSet::only(*idx, registered.len()));
    page.focused.set(Some(FocusedSource {
        name: name.clone(),
        failed: failed.contains(id),
    }));
}

/// The log sources of the scripts whose latest run did not end well.
fn failed_sources() -> Memo<Vec<Uuid>> {
    let agent = use_agent();
    Memo::new(move |_| {
        agent.agent.with(|l| {
            l.value
                .iter()
                .flat_map(|a| &a.scripts)
                .filter(|s| s.status.as_ref().is_some_and(|st| st.failed()))
                .map(|s| s.log_source_id)
                .collect()
        })
    })
}

/// The filter controls decide which lines the model shows.
fn apply_filters(page: LogsPage) {
    let f = page.filters;
    Effect::new(move |_| {
        let spec = FilterSpec {
            levels: f.levels.get(),
            sources: f.hidden_sources.get(),
            search: f.search.get(),
            only_matching: false,
        };
        page.model.update_value(|m| m.set_spec(spec));
        page.schedule();
    });
}

/// Wrapping and timestamps change every row's height, and the theme every row's colours: the
/// measurements are forgotten and the rows drawn again.
fn relayout_on_display_change(page: LogsPage) {
    let f = page.filters;
    Effect::new(move |_| {
        let _ = (f.wrap.get(), f.show_time.get());
        page.model.update_value(|m| {
            let n = m.list.len();
            m.list.reset(n);
        });
        page.schedule();
    });
    Effect::new(move |_| {
        let _dark = page.shell.dark(); // read to redraw when it changes
        page.schedule();
    });
}

/// Keeps laying out when the viewer changes size (rotation, window resize, wrap).
fn follow_viewer_size(page: LogsPage) {
    let observer = StoredValue::new_local(None::<(web_sys::ResizeObserver, Closure<dyn FnMut()>)>);
    Effect::new(move |_| {
        let Some(viewer) = page.viewer.get() else {
            return;
        };
        let callback = Closure::<dyn FnMut()>::new(move || page.schedule());
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
}

/// Offers `parts` (strings) as a text file download.
pub(super) fn save_blob(parts: &js_sys::Array, filename: &str) {
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
