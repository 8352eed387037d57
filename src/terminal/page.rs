//! The terminal page's browser glue: its query in the address bar, DOM listeners that remove
//! themselves, fitting the terminal into the visible viewport (above a phone's soft keyboard),
//! and the hooks end-to-end tests read the terminal through.
use super::protocol::PageParams;
use super::session::Session;
use super::tabs::TabList;
use leptos::prelude::*;
use std::rc::Weak;
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The page's query parameters as it was opened.
pub fn read_params() -> PageParams {
    let search = window().location().search().unwrap_or_default();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return PageParams::default();
    };
    let names = [
        "reconnect",
        "command",
        "container",
        "container_user",
        "renderer",
    ];
    PageParams::from_pairs(names.iter().filter_map(|n| params.get(n).map(|v| (*n, v))))
}

/// A new random session id.
pub fn new_session_id() -> Uuid {
    crate::api::random_uuid()
}

fn tabs_key(agent: &Uuid) -> String {
    format!("agent-console.terminal-tabs.{agent}")
}

/// The tabs this browser tab had open for `agent` (see `tabs` for why sessionStorage).
pub fn load_tabs(agent: &Uuid) -> TabList {
    window()
        .session_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(&tabs_key(agent)).ok().flatten())
        .map(|json| TabList::parse(&json))
        .unwrap_or_default()
}

/// Remembers the tabs of `agent` for this browser tab.
pub fn save_tabs(agent: &Uuid, tabs: &TabList) {
    if let Ok(Some(storage)) = window().session_storage() {
        let _ = storage.set_item(&tabs_key(agent), &tabs.to_json());
    }
}

/// Sets (or with `None` removes) query parameters of the current address without a navigation
/// or a history entry, so a reload reopens the same session.
pub fn replace_query(changes: &[(&str, Option<&str>)]) {
    let loc = window().location();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&loc.search().unwrap_or_default())
    else {
        return;
    };
    let mut changed = false;
    for (name, value) in changes {
        match value {
            Some(v) if params.get(name).as_deref() != Some(*v) => {
                params.set(name, v);
                changed = true;
            }
            None if params.has(name) => {
                params.delete(name);
                changed = true;
            }
            _ => {}
        }
    }
    if !changed {
        return;
    }
    let query = String::from(params.to_string());
    let url = format!(
        "{}{}{query}{}",
        loc.pathname().unwrap_or_default(),
        if query.is_empty() { "" } else { "?" },
        loc.hash().unwrap_or_default()
    );
    if let Ok(history) = window().history() {
        let state = history.state().unwrap_or(JsValue::NULL);
        let _ = history.replace_state_with_url(&state, "", Some(&url));
    }
}

/// A ResizeObserver on some elements, disconnected when dropped.
pub struct Observer {
    observer: web_sys::ResizeObserver,
    _callback: Closure<dyn FnMut(JsValue)>,
}

impl Observer {
    /// Calls `f` whenever one of `elements` changes size.
    pub fn new(elements: &[&web_sys::Element], mut f: impl FnMut() + 'static) -> Option<Self> {
        let callback = Closure::<dyn FnMut(JsValue)>::new(move |_| f());
        let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
        for e in elements {
            observer.observe(e);
        }
        Some(Self {
            observer,
            _callback: callback,
        })
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Smallest height the terminal is given, in CSS pixels.
const MIN_SCREEN_PX: f64 = 120.0;
/// Room kept below the key bar.
const BOTTOM_GAP_PX: f64 = 12.0;

/// Sizes the terminal's box so that it and the key bar below it end at the bottom of the
/// *visual* viewport: on a phone that is the top of the soft keyboard, so the prompt stays in
/// view while typing. When the keyboard leaves too little room below the page's header, the page
/// scrolls so the terminal's toolbar sits at the top of what is visible.
pub fn fit_to_viewport(
    screen: &web_sys::HtmlElement,
    toolbar: Option<&web_sys::HtmlElement>,
    below: f64,
) {
    let win = window();
    let inner = win
        .inner_height()
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(600.0);
    let (vv_top, vv_height) = match win.visual_viewport() {
        Some(vv) => (vv.offset_top(), vv.height()),
        None => (0.0, inner),
    };
    let reserve = below + BOTTOM_GAP_PX;
    let mut top = screen.get_bounding_client_rect().top();
    let keyboard_open = vv_height < inner * 0.8;
    if keyboard_open && vv_top + vv_height - top - reserve < MIN_SCREEN_PX * 1.5 {
        let bar = toolbar
            .map(|t| t.get_bounding_client_rect().height())
            .unwrap_or(0.0);
        let scroll_by = top - bar - vv_top;
        if scroll_by > 1.0 {
            win.scroll_by_with_x_and_y(0.0, scroll_by);
            top = screen.get_bounding_client_rect().top();
        }
    }
    let mut height = (vv_top + vv_height - top - reserve)
        .max(MIN_SCREEN_PX)
        .floor();
    let _ = screen
        .style()
        .set_property("height", &format!("{height}px"));
    // What follows the page's main area (its padding, a footer) must not make the page scroll.
    if let Some(root) = document().document_element() {
        let overflow = f64::from(root.scroll_height()) - (win.scroll_y().unwrap_or(0.0) + inner);
        if overflow > 0.5 && !keyboard_open && height - overflow >= MIN_SCREEN_PX {
            height = (height - overflow).floor();
            let _ = screen
                .style()
                .set_property("height", &format!("{height}px"));
        }
    }
}

/// Whether the browser is driven by automation (WebDriver, Playwright): only then are the test
/// hooks installed.
fn automated() -> bool {
    js_sys::Reflect::get(&window().navigator(), &"webdriver".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

const TEXT_HOOK: &str = "__agentConsoleTerminalText";
const INFO_HOOK: &str = "__agentConsoleTerminalInfo";

/// Test hooks: `window.__agentConsoleTerminalText()` (the buffer's lines, whatever the renderer)
/// and `window.__agentConsoleTerminalInfo()` (size, state, renderer, flow counters as JSON).
/// Installed only in automated browsers; removed with [`remove_test_hooks`].
pub fn install_test_hooks(session: Weak<Session>) {
    if !automated() {
        return;
    }
    let w = session.clone();
    let text = Closure::<dyn Fn() -> String>::new(move || {
        w.upgrade().map(|s| s.xterm().text()).unwrap_or_default()
    });
    let info = Closure::<dyn Fn() -> String>::new(move || {
        session
            .upgrade()
            .map(|s| s.debug_info())
            .unwrap_or_default()
    });
    let win = window();
    let _ = js_sys::Reflect::set(&win, &TEXT_HOOK.into(), &text.into_js_value());
    let _ = js_sys::Reflect::set(&win, &INFO_HOOK.into(), &info.into_js_value());
}

/// Removes the test hooks.
pub fn remove_test_hooks() {
    let win = window();
    let _ = js_sys::Reflect::delete_property(&win, &TEXT_HOOK.into());
    let _ = js_sys::Reflect::delete_property(&win, &INFO_HOOK.into());
}
