//! The maths of a virtualized list with variable row heights: which rows to put in the DOM
//! for a scroll position, where to place them, and how tall the scroll area is.
//!
//! Rows start at an estimated height; the component reports each rendered row's measured
//! height ([`VirtualList::set_height`]). Heights live in a Fenwick tree (binary indexed tree)
//! of `f64`, so updating a height, the offset of a row and the row at an offset are all
//! O(log n), appending rows is O(log n) each, and a million rows take 8 MB. Heights reported
//! by the browser are multiples of 1/64 px, which `f64` adds and subtracts exactly, so the
//! sums never drift.
//!
//! **Scaled scroll mode.** Browsers cap an element's height (about 33.5 M px in Chrome and
//! 17.9 M px in Firefox); a million 20 px rows are 20 M px. When the content is taller than
//! [`VirtualList::cap`] (default [`DEFAULT_SCROLL_CAP`], 10 M px, below both limits), the
//! scroll area is made exactly `cap` tall and a scroll position maps linearly onto the content:
//!
//! ```text
//! content_top = scroll_top × (content_height − viewport) / (cap − viewport)
//! ```
//!
//! so scrollTop 0 shows the first row and the largest scrollTop (`cap − viewport`) shows the
//! very last one. The rendered rows are placed so the content at `content_top` sits at the top
//! of the viewport: `top = scroll_top − (content_top − offset(start))`. Within the viewport the
//! rows keep their real sizes; the scrollbar and wheel move through the content faster by the
//! ratio (2× for 20 M px of content), which is the price of reaching every row.
//!
//! Rows are placed as one block: the first rendered row at [`Window::top`] and the rest
//! following in normal flow, so measured heights inside the block never need to be exact.

/// Scroll height beyond which the scaled mode starts (below every browser's element limit).
pub const DEFAULT_SCROLL_CAP: f64 = 10_000_000.0;
/// Rows rendered above and below the viewport, so fast scrolling shows no blank edge.
pub const DEFAULT_OVERSCAN: usize = 10;
/// Rows rendered at most, whatever the heights (pathologically short rows cannot flood the DOM).
pub const DEFAULT_MAX_RENDERED: usize = 300;

/// How to align a row when scrolling to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// The row's top at the viewport's top.
    Start,
    /// The row in the middle of the viewport (search results).
    Center,
    /// The row's bottom at the viewport's bottom.
    End,
}

/// What to render for one scroll position.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Window {
    /// First row to render.
    pub start: usize,
    /// One past the last row to render.
    pub end: usize,
    /// First row (partly) inside the viewport.
    pub first_visible: usize,
    /// One past the last row (partly) inside the viewport.
    pub end_visible: usize,
    /// Where the first rendered row's top goes, in the scroll area's coordinates.
    pub top: f64,
    /// The height to give the scroll area (the spacer).
    pub scroll_height: f64,
    /// The content offset shown at the viewport's top.
    pub content_top: f64,
}

/// Where the viewport is, relative to a row: survives height changes above it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anchor {
    /// The row at the viewport's top.
    pub row: usize,
    /// How far the viewport's top is below that row's top.
    pub offset: f64,
}

/// Row heights and the scroll mapping of a virtualized list.
#[derive(Clone, Debug)]
pub struct VirtualList {
    /// Fenwick tree, 1-based: `tree[i]` is the sum of the heights of rows `(i - lowbit(i), i]`.
    tree: Vec<f64>,
    total: f64,
    estimate: f64,
    cap: f64,
    overscan: usize,
    max_rendered: usize,
}

fn lowbit(i: usize) -> usize {
    i & i.wrapping_neg()
}

impl VirtualList {
    /// `rows` rows of `estimate` px each (an estimate that is not positive counts as 20 px).
    pub fn new(rows: usize, estimate: f64) -> Self {
        let estimate = if estimate.is_finite() && estimate > 0.0 {
            estimate
        } else {
            20.0
        };
        let mut list = VirtualList {
            tree: Vec::new(),
            total: 0.0,
            estimate,
            cap: DEFAULT_SCROLL_CAP,
            overscan: DEFAULT_OVERSCAN,
            max_rendered: DEFAULT_MAX_RENDERED,
        };
        list.reset(rows);
        list
    }

