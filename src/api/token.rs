//! The session token: taken from the sign-in link's fragment (`#token=…`), kept for the tab in
//! sessionStorage, never put in a URL except the WebSocket query coderd requires.
use std::cell::RefCell;

const STORAGE_KEY: &str = "agent-console.session-token";

thread_local! {
    static UNAUTHORIZED: RefCell<Option<Box<dyn Fn(String)>>> = const { RefCell::new(None) };
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The token of this tab, if the user signed in with one (cookie auth has none).
pub fn current() -> Option<String> {
    session_storage()?.get_item(STORAGE_KEY).ok()?.filter(|t| !t.is_empty())
}

/// Stores the token for this tab.
pub fn store(token: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(STORAGE_KEY, token.trim());
    }
}

/// Forgets the token (sign-out).
pub fn clear() {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
}

/// Reads a `token=` parameter from a URL fragment such as `#token=abc&x=y`.
pub fn token_from_fragment(fragment: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .map(|t| js_sys::decode_uri_component(t).map(String::from).unwrap_or_else(|_| t.to_owned()))
        .filter(|t| !t.is_empty())
}

/// Moves a token from the address bar's fragment into storage and removes it from the address
/// bar (and from history), so it is never bookmarked, shared or sent anywhere.
pub fn adopt_token_from_location() -> bool {
    let Some(window) = web_sys::window() else { return false };
    let location = window.location();
    let hash = location.hash().unwrap_or_default();
    let Some(token) = token_from_fragment(&hash) else { return false };
    store(&token);
    let clean = format!(
        "{}{}",
        location.pathname().unwrap_or_default(),
        location.search().unwrap_or_default()
    );
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&clean));
    }
    true
}

/// Registers what happens when any request answers 401 (the app sends the user to sign-in).
pub fn on_unauthorized(handler: impl Fn(String) + 'static) {
    UNAUTHORIZED.with(|h| *h.borrow_mut() = Some(Box::new(handler)));
}

/// Called by the client on a 401 with the server's reason.
pub(crate) fn report_unauthorized(reason: String) {
    UNAUTHORIZED.with(|h| {
        if let Some(handler) = h.borrow().as_ref() {
            handler(reason);
        }
    });
}
