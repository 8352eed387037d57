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
    let Some(rel) = strip_base(&path, base) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    // No file name is longer than 255 bytes (NAME_MAX): such a path is missing, not a server
    // error (the file system would refuse to look it up).
    if rel.split('/').any(|segment| segment.len() > 255) {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    if rel.is_empty() {
        // `/console` → `/console/` so relative URLs resolve under the base path.
        return redirect(&format!("{base}/"));
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

/// The path below the base path (`""` for the base itself), or `None` when outside it.
fn strip_base<'a>(path: &'a str, base: &str) -> Option<&'a str> {
    if base.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(base)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
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
    let html = rebase_html(&html, base);
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

/// Moves root-absolute URLs (`="/x"`, `'/x'` in Trunk's loader) under `base`, and tells the app its
/// base path through `<meta name="agent-console-base-path">`.
pub fn rebase_html(html: &str, base: &str) -> String {
    if base.is_empty() {
        return html.to_owned();
    }
    let mut out = String::with_capacity(html.len() + 256);
    let bytes = html.as_bytes();
    let mut last = 0;
    for (i, _) in html.match_indices('/') {
        let prev = if i > 0 { bytes[i - 1] } else { 0 };
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        // `"/x` or `'/x` but not `"//host` (protocol-relative) nor `"/"` handled the same way.
        if (prev == b'"' || prev == b'\'') && next != b'/' {
            out.push_str(&html[last..i]);
            out.push_str(base);
            last = i;
        }
    }
    out.push_str(&html[last..]);
    let meta = format!("<meta name=\"agent-console-base-path\" content=\"{base}\">");
    match out.find("<head>") {
        Some(pos) => out.insert_str(pos + "<head>".len(), &meta),
        None => out.insert_str(0, &meta),
    }
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
    fn base_paths() {
        assert_eq!(strip_base("/a/b", ""), Some("/a/b"));
        assert_eq!(strip_base("/p/a", "/p"), Some("/a"));
        assert_eq!(strip_base("/p", "/p"), Some(""));
        assert_eq!(strip_base("/pa", "/p"), None);
        assert!(is_client_route("/agents/123/logs"));
        assert!(!is_client_route("/app-1a2b.wasm"));
    }

    #[test]
    fn rebase_rewrites_root_urls_only() {
        let html = r#"<head><link href="/app.css"><script type="module">import init from '/app.js'; init({module_or_path: '/app_bg.wasm'})</script><a href="//cdn/x">x</a><a href="https://x/y">"#;
        let out = rebase_html(html, "/p");
        assert!(out.contains(r#"href="/p/app.css""#));
        assert!(out.contains("'/p/app.js'"));
        assert!(out.contains("'/p/app_bg.wasm'"));
        assert!(out.contains(r#"href="//cdn/x""#));
        assert!(out.contains(r#"href="https://x/y""#));
        assert!(out.contains(r#"<meta name="agent-console-base-path" content="/p">"#));
        assert_eq!(rebase_html(html, ""), html);
    }

    /// The app's own page script (the agent's early read) must come through the base path
    /// rewrite untouched: it finds the base path in the meta tag, not in rewritten strings.
    #[test]
    fn the_shipped_page_script_survives_the_base_path() {
        let page = include_str!("../../../web/index.html");
        let script = |html: &str| {
            let start = html
                .find("<script>")
                .expect("web/index.html has its early-read script");
            html[start..start + html[start..].find("</script>").unwrap()].to_owned()
        };
        assert!(script(page).contains("agent-console-base-path"));
        assert_eq!(script(&rebase_html(page, "/console")), script(page));
        assert_eq!(
            inline_script_hashes(&rebase_html(page, "/console")),
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
