//! Which `Host` names the server answers: the defence against DNS rebinding.
//!
//! A page on `evil.example` whose name is made to resolve to 127.0.0.1 reaches this server as if
//! it were same-origin, with `Host: evil.example`. Browsers always send the name they resolved, so
//! answering only the names the server is for closes that door (coderd answers only its access
//! URL's host and its wildcard app hosts). Answered:
//! - IP literals: the listen address (any IP when it listens on every interface, any loopback IP
//!   when it listens on loopback). A rebinding page cannot present an IP literal of ours;
//! - `localhost` and `*.localhost` (RFC 6761: browsers resolve them to loopback themselves), which
//!   covers the port-forward hosts `{port}--{agent}--{workspace}--{user}.localhost`;
//! - every name given with `--allowed-host` (exact, or `*.example.com` for its subdomains).
//!
//! The port is not compared: a reverse proxy in front may use another.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// The names and addresses this server answers.
#[derive(Debug, Clone)]
pub struct AllowedHosts {
    listen: IpAddr,
    /// Lowercased names without a trailing dot; `*.x` patterns kept as `.x`.
    names: Vec<String>,
}

impl AllowedHosts {
    /// The rule for a server bound to `listen`, plus the operator's `--allowed-host` names.
    pub fn new(listen: SocketAddr, extra: &[String]) -> anyhow::Result<Self> {
        let mut names = Vec::with_capacity(extra.len());
        for raw in extra {
            names.push(parse_pattern(raw)?);
        }
        Ok(AllowedHosts {
            listen: listen.ip(),
            names,
        })
    }

    /// Whether a `Host` header value (name or IP, with or without a port) is answered.
    pub fn allows(&self, host: &str) -> bool {
        let Some(name) = host_without_port(host) else {
            return false;
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        if let Ok(ip) = name.parse::<IpAddr>() {
            return self.listen.is_unspecified()
                || ip == self.listen
                || (self.listen.is_loopback() && ip.is_loopback());
        }
        if name == "localhost" || name.ends_with(".localhost") {
            return true;
        }
        self.names
            .iter()
            .any(|allowed| match allowed.strip_prefix('.') {
                Some(_) => name.ends_with(allowed.as_str()) && name.len() > allowed.len(),
                None => *allowed == name,
            })
    }
}

/// `--allowed-host` values: a DNS name, or `*.` and a DNS name.
fn parse_pattern(raw: &str) -> anyhow::Result<String> {
    let lower = raw.trim().trim_end_matches('.').to_ascii_lowercase();
    let (wildcard, name) = match lower.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, lower.as_str()),
    };
    let ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    if !ok {
        anyhow::bail!(
            "--allowed-host {raw:?} must be a host name like console.example.com or *.example.com"
        );
    }
    Ok(if wildcard {
        format!(".{name}")
    } else {
        name.to_owned()
    })
}

/// The host part of a `Host` value: `name`, `name:port`, `v4:port`, `[v6]` or `[v6]:port`.
/// `None` when it is none of these.
fn host_without_port(host: &str) -> Option<&str> {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        return (after.is_empty() || is_port_suffix(after)).then_some(inside);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if is_port_suffix(&format!(":{port}")) => Some(name),
        Some(_) => None,
        None => Some(host),
    }
}

fn is_port_suffix(s: &str) -> bool {
    s.strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Middleware: 421 Misdirected Request for a Host this server is not for. Requests without a Host
/// (HTTP/1.0 tools; never a browser) pass; HTTP/2 requests are judged by their authority.
pub async fn check_host(State(hosts): State<AllowedHosts>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"))
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    match host {
        Some(h) if !hosts.allows(h) => misdirected(h).into_response(),
        _ => next.run(req).await,
    }
}

fn misdirected(host: &str) -> ApiError {
    let shown: String = host.chars().take(255).collect();
    ApiError::new(
        StatusCode::MISDIRECTED_REQUEST,
        format!("This server does not answer for the host {shown:?}."),
    )
    .detail(
        "It answers its listen address, localhost names and the names given with --allowed-host.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(listen: &str, extra: &[&str]) -> AllowedHosts {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        AllowedHosts::new(listen.parse().unwrap(), &extra).unwrap()
    }

    #[test]
    fn loopback_server_answers_loopback_and_localhost_names() {
        let h = hosts("127.0.0.1:7080", &[]);
        for ok in [
            "127.0.0.1:7080",
            "127.0.0.1",
            "[::1]:7080",
            "localhost:7080",
            "LOCALHOST.",
            "8080--main--dev--alice.localhost:7080",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for refused in [
            "evil.example",
            "evil.example:7080",
            "localhost.evil.example",
            "10.0.0.5:7080",
            "127.0.0.1:7080:1",
            "[::1",
            "",
        ] {
            assert!(!h.allows(refused), "{refused}");
        }
    }

    #[test]
    fn configured_names_and_wildcards() {
        let h = hosts(
            "10.1.2.3:80",
            &["Console.Example.com", "*.apps.example.com"],
        );
        assert!(h.allows("console.example.com"));
        assert!(h.allows("console.example.com:443"));
        assert!(h.allows("8080--a--b--c.apps.example.com"));
        assert!(
            !h.allows("apps.example.com"),
            "a wildcard covers subdomains only"
        );
        assert!(!h.allows("xconsole.example.com"));
        assert!(!h.allows("evilapps.example.com"));
        assert!(h.allows("10.1.2.3"));
        assert!(!h.allows("10.1.2.4"));
        assert!(!h.allows("127.0.0.1"), "not listening on loopback");
        let any = hosts("0.0.0.0:80", &[]);
        assert!(any.allows("192.168.1.9:80"));
        assert!(!any.allows("attacker.example"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for bad in ["", "*", "a b", "*.*.x", "http://x", "x/y", "a..b"] {
            assert!(
                AllowedHosts::new("127.0.0.1:1".parse().unwrap(), &[bad.to_string()]).is_err(),
                "{bad}"
            );
        }
    }
}
