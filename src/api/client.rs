//! HTTP requests: token header, typed errors, retries with backoff for idempotent GETs, and
//! abort when the view that asked goes away.
use super::json_array::ArrayReader;
use super::readable::ChunkReader;
use super::{early, token, ApiError};
use gloo_net::http::{Request, RequestBuilder};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsCast;

/// Attempts for a GET that fails on the network or with a 5xx.
const GET_ATTEMPTS: u32 = 4;
/// First retry delay; doubled each time, with jitter.
const RETRY_BASE_MS: f64 = 300.0;

/// HTTP methods the app sends with a body.
#[derive(Clone, Copy, Debug)]
pub enum Method {
    Post,
    Patch,
    Delete,
}

/// The path prefix the app is mounted under (e.g. `/coder`), from the `<base href="/coder/">`
/// the server puts in the page; empty at the site root (or on a page without one).
pub fn base_path() -> String {
    let href = leptos::prelude::document()
        .query_selector("base[href]")
        .ok()
        .flatten()
        .and_then(|b| b.get_attribute("href"))
        .unwrap_or_default();
    // The server writes it normalised (`/coder/`, or `/` at the root).
    href.trim_end_matches('/').to_owned()
}

/// The URL of an API path (`/api/v2/...`) under the base path.
pub fn api_url(path: &str) -> String {
    format!("{}{}", base_path(), path)
}

/// GET a JSON document, retrying network errors and 5xx with backoff; aborted on cleanup.
pub async fn get_json<T: DeserializeOwned>(path: impl Into<String>) -> Result<T, ApiError> {
    let path = path.into();
    let mut attempt = 0;
    loop {
        match get_json_once(path.as_str()).await {
            Err(e) if e.is_transient() && attempt + 1 < GET_ATTEMPTS => {
                let jitter = 0.5 + js_sys::Math::random();
                let delay = RETRY_BASE_MS * f64::from(1u32 << attempt) * jitter;
                gloo_timers::future::TimeoutFuture::new(delay as u32).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// GET a JSON document once. The page's early read of the same address is used if it succeeded.
pub async fn get_json_once<T: DeserializeOwned>(path: impl Into<String>) -> Result<T, ApiError> {
    let url = api_url(&path.into());
    if let Some(value) = early::take_settled(&url)
        .await
        .and_then(|body| decode(&body).ok())
    {
        return Ok(value);
    }
    execute(with_auth(Request::get(&url), None), None::<&()>, true).await
}

/// The page's early read of `path` if it has already arrived complete and readable, so a view
/// can show it in its first render; `None` otherwise (the view then asks as usual).
pub fn arrived_json<T: DeserializeOwned>(path: &str) -> Option<T> {
    early::take_arrived(&api_url(path)).and_then(|body| decode(&body).ok())
}

/// GET a document's bytes as they are (a plain-text log), with its content type; not retried.
pub async fn get_bytes(path: &str) -> Result<(Vec<u8>, String), ApiError> {
    let (response, _abort) = send(
        with_auth(Request::get(&api_url(path)), None),
        None::<&()>,
        true,
    )
    .await?;
    let content_type = response.headers().get("content-type").unwrap_or_default();
    let body = response
        .binary()
        .await
        .map_err(|e| ApiError::Network(network_message(&e)))?;
    Ok((body, content_type))
}

/// GET a JSON document once with another token (the agent token of the tools page).
pub async fn get_json_as<T: DeserializeOwned>(
    path: impl Into<String>,
    token: &str,
) -> Result<T, ApiError> {
    let request = with_auth(Request::get(&api_url(&path.into())), Some(token));
    execute(request, None::<&()>, false).await
}

/// Sends a JSON body with `method`; `token` overrides the session token (the agent-token tools).
pub async fn send_json<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &B,
    token: Option<&str>,
) -> Result<T, ApiError> {
    let url = api_url(path);
    let builder = match method {
        Method::Post => Request::post(&url),
        Method::Patch => Request::patch(&url),
        Method::Delete => Request::delete(&url),
    };
    execute(with_auth(builder, token), Some(body), token.is_none()).await
}

fn with_auth(builder: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    let builder = builder.header("Accept", "application/json");
    // An explicit empty token means "no credentials" (the instance-identity exchanges).
    match token.map(str::to_owned).or_else(token::current) {
        Some(t) if !t.is_empty() => builder.header("Coder-Session-Token", &t),
        _ => builder, // same-origin cookie auth when mounted behind coderd
    }
}

/// `session_auth`: the request used the user's session, so a 401 means they are signed out
/// (a refused agent token on the tools page must not sign the user out).
async fn execute<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    body: Option<&B>,
    session_auth: bool,
) -> Result<T, ApiError> {
    let (response, _abort) = send(builder, body, session_auth).await?;
    // Bytes, not text: copying bytes into wasm is far cheaper than decoding them into a JS string
    // and encoding that back into UTF-8.
    let body = response
        .binary()
        .await
        .map_err(|e| ApiError::Network(network_message(&e)))?;
    decode(&body)
}

/// A JSON body as `T`; an empty body reads as `null` (for `()` and `Option` answers).
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| decode_error(&e))
}

