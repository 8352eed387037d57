//! Loading data for a view: once, or polled while the view is open and the tab visible.
//! The task is cancelled when the view is cleaned up, which also aborts its request.
use super::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use std::future::Future;

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
        Self { value: None, error: None }
    }
}

impl<T> Loaded<T> {
    /// Nothing yet: neither a value nor an error.
    pub fn is_loading(&self) -> bool {
        self.value.is_none() && self.error.is_none()
    }
}

/// Fetches once when the view opens.
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
    let (state, set_state) = signal(Loaded::default());
    spawn_local_scoped_with_cancellation(async move {
        loop {
            let result = fetch().await;
            let stop = set_state
                .try_update(|s| match result {
                    Ok(v) => {
                        s.value = Some(v);
                        s.error = None;
                    }
                    Err(e) => s.error = Some(e),
                })
                .is_none();
            let Some(ms) = every_ms else { break };
            if stop {
                break;
            }
            sleep_ms(ms).await;
            while tab_hidden() {
                sleep_ms(250).await;
            }
        }
    });
    state
}

/// Resolves after `ms` milliseconds.
pub async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Whether the page is in a background tab (polling pauses).
pub fn tab_hidden() -> bool {
    document().visibility_state() == web_sys::VisibilityState::Hidden
}
