//! WebSocket URLs: a page origin or deployment URL (`http://host:port/base`) becomes
//! `ws://…`/`wss://…` with the base path kept, plus the session token query parameter that
//! browsers need because they cannot set headers on a WebSocket.
use super::query::encode;

/// The query parameter coderd reads a session token from (after the cookie).
pub const SESSION_TOKEN_QUERY: &str = "coder_session_token";
/// The header coderd reads a session token from.
pub const SESSION_TOKEN_HEADER: &str = "Coder-Session-Token";
/// The cookie coderd's dashboard signs in with.
pub const SESSION_TOKEN_COOKIE: &str = "coder_session_token";

/// `http(s)://host[:port][/base]` → `ws(s)://host[:port][/base]` (no trailing slash; query and
/// fragment dropped). None for other schemes or a missing host.
pub fn websocket_origin(origin: &str) -> Option<String> {
    let (scheme, rest) = origin.trim().split_once("://")?;
    let ws_scheme = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        _ => return None,
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    if authority.is_empty() {
        return None;
    }
    Some(format!(
        "{ws_scheme}://{authority}{}",
        super::normalize_base(path)
    ))
}

/// The WebSocket URL of `path` (a route path with its query, e.g. from [`super::logs`]) on the
/// deployment at `origin` (`http://host[:port][/base]`): http → ws, https → wss, base kept.
/// `token` adds `coder_session_token=…` (encoded). None when `origin` is not http(s)/ws(s).
pub fn websocket_url(origin: &str, path: &str, token: Option<&str>) -> Option<String> {
    let origin = websocket_origin(origin)?;
    let (path, fragment) = match path.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (path, None),
    };
    let mut url = origin;
    if !path.is_empty() && !path.starts_with('/') && !path.starts_with('?') {
        url.push('/');
    }
    url.push_str(path);
    if let Some(t) = token.filter(|t| !t.is_empty()) {
        url.push(if path.contains('?') { '&' } else { '?' });
        url.push_str(SESSION_TOKEN_QUERY);
        url.push('=');
        url.push_str(&encode(t));
    }
    if let Some(f) = fragment {
        url.push('#');
        url.push_str(f);
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(websocket_origin("http://h:1").as_deref(), Some("ws://h:1"));
        assert_eq!(
            websocket_origin("HTTPS://h/coder//x/?a#b").as_deref(),
            Some("wss://h/coder/x")
        );
        assert_eq!(websocket_origin("wss://h/").as_deref(), Some("wss://h"));
        assert_eq!(websocket_origin("http:///x"), None);
        assert_eq!(websocket_origin("file:///x"), None);
        assert_eq!(websocket_origin("localhost:80"), None);
    }

    #[test]
    fn paths_and_tokens() {
        let url = websocket_url("https://h/base", "api/v2/x#frag", Some("k")).unwrap();
        assert_eq!(url, "wss://h/base/api/v2/x?coder_session_token=k#frag");
        assert_eq!(websocket_url("http://h", "", Some("")).unwrap(), "ws://h");
        assert_eq!(
            websocket_url("http://h", "?a", Some("t")).unwrap(),
            "ws://h?a&coder_session_token=t"
        );
    }
}
