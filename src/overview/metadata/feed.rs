//! The agent's metadata stream: coderd's `watch-metadata-ws` WebSocket, or its older
//! server-sent events (`watch-metadata`) when the WebSocket route is missing. Every event carries
//! every item; the board keeps them and their history.
use super::model::Board;
use crate::api::{read_stream, ApiError, Ended, Frame, ReconnectingSocket, WsUrlAuth};
use coder_api::{MetadataEvent, ServerSentEvent};
use leptos::prelude::*;
use leptos::task::spawn_local_scoped_with_cancellation;
use uuid::Uuid;

const RETRY_BASE_MS: u32 = 1_000;
const RETRY_CAP_MS: u32 = 30_000;

/// Where the stream stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum StreamState {
    #[default]
    Connecting,
    /// Events arrive (`sse`: through the older server-sent events route).
    Live { sse: bool },
    /// Dropped; the next attempt is in `in_ms`.
    Reconnecting {
        in_ms: u32,
        attempt: u32,
        reason: String,
    },
    /// The server has neither route (404 for both): a coderd too old, or not an agent it knows.
    Unsupported,
    /// coderd reported an error in the stream.
    ServerError(String),
}

/// Starts the stream of `agent`; it ends with the calling view.
pub fn start_metadata_feed(agent: Uuid) -> (RwSignal<Board>, ReadSignal<StreamState>) {
    let board = RwSignal::new(Board::default());
    let (state, set_state) = signal(StreamState::Connecting);
    spawn_local_scoped_with_cancellation(async move {
        let mut socket =
            ReconnectingSocket::new(WsUrlAuth::SessionToken, RETRY_BASE_MS, RETRY_CAP_MS);
        let mut sse = false;
        loop {
            let ended = if sse {
                match read_events(agent, board, set_state).await {
                    Ok(()) => "The event stream ended.".to_string(),
                    Err(e) => e.to_string(),
                }
            } else {
                let path = coder_api::routes::watch_metadata_ws(&agent);
                let connection = socket
                    .connect(&path, async |frame| {
                        let event = MetadataEvent::from_ws_frame(&Frame::into_text(frame))
                            .map_err(|e| {
                                format!("An event could not be read ({e}); reconnecting.")
                            })?;
                        take(event, board, set_state, false);
                        Ok(())
                    })
                    .await;
                // A browser hides why an upgrade failed: a socket that never delivered may be a
                // coderd without the WebSocket route, which still has the event stream.
                if !connection.delivered && connection.ended != Ended::Normal {
                    match read_events(agent, board, set_state).await {
                        Err(ApiError::NotFound(_)) => {
                            return set_state.set(StreamState::Unsupported)
                        }
                        Ok(()) => sse = true,
                        Err(_) => {}
                    }
                }
                connection.ended.describe()
            };
            let retry = socket.retry();
            set_state.set(StreamState::Reconnecting {
                in_ms: retry.in_ms,
                attempt: retry.attempt,
                reason: ended,
            });
            ReconnectingSocket::wait(retry).await;
        }
    });
    (board, state)
}

/// Reads the server-sent events route until it ends or fails; `Ok` once it delivered anything.
async fn read_events(
    agent: Uuid,
    board: RwSignal<Board>,
    set_state: WriteSignal<StreamState>,
) -> Result<(), ApiError> {
    let mut text = String::new();
    let mut delivered = false;
    let result = read_stream(
        coder_api::routes::watch_metadata(&agent),
        async |chunk: Vec<u8>| {
            text.push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
            // Events end with a blank line; the unfinished one waits for more.
            let Some(end) = text.rfind("\n\n") else {
                return Ok(());
            };
            let events = ServerSentEvent::parse_sse_stream(&text[..end + 2])
                .map_err(|e| ApiError::Decode(format!("An event could not be read: {e}")))?;
            text.drain(..end + 2);
            for event in events {
                let event = MetadataEvent::from_event(event)
                    .map_err(|e| ApiError::Decode(format!("An event could not be read: {e}")))?;
                take(event, board, set_state, true);
                delivered = true;
            }
            Ok(())
        },
    )
    .await;
    match result {
        Err(e) if !delivered => Err(e),
        _ => Ok(()),
    }
}

/// One event: data goes to the board, an error is shown, pings only prove the stream alive.
fn take(
    event: MetadataEvent,
    board: RwSignal<Board>,
    set_state: WriteSignal<StreamState>,
    sse: bool,
) {
    match event {
        MetadataEvent::Data(list) => {
            board.update(|b| b.apply(list, js_sys::Date::now()));
            set_state.set(StreamState::Live { sse });
        }
        MetadataEvent::Error(r) => set_state.set(StreamState::ServerError(r.message)),
        MetadataEvent::Ping | MetadataEvent::Other(_) => {}
    }
}
