//! Helpers shared by the browser tests: a fresh mount point per test and DOM queries.
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Mounts `view` into a new `<div>` appended to the body and returns that div.
/// The mount handle is leaked on purpose: the test page is thrown away after the run.
pub fn mount<F, V>(view: F) -> web_sys::HtmlElement
where
    F: FnOnce() -> V + 'static,
    V: IntoView + 'static,
{
    let document = document();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone(), view);
    std::mem::forget(handle);
    host
}

/// Text content of the first element matching `selector` under `root`.
pub fn text_of(root: &web_sys::HtmlElement, selector: &str) -> Option<String> {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
}

/// Waits for Leptos' scheduled effects and microtasks to run.
pub async fn tick() {
    gloo_timers::future::TimeoutFuture::new(0).await;
}