    /// Sets the scroll height cap (the scaled mode starts above it).
    pub fn with_cap(mut self, cap: f64) -> Self {
        self.cap = if cap.is_finite() && cap > 0.0 {
            cap
        } else {
            DEFAULT_SCROLL_CAP
        };
        self
    }

    /// Sets the overscan (rows rendered beyond each edge of the viewport).
    pub fn with_overscan(mut self, rows: usize) -> Self {
        self.overscan = rows;
        self
    }

    /// Sets the most rows a window may hold (at least 1).
    pub fn with_max_rendered(mut self, rows: usize) -> Self {
        self.max_rendered = rows.max(1);
        self
    }

    /// The scroll height cap.
    pub fn cap(&self) -> f64 {
        self.cap
    }

    /// The estimated height of a row not measured yet.
    pub fn estimate(&self) -> f64 {
        self.estimate
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.tree.len().saturating_sub(1)
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets the row count to `rows`, every row back at the estimate (a new filter, a new
    /// width or wrap setting). O(n).
    pub fn reset(&mut self, rows: usize) {
        // With every height equal, node i holds lowbit(i) of them.
        self.tree = (0..=rows)
            .map(|i| self.estimate * lowbit(i) as f64)
            .collect();
        self.tree[0] = 0.0;
        self.total = self.estimate * rows as f64;
    }

    /// Appends `count` rows at the estimated height, O(log n) each (new lines while following).
    pub fn push_rows(&mut self, count: usize) {
        self.tree.reserve(count);
        for _ in 0..count {
            let p = self.tree.len();
            // Node p covers rows (p - lowbit(p), p]: the new row plus rows already summed.
            let covered = self.prefix(p - 1) - self.prefix(p - lowbit(p));
            self.tree.push(self.estimate + covered);
            self.total += self.estimate;
        }
    }

    /// Keeps the first `rows` rows (a filter rebuilt from some position). Fenwick nodes of the
    /// kept prefix only cover kept rows, so this is a cut plus one sum.
    pub fn truncate(&mut self, rows: usize) {
        if rows < self.len() {
            self.tree.truncate(rows + 1);
            self.total = self.prefix(rows);
        }
    }

    /// The sum of the heights of the first `count` rows.
    fn prefix(&self, count: usize) -> f64 {
        let mut i = count.min(self.len());
        let mut sum = 0.0;
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum
    }

    /// The height of a row (0 past the end).
    pub fn height(&self, row: usize) -> f64 {
        if row >= self.len() {
            return 0.0;
        }
        self.prefix(row + 1) - self.prefix(row)
    }

    /// Records a row's measured height; returns whether it changed. Heights that are not
    /// finite and positive (a detached or hidden element reports 0) are ignored.
    pub fn set_height(&mut self, row: usize, height: f64) -> bool {
        if row >= self.len() || !height.is_finite() || height <= 0.0 {
            return false;
        }
        let delta = height - self.height(row);
        if delta == 0.0 {
            return false;
        }
        let mut i = row + 1;
        while i < self.tree.len() {
            self.tree[i] += delta;
            i += lowbit(i);
        }
        self.total += delta;
        true
    }

    /// The content offset of a row's top (`row == len` gives the content height).
    pub fn offset(&self, row: usize) -> f64 {
        self.prefix(row)
    }

    /// The sum of every row's height.
    pub fn content_height(&self) -> f64 {
        self.total
    }

    /// Whether the content is taller than the cap (scaled mode).
    pub fn is_scaled(&self) -> bool {
        self.total > self.cap
    }

    /// The height to give the scroll area: the content height, or the cap in scaled mode.
    pub fn scroll_height(&self) -> f64 {
        self.total.min(self.cap)
    }

    /// The row at content offset `y` (clamped to the rows there are; 0 when empty).
    pub fn row_at(&self, y: f64) -> usize {
        let n = self.len();
        if n == 0 || y.is_nan() || y <= 0.0 {
            return 0;
        }
        // Binary lifting: the number of rows that end at or above y.
        let mut pos = 0;
        let mut rest = y;
        let mut step = 1usize << (usize::BITS - 1 - n.leading_zeros());
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] <= rest {
                pos = next;
                rest -= self.tree[next];
            }
            step >>= 1;
        }
        pos.min(n - 1)
    }

    /// The largest content offset the viewport's top can show.
    fn max_content_top(&self, viewport: f64) -> f64 {
        (self.total - viewport).max(0.0)
    }

