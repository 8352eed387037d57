//! The built web app: files of `dist/` (pre-compressed `.br`/`.gz` siblings preferred when the
//! client accepts them), `index.html` for every client-side route (SPA fallback), all under the
//! configured base path.
//!
//! `index.html` is read on each request (it is small and a rebuilt `dist/` must be picked up), its
//! root-absolute asset URLs are moved under the base path, and the hashes of its inline scripts go
//! into its CSP so Trunk's loader runs without `'unsafe-inline'`.

use std::path::Path;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, Method, StatusCode, Uri, Version};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use tower::ServiceExt as _;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use coder_api::routes::BasePath;

use crate::security::{content_security_policy, media_type};
use crate::AppState;

/// Fallback handler serving the app.
pub async fn serve_static(State(state): State<AppState>, req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
        )
            .into_response();
    }
    let config = state.config();
    let base = config.base_path.as_str();
    let path = req.uri().path().to_owned();
    if !base.is_empty() && path == base {
        // `/console` → `/console/` so relative URLs resolve under the base path.
        return redirect(&format!("{base}/"));
    }
    let Some(rel) = BasePath::new(base).strip(&path) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    // No file name is longer than 255 bytes (NAME_MAX): such a path is missing, not a server
    // error (the file system would refuse to look it up).
    if rel.split('/').any(|segment| segment.len() > 255) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if rel == "/" || rel == "/index.html" {
        return index(&config.dist, base, host.as_deref(), &config.frame_ancestors).await;
    }

    let (mut parts, body) = req.into_parts();
    let mut new_uri = rel.to_owned();
    if let Some(q) = parts.uri.query() {
        new_uri.push('?');
        new_uri.push_str(q);
    }
    parts.uri = new_uri
        .parse::<Uri>()
        .unwrap_or_else(|_| Uri::from_static("/"));
    let dir = ServeDir::new(&config.dist)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false);
    let mut resp = match dir.oneshot(Request::from_parts(parts, body)).await {
        Ok(r) => r.map(Body::new),
        Err(never) => match never {},
    };
    if resp.status() == StatusCode::NOT_FOUND && is_client_route(rel) {
        return index(&config.dist, base, host.as_deref(), &config.frame_ancestors).await;
    }
    if resp.status().is_success() {
        let cache = if is_content_addressed(rel) {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        let headers = resp.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        // The same address answers brotli, gzip or plain bytes: caches must keep them apart.
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    resp
}

/// A file whose name changes with its content, so it may be cached for good: everything under
/// `app-<hash>/` (the wasm build) and Trunk's `name-<16 hex digits>.ext` files. Anything else
/// (the xterm.js files, the favicon) is revalidated on each use.
fn is_content_addressed(rel: &str) -> bool {
    let hex16 = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit());
    let path = rel.trim_start_matches('/');
    match path.split_once('/') {
        Some((dir, _)) => dir.strip_prefix("app-").is_some_and(hex16),
        None => path
            .split_once('.')
            .and_then(|(stem, _)| stem.rsplit_once('-'))
            .is_some_and(|(_, hash)| hex16(hash)),
    }
}

/// Compression for what `serve_static` builds per request: `index.html` (base path, CSP hashes).
/// The other files of `dist/` already carry a `Content-Encoding` from their `.br`/`.gz` siblings,
/// which the layer leaves alone.
pub fn page_compression() -> CompressionLayer<impl Predicate> {
    let is_page = |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
        media_type(headers).is_some_and(|t| t == "text/html")
    };
    CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .compress_when(DefaultPredicate::new().and(is_page))
}

/// A route of the app, not a missing asset: the last segment has no file extension.
fn is_client_route(rel: &str) -> bool {
    let last = rel.rsplit('/').next().unwrap_or("");
    !last.contains('.')
}

