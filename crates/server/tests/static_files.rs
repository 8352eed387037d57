//! The web app: dist files, pre-compressed siblings, SPA fallback, base path, security headers —
//! in both modes.

mod common;

use common::{Mode, Server, TempDir, TEST_CONFIG};

const INDEX: &str = r#"<!doctype html><html><head><link rel="stylesheet" href="./style.css"><script type="module">import init from './app.js'; init({module_or_path: './app_bg.wasm'});</script></head><body></body></html>"#;

fn dist() -> TempDir {
    let dir = TempDir::new("dist");
    std::fs::write(dir.0.join("index.html"), INDEX).unwrap();
    std::fs::write(dir.0.join("style.css"), "body { color: red }").unwrap();
    std::fs::write(dir.0.join("app.js"), "export default function init() {}").unwrap();
    // A brotli sibling (contents need not be valid brotli for the server to choose it).
    std::fs::write(dir.0.join("app.js.br"), "BROTLI").unwrap();
    std::fs::write(dir.0.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(
        dir.0.join("icon.svg"),
        r#"<svg xmlns="http://www.w3.org/2000/svg"/>"#,
    )
    .unwrap();
    dir
}

/// The body of `path`, fetched as a browser opening the app does (no token).
async fn page_text(s: &Server, path: &str) -> String {
    s.client
        .get(s.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn start(mode: Mode, dist: &TempDir, base: &str) -> Server {
    let path = dist.0.clone();
    let base = base.to_owned();
    Server::start_with(mode, TEST_CONFIG, move |c| {
        c.dist = Some(path.clone());
        c.base_path = base.clone();
        c.frame_ancestors = "'self' https://dash.example".into();
    })
    .await
}

async fn serves_the_app(mode: Mode) {
    let d = dist();
    let s = start(mode, &d, "").await;
    for route in ["/", "/agents/0b5a/logs", "/index.html"] {
        let resp = s.client.get(s.url(route)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{route}");
        let csp = resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{csp}"
        );
        assert!(
            csp.contains("frame-ancestors 'self' https://dash.example"),
            "{csp}"
        );
        assert!(csp.contains("connect-src 'self' ws://"), "{csp}");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        // As built, with the <base> that makes its relative URLs work from every route.
        let page = INDEX.replace("<head>", r#"<head><base href="/">"#);
        assert_eq!(resp.text().await.unwrap(), page, "{route}");
    }
    let wasm = s.client.get(s.url("/app_bg.wasm")).send().await.unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    let css = s.client.get(s.url("/style.css")).send().await.unwrap();
    assert_eq!(css.text().await.unwrap(), "body { color: red }");
    // A missing asset is a 404, not the app.
    assert_eq!(
        s.client
            .get(s.url("/missing-1234.js"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // Pre-compressed sibling when the client accepts brotli.
    let br = s
        .client
        .get(s.url("/app.js"))
        .header("Accept-Encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.bytes().await.unwrap().as_ref(), b"BROTLI");
    let plain = s.client.get(s.url("/app.js")).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    // The page is built per request, so it is compressed on the way out.
    let page = page_text(&s, "/").await;
    for encoding in ["gzip", "br"] {
        let resp = s
            .client
            .get(s.url("/"))
            .header("Accept-Encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["content-encoding"], encoding);
        assert!(resp.headers().contains_key("content-security-policy"));
        let body = resp.bytes().await.unwrap();
        if encoding == "gzip" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&body[..]), &mut text)
                .unwrap();
            assert_eq!(text, page);
        }
    }
    // API responses carry nosniff too.
    let api = s
        .client
        .get(s.url("/api/v2/buildinfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn serves_the_app_embedded() {
    serves_the_app(Mode::Embedded).await;
}

#[tokio::test]
async fn serves_the_app_proxy() {
    serves_the_app(Mode::Proxy).await;
}

async fn base_path(mode: Mode) {
    let d = dist();
    let s = start(mode, &d, "/console").await;
    let resp = s.client.get(s.url("/console")).send().await.unwrap();
    assert_eq!(resp.status(), 308);
    assert_eq!(resp.headers()["location"], "/console/");
    let html = page_text(&s, "/console/agents/x").await;
    // The page's relative URLs resolve under the base path through its <base>, from any route.
    assert!(html.contains(r#"<head><base href="/console/">"#), "{html}");
    assert!(
        html.contains(r#"href="./style.css""#),
        "the page is otherwise as built: {html}"
    );
    assert_eq!(
        s.client
            .get(s.url("/console/style.css"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        s.client
            .get(s.url("/style.css"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    // The API answers at the root (where coderd has it) and under the base path.
    for api in ["/api/v2/buildinfo", "/console/api/v2/buildinfo"] {
        assert_eq!(
            s.client.get(s.url(api)).send().await.unwrap().status(),
            200,
            "{api}"
        );
    }
}

#[tokio::test]
async fn base_path_embedded() {
    base_path(Mode::Embedded).await;
}

#[tokio::test]
async fn base_path_proxy() {
    base_path(Mode::Proxy).await;
}

/// The CSP goes with what can be a document (the page, SVG, API answers), not with the page's
/// scripts, stylesheets and wasm, where browsers ignore it.
#[tokio::test]
async fn csp_only_on_what_can_be_a_document() {
    let d = dist();
    let s = start(Mode::Embedded, &d, "").await;
    for (path, expected) in [
        ("/", true),
        ("/icon.svg", true),
        ("/api/v2/buildinfo", true),
        ("/app.js", false),
        ("/style.css", false),
        ("/app_bg.wasm", false),
    ] {
        let resp = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(
            resp.headers().contains_key("content-security-policy"),
            expected,
            "{path}"
        );
        assert_eq!(
            resp.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
    }
}

/// Files named after their content are cached for good; the page and other files are revalidated.
#[tokio::test]
async fn hashed_files_are_immutable() {
    let d = dist();
    std::fs::create_dir_all(d.0.join("app-0123456789abcdef")).unwrap();
    std::fs::write(
        d.0.join("app-0123456789abcdef/app_bg.wasm"),
        b"\0asm\x01\0\0\0",
    )
    .unwrap();
    let s = start(Mode::Embedded, &d, "").await;
    for (path, expected) in [
        (
            "/app-0123456789abcdef/app_bg.wasm",
            "public, max-age=31536000, immutable",
        ),
        ("/app.js", "no-cache"),
        ("/", "no-cache"),
    ] {
        let resp = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        assert_eq!(resp.headers()["cache-control"], expected, "{path}");
        assert!(
            resp.headers()["vary"]
                .to_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn missing_dist_says_so() {
    let d = TempDir::new("empty");
    let s = start(Mode::Embedded, &d, "").await;
    for path in ["/", "/agents/x/logs"] {
        let resp = s.client.get(s.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 503);
        assert!(resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let page = resp.text().await.unwrap();
        assert!(page.contains("The web app is not built"), "{page}");
        assert!(page.contains("make app"), "{page}");
    }
    // The API answers all the same.
    assert_eq!(s.get("/api/v2/buildinfo").await.status(), 200);
}
