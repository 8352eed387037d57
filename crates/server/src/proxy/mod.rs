//! Proxy mode: every `/api/v2/*` request goes to a real coderd, HTTP and WebSocket alike.
//!
//! Bodies stream both ways (a log follow or a PTY is never buffered). Host and Origin are
//! rewritten to the upstream's so coderd's same-origin checks pass; because that rewrite would
//! defeat coderd's Origin check, the caller's Origin is checked against the caller's Host here
//! first. Tokens (header, cookie, query) pass through untouched, and redirects are returned to the
//! caller rather than followed.

mod http;
mod websocket;

use axum::extract::{OriginalUri, Request, State};
use axum::http::{header, HeaderMap, HeaderName};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use coder_api::routes::BasePath;
use tokio_util::sync::CancellationToken;

use crate::error::ApiError;

/// The upstream coderd and an HTTP client for it (cheap to clone).
#[derive(Clone)]
pub struct Proxy {
    upstream: url::Url,
    base_path: BasePath,
    client: reqwest::Client,
    shutdown: CancellationToken,
}

impl Proxy {
    /// A proxy to `upstream` (an `http` or `https` base URL, possibly with a path prefix) for a
    /// server whose app lives under `base_path` (its API is also served there).
    pub fn new(
        upstream: url::Url,
        base_path: &str,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Proxy {
            upstream,
            base_path: BasePath::new(base_path),
            client,
            shutdown,
        })
    }

    /// The upstream URL for a request to `path` (`/api/v2/...`, or the same under the base path).
    ///
    /// Only `/api/v2` is proxied: the URL is normalised as the URL standard does (dot segments,
    /// their `%2e` spellings and backslashes resolved) and refused when it then lies outside the
    /// upstream's `/api/v2`, or when it has an encoded slash or backslash, which a server decoding
    /// the path would read as a separator (`/api/v2/..%2f..%2fetc`).
    pub fn upstream_url(&self, path: &str, query: Option<&str>) -> Result<url::Url, ApiError> {
        let path = match self.base_path.strip(path) {
            Some(rest) if rest.starts_with("/api/v2") => rest,
            _ => path,
        };
        let lower = path.to_ascii_lowercase();
        if lower.contains("%2f") || lower.contains("%5c") {
            return Err(outside_the_api(path));
        }
        let mut url = self.upstream.clone();
        let prefix = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(query);
        let api = format!("{prefix}/api/v2");
        let inside = url
            .path()
            .strip_prefix(api.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        if !inside {
            return Err(outside_the_api(path));
        }
        Ok(url)
    }

    /// `scheme://host[:port]` of the upstream, the Origin coderd expects.
    pub fn upstream_origin(&self) -> String {
        self.upstream.origin().ascii_serialization()
    }

    /// `host[:port]` of the upstream, the Host coderd expects.
    pub fn upstream_host(&self) -> String {
        let host = self.upstream.host_str().unwrap_or("localhost");
        match self.upstream.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        }
    }
}

/// Routes under `/api/v2`: everything goes upstream.
pub fn router(p: Proxy) -> Router {
    Router::new()
        .route("/", any(forward))
        .route("/{*rest}", any(forward))
        .with_state(p)
}

async fn forward(
    State(p): State<Proxy>,
    OriginalUri(original): OriginalUri,
    mut req: Request,
) -> Response {
    // Forward the path as the caller wrote it (nesting strips the `/api/v2` prefix).
    *req.uri_mut() = original;
    forward_request(p, req).await
}

/// Sends a request whose URI is the caller's (`/api/v2/...`, possibly under the base path)
/// upstream, HTTP or WebSocket.
pub async fn forward_request(p: Proxy, req: Request) -> Response {
    let result = if is_websocket_upgrade(req.headers()) {
        websocket::forward(p, req).await
    } else {
        http::forward(p, req).await
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    let has_token = |name: HeaderName, token: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    has_token(header::CONNECTION, "upgrade") && has_token(header::UPGRADE, "websocket")
}

/// Headers that describe one hop and are never relayed (RFC 9110 §7.6.1), besides `Connection`
/// and `Upgrade`, which a relay of an upgrade keeps: the one list of both relays (this proxy and
/// the port forwarder).
pub(crate) const HOP_BY_HOP: [&str; 7] = [
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
];

/// Headers the proxy never forwards: [`HOP_BY_HOP`], `Connection`, `Upgrade`, and Host, which is
/// the upstream's.
pub(crate) fn is_hop_header(name: &HeaderName) -> bool {
    let name = name.as_str();
    HOP_BY_HOP.contains(&name) || matches!(name, "connection" | "upgrade" | "host")
}

fn outside_the_api(path: &str) -> ApiError {
    let shown: String = path.chars().take(200).collect();
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "Only paths under /api/v2 are proxied.",
    )
    .detail(format!(
        "{shown:?} leaves /api/v2 (dot segments or an encoded slash), so it is not sent upstream."
    ))
}

fn bad_gateway(err: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_GATEWAY,
        "The Coder server could not be reached.",
    )
    .detail(err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls() {
        let p = Proxy::new(
            "https://coder.example.com/sub/".parse().unwrap(),
            "/console",
            CancellationToken::new(),
        )
        .unwrap();
        assert_eq!(
            p.upstream_url("/api/v2/workspaceagents/x/logs", Some("follow&after=3"))
                .unwrap()
                .as_str(),
            "https://coder.example.com/sub/api/v2/workspaceagents/x/logs?follow&after=3"
        );
        assert_eq!(
            p.upstream_url("/console/api/v2/buildinfo", None)
                .unwrap()
                .as_str(),
            "https://coder.example.com/sub/api/v2/buildinfo"
        );
        assert_eq!(p.upstream_origin(), "https://coder.example.com");
        assert_eq!(p.upstream_host(), "coder.example.com");
        let p = Proxy::new(
            "http://127.0.0.1:3000".parse().unwrap(),
            "",
            CancellationToken::new(),
        )
        .unwrap();
        assert_eq!(
            p.upstream_url("/api/v2", None).unwrap().as_str(),
            "http://127.0.0.1:3000/api/v2"
        );
        assert_eq!(
            p.upstream_url("/api/v2/a/../b", None).unwrap().as_str(),
            "http://127.0.0.1:3000/api/v2/b",
            "dot segments inside /api/v2 are fine"
        );
        for outside in [
            "/api/v2/../../etc/passwd",
            "/api/v2/%2e%2e/%2E%2E/etc/passwd",
            "/api/v2/..\\..\\etc",
            "/api/v2/..%2f..%2fetc",
            "/api/v2/..%5c..%5cetc",
            "/api/v2/..",
            "/api/v2x",
        ] {
            let err = p.upstream_url(outside, None).unwrap_err();
            assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST, "{outside}");
        }
        assert_eq!(p.upstream_host(), "127.0.0.1:3000");
    }
}
