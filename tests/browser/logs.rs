//! The virtualized log list in a real DOM: few rows whatever the total, variable heights,
//! the last line reachable, text never parsed as HTML.
use super::support::{mount, tick};
use agent_console_app::logs::merge::LogLine;
use agent_console_app::logs::model::Model;
use agent_console_app::logs::render::{render_frame, ListDom};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

fn list_dom(height_px: u32, width_px: u32) -> ListDom {
    let host = mount(move || {
        view! {
            <div
                class="log-viewer wrap show-time"
                style=format!(
                    "height:{height_px}px;width:{width_px}px;overflow:auto;position:relative;font:12px monospace",
                )
            >
                <div class="log-spacer" style="position:relative">
                    <div class="log-window" style="position:absolute;left:0;right:0;top:0"></div>
                </div>
            </div>
        }
    });
    let q = |s: &str| -> HtmlElement { host.query_selector(s).unwrap().unwrap().unchecked_into() };
    ListDom {
        viewer: q(".log-viewer"),
        spacer: q(".log-spacer"),
        window: q(".log-window"),
    }
}

fn lines(n: usize, text: impl Fn(usize) -> String) -> Vec<LogLine> {
    (0..n)
        .map(|i| LogLine {
            id: i as i64 + 1,
            created_at_ms: 1_700_000_000_000 + i as i64,
            level: "info".into(),
            source: uuid::Uuid::nil(),
            text: text(i),
        })
        .collect()
}

fn rendered_ids(dom: &ListDom) -> Vec<i64> {
    let rows = dom.window.children();
    (0..rows.length())
        .filter_map(|i| rows.item(i)?.get_attribute("data-id")?.parse().ok())
        .collect()
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn a_hundred_thousand_lines_render_a_few_hundred_rows_and_reach_the_end() {
    let dom = list_dom(600, 800);
    tick().await;
    let mut m = Model::default();
    m.buffer
        .insert_batch(&lines(100_000, |i| format!("line {i}")));
    while render_frame(&mut m, &dom, false) {}
    let ids = rendered_ids(&dom);
    assert!(
        !ids.is_empty() && ids.len() <= 300,
        "{} rows in the DOM",
        ids.len()
    );
    assert_eq!(
        *ids.last().unwrap(),
        100_000,
        "following shows the newest line"
    );
    // Scroll to the top, then back to the very end.
    m.following = false;
    dom.viewer.set_scroll_top(0);
    render_frame(&mut m, &dom, false);
    assert_eq!(rendered_ids(&dom)[0], 1);
    m.following = true;
    render_frame(&mut m, &dom, false);
    let last = dom
        .window
        .last_element_child()
        .unwrap()
        .get_bounding_client_rect();
    let viewer = dom.viewer.get_bounding_client_rect();
    assert!(
        last.bottom() <= viewer.bottom() + 1.0,
        "the last row is inside the viewport"
    );
    assert!(rendered_ids(&dom).contains(&100_000));
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn wrapped_rows_of_different_heights_still_scroll_to_the_last_line() {
    let dom = list_dom(300, 240);
    tick().await;
    let mut m = Model::default();
    // Every seventh line wraps over many visual lines.
    m.buffer.insert_batch(&lines(2_000, |i| {
        if i % 7 == 0 {
            "wrapped words ".repeat(40)
        } else {
            format!("short {i}")
        }
    }));
    for _ in 0..5 {
        render_frame(&mut m, &dom, false);
    }
    let ids = rendered_ids(&dom);
    assert_eq!(*ids.last().unwrap(), 2_000);
    let last = dom
        .window
        .last_element_child()
        .unwrap()
        .get_bounding_client_rect();
    let viewer = dom.viewer.get_bounding_client_rect();
    assert!(
        last.bottom() <= viewer.bottom() + 1.0 && last.bottom() >= viewer.bottom() - 40.0,
        "last row ends at the bottom of the viewport ({} vs {})",
        last.bottom(),
        viewer.bottom()
    );
}

#[wasm_bindgen_test::wasm_bindgen_test]
async fn markup_and_escapes_in_lines_stay_text() {
    let dom = list_dom(300, 800);
    tick().await;
    let mut m = Model::default();
    m.buffer.insert_batch(&lines(1, |_| {
        "\x1b[31m<img src=x onerror=alert(1)>\x1b[0m \x1b]0;title\x07<b>bold?</b>".into()
    }));
    render_frame(&mut m, &dom, false);
    assert!(dom.window.query_selector("img, b").unwrap().is_none());
    let text = dom.window.text_content().unwrap();
    assert!(text.contains("<img src=x onerror=alert(1)>") && text.contains("<b>bold?</b>"));
    assert!(!text.contains('\u{1b}') && !text.contains("title"));
    let span = dom
        .window
        .query_selector(".log-text span")
        .unwrap()
        .unwrap();
    assert!(
        span.get_attribute("style").unwrap().contains("color"),
        "red became a style"
    );
}
