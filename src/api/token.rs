//! The session token, kept for the tab in sessionStorage and never put in a URL except the
//! WebSocket query coderd requires. A sign-in link's token (`#token=…`) is moved there from the
//! address bar by the page's first script (`index.html`), before the app's code loads.
use std::cell::RefCell;

const STORAGE_KEY: &str = "agent-console.session-token";

/// What the app does when a request is refused for its token.
type UnauthorizedHandler = Box<dyn Fn(String)>;

thread_local! {
    static UNAUTHORIZED: RefCell<Option<UnauthorizedHandler>> = const { RefCell::new(None) };
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The token of this tab, if the user signed in with one (cookie auth has none).
pub fn current() -> Option<String> {
    session_storage()?
        .get_item(STORAGE_KEY)
        .ok()?
        .filter(|t| !t.is_empty())
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
