//! Fault injection for tests (off unless `serve --enable-fault-injection`, loopback only).
//!
//! A [`FaultSpec`] says what goes wrong; [`Faults`] holds the live spec, shared by the HTTP layer
//! ([`fault_layer`], added by `app()` only when fault injection is on), by the WebSocket loops of
//! the embedded backend (log follow, PTY, DERP map: [`WsFaults`]) and by the control route
//! `/__faults` (GET shows, PUT replaces, DELETE clears; session token required), which exists
//! only when fault injection is on.
//!
//! Spec text (CLI `--faults`, or a JSON string / `{"spec": "..."}` body of `PUT /__faults`):
//! comma-separated `key=value` items
//!
//! | item | effect |
//! |---|---|
//! | `ws-drop-every=N` | every WebSocket of the embedded backend is dropped after each N data frames it sent (counted per socket, from the moment the spec was set) |
//! | `ws-drop=abrupt` (default) / `ws-drop=1011` | abrupt: the TCP connection is closed without a close frame (the browser reports 1006); `1011`: a close frame 1011 "injected fault" is sent first |
//! | `delay-ms=D` | matching HTTP requests (and WebSocket handshakes) wait D ms before being handled |
//! | `status=500` / `status=503` | matching requests are answered with that status and a coderd-style JSON error, without reaching the handler |
//! | `malformed-json` | matching 200 responses with a JSON content type get a broken JSON body (valid start, then garbage) |
//! | `truncate` / `truncate=N` | matching response bodies announce their full `Content-Length` but only the first half (or N bytes) is sent, then the connection is closed |
//! | `panic` | matching requests panic in the HTTP layer (shows that a panic ends only its request) |
//! | `path=/prefix` | the HTTP faults apply only to paths starting with it (default `/api/v2/`) |
//! | `every=K` | ... only to every K-th matching request (the K-th, 2K-th, ...) |
//! | `fraction=F` | ... only to a random fraction F (0..=1) of matching requests |
//!
//! `/__faults` and `/healthz` are never affected, so a test can always switch faults off.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ApiError;

/// Path of the control route.
pub const CONTROL_PATH: &str = "/__faults";

/// How a WebSocket is dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WsDrop {
    /// The connection is closed without a close frame (the peer sees 1006).
    #[default]
    Abrupt,
    /// A close frame with code 1011 and reason "injected fault", then the connection closes.
    #[serde(rename = "1011")]
    Close1011,
}

/// What goes wrong. The default is nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "kebab-case", deny_unknown_fields)]
pub struct FaultSpec {
    /// Drop each WebSocket after every N data frames sent.
    pub ws_drop_every: Option<u64>,
    /// How sockets are dropped.
    pub ws_drop: WsDrop,
    /// Delay before handling a matching request.
    pub delay_ms: u64,
    /// Answer matching requests with this status (500 or 503).
    pub status: Option<u16>,
    /// Break the JSON bodies of matching 200 responses.
    pub malformed_json: bool,
    /// Truncate matching bodies: `Some(0)` means half, `Some(n)` the first n bytes.
    pub truncate: Option<usize>,
    /// Panic while handling matching requests.
    pub panic: bool,
    /// Only paths with this prefix (default `/api/v2/`).
    pub path: Option<String>,
    /// Only every K-th matching request.
    pub every: Option<u64>,
    /// Only this random fraction of matching requests.
    pub fraction: Option<f64>,
}