    /// The largest scrollTop of the scroll area.
    fn max_scroll_top(&self, viewport: f64) -> f64 {
        (self.scroll_height() - viewport).max(0.0)
    }

    /// The content offset shown at the viewport's top for a scrollTop (the mapping in the
    /// module docs; the identity, clamped, when not scaled).
    pub fn content_top(&self, scroll_top: f64, viewport: f64) -> f64 {
        let viewport = viewport.max(0.0);
        let scroll_top = if scroll_top.is_finite() {
            scroll_top
        } else {
            0.0
        };
        let max_content = self.max_content_top(viewport);
        let max_scroll = self.max_scroll_top(viewport);
        if !self.is_scaled() || max_scroll <= 0.0 {
            return scroll_top.clamp(0.0, max_content);
        }
        if scroll_top >= max_scroll {
            // Exactly the end, not within a rounding error of it: the last row must be reachable.
            return max_content;
        }
        scroll_top.max(0.0) * (max_content / max_scroll)
    }

    /// The scrollTop that shows content offset `content_top` at the viewport's top (the
    /// inverse mapping).
    pub fn scroll_top_for_content(&self, content_top: f64, viewport: f64) -> f64 {
        let viewport = viewport.max(0.0);
        let max_content = self.max_content_top(viewport);
        let content_top = if content_top.is_finite() {
            content_top.clamp(0.0, max_content)
        } else {
            0.0
        };
        let max_scroll = self.max_scroll_top(viewport);
        if !self.is_scaled() || max_content <= 0.0 {
            return content_top.min(max_scroll);
        }
        if content_top >= max_content {
            return max_scroll;
        }
        content_top * (max_scroll / max_content)
    }

    /// The rows to render for a scrollTop and viewport height, with overscan, and where to put
    /// them.
    pub fn window(&self, scroll_top: f64, viewport: f64) -> Window {
        let n = self.len();
        let viewport = viewport.max(0.0);
        if n == 0 {
            return Window {
                scroll_height: self.scroll_height(),
                ..Window::default()
            };
        }
        let content_top = self.content_top(scroll_top, viewport);
        // The scrollTop the mapping actually used (clamped), so `top` matches what is shown.
        let used_scroll = if self.is_scaled() {
            scroll_top.clamp(0.0, self.max_scroll_top(viewport))
        } else {
            content_top
        };
        let first_visible = self.row_at(content_top);
        let bottom = content_top + viewport;
        let mut last = self.row_at(bottom);
        // A row that starts exactly at the bottom edge is not visible.
        if last > first_visible && self.offset(last) >= bottom {
            last -= 1;
        }
        let end_visible = last + 1;
        let mut start = first_visible.saturating_sub(self.overscan);
        let mut end = (end_visible + self.overscan).min(n);
        if end - start > self.max_rendered {
            let visible = end_visible - first_visible;
            if visible >= self.max_rendered {
                start = first_visible;
                end = first_visible + self.max_rendered;
            } else {
                // Share what is left between the two margins.
                let spare = self.max_rendered - visible;
                let (above_max, below_max) = (first_visible - start, end - end_visible);
                let below = below_max.min(spare - above_max.min(spare / 2));
                let above = above_max.min(spare - below);
                start = first_visible - above;
                end = end_visible + below;
            }
        }
        Window {
            start,
            end,
            first_visible,
            end_visible,
            top: used_scroll - (content_top - self.offset(start)),
            scroll_height: self.scroll_height(),
            content_top,
        }
    }

    /// The scrollTop that shows `row` aligned as asked.
    pub fn scroll_to_row(&self, row: usize, align: Align, viewport: f64) -> f64 {
        let viewport = viewport.max(0.0);
        let row = row.min(self.len().saturating_sub(1));
        let (top, height) = (self.offset(row), self.height(row));
        let content = match align {
            Align::Start => top,
            Align::Center => top + height / 2.0 - viewport / 2.0,
            Align::End => top + height - viewport,
        };
        self.scroll_top_for_content(content, viewport)
    }

    /// The scrollTop that brings `row` fully into view with the least movement, or `None`
    /// if it is already in view (a row taller than the viewport is aligned to its top).
    pub fn reveal(&self, row: usize, scroll_top: f64, viewport: f64) -> Option<f64> {
        let content_top = self.content_top(scroll_top, viewport);
        let (top, bottom) = (self.offset(row), self.offset(row) + self.height(row));
        if top >= content_top && bottom <= content_top + viewport {
            None
        } else if top < content_top || bottom - top > viewport {
            Some(self.scroll_to_row(row, Align::Start, viewport))
        } else {
            Some(self.scroll_to_row(row, Align::End, viewport))
        }
    }