fn redirect(to: &str) -> Response {
    let mut resp = StatusCode::PERMANENT_REDIRECT.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn index(dist: &Path, base: &str, host: Option<&str>, frame_ancestors: &str) -> Response {
    let html = match tokio::fs::read_to_string(dist.join("index.html")).await {
        Ok(html) => html,
        Err(_) => {
            return (
                StatusCode::NOT_FOUND,
                format!(
                    "The web app is not built: {} has no index.html (run `trunk build`).",
                    dist.display()
                ),
            )
                .into_response()
        }
    };
    let html = with_base_element(&html, base);
    let csp = content_security_policy(host, frame_ancestors, &inline_script_hashes(&html));
    let mut resp = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    let headers = resp.headers_mut();
    // The page names hashed assets; it must be revalidated so a rebuild is picked up.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// Puts `<base href="{base}/">` first in the page's `<head>`: the page's relative URLs (assets,
/// the app's code) then resolve under the base path from every route, and the app reads its base
/// path from it. Nothing else of the page changes, inline scripts included.
pub fn with_base_element(html: &str, base: &str) -> String {
    let tag = format!("<base href=\"{base}/\">");
    let at = html.find("<head>").map_or(0, |pos| pos + "<head>".len());
    let mut out = String::with_capacity(html.len() + tag.len());
    out.push_str(&html[..at]);
    out.push_str(&tag);
    out.push_str(&html[at..]);
    out
}

/// CSP hashes (`sha256-...`) of the inline `<script>` elements of a page.
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = &after[tag_end + 1..];
        let Some(close) = body_start.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") && !tag.contains("\tsrc=") && !tag.contains("\nsrc=") {
            let digest = Sha256::digest(&body_start.as_bytes()[..close]);
            hashes.push(format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            ));
        }
        rest = &body_start[close + "</script>".len()..];
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hashed_names_are_cached_for_good() {
        assert!(is_content_addressed(
            "/app-0123456789abcdef/agent-console-app_bg.wasm"
        ));
        assert!(is_content_addressed(
            "/app-0123456789abcdef/snippets/x-0123/src/a.js"
        ));
        assert!(is_content_addressed("/main-16c77449c62e85a3.css"));
        assert!(!is_content_addressed("/app-0123456789abcdef"));
        assert!(!is_content_addressed("/app-012345/x.wasm"));
        assert!(!is_content_addressed("/vendor/xterm/xterm.mjs"));
        assert!(!is_content_addressed("/favicon.svg"));
        assert!(!is_content_addressed("/main.css"));
        assert!(!is_content_addressed("/vendor/x-16c77449c62e85a3.css"));
    }

    #[test]
    fn client_routes_have_no_file_extension() {
        assert!(is_client_route("/agents/123/logs"));
        assert!(!is_client_route("/app-1a2b.wasm"));
    }

    #[test]
    fn the_base_element_comes_first_and_nothing_else_changes() {
        let html = r#"<html><head><meta charset="utf-8"><script>var a = '/x';</script><link href="./app.css"></head>"#;
        let out = with_base_element(html, "/p");
        assert!(
            out.starts_with(r#"<html><head><base href="/p/"><meta charset"#),
            "{out}"
        );
        assert_eq!(out.replace(r#"<base href="/p/">"#, ""), html);
        assert!(with_base_element(html, "").contains(r#"<head><base href="/">"#));
    }

    /// The app's own page script (the agent's early read) comes through untouched under a base
    /// path (it reads the base from the `<base>` element), so its CSP hash stays valid.
    #[test]
    fn the_shipped_page_script_survives_the_base_path() {
        let page = include_str!("../../../web/index.html");
        assert!(
            page.contains("base[href]"),
            "the early read finds the base path"
        );
        assert_eq!(
            inline_script_hashes(&with_base_element(page, "/console")),
            inline_script_hashes(page)
        );
    }

    #[test]
    fn hashes_inline_scripts_only() {
        let html = r#"<script src="/a.js"></script><script type="module">alert(1)</script>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 1);
        // echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            hashes[0],
            "sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI="
        );
    }
}