impl FaultSpec {
    /// Parses the `key=value,...` text described in the module docs.
    pub fn parse(text: &str) -> anyhow::Result<FaultSpec> {
        let mut spec = FaultSpec::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = match item.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (item, None),
            };
            let need = || value.with_context(|| format!("fault {key:?} needs a value"));
            let num = |v: &str| -> anyhow::Result<u64> {
                v.parse::<u64>()
                    .with_context(|| format!("fault {key:?}: {v:?} is not a whole number"))
            };
            match key {
                "ws-drop-every" => spec.ws_drop_every = Some(num(need()?)?),
                "ws-drop" => {
                    spec.ws_drop = match need()? {
                        "abrupt" => WsDrop::Abrupt,
                        "1011" => WsDrop::Close1011,
                        other => bail!("ws-drop must be abrupt or 1011, not {other:?}"),
                    }
                }
                "delay-ms" => spec.delay_ms = num(need()?)?,
                "status" => spec.status = Some(num(need()?)? as u16),
                "malformed-json" => {
                    spec.malformed_json = !matches!(value, Some("0" | "false" | "off"))
                }
                "truncate" => {
                    spec.truncate = Some(value.map(num).transpose()?.unwrap_or(0) as usize)
                }
                "panic" => spec.panic = !matches!(value, Some("0" | "false" | "off")),
                "path" => spec.path = Some(need()?.to_owned()),
                "every" => spec.every = Some(num(need()?)?),
                "fraction" => {
                    let v = need()?;
                    spec.fraction = Some(
                        v.parse()
                            .with_context(|| format!("fraction {v:?} is not a number"))?,
                    )
                }
                other => bail!("unknown fault {other:?}"),
            }
        }
        spec.validate()?;
        Ok(spec)
    }

    /// Checks ranges.
    pub fn validate(&self) -> anyhow::Result<()> {
        if let Some(s) = self.status {
            if !(500..=599).contains(&s) {
                bail!("status must be a 5xx code (500, 503), not {s}");
            }
        }
        if self.ws_drop_every == Some(0) {
            bail!("ws-drop-every must be at least 1");
        }
        if self.every == Some(0) {
            bail!("every must be at least 1");
        }
        if let Some(f) = self.fraction {
            if !(0.0..=1.0).contains(&f) {
                bail!("fraction must be between 0 and 1, not {f}");
            }
        }
        if self.delay_ms > 600_000 {
            bail!("delay-ms must be at most 600000");
        }
        if let Some(p) = &self.path {
            if !p.starts_with('/') {
                bail!("path must start with /");
            }
        }
        Ok(())
    }

    /// Whether any HTTP fault is set.
    fn has_http_faults(&self) -> bool {
        self.delay_ms > 0
            || self.status.is_some()
            || self.malformed_json
            || self.truncate.is_some()
            || self.panic
    }
}

/// Live fault state (cheap to clone; every clone sees the same spec).
#[derive(Clone, Default)]
pub struct Faults {
    inner: Arc<FaultsInner>,
}

#[derive(Default)]
struct FaultsInner {
    spec: Mutex<FaultSpec>,
    /// Bumped on every change; sockets restart their frame count when it moves.
    generation: AtomicU64,
    /// Requests matching path since the spec was set (for `every`).
    matched: AtomicU64,
    /// Requests a fault was applied to since the spec was set.
    affected: AtomicU64,
    /// WebSockets dropped since the spec was set.
    ws_dropped: AtomicU64,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Faults").field(&self.spec()).finish()
    }
}

/// What `GET /__faults` answers.
#[derive(Debug, Serialize, Deserialize)]
pub struct FaultStatus {
    /// The live spec.
    pub spec: FaultSpec,
    /// HTTP requests a fault was applied to since it was set.
    pub affected_requests: u64,
    /// WebSockets dropped since it was set.
    pub dropped_websockets: u64,
}

impl Faults {
    /// Fault state starting with `spec`.
    pub fn new(spec: FaultSpec) -> Self {
        let f = Faults::default();
        f.set(spec);
        f
    }

