//! Response headers that keep the app contained (CSP, nosniff) and the WebSocket Origin check.
//!
//! The CSP allows the app and nothing else: scripts only from this origin plus WebAssembly
//! compilation (`'wasm-unsafe-eval'`, which plain `script-src 'self'` blocks in Chromium), and the
//! hashes of the inline scripts of `index.html` (the page's first script and the wasm loader),
//! computed when the page is served. Sockets may only go back to the same host.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::ApiError;
use crate::AppState;

/// Browser features the app never uses, turned off for it and for anything it frames: coderd's
/// list (`site/site.go`), without the names Chromium does not know (`battery`, `vr`,
/// `document-domain`), which it would report as errors on every page. The clipboard stays on for
/// the terminal's copy and paste.
pub const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), geolocation=(), \
     gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), \
     screen-wake-lock=(), xr-spatial-tracking=()";

/// Builds the Content-Security-Policy for a response served to `host`.
pub fn content_security_policy(
    host: Option<&str>,
    frame_ancestors: &str,
    script_hashes: &[String],
) -> String {
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for h in script_hashes {
        script_src.push_str(" '");
        script_src.push_str(h);
        script_src.push('\'');
    }
    // Same-host sockets spelled out: older browsers do not let 'self' cover ws:/wss:.
    let connect_src = match host.filter(|h| is_plain_host(h)) {
        Some(h) => format!("'self' ws://{h} wss://{h}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {script_src}; style-src 'self' 'unsafe-inline'; \
         connect-src {connect_src}; img-src 'self' data: https:; font-src 'self' data:; \
         worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; \
         frame-ancestors {frame_ancestors}"
    )
}

/// Whether a response of this type can be shown as a document or run as a worker, so that its own
/// CSP applies: anything but page subresources (module scripts run as the page's, never as
/// workers here), stylesheets, wasm, fonts and bitmaps. SVG can carry script, so it keeps the CSP.
fn may_be_document(headers: &HeaderMap) -> bool {
    let Some(essence) = media_type(headers) else {
        return true;
    };
    let subresource = matches!(
        essence.as_str(),
        "application/wasm" | "text/css" | "text/javascript" | "application/javascript"
    ) || essence.starts_with("font/")
        || (essence.starts_with("image/") && essence != "image/svg+xml");
    !subresource
}

/// A response's media type without parameters, lowercased (`text/html; charset=utf-8` →
/// `text/html`); `None` without a readable `Content-Type`.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

/// Whether a request's `Accept` names `media` (a browser opening a page accepts `text/html`; the
/// app's requests accept `application/json`).
pub fn accepts(headers: &HeaderMap, media: &str) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(media))
}

/// Only hosts made of host/port characters may be echoed into a header value.
fn is_plain_host(h: &str) -> bool {
    !h.is_empty()
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c))
}

/// Middleware: `X-Content-Type-Options: nosniff` everywhere; on what may be a document, coderd's
/// `Referrer-Policy: no-referrer` (no address of ours, which may name an agent, leaves with a
/// link) and [`PERMISSIONS_POLICY`]; and the CSP on every response that
/// has not set its own (the index page sets one with its script hashes) and that could be a
/// document. A CSP header on a script, stylesheet, wasm module, font or bitmap fetched by a page
/// does nothing (the page's own policy governs it) but costs every such response ~350 bytes.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut resp = next.run(req).await;
    let headers = resp.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if may_be_document(headers) {
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        headers.insert(
            HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(PERMISSIONS_POLICY),
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) && may_be_document(headers) {
        let csp = content_security_policy(host.as_deref(), &state.config().frame_ancestors, &[]);
        if let Ok(v) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    resp
}

/// coder/websocket's default Origin rule: an absent or empty Origin is allowed (native clients);
/// otherwise the Origin's host (with port) must equal the request's Host, case-insensitively.
pub fn check_ws_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let origin = match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => return Ok(()),
        Some(Ok("")) => return Ok(()),
        Some(Ok(o)) => o,
        Some(Err(_)) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "request Origin is not valid text",
            ))
        }
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = url::Url::parse(origin).ok().and_then(|u| {
        let h = u.host_str()?.to_owned();
        Some(match u.port() {
            Some(p) => format!("{h}:{p}"),
            None => h,
        })
    });
    match origin_host {
        Some(oh) if oh.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("request Origin {origin:?} is not authorized for Host {host:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, host.parse().unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, o.parse().unwrap());
        }
        h
    }

    #[test]
    fn origin_rules() {
        assert!(check_ws_origin(&headers(None, "a:1")).is_ok());
        assert!(check_ws_origin(&headers(Some(""), "a:1")).is_ok());
        assert!(check_ws_origin(&headers(Some("http://A:1"), "a:1")).is_ok());
        assert!(check_ws_origin(&headers(Some("https://a"), "a")).is_ok());
        let err = check_ws_origin(&headers(Some("http://evil:1"), "a:1")).unwrap_err();
        assert_eq!(err.status, StatusCode::FORBIDDEN);
        assert!(check_ws_origin(&headers(Some("http://a:2"), "a:1")).is_err());
        assert!(check_ws_origin(&headers(Some("null"), "a:1")).is_err());
    }

    #[test]
    fn csp_has_the_required_directives() {
        let csp = content_security_policy(
            Some("127.0.0.1:7080"),
            "'self' https://dash.example",
            &["sha256-x".into()],
        );
        assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-x';"));
        assert!(csp.contains("connect-src 'self' ws://127.0.0.1:7080 wss://127.0.0.1:7080;"));
        assert!(csp.ends_with("frame-ancestors 'self' https://dash.example"));
        let odd = content_security_policy(Some("a b"), "'none'", &[]);
        assert!(odd.contains("connect-src 'self';"));
    }
}
