//! The built web app: its files (pre-compressed `.br`/`.gz` siblings preferred when the client
//! accepts them), `index.html` for every client-side route (SPA fallback), all under the
//! configured base path. The files come from the copy built into the binary ([`AppFiles`]), or
//! from a directory given with `--dist`.
//!
//! `index.html` gets `<base href>` for the base path, and the hashes of its inline scripts go
//! into its CSP so the page's scripts run without `'unsafe-inline'`.

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
    let files = AppFiles::new(config.dist.as_deref());
    if rel == "/" || rel == "/index.html" {
        return index(&files, base, host.as_deref(), &config.frame_ancestors).await;
    }
    let mut resp = match &files {
        AppFiles::Dir(dir) => from_dir(dir, rel, req).await,
        AppFiles::Built => from_binary(rel, req.headers()),
    };
    if resp.status() == StatusCode::NOT_FOUND && is_client_route(rel) {
        return index(&files, base, host.as_deref(), &config.frame_ancestors).await;
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

/// Where the app's files come from.
pub enum AppFiles<'a> {
    /// A directory holding a built app (`--dist`).
    Dir(&'a Path),
    /// The app built into this binary (`make app` before the server's release build); in debug
    /// builds, read from the repository's `dist/` at run time.
    Built,
}

/// The app as `make app` left it in `dist/` when the server was built.
#[derive(rust_embed::Embed)]
#[folder = "../../dist"]
#[allow_missing = true]
struct BuiltApp;

impl<'a> AppFiles<'a> {
    /// `--dist` when given, else the built-in copy.
    pub fn new(dist: Option<&'a Path>) -> Self {
        dist.map_or(AppFiles::Built, AppFiles::Dir)
    }

    /// The text of one file (`index.html`), if there is such a file.
    async fn read_text(&self, name: &str) -> Option<String> {
        match self {
            AppFiles::Dir(dir) => tokio::fs::read_to_string(dir.join(name)).await.ok(),
            AppFiles::Built => {
                BuiltApp::get(name).and_then(|f| String::from_utf8(f.data.into_owned()).ok())
            }
        }
    }

    /// What is shown when there is no app to serve, and how to get one.
    fn not_built(&self) -> String {
        match self {
            AppFiles::Dir(dir) => format!(
                "{} holds no built web app (no index.html). Build it with `make app`, or start \
                 agent-console without --dist to serve the app built into it.",
                dir.display()
            ),
            AppFiles::Built => "This agent-console was built without its web app. Build the app \
                 and then the server (`make app server`, or `make build`), or start it with \
                 --dist <the directory of a built app>."
                .to_owned(),
        }
    }
}

/// A file of a `--dist` directory, through tower-http's `ServeDir` (pre-compressed siblings,
/// conditional and range requests).
async fn from_dir(dir: &Path, rel: &str, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let mut new_uri = rel.to_owned();
    if let Some(q) = parts.uri.query() {
        new_uri.push('?');
        new_uri.push_str(q);
    }
    parts.uri = new_uri
        .parse::<Uri>()
        .unwrap_or_else(|_| Uri::from_static("/"));
    let dir = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false);
    match dir.oneshot(Request::from_parts(parts, body)).await {
        Ok(r) => r.map(Body::new),
        Err(never) => match never {},
    }
}

/// A file of the built-in app: its brotli or gzip sibling when the client takes it, with an ETag
/// (the SHA-256 of the file) for conditional requests.
fn from_binary(rel: &str, request: &HeaderMap) -> Response {
    let name = rel.trim_start_matches('/');
    // `.br`/`.gz` siblings are the encodings of a file, not files of their own.
    let Some(file) =
        BuiltApp::get(name).filter(|_| !name.ends_with(".br") && !name.ends_with(".gz"))
    else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut resp = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let encoded = [("br", ".br"), ("gzip", ".gz")]
            .into_iter()
            .filter(|(coding, _)| accepts_encoding(request, coding))
            .find_map(|(coding, ext)| Some((coding, BuiltApp::get(&format!("{name}{ext}"))?)));
        match encoded {
            Some((coding, sibling)) => (
                [(header::CONTENT_ENCODING, coding)],
                // Borrowed from the binary, not copied: `Body` takes the static bytes as they are.
                Body::from(sibling.data),
            )
                .into_response(),
            None => Body::from(file.data).into_response(),
        }
    };
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(file.metadata.mimetype()) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    resp
}

/// Whether `Accept-Encoding` takes `coding` (named, or `*`, without `q=0`).
fn accepts_encoding(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
        })
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

async fn index(
    files: &AppFiles<'_>,
    base: &str,
    host: Option<&str>,
    frame_ancestors: &str,
) -> Response {
    let Some(html) = files.read_text("index.html").await else {
        return not_built_page(&files.not_built());
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

/// The page shown instead of the app when there is none (503: the API still answers).
fn not_built_page(why: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Agent Console: \
         the web app is not built</title></head><body><h1>The web app is not built</h1><p>{}</p>\
         <p>The API under <code>/api/v2</code> answers as usual.</p></body></html>",
        html_escape(why)
    );
    let mut resp = (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// Text made safe to put in HTML (a `--dist` path is the operator's, but still text).
fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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
    fn encodings_are_taken_unless_refused() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            h
        };
        assert!(accepts_encoding(&with("gzip, deflate, br, zstd"), "br"));
        assert!(accepts_encoding(&with("GZIP;q=0.5"), "gzip"));
        assert!(accepts_encoding(&with("*"), "br"));
        assert!(!accepts_encoding(&with("gzip, br;q=0"), "br"));
        assert!(!accepts_encoding(&with("*;q=0"), "gzip"));
        assert!(!accepts_encoding(&with("identity"), "gzip"));
        assert!(!accepts_encoding(&HeaderMap::new(), "br"));
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
        let page = include_str!("../../../index.html");
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