    /// The live spec.
    pub fn spec(&self) -> FaultSpec {
        self.inner
            .spec
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// Replaces the spec and resets the counters.
    pub fn set(&self, spec: FaultSpec) {
        if let Ok(mut s) = self.inner.spec.lock() {
            *s = spec;
        }
        self.inner.matched.store(0, Ordering::SeqCst);
        self.inner.affected.store(0, Ordering::SeqCst);
        self.inner.ws_dropped.store(0, Ordering::SeqCst);
        self.inner.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Current spec and counters.
    pub fn status(&self) -> FaultStatus {
        FaultStatus {
            spec: self.spec(),
            affected_requests: self.inner.affected.load(Ordering::SeqCst),
            dropped_websockets: self.inner.ws_dropped.load(Ordering::SeqCst),
        }
    }

    /// A per-socket frame counter.
    pub fn socket(&self) -> WsFaults {
        WsFaults {
            faults: Some(self.clone()),
            generation: u64::MAX,
            frames: 0,
        }
    }

    /// The HTTP faults to apply to a request for `path`, if any (counts it).
    fn select(&self, path: &str) -> Option<FaultSpec> {
        if path == CONTROL_PATH || path == "/healthz" {
            return None;
        }
        let spec = self.spec();
        if !spec.has_http_faults() {
            return None;
        }
        if !path.starts_with(spec.path.as_deref().unwrap_or("/api/v2/")) {
            return None;
        }
        let n = self.inner.matched.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(k) = spec.every {
            if !n.is_multiple_of(k) {
                return None;
            }
        }
        if let Some(f) = spec.fraction {
            if rand::random::<f64>() >= f {
                return None;
            }
        }
        self.inner.affected.fetch_add(1, Ordering::SeqCst);
        Some(spec)
    }
}

/// Per-socket view of the WebSocket fault: call [`WsFaults::after_frame`] after each data frame
/// sent. `WsFaults::none()` never drops (no fault injection).
pub struct WsFaults {
    faults: Option<Faults>,
    generation: u64,
    frames: u64,
}

impl WsFaults {
    /// A counter that never drops.
    pub fn none() -> Self {
        WsFaults {
            faults: None,
            generation: 0,
            frames: 0,
        }
    }

    /// Counts one data frame sent; says how to drop the socket when the fault says so now.
    pub fn after_frame(&mut self) -> Option<WsDrop> {
        let faults = self.faults.as_ref()?;
        let generation = faults.inner.generation.load(Ordering::SeqCst);
        if generation != self.generation {
            self.generation = generation;
            self.frames = 0;
        }
        let (every, how) = {
            let spec = faults.inner.spec.lock().ok()?;
            (spec.ws_drop_every?, spec.ws_drop)
        };
        self.frames += 1;
        if self.frames.is_multiple_of(every) {
            faults.inner.ws_dropped.fetch_add(1, Ordering::SeqCst);
            tracing::info!(target: "agent_console::faults", "dropping a WebSocket ({how:?}) after {} frames", self.frames);
            Some(how)
        } else {
            None
        }
    }
}

/// The close frame sent for [`WsDrop::Close1011`].
pub fn close_1011() -> axum::extract::ws::Message {
    axum::extract::ws::Message::Close(Some(axum::extract::ws::CloseFrame {
        code: 1011,
        reason: "injected fault".into(),
    }))
}

/// Middleware applying the HTTP faults.
pub async fn fault_layer(State(faults): State<Faults>, req: Request, next: Next) -> Response {
    let Some(spec) = faults.select(req.uri().path()) else {
        return next.run(req).await;
    };
    if spec.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(spec.delay_ms)).await;
    }
    if spec.panic {
        panic!("injected fault: panic while handling {}", req.uri().path());
    }
    if let Some(code) = spec.status {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        let mut resp = ApiError::new(status, format!("Injected fault: {code}."))
            .detail("agent-console --enable-fault-injection")
            .into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        return resp;
    }
    let resp = next.run(req).await;
    if !spec.malformed_json && spec.truncate.is_none() {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json"));
    let (mut parts, body) = resp.into_parts();
    // Responses that stream forever (WebSocket upgrades, 101) are left alone.
    if parts.status == StatusCode::SWITCHING_PROTOCOLS {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, 64 << 20).await else {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            "body too large to inject faults into",
        )
            .into_response();
    };
    if spec.malformed_json && is_json && parts.status == StatusCode::OK {
        let broken = malformed(&bytes);
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(broken.len()));
        return Response::from_parts(parts, Body::from(broken));
    }
    if let Some(n) = spec.truncate {
        let keep = if n == 0 {
            bytes.len() / 2
        } else {
            n.min(bytes.len())
        };
        if keep < bytes.len() {
            // Announce the whole body, send part of it, then fail the body: hyper closes the
            // connection and the client sees an incomplete message.
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
            // The failure comes a moment later so the head and the first bytes are flushed first.
            use futures_util::StreamExt as _;
            let head = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes.slice(..keep))]);
            let fail = futures_util::stream::once(async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Err(std::io::Error::other("injected fault: truncated body"))
            });
            return Response::from_parts(parts, Body::from_stream(head.chain(fail)));
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// A body that starts like the real one and stops being JSON half-way.
fn malformed(body: &[u8]) -> Vec<u8> {
    let mut out = body[..body.len() / 2].to_vec();
    out.extend_from_slice(b"\x00<!-- injected fault: malformed json -->{,]");
    out
}

