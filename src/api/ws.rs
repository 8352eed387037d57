//! WebSocket URLs: same origin as the page (ws: or wss:), under the base path, with the token in
//! the `coder_session_token` query parameter — the one place a token goes into a URL, because
//! browsers cannot set headers on a WebSocket handshake and coderd reads it from there.
use super::{base_path, token};

/// Whether the WebSocket URL carries the session token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WsUrlAuth {
    /// Add `coder_session_token` when the tab has a token (cookie auth otherwise).
    SessionToken,
    /// No credentials (the DERP map stream needs none).
    None,
}

/// `ws(s)://host/base/api/v2/...?query[&coder_session_token=…]` for an API path with its query.
pub fn ws_url(path_and_query: &str, auth: WsUrlAuth) -> String {
    let location = leptos::prelude::window().location();
    let scheme = if location.protocol().unwrap_or_default() == "https:" {
        "wss"
    } else {
        "ws"
    };
    let host = location.host().unwrap_or_default();
    let mut url = format!("{scheme}://{host}{}{path_and_query}", base_path());
    if auth == WsUrlAuth::SessionToken {
        if let Some(t) = token::current() {
            let sep = if path_and_query.contains('?') {
                '&'
            } else {
                '?'
            };
            url.push(sep);
            url.push_str("coder_session_token=");
            url.push_str(&String::from(js_sys::encode_uri_component(&t)));
        }
    }
    url
}
