//! Loading data for a view: once, or polled while the view is open and the tab visible.
//! The task is cancelled when the view is cleaned up, which also aborts its request.
use super::backoff::Backoff;
use super::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use std::future::Future;

/// First wait before a once-only fetch that failed transiently is tried again (each attempt
/// already retries a few times inside `get_json`); doubled up to the cap.
const FETCH_RETRY_BASE_MS: u32 = 3_000;
const FETCH_RETRY_CAP_MS: u32 = 30_000;

/// What a view knows about its data. A failed refresh keeps the last good value, so a blip in
/// the network does not blank the page; the error is shown beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded<T> {
    /// The latest value received, if any.
    pub value: Option<T>,
    /// The error of the latest attempt, if it failed.
    pub error: Option<ApiError>,
}

impl<T> Default for Loaded<T> {
    fn default() -> Self {
        Self {
            value: None,
            error: None,
        }
    }
}

impl<T> Loaded<T> {
    /// Nothing yet: neither a value nor an error.
    pub fn is_loading(&self) -> bool {
        self.value.is_none() && self.error.is_none()
    }
}

/// Fetches once when the view opens. A failure that may pass (network trouble, a 5xx) is tried
/// again with backoff until an answer comes, as the error view promises ("the view keeps
/// retrying"); a definite answer (a value, or a 4xx or unreadable body) ends it.
pub fn use_fetch<T, F, Fut>(fetch: F) -> ReadSignal<Loaded<T>>
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    use_poll(None, fetch)
}

/// Fetches now, then every `every_ms` while the tab is visible (paused while hidden).
pub fn use_poll<T, F, Fut>(every_ms: Option<u32>, fetch: F) -> ReadSignal<Loaded<T>>
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    use_poll_from(None, every_ms, fetch)
}

/// [`use_poll`] starting from a value already in hand (the page's early read): the view renders
/// it at once, and the first fetch is the first refresh.
pub fn use_poll_from<T, F, Fut>(
    first: Option<T>,
    every_ms: Option<u32>,
    fetch: F,
) -> ReadSignal<Loaded<T>>
where
    T: Send + Sync + 'static,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    let had_first = first.is_some();
    let (state, set_state) = signal(Loaded {
        value: first,
        error: None,
    });
    if had_first && every_ms.is_none() {
        return state;
    }
    spawn_local_scoped_with_cancellation(async move {
        let mut retry = Backoff::new(FETCH_RETRY_BASE_MS, FETCH_RETRY_CAP_MS);
        if let (true, Some(ms)) = (had_first, every_ms) {
            wait_visible(ms).await;
        }
        loop {
            let result = fetch().await;
            let transient = matches!(&result, Err(e) if e.is_transient());
            let stop = set_state
                .try_update(|s| match result {
                    Ok(v) => {
                        s.value = Some(v);
                        s.error = None;
                    }
                    Err(e) => s.error = Some(e),
                })
                .is_none();
            if stop {
                break;
            }
            let ms = match every_ms {
                Some(ms) => ms,
                None if transient => retry.next_delay_ms(js_sys::Math::random()),
                None => break,
            };
            wait_visible(ms).await;
        }
    });
    state
}

/// Waits `ms`, then for as long as the tab is hidden.
pub async fn wait_visible(ms: u32) {
    sleep_ms(ms).await;
    while tab_hidden() {
        sleep_ms(250).await;
    }
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Whether the page is in a background tab (polling pauses).
pub fn tab_hidden() -> bool {
    document().visibility_state() == web_sys::VisibilityState::Hidden
}
