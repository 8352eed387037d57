//! The viewer's state outside the reactive graph (it changes thousands of times a second while
//! following): the buffer, the filtered view, row heights, the rendered rows, follow-tail.
use super::filter::{FilterSpec, LogView, MatchPos};
use super::line_link::LineRange;
use super::merge::LogBuffer;
use super::virtual_list::VirtualList;
use std::collections::HashMap;
use web_sys::Element;

/// Estimated height of an unmeasured row (one line of 12.5 px text at line-height 1.5).
pub const ROW_ESTIMATE_PX: f64 = 19.0;

/// A built row and what it was last marked with.
pub struct RenderedRow {
    pub el: Element,
    /// Its position in the filtered view (`data-pos`).
    pub pos: usize,
    /// Whether it is marked as the current search match.
    pub current: bool,
    /// Whether it is marked as a linked line.
    pub linked: bool,
}

/// Everything the render loop works on.
pub struct Model {
    pub buffer: LogBuffer,
    pub view: LogView,
    pub list: VirtualList,
    /// Rows built for the current window, keyed by log id (ids never change meaning).
    pub rendered: HashMap<i64, RenderedRow>,
    /// The window's children in document order (log id, element): what the DOM holds now.
    pub on_screen: Vec<(i64, Element)>,
    /// The spacer's `height` last written, so an unchanged frame writes nothing.
    pub spacer_height: String,
    /// The window's `transform` (its offset) last written.
    pub window_transform: String,
    /// Whether the viewport sticks to the newest line.
    pub following: bool,
    /// Shown lines when following paused, to count what arrived since.
    pub len_at_pause: usize,
    /// The search match the user moved to.
    pub current: Option<MatchPos>,
    /// The scrollTop the viewer set itself (its scroll event is not the user's).
    pub programmatic_scroll: Option<i32>,
    /// A render is scheduled for the next animation frame.
    pub frame_pending: bool,
    /// Whether rows were built for a dark theme.
    pub built_dark: bool,
    /// The lines the address links to (`#L…`), highlighted.
    pub linked: Option<LineRange>,
    /// The linked line has not been scrolled to yet (it may not have arrived).
    pub link_pending: bool,
    /// The linked line was scrolled to in the list; the page itself scrolls to show it next
    /// (on a phone the list may start below the screen).
    pub link_reveal: bool,
}

impl Default for Model {
    fn default() -> Self {
        Model {
            buffer: LogBuffer::new(),
            view: LogView::new(FilterSpec::default()),
            list: VirtualList::new(0, ROW_ESTIMATE_PX),
            rendered: HashMap::new(),
            on_screen: Vec::new(),
            spacer_height: String::new(),
            window_transform: String::new(),
            following: true,
            len_at_pause: 0,
            current: None,
            programmatic_scroll: None,
            frame_pending: false,
            built_dark: false,
            linked: None,
            link_pending: false,
            link_reveal: false,
        }
    }
}

impl Model {
    /// Lines that arrived (and pass the filter) since following paused.
    pub fn new_since_pause(&self) -> usize {
        if self.following {
            0
        } else {
            self.view.len().saturating_sub(self.len_at_pause)
        }
    }

    /// Pauses follow-tail (the user scrolled up or moved to a search match).
    pub fn pause(&mut self) {
        if self.following {
            self.following = false;
            self.len_at_pause = self.view.len();
        }
    }

    /// Scrolls to the linked line once it is in the filtered view: following pauses there.
    /// Returns the scrollTop to set, or None while the line is not there yet.
    pub fn scroll_to_link(&mut self, viewport: f64) -> Option<f64> {
        let range = self.linked.filter(|_| self.link_pending)?;
        let index = self.buffer.index_of_id(range.from)?;
        let pos = self.view.position_of(index).ok()?;
        self.link_pending = false;
        self.link_reveal = true;
        self.pause();
        Some(
            self.list
                .scroll_to_row(pos, super::virtual_list::Align::Center, viewport),
        )
    }

    /// Applies a new filter; rows are rebuilt by the next render.
    pub fn set_spec(&mut self, spec: FilterSpec) {
        let search_changed = spec.search != self.view.spec().search;
        self.view.set_spec(spec);
        if search_changed {
            self.current = None;
        }
        self.rendered.clear();
    }
}

/// Numbers the toolbar shows, copied out of the model after each render.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub total: usize,
    pub shown: usize,
    pub matches: usize,
    /// 1-based ordinal of the current match.
    pub current: Option<usize>,
    pub following: bool,
    pub new_lines: usize,
    /// The buffer's [`LogBuffer::sources_version`](super::merge::LogBuffer::sources_version).
    pub sources_version: u64,
}

impl Stats {
    pub fn of(m: &Model) -> Stats {
        Stats {
            total: m.buffer.len(),
            shown: m.view.len(),
            matches: m.view.match_count(),
            current: m.current.map(|c| c.ordinal + 1),
            following: m.following,
            new_lines: m.new_since_pause(),
            sources_version: m.buffer.sources_version(),
        }
    }
}
