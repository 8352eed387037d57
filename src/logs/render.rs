//! The render loop: once per animation frame, catch the filtered view up with the buffer,
//! follow the tail if asked, lay out the rows in the window, measure them and settle.
use super::model::{Model, RenderedRow};
use super::reconcile::{window_steps, Step};
use super::row::{build_row, RowContext};
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};

/// Lines the filter examines per frame: a million-line rebuild is spread over frames so no
/// task blocks the page for long.
const SYNC_BUDGET_PER_FRAME: usize = 200_000;
/// Layout passes per frame when measured heights keep changing the window.
const MAX_PASSES: usize = 3;
/// A scroll within this many pixels of the bottom counts as "at the bottom".
pub const BOTTOM_TOLERANCE_PX: f64 = 4.0;

/// The three elements of the list: the scrolling viewer, the spacer giving it its height,
/// and the window holding the rendered rows.
pub struct ListDom {
    pub viewer: HtmlElement,
    pub spacer: HtmlElement,
    pub window: HtmlElement,
}

/// Sets a style property unless `written` says it already has this value.
fn write_style(el: &HtmlElement, property: &str, value: String, written: &mut String) {
    if *written != value {
        let _ = el.style().set_property(property, &value);
        *written = value;
    }
}

/// The scroll area's height.
fn set_spacer_height(m: &mut Model, dom: &ListDom, px: f64) {
    write_style(
        &dom.spacer,
        "height",
        format!("{px}px"),
        &mut m.spacer_height,
    );
}

/// Where the rendered block starts.
fn set_window_top(m: &mut Model, dom: &ListDom, px: f64) {
    write_style(
        &dom.window,
        "transform",
        format!("translateY({px}px)"),
        &mut m.window_transform,
    );
}

/// Puts the rows in `next` (in order) on screen, moving only what changed.
fn show_rows(m: &mut Model, dom: &ListDom, next: Vec<(i64, bool, Element)>) {
    let old: Vec<i64> = m.on_screen.iter().map(|(id, _)| *id).collect();
    let order: Vec<(i64, bool)> = next.iter().map(|(id, fresh, _)| (*id, *fresh)).collect();
    match window_steps(&old, &order) {
        Some(steps) => {
            for step in steps {
                match step {
                    Step::Remove(i) => m.on_screen[i].1.remove(),
                    Step::Insert { new, before } => {
                        let anchor = before
                            .map(|i| m.on_screen[i].1.clone().unchecked_into::<web_sys::Node>());
                        let _ = dom.window.insert_before(&next[new].2, anchor.as_ref());
                    }
                }
            }
        }
        None => {
            let children = js_sys::Array::new();
            for (_, _, el) in &next {
                children.push(el);
            }
            dom.window.replace_children_with_node(&children);
        }
    }
    m.on_screen = next.into_iter().map(|(id, _, el)| (id, el)).collect();
}

fn set_scroll(m: &mut Model, dom: &ListDom, top: f64) {
    let top = top.round() as i32;
    if dom.viewer.scroll_top() != top {
        m.programmatic_scroll = Some(top);
        dom.viewer.set_scroll_top(top);
    }
}

/// Renders one frame with the palette of the page's theme (`dark`: the shell's decision);
/// returns whether another frame is needed (the filter is still catching up).
pub fn render_frame(m: &mut Model, dom: &ListDom, dark: bool) -> bool {
    let report = m.view.sync_budget(&m.buffer, SYNC_BUDGET_PER_FRAME);
    if let Some(first) = report.first_changed {
        m.list.truncate(first.min(m.list.len()));
    }
    let shown = m.view.len();
    if shown > m.list.len() {
        m.list.push_rows(shown - m.list.len());
    } else if shown < m.list.len() {
        m.list.truncate(shown);
    }
    if report.matches_changed {
        m.rendered.clear();
    }
    if dark != m.built_dark {
        m.built_dark = dark;
        m.rendered.clear();
    }

    let viewport = f64::from(dom.viewer.client_height());
    set_spacer_height(m, dom, m.list.scroll_height());
    if m.following {
        let bottom = m.list.bottom_scroll_top(viewport);
        set_scroll(m, dom, bottom);
    }

    if let Some(top) = m.scroll_to_link(viewport) {
        set_spacer_height(m, dom, m.list.scroll_height());
        set_scroll(m, dom, top);
    }

    let doc = leptos::prelude::document();
    let current_row = m.current.map(|c| c.row);
    let linked = m.linked;
    for _ in 0..MAX_PASSES {
        let scroll_top = f64::from(dom.viewer.scroll_top());
        let anchor = m.list.anchor(scroll_top, viewport);
        let w = m.list.window(scroll_top, viewport);
        set_spacer_height(m, dom, w.scroll_height);
        set_window_top(m, dom, w.top);

        let ctx = RowContext {
            document: &doc,
            buffer: &m.buffer,
            query: m.view.query(),
            dark,
        };
        let mut rendered: HashMap<i64, RenderedRow> = HashMap::with_capacity(w.end - w.start);
        let mut next = Vec::with_capacity(w.end - w.start);
        let mut positions = Vec::with_capacity(w.end - w.start);
        for pos in w.start..w.end {
            let Some(line) = m.view.row(pos).and_then(|i| m.buffer.line(i)) else {
                continue;
            };
            let (mut row, fresh) = match m.rendered.remove(&line.id) {
                Some(row) => (row, false),
                None => (
                    RenderedRow {
                        el: build_row(&ctx, line, pos),
                        pos,
                        current: false,
                        linked: false,
                    },
                    true,
                ),
            };
            if row.pos != pos {
                let _ = row.el.set_attribute("data-pos", &pos.to_string());
                row.pos = pos;
            }
            let current = current_row == Some(pos);
            if row.current != current {
                let _ = row
                    .el
                    .class_list()
                    .toggle_with_force("current-hit", current);
                row.current = current;
            }
            let is_linked = linked.is_some_and(|r| r.contains(line.id));
            if row.linked != is_linked {
                let _ = row.el.class_list().toggle_with_force("linked", is_linked);
                row.linked = is_linked;
            }
            next.push((line.id, fresh, row.el.clone()));
            positions.push(pos);
            rendered.insert(line.id, row);
        }
        show_rows(m, dom, next);
        m.rendered = rendered;

        // Measure what the browser laid out; real heights replace the estimates.
        let mut changed = false;
        for ((_, el), &pos) in m.on_screen.iter().zip(&positions) {
            let h = el
                .unchecked_ref::<HtmlElement>()
                .get_bounding_client_rect()
                .height();
            changed |= m.list.set_height(pos, h);
        }
        if !changed {
            break;
        }
        set_spacer_height(m, dom, m.list.scroll_height());
        let target = if m.following {
            m.list.bottom_scroll_top(viewport)
        } else {
            m.list.scroll_top_for_anchor(anchor, viewport)
        };
        set_scroll(m, dom, target);
    }
    reveal_linked_row(m);
    !report.done
}

/// Scrolls the page (not the list, which is already there) so the linked line is on screen.
fn reveal_linked_row(m: &mut Model) {
    let Some(range) = m.linked.filter(|_| m.link_reveal) else {
        return;
    };
    if let Some((_, el)) = m.on_screen.iter().find(|(id, _)| *id == range.from) {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Center);
        el.scroll_into_view_with_scroll_into_view_options(&options);
        m.link_reveal = false;
    }
}