    /// The scrollTop of the very bottom (follow-tail sets this).
    pub fn bottom_scroll_top(&self, viewport: f64) -> f64 {
        self.max_scroll_top(viewport.max(0.0))
    }

    /// Whether the viewport is at the bottom, within `tolerance` px (browsers round scrollTop;
    /// a pixel or two keeps follow-tail from pausing by itself).
    pub fn is_at_bottom(&self, scroll_top: f64, viewport: f64, tolerance: f64) -> bool {
        scroll_top >= self.bottom_scroll_top(viewport) - tolerance.max(0.0)
    }

    /// The row and offset at the viewport's top, to restore after heights change.
    pub fn anchor(&self, scroll_top: f64, viewport: f64) -> Anchor {
        let content_top = self.content_top(scroll_top, viewport);
        let row = self.row_at(content_top);
        Anchor {
            row,
            offset: content_top - self.offset(row),
        }
    }

    /// The scrollTop that puts the anchor's row and offset back at the viewport's top.
    pub fn scroll_top_for_anchor(&self, anchor: Anchor, viewport: f64) -> f64 {
        if anchor.row >= self.len() {
            return self.bottom_scroll_top(viewport);
        }
        let offset = anchor.offset.clamp(0.0, self.height(anchor.row));
        self.scroll_top_for_content(self.offset(anchor.row) + offset, viewport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic stream of heights that are multiples of 1/64 px, like a browser's.
    fn heights(seed: u64, count: usize) -> Vec<f64> {
        let mut s = seed;
        (0..count)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                14.0 + ((s >> 33) % (300 * 64)) as f64 / 64.0
            })
            .collect()
    }

