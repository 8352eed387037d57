//! The log feed: the backlog over REST, then the follow WebSocket from the last id seen.
//! Reconnects (the app's reconnecting socket and backoff) from the last id, so a drop loses no
//! line and (with merge by id) doubles none. A normal close (1000) ends following.
use crate::api::backoff::Backoff;
use crate::api::json_array::ArrayReader;
use crate::api::{
    get_json_array, get_json_once, sleep_ms, ApiError, Ended, Frame, ReconnectingSocket, WsUrlAuth,
};
use coder_api::routes::LogsQuery;
use coder_api::WorkspaceAgentLog;
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use std::rc::Rc;
use uuid::Uuid;

/// Where the feed is.
#[derive(Clone, Debug, PartialEq)]
pub enum FeedState {
    /// Loading the backlog.
    Loading,
    /// Following: new lines arrive as they are written.
    Live,
    /// The stream dropped; the next attempt is in `in_ms`.
    Reconnecting {
        in_ms: u32,
        attempt: u32,
        reason: String,
    },
    /// The server closed the stream normally (the agent left the latest build).
    Ended,
    /// The backlog could not be loaded and retrying will not help (401/403/404...).
    Failed(ApiError),
    /// The stream broke and the agent is gone (404): another build replaced it, or the server
    /// came back as another agent. Retrying would never succeed.
    Gone,
}

/// Which route serves logs: the current one, or the removed `startup-logs` of older coderd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Logs,
    StartupLogs,
}

fn path(route: Route, agent: &Uuid, q: &LogsQuery) -> String {
    match route {
        Route::Logs => coder_api::routes::logs(agent, q),
        Route::StartupLogs => coder_api::routes::startup_logs(agent, q),
    }
}

/// Retry delays of the backlog read and the follow socket: from 500 ms, doubling up to 30 s.
const RETRY_BASE_MS: u32 = 500;
const RETRY_CAP_MS: u32 = 30_000;

/// Safari needs `no_compression` (a WebKit bug with compressed WebSocket frames).
fn is_safari() -> bool {
    let ua = window()
        .navigator()
        .user_agent()
        .unwrap_or_default()
        .to_lowercase();
    ua.contains("safari") && !ua.contains("chrome") && !ua.contains("android")
}

/// A follow frame is parsed in slices of this size, with a pause between them for the page to
/// draw and take input (a frame may carry a large backlog after a reconnect).
const FRAME_SLICE: usize = 256 * 1024;

/// Parses one follow frame (a JSON array of lines), handing the lines over as they are read.
/// Lines handed over before an error stay valid (merge by id keeps them once).
async fn read_frame(
    text: &str,
    on_lines: &mut impl FnMut(Vec<WorkspaceAgentLog>),
) -> Result<(), String> {
    let mut reader = ArrayReader::<WorkspaceAgentLog>::new();
    let mut slices = text.as_bytes().chunks(FRAME_SLICE).peekable();
    while let Some(slice) = slices.next() {
        let lines = reader.feed(slice)?;
        if !lines.is_empty() {
            on_lines(lines);
        }
        if slices.peek().is_some() {
            sleep_ms(0).await;
        }
    }
    reader.finish()
}

/// Whether the server says the agent does not exist (404); any other answer, a failure included,
/// leaves the feed retrying.
async fn agent_is_gone(agent: &Uuid) -> bool {
    let read =
        get_json_once::<coder_api::WorkspaceAgent>(coder_api::routes::agent_path(agent)).await;
    matches!(read, Err(ApiError::NotFound(_)))
}

/// Starts the feed for `agent`; `on_batch` receives each batch (backlog first) in arrival order.
/// Returns the feed's state. Stops when the calling view is cleaned up.
pub fn start_feed(
    agent: Uuid,
    on_batch: impl Fn(Vec<WorkspaceAgentLog>) -> i64 + 'static,
) -> ReadSignal<FeedState> {
    let (state, set_state) = signal(FeedState::Loading);
    let on_batch = Rc::new(on_batch);
    spawn_local_scoped_with_cancellation(async move {
        let mut backoff = Backoff::new(RETRY_BASE_MS, RETRY_CAP_MS);
        // Backlog over REST (retrying transient failures), falling back to the old route on 404.
        let mut route = Route::Logs;
        let mut last_id: i64 = 0;
        loop {
            // Parsed while it downloads, handed over in batches; a retry asks only for what is
            // still missing.
            let q = LogsQuery {
                after: (last_id > 0).then_some(last_id),
                ..Default::default()
            };
            let mut got = |batch: Vec<WorkspaceAgentLog>| last_id = last_id.max(on_batch(batch));
            match get_json_array::<WorkspaceAgentLog>(path(route, &agent, &q), &mut got).await {
                Ok(()) => break,
                Err(ApiError::NotFound(_)) if route == Route::Logs => route = Route::StartupLogs,
                // A garbled answer (a proxy's fault, a cut connection) is retried like a network
                // error: the lines read before it are kept and not asked for again.
                Err(e) if e.is_transient() || matches!(e, ApiError::Decode(_)) => {
                    let in_ms = backoff.next_delay_ms(js_sys::Math::random());
                    set_state.set(FeedState::Reconnecting {
                        in_ms,
                        attempt: backoff.attempts(),
                        reason: e.to_string(),
                    });
                    sleep_ms(in_ms).await;
                }
                Err(e) => return set_state.set(FeedState::Failed(e)),
            }
        }
        // The follow socket: the one reconnecting socket, with this feed's own delays.
        let mut socket =
            ReconnectingSocket::new(WsUrlAuth::SessionToken, RETRY_BASE_MS, RETRY_CAP_MS);
        loop {
            let q = LogsQuery {
                after: Some(last_id),
                follow: true,
                no_compression: is_safari(),
                ..Default::default()
            };
            let connection = socket
                .connect(&path(route, &agent, &q), async |frame| {
                    let Frame::Text(text) = frame else {
                        return Err("The server sent a binary frame; reconnecting.".into());
                    };
                    if state.get_untracked() != FeedState::Live {
                        set_state.set(FeedState::Live);
                    }
                    let mut got =
                        |batch: Vec<WorkspaceAgentLog>| last_id = last_id.max(on_batch(batch));
                    read_frame(&text, &mut got).await.map_err(|e| {
                        format!(
                            "A frame could not be read ({e}); reconnecting from line {last_id}."
                        )
                    })
                })
                .await;
            if connection.ended == Ended::Normal {
                return set_state.set(FeedState::Ended);
            }
            // A browser hides why an upgrade was refused, so a socket that never delivered is
            // followed by a look at the agent itself.
            if !connection.delivered && agent_is_gone(&agent).await {
                return set_state.set(FeedState::Gone);
            }
            let retry = socket.retry();
            set_state.set(FeedState::Reconnecting {
                in_ms: retry.in_ms,
                attempt: retry.attempt,
                reason: connection.ended.describe(),
            });
            ReconnectingSocket::wait(retry).await;
        }
    });
    state
}
