//! Building one log row's DOM. Log text only ever goes into text nodes (`textContent`), never
//! HTML; styles come from the ANSI parser as fixed names and numbers.
use super::filter::{highlight_runs, LevelClass, Query};
use super::long_line::{display_line, hidden_notice};
use super::merge::{LineRef, LogBuffer, SOURCE_PALETTE};
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

/// What rows need besides the line itself.
pub struct RowContext<'a> {
    pub document: &'a Document,
    pub buffer: &'a LogBuffer,
    pub query: &'a Query,
    pub dark: bool,
}

/// A short level tag: text, so colour is never the only signal.
fn level_tag(class: LevelClass) -> &'static str {
    match class {
        LevelClass::Trace => "TRC",
        LevelClass::Debug => "DBG",
        LevelClass::Info => "",
        LevelClass::Warn => "WRN",
        LevelClass::Error => "ERR",
        LevelClass::Other => "???",
    }
}

/// `HH:MM:SS.mmm` in the viewer's local time.
pub fn clock(ms: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds(),
        d.get_milliseconds()
    )
}

fn el(doc: &Document, tag: &str, class: &str) -> HtmlElement {
    let e: HtmlElement = doc
        .create_element(tag)
        .expect("create element")
        .unchecked_into();
    if !class.is_empty() {
        e.set_class_name(class);
    }
    e
}

/// Builds the row for `line` at view position `pos`.
pub fn build_row(ctx: &RowContext, line: LineRef<'_>, pos: usize) -> Element {
    let doc = ctx.document;
    let class = LevelClass::of(line.level);
    let row = el(doc, "div", &format!("log-row level-{}", class.label()));
    let _ = row.set_attribute("data-id", &line.id.to_string());
    let _ = row.set_attribute("data-pos", &pos.to_string());

    let source = ctx.buffer.source(line.source);
    let dot = el(doc, "span", "log-source");
    if let Some(s) = source {
        let _ = dot.style().set_property(
            "background",
            SOURCE_PALETTE[usize::from(s.color_index) % SOURCE_PALETTE.len()],
        );
        let _ = dot.set_attribute("title", &s.display_name);
        let _ = dot.set_attribute("aria-label", &s.display_name);
    }
    let _ = row.append_child(&dot);

    // The line's link: a click names it in the address (shift-click a range), see list.rs.
    let anchor = el(doc, "a", "log-anchor");
    let _ = anchor.set_attribute("href", &format!("#L{}", line.id));
    let _ = anchor.set_attribute("data-id", &line.id.to_string());
    let _ = anchor.set_attribute("aria-label", &format!("Link to line {}", line.id));
    anchor.set_text_content(Some("#"));
    let _ = row.append_child(&anchor);

    let time = el(doc, "time", "log-time");
    time.set_text_content(Some(&clock(line.created_at_ms)));
    let _ = time.set_attribute("title", &super::filter::iso_timestamp(line.created_at_ms));
    let _ = row.append_child(&time);

    let tag = level_tag(class);
    let level = el(doc, "span", "log-level");
    level.set_text_content(Some(if tag.is_empty() { "   " } else { tag }));
    if class == LevelClass::Other {
        let _ = level.set_attribute("title", ctx.buffer.level_name(line.level));
    }
    let _ = row.append_child(&level);

    let styled = display_line(line.text);
    let text = el(doc, "span", "log-text");
    let hits = ctx.query.find(styled.plain_text());
    let plain = styled.plain_text();
    for run in highlight_runs(&styled, &hits) {
        let piece = &plain[run.range.clone()];
        let css = run.style.inline_css(ctx.dark);
        let node: HtmlElement = if run.highlighted {
            el(doc, "mark", "search-hit")
        } else {
            el(doc, "span", "")
        };
        if !css.is_empty() {
            let _ = node.set_attribute("style", &css);
        }
        node.set_text_content(Some(piece));
        let _ = text.append_child(&node);
    }
    let _ = row.append_child(&text);

    if let Some(notice) = hidden_notice(&styled) {
        let more = el(doc, "button", "log-more");
        let _ = more.set_attribute("type", "button");
        let _ = more.set_attribute("data-index", &line.index.to_string());
        more.set_text_content(Some(&format!("{notice} · show whole line")));
        let _ = text.append_child(&more);
    }
    row.unchecked_into()
}