    fn naive_offsets(h: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0];
        for x in h {
            out.push(out.last().unwrap() + x);
        }
        out
    }

    fn check_window(list: &VirtualList, w: &Window, viewport: f64) {
        assert!(w.start <= w.first_visible && w.first_visible < w.end_visible);
        assert!(w.end <= list.len());
        assert!(w.end - w.start <= DEFAULT_MAX_RENDERED);
        // The visible rows cover the viewport: the first starts at or above its top, the last
        // ends at or below its bottom (unless the content ends first).
        let ct = w.content_top;
        assert!(list.offset(w.first_visible) <= ct);
        assert!(
            list.offset(w.end_visible) >= (ct + viewport).min(list.content_height()) - 1e-6
                || w.end == w.start + DEFAULT_MAX_RENDERED
        );
    }

    #[test]
    fn uniform_rows() {
        let list = VirtualList::new(100, 20.0);
        assert_eq!(list.content_height(), 2000.0);
        let w = list.window(0.0, 200.0);
        assert_eq!(
            (w.start, w.first_visible, w.end_visible, w.end, w.top),
            (0, 0, 10, 20, 0.0)
        );
        let w = list.window(1000.0, 200.0);
        assert_eq!(
            (w.start, w.first_visible, w.end_visible, w.end, w.top),
            (40, 50, 60, 70, 800.0)
        );
        let w = list.window(1010.0, 200.0);
        assert_eq!((w.first_visible, w.end_visible), (50, 61));
        // Past the end is clamped.
        let w = list.window(5000.0, 200.0);
        assert_eq!((w.first_visible, w.end_visible, w.end), (90, 100, 100));
        assert_eq!(w.content_top, 1800.0);
        assert_eq!(
            VirtualList::new(0, 20.0).window(0.0, 500.0),
            Window::default()
        );
        // Fewer rows than the viewport holds.
        let w = VirtualList::new(3, 20.0).window(0.0, 500.0);
        assert_eq!((w.start, w.end, w.end_visible), (0, 3, 3));
    }

    #[test]
    fn variable_heights_match_prefix_sums() {
        let h = heights(1, 5000);
        let mut list = VirtualList::new(5000, 20.0);
        for (i, &x) in h.iter().enumerate() {
            assert_eq!(list.set_height(i, x), x != 20.0);
        }
        let offs = naive_offsets(&h);
        for i in (0..=5000).step_by(97) {
            assert_eq!(list.offset(i), offs[i], "exact sums at {i}");
        }
        assert_eq!(list.content_height(), offs[5000]);
        for i in (0..5000).step_by(89) {
            assert_eq!(list.height(i), h[i]);
            assert_eq!(list.row_at(offs[i]), i, "a row's top belongs to it");
            assert_eq!(list.row_at(offs[i] + h[i] / 2.0), i);
            if i > 0 {
                assert_eq!(list.row_at(offs[i] - 1.0 / 64.0), i - 1);
            }
        }
        assert_eq!(list.row_at(-5.0), 0);
        assert_eq!(list.row_at(1e12), 4999);
        for s in [0.0, 1234.5, 50_000.0, offs[5000]] {
            let w = list.window(s, 700.0);
            check_window(&list, &w, 700.0);
            assert_eq!(
                w.top,
                list.offset(w.start),
                "unscaled: rows sit at their offsets"
            );
        }
        // Ignored measurements.
        assert!(!list.set_height(3, 0.0));
        assert!(!list.set_height(3, f64::NAN));
        assert!(!list.set_height(3, h[3]));
        assert!(!list.set_height(99_999, 10.0));
    }

    #[test]
    fn push_and_truncate_keep_sums() {
        let h = heights(2, 3000);
        let mut grown = VirtualList::new(0, 20.0);
        let mut i = 0;
        for chunk in [1usize, 2, 3, 100, 894, 2000] {
            grown.push_rows(chunk);
            for _ in 0..chunk {
                grown.set_height(i, h[i]);
                i += 1;
            }
        }
        let offs = naive_offsets(&h);
        assert_eq!(grown.len(), 3000);
        for k in (0..=3000).step_by(37) {
            assert_eq!(grown.offset(k), offs[k]);
        }
        grown.truncate(1234);
        assert_eq!(grown.len(), 1234);
        assert_eq!(grown.content_height(), offs[1234]);
        grown.push_rows(10);
        assert_eq!(grown.content_height(), offs[1234] + 200.0);
        assert_eq!(grown.offset(1240), offs[1234] + 120.0);
        grown.reset(50);
        assert_eq!(grown.content_height(), 1000.0);
        assert_eq!(grown.offset(49), 980.0);
    }

    #[test]
    fn at_most_300_rows_for_100k_in_any_viewport() {
        let mut list = VirtualList::new(100_000, 20.0);
        for viewport in [0.0, 1.0, 320.0, 800.0, 2000.0, 4000.0] {
            for s in [0.0, 777.0, 1e6, 1_999_000.0, 5e6] {
                let w = list.window(s, viewport);
                assert!(w.end - w.start <= 300, "{viewport} {s}: {:?}", w);
                assert!(w.end > w.start);
            }
        }
        // Even with absurdly short rows the cap holds, and the visible rows come first.
        for i in 0..100_000 {
            list.set_height(i, 1.0);
        }
        let w = list.window(50_000.0, 4000.0);
        assert_eq!(w.end - w.start, 300);
        assert_eq!(w.start, w.first_visible);
        // Overscan bounds with ordinary rows.
        let list = VirtualList::new(100_000, 20.0).with_overscan(5);
        let w = list.window(20_000.0, 400.0);
        assert_eq!(
            (w.start, w.first_visible, w.end_visible, w.end),
            (995, 1000, 1020, 1025)
        );
    }

    #[test]
    fn max_rendered_shares_the_margin() {
        let list = VirtualList::new(1000, 10.0)
            .with_overscan(50)
            .with_max_rendered(40);
        let w = list.window(5000.0, 200.0);
        assert_eq!((w.first_visible, w.end_visible), (500, 520));
        assert_eq!((w.start, w.end), (490, 530));
    }

    #[test]
    fn scaled_mode_reaches_the_last_row() {
        let viewport = 900.0;
        let mut list = VirtualList::new(1_000_000, 20.0);
        assert!(list.is_scaled());
        assert_eq!(list.scroll_height(), DEFAULT_SCROLL_CAP);
        // Some wrapped rows near the end, as measured.
        for i in 999_990..1_000_000 {
            list.set_height(i, 137.5);
        }
        let bottom = list.bottom_scroll_top(viewport);
        assert_eq!(bottom, DEFAULT_SCROLL_CAP - viewport);
        let w = list.window(bottom, viewport);
        assert_eq!(w.end, 1_000_000);
        assert_eq!(w.end_visible, 1_000_000);
        assert_eq!(w.content_top, list.content_height() - viewport);
        // The rendered block ends exactly at the bottom of the scroll area.
        let block: f64 = (w.start..w.end).map(|i| list.height(i)).sum();
        assert!(
            (w.top + block - w.scroll_height).abs() < 1e-6,
            "{} + {block} vs {}",
            w.top,
            w.scroll_height
        );
        // The last row's bottom is the viewport's bottom.
        let last_bottom = w.top + (list.offset(w.end) - list.offset(w.start));
        assert!((last_bottom - (bottom + viewport)).abs() < 1e-6);
        assert!(list.is_at_bottom(bottom, viewport, 1.0));
        assert_eq!(list.scroll_to_row(999_999, Align::End, viewport), bottom);

        // The top still shows row 0 at 0, and the mapping is monotonic in between.
        let w = list.window(0.0, viewport);
        assert_eq!((w.start, w.first_visible, w.top), (0, 0, 0.0));
        let mut last_row = 0;
        for k in 0..=100 {
            let s = bottom * k as f64 / 100.0;
            let w = list.window(s, viewport);
            check_window(&list, &w, viewport);
            assert!(w.first_visible >= last_row);
            last_row = w.first_visible;
            // The viewport's top shows content_top: the block is placed to make it so.
            let shown = w.top + (list.offset(w.first_visible) - list.offset(w.start));
            assert!((s - shown - (w.content_top - list.offset(w.first_visible))).abs() < 1e-3);
        }
        // Scrolling to a row and mapping back lands on it.
        for row in [0usize, 1, 123_456, 500_000, 999_000, 999_995] {
            let s = list.scroll_to_row(row, Align::Start, viewport);
            let w = list.window(s, viewport);
            assert!((w.first_visible..w.end_visible).contains(&row));
            // Rows near the end cannot reach the top: the view stops at the last screenful.
            let want = list.offset(row).min(list.content_height() - viewport);
            assert!((list.content_top(s, viewport) - want).abs() < 1e-3);
        }
    }

    #[test]
    fn unscaled_below_the_cap() {
        let list = VirtualList::new(1000, 20.0).with_cap(1e6);
        assert!(!list.is_scaled());
        assert_eq!(list.scroll_height(), 20_000.0);
        assert_eq!(list.scroll_to_row(500, Align::Start, 400.0), 10_000.0);
        assert_eq!(list.scroll_to_row(500, Align::Center, 400.0), 9_810.0);
        assert_eq!(list.scroll_to_row(500, Align::End, 400.0), 9_620.0);
        assert_eq!(list.scroll_to_row(0, Align::End, 400.0), 0.0);
        assert_eq!(list.bottom_scroll_top(400.0), 19_600.0);
        assert!(list.is_at_bottom(19_599.0, 400.0, 2.0));
        assert!(!list.is_at_bottom(19_000.0, 400.0, 2.0));
        assert!(
            VirtualList::new(3, 20.0).is_at_bottom(0.0, 400.0, 0.0),
            "short content is always at the bottom"
        );
    }

    #[test]
    fn reveal_moves_only_when_needed() {
        let list = VirtualList::new(1000, 20.0);
        assert_eq!(list.reveal(10, 0.0, 400.0), None);
        assert_eq!(list.reveal(25, 0.0, 400.0), Some(120.0));
        assert_eq!(list.reveal(3, 200.0, 400.0), Some(60.0));
    }

    #[test]
    fn anchor_survives_height_changes_above() {
        for total_rows in [10_000usize, 1_000_000] {
            let mut list = VirtualList::new(total_rows, 20.0);
            let viewport = 600.0;
            let s = list.scroll_to_row(total_rows / 2, Align::Start, viewport) + 7.0;
            let anchor = list.anchor(s, viewport);
            // Rows above get measured taller (wrapped lines).
            for i in 0..1000 {
                list.set_height(i, 45.0);
            }
            let s2 = list.scroll_top_for_anchor(anchor, viewport);
            let again = list.anchor(s2, viewport);
            assert_eq!(again.row, anchor.row);
            assert!(
                (again.offset - anchor.offset).abs() < 1e-3,
                "{again:?} vs {anchor:?}"
            );
        }
    }
}
