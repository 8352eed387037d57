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

/// The `<meta name="agent-console-socket-prefix">` of the page: only a page built by
/// `trunk serve` has one (scripts/build-wasm.mjs), because Trunk's proxy takes WebSockets on a
/// path of their own (Trunk.toml). The server's pages have none.
fn page_socket_prefix() -> String {
    leptos::prelude::document()
        .query_selector(r#"meta[name="agent-console-socket-prefix"]"#)
        .ok()
        .flatten()
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_default()
}

/// The prefix to put before `/api/v2`: a plain path (`/ws`), else nothing.
fn socket_prefix(content: &str) -> &str {
    let plain = content.len() > 1
        && content.starts_with('/')
        && content[1..].split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if plain {
        content
    } else {
        ""
    }
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
    let mut url = format!(
        "{scheme}://{host}{}{}{path_and_query}",
        base_path(),
        socket_prefix(&page_socket_prefix())
    );
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

#[cfg(test)]
mod tests {
    use super::socket_prefix;

    #[test]
    fn only_a_plain_path_is_a_socket_prefix() {
        assert_eq!(socket_prefix("/ws"), "/ws");
        assert_eq!(socket_prefix("/dev/ws-1"), "/dev/ws-1");
        for bad in [
            "",
            "/",
            "ws",
            "//evil.example",
            "/ws/",
            "/a//b",
            "/ws?x",
            "/../x",
            "https://x",
        ] {
            assert_eq!(socket_prefix(bad), "", "{bad:?}");
        }
    }
}