/// Sends the request; a 2xx answer comes back with the guard that aborts it when dropped (keep
/// it while the body is read), anything else as its typed error.
async fn send<B: Serialize>(
    builder: RequestBuilder,
    body: Option<&B>,
    session_auth: bool,
) -> Result<(gloo_net::http::Response, AbortOnDrop), ApiError> {
    let abort = AbortOnDrop::new();
    let builder = builder.abort_signal(abort.signal().as_ref());
    let request = match body {
        Some(b) => builder.json(b),
        None => builder.build(),
    }
    .map_err(|e| ApiError::Decode(format!("Could not encode the request: {e}")))?;
    let response = request
        .send()
        .await
        .map_err(|e| ApiError::Network(network_message(&e)))?;
    if !response.ok() {
        return Err(refusal(response, session_auth).await);
    }
    Ok((response, abort))
}

/// The typed error for a non-2xx answer; a refused session signs the user out.
async fn refusal(response: gloo_net::http::Response, session_auth: bool) -> ApiError {
    let content_type = response.headers().get("content-type");
    let body = response.binary().await.unwrap_or_default();
    let error = ApiError::from_status(
        response.status(),
        content_type.as_deref(),
        &String::from_utf8_lossy(&body),
    );
    if let (ApiError::Unauthorized(body), true) = (&error, session_auth) {
        token::report_unauthorized(body.message.clone());
    }
    error
}

fn decode_error(e: &dyn std::fmt::Display) -> ApiError {
    ApiError::Decode(format!("The answer could not be read: {e}"))
}

/// Longest stretch of reading before the elements so far are handed over and the page gets a
/// turn to draw and take input.
const ARRAY_SLICE_MS: f64 = 40.0;

/// GETs a JSON array (with the session), parsing it while it downloads: `on_items` gets the
/// elements in order, in batches (one per slice of reading), and the whole answer is never held
/// at once (a log backlog can be over 100 MB of JSON). Elements already handed over stay valid when a later part of the
/// answer fails. Not retried.
pub async fn get_json_array<T: DeserializeOwned>(
    path: impl Into<String>,
    mut on_items: impl FnMut(Vec<T>),
) -> Result<(), ApiError> {
    let mut parser = ArrayReader::<T>::new();
    let mut batch = Vec::new();
    let mut slice_start = js_sys::Date::now();
    read_stream(path, async |chunk: Vec<u8>| {
        batch.extend(parser.feed(&chunk).map_err(|e| decode_error(&e))?);
        if js_sys::Date::now() - slice_start >= ARRAY_SLICE_MS {
            on_items(std::mem::take(&mut batch));
            // Chunks already downloaded resolve at once: without this the whole answer would
            // be read in one task, and the page would not draw until the end.
            super::sleep_ms(0).await;
            slice_start = js_sys::Date::now();
        }
        Ok(())
    })
    .await?;
    parser.finish().map_err(|e| decode_error(&e))?;
    if !batch.is_empty() {
        on_items(batch);
    }
    Ok(())
}

/// GETs `path` (with the session) and hands its body to `on_chunk` piece by piece as it
/// downloads, until it ends: a backlog parsed while it arrives, or a stream of events. An `Err`
/// from `on_chunk` stops reading. Not retried.
pub async fn read_stream(
    path: impl Into<String>,
    mut on_chunk: impl AsyncFnMut(Vec<u8>) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let request = with_auth(Request::get(&api_url(&path.into())), None);
    let (response, _abort) = send(request, None::<&()>, true).await?;
    let Some(body) = response.body() else {
        return Ok(());
    };
    let reader = ChunkReader::new(&body)
        .ok_or_else(|| ApiError::Network("The answer could not be read.".into()))?;
    while let Some(chunk) = reader.next().await.map_err(|_| {
        ApiError::Network("The connection broke while the answer was arriving.".into())
    })? {
        if let Some(chunk) = chunk.dyn_ref::<js_sys::Uint8Array>() {
            on_chunk(chunk.to_vec()).await?;
        }
    }
    Ok(())
}

/// Aborts the browser request when the future that owns it is dropped: views run their requests
/// in tasks cancelled on cleanup (see `poll.rs`), so leaving a view aborts what it was loading.
/// Aborting a request that already completed does nothing.
struct AbortOnDrop(Option<web_sys::AbortController>);

impl AbortOnDrop {
    fn new() -> Self {
        Self(web_sys::AbortController::new().ok())
    }
    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.0.as_ref().map(|c| c.signal())
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

fn network_message(error: &gloo_net::Error) -> String {
    match error {
        gloo_net::Error::JsError(e) if e.name == "AbortError" => {
            "The request was cancelled.".into()
        }
        gloo_net::Error::JsError(e) => format!("The request failed: {}", e.message),
        other => format!("The request failed: {other}"),
    }
}

/// A random (version 4) UUID from the browser's crypto: the app's one maker of new ids (log
/// sources, terminal sessions). `getRandomValues`, unlike `randomUUID`, also exists on plain-http
/// pages that are not a secure context.
pub fn random_uuid() -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    if let Ok(crypto) = leptos::prelude::window().crypto() {
        let _ = crypto.get_random_values_with_u8_array(&mut bytes);
    }
    if bytes == [0; 16] {
        // No crypto (a very old browser): still unique enough for a session id.
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}
