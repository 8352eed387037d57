//! Links in terminal output: which may open, and where a link to the agent's own `localhost` goes.
//!
//! Only absolute http and https URLs ever open (a `javascript:` or `file:` link printed by a
//! program must stay inert). A link to `localhost`, `127.0.0.1`, `0.0.0.0` or `[::1]` means a port
//! on the agent's machine, not the viewer's: it is rewritten to the port-forward URL, the wildcard
//! app host with `*` replaced by `{port}[s]--{agent}--{workspace}--{user}`, like Coder's dashboard.
use crate::ports::forward::{ForwardBase, Protocol, MIN_PORT};
use crate::ui::link::safe_http_url;

/// The parts of an http(s) URL this module needs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct HttpUrl<'a> {
    https: bool,
    host: &'a str,
    port: Option<u16>,
    /// Path, query and fragment as written (may be empty).
    rest: &'a str,
}

fn parse_http(url: &str) -> Option<HttpUrl<'_>> {
    let (scheme, after) = url.split_once("://")?;
    let https = match scheme.to_ascii_lowercase().as_str() {
        "http" => false,
        "https" => true,
        _ => return None,
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    // Credentials in a link are a classic disguise (`http://localhost@evil.example/`): such a
    // link is never treated as local.
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let close = v6.find(']')?;
        let host = &authority[..close + 2];
        match &v6[close + 1..] {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':')?.parse().ok()?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, "")) => (h, None),
            Some((h, p)) => (h, Some(p.parse().ok()?)),
            None => (authority, None),
        }
    };
    (!host.is_empty()).then_some(HttpUrl {
        https,
        host,
        port,
        rest,
    })
}

/// Whether a link names the agent's own machine.
fn is_local_host(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    matches!(h.as_str(), "localhost" | "127.0.0.1" | "0.0.0.0" | "[::1]")
}

/// The URL to open for a link found in terminal output, or `None` when it must not open.
/// Local links become port-forward URLs when the deployment can forward them; otherwise they open
/// as written.
pub fn resolve_link(raw: &str, target: Option<&ForwardBase>) -> Option<String> {
    let url = safe_http_url(raw)?;
    let forwarded = target.and_then(|t| forward_local(&url, t));
    Some(forwarded.unwrap_or(url))
}

/// The port-forward URL of a local link, built as the ports view builds its links
/// ([`ForwardBase::url`]), with the link's path, query and fragment.
fn forward_local(url: &str, t: &ForwardBase) -> Option<String> {
    let parsed = parse_http(url)?;
    if !is_local_host(parsed.host) {
        return None;
    }
    let port = parsed.port.unwrap_or(if parsed.https { 443 } else { 80 });
    if port < MIN_PORT || t.owner.agent.is_empty() {
        return None;
    }
    let protocol = if parsed.https {
        Protocol::Https
    } else {
        Protocol::Http
    };
    let base = t.url(port, protocol).ok()?;
    let rest = if parsed.rest.is_empty() {
        "/"
    } else {
        parsed.rest
    };
    Some(format!("{}{rest}", base.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::forward::ForwardOwner;

    fn target() -> ForwardBase {
        ForwardBase {
            wildcard_host: "*.apps.example.com".into(),
            owner: ForwardOwner {
                agent: "Main".into(),
                workspace: "dev".into(),
                user: "alice".into(),
            },
            workspace_id: String::new(),
            page_scheme: "https:".into(),
        }
    }

    #[test]
    fn only_http_and_https_open() {
        assert_eq!(resolve_link("javascript:alert(1)", None), None);
        assert_eq!(resolve_link("file:///etc/passwd", None), None);
        assert_eq!(resolve_link("ftp://example.com", None), None);
        assert_eq!(
            resolve_link("https://example.com/x", None).as_deref(),
            Some("https://example.com/x")
        );
        assert_eq!(
            resolve_link("https://example.com/x", Some(&target())).as_deref(),
            Some("https://example.com/x")
        );
    }

    #[test]
    fn local_links_are_forwarded() {
        let t = target();
        assert_eq!(
            resolve_link("http://localhost:3000/api?q=1#top", Some(&t)).as_deref(),
            Some("https://3000--main--dev--alice.apps.example.com/api?q=1#top")
        );
        assert_eq!(
            resolve_link("https://127.0.0.1:8443", Some(&t)).as_deref(),
            Some("https://8443s--main--dev--alice.apps.example.com/")
        );
        assert_eq!(
            resolve_link("http://0.0.0.0", Some(&t)).as_deref(),
            Some("https://80--main--dev--alice.apps.example.com/")
        );
        assert_eq!(
            resolve_link("http://[::1]:5173/", Some(&t)).as_deref(),
            Some("https://5173--main--dev--alice.apps.example.com/")
        );
        let partial = ForwardBase {
            wildcard_host: "*-apps.example.com:8080".into(),
            page_scheme: "http:".into(),
            ..t
        };
        assert_eq!(
            resolve_link("http://LOCALHOST:9000", Some(&partial)).as_deref(),
            Some("http://9000--main--dev--alice-apps.example.com:8080/")
        );
    }

    #[test]
    fn local_links_stay_as_written_when_they_cannot_be_forwarded() {
        let t = target();
        assert_eq!(
            resolve_link("http://localhost:8/", Some(&t)).as_deref(),
            Some("http://localhost:8/")
        );
        let none = ForwardBase {
            wildcard_host: String::new(),
            ..t.clone()
        };
        assert_eq!(
            resolve_link("http://localhost:3000", Some(&none)).as_deref(),
            Some("http://localhost:3000")
        );
        let mut long = t.clone();
        long.owner.workspace = "w".repeat(60);
        assert_eq!(
            resolve_link("http://localhost:3000", Some(&long)).as_deref(),
            Some("http://localhost:3000")
        );
        // Not local at all, even though "localhost" appears in it.
        assert_eq!(
            resolve_link("http://localhost@evil.example:3000/", Some(&t)).as_deref(),
            Some("http://localhost@evil.example:3000/")
        );
        assert_eq!(
            resolve_link("http://localhost.evil.example/", Some(&t)).as_deref(),
            Some("http://localhost.evil.example/")
        );
    }

    #[test]
    fn parses_authorities() {
        let u = parse_http("http://h:1/p").unwrap();
        assert_eq!((u.host, u.port, u.rest), ("h", Some(1), "/p"));
        assert_eq!(parse_http("http://h:99999/"), None);
        assert_eq!(parse_http("http:///x"), None);
        assert_eq!(parse_http("http://[::1]x/"), None);
    }
}
