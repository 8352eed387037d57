//! A view's own stylesheet, added to the page the first time the view renders.
//!
//! The logs and terminal views are loaded on demand (see `shell/split.rs`); their CSS travels
//! inside their wasm module instead of being linked from `index.html`, so the first page does
//! not download it, and it is in place before the view's first frame (no unstyled flash).

/// Adds `<style data-view="{name}">` with `css` to `<head>` unless it is already there.
pub fn use_view_styles(name: &'static str, css: &'static str) {
    let document = leptos::prelude::document();
    let selector = format!("style[data-view=\"{name}\"]");
    if document.query_selector(&selector).ok().flatten().is_some() {
        return;
    }
    let (Ok(style), Some(head)) = (document.create_element("style"), document.head()) else {
        return;
    };
    let _ = style.set_attribute("data-view", name);
    style.set_text_content(Some(css));
    let _ = head.append_child(&style);
}