/// The control route (only mounted with fault injection on); the session token is required.
pub fn control_router(faults: Faults, tokens: crate::auth::Tokens) -> Router {
    Router::new()
        .route(
            CONTROL_PATH,
            get(get_faults).put(put_faults).delete(delete_faults),
        )
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let tokens = tokens.clone();
                async move {
                    match crate::auth::require_session(req.headers(), req.uri(), &tokens) {
                        Ok(()) => next.run(req).await,
                        Err(err) => err.into_response(),
                    }
                }
            },
        ))
        .with_state(faults)
}

async fn get_faults(State(f): State<Faults>) -> Json<FaultStatus> {
    Json(f.status())
}

async fn put_faults(
    State(f): State<Faults>,
    body: axum::body::Bytes,
) -> Result<Json<FaultStatus>, ApiError> {
    let bad = |err: anyhow::Error| {
        ApiError::new(StatusCode::BAD_REQUEST, "Invalid fault spec.").detail(format!("{err:#}"))
    };
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| bad(anyhow::Error::new(e).context("body must be JSON")))?;
    let spec = match value {
        Value::String(s) => FaultSpec::parse(&s).map_err(bad)?,
        Value::Object(ref o) if o.len() == 1 && o.get("spec").is_some_and(Value::is_string) => {
            FaultSpec::parse(o["spec"].as_str().unwrap_or_default()).map_err(bad)?
        }
        other => {
            let spec: FaultSpec =
                serde_json::from_value(other).map_err(|e| bad(anyhow::Error::new(e)))?;
            spec.validate().map_err(bad)?;
            spec
        }
    };
    tracing::info!(target: "agent_console::faults", "faults set: {spec:?}");
    f.set(spec);
    Ok(Json(f.status()))
}

async fn delete_faults(State(f): State<Faults>) -> Json<FaultStatus> {
    tracing::info!(target: "agent_console::faults", "faults cleared");
    f.set(FaultSpec::default());
    Json(f.status())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_text() {
        let s = FaultSpec::parse(
            "ws-drop-every=5, ws-drop=1011,delay-ms=200,status=503,path=/api/v2/workspaces,every=3,fraction=0.5,malformed-json,truncate=10",
        )
        .unwrap();
        assert_eq!(s.ws_drop_every, Some(5));
        assert_eq!(s.ws_drop, WsDrop::Close1011);
        assert_eq!((s.delay_ms, s.status, s.every), (200, Some(503), Some(3)));
        assert_eq!(s.fraction, Some(0.5));
        assert!(s.malformed_json);
        assert_eq!(s.truncate, Some(10));
        assert_eq!(s.path.as_deref(), Some("/api/v2/workspaces"));
        assert_eq!(FaultSpec::parse("").unwrap(), FaultSpec::default());
        assert_eq!(FaultSpec::parse("truncate").unwrap().truncate, Some(0));
        assert!(FaultSpec::parse("panic").unwrap().panic);
        for bad in [
            "status=200",
            "ws-drop-every=0",
            "fraction=2",
            "nope=1",
            "ws-drop=soft",
            "path=x",
            "delay-ms",
        ] {
            assert!(FaultSpec::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_kth_request_and_socket_counts() {
        let f = Faults::new(FaultSpec::parse("status=500,every=3").unwrap());
        let hits: Vec<bool> = (0..6).map(|_| f.select("/api/v2/x").is_some()).collect();
        assert_eq!(hits, [false, false, true, false, false, true]);
        assert!(
            f.select("/index.html").is_none(),
            "outside the default prefix"
        );
        assert!(f.select(CONTROL_PATH).is_none());
        f.set(FaultSpec::parse("ws-drop-every=2").unwrap());
        let mut s = f.socket();
        let drops: Vec<_> = (0..4).map(|_| s.after_frame()).collect();
        assert_eq!(
            drops,
            [None, Some(WsDrop::Abrupt), None, Some(WsDrop::Abrupt)]
        );
        f.set(FaultSpec::default());
        assert_eq!(s.after_frame(), None);
        assert_eq!(WsFaults::none().after_frame(), None);
    }
}
