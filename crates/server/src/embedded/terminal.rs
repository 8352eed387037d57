//! `GET /workspaceagents/{id}/pty`: the web terminal's WebSocket, on the PTY sessions of
//! [`super::pty`].
//!
//! Server → client: raw PTY bytes in binary frames (the replay first). Client → server: text or
//! binary frames forming one concatenated JSON stream of `{data?, height?, width?}` objects; an
//! object may span frames and a frame may hold several objects. Output and input run in separate
//! tasks so a shell that stops reading input never stalls its output, and vice versa.

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::time::Instant;

use super::frame_batch::FrameBatch;
use super::pty::{AttachOptions, Attachment, PtyEvent, PtyInput};
use super::ws::{upgrade, Upgrade, HEARTBEAT};
use super::Embedded;
use crate::error::{ApiError, ApiResult};
use crate::faults::{WsDrop, WsFaults};
use coder_api::routes::PtyQuery;

/// Largest incomplete JSON input kept while waiting for the rest of an object.
const MAX_PENDING_INPUT: usize = 1 << 20;

/// Largest terminal input message read (a big paste fits); a larger one ends the socket with
/// close code 1009 and says why.
pub const MAX_PTY_MESSAGE: usize = 16 << 20;

/// One client message (`workspacesdk.ReconnectingPTYRequest`).
pub type PtyRequest = coder_api::ReconnectingPtyRequest;

/// Accumulates input frames and yields the complete JSON objects they contain.
#[derive(Debug, Default)]
pub struct InputDecoder {
    pending: Vec<u8>,
}

impl InputDecoder {
    /// Adds a frame's bytes and returns every complete request now available; an error means the
    /// stream is not JSON (or is too large to be waiting on).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<PtyRequest>, String> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut stream =
            serde_json::Deserializer::from_slice(&self.pending).into_iter::<PtyRequest>();
        let mut consumed = 0;
        loop {
            match stream.next() {
                Some(Ok(req)) => {
                    consumed = stream.byte_offset();
                    out.push(req);
                }
                None => {
                    consumed = stream.byte_offset();
                    break;
                }
                Some(Err(e)) if e.is_eof() => break,
                Some(Err(e)) => return Err(e.to_string()),
            }
        }
        self.pending.drain(..consumed);
        if self.pending.len() > MAX_PENDING_INPUT {
            return Err("incomplete input message is too large".into());
        }
        Ok(out)
    }
}

/// `GET /workspaceagents/{id}/pty`.
pub async fn pty(
    State(e): State<Embedded>,
    Path(agent): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    client: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    ws: Upgrade,
) -> ApiResult<Response> {
    // coderd answers an unauthenticated terminal request with 404, not 401.
    if crate::auth::require_session(&headers, &uri_with_query(raw.as_deref()), e.tokens()).is_err()
    {
        return Err(ApiError::not_found());
    }
    e.check_agent_param(&agent)?;
    let q = PtyQuery::parse(raw.as_deref().unwrap_or_default()).map_err(ApiError::bad_request)?;
    let ws = upgrade(&headers, ws)?;
    let options = AttachOptions {
        width: q.width.unwrap_or(0),
        height: q.height.unwrap_or(0),
        command: q.command.clone(),
    };
    let attachment = match e.ptys().attach(q.reconnect, options).await {
        Ok(a) => a,
        Err(err) => {
            return Err(ApiError::internal(
                "Failed to start a terminal session.",
                err,
            ))
        }
    };
    Ok(ws
        .max_message_size(MAX_PTY_MESSAGE)
        .max_frame_size(MAX_PTY_MESSAGE)
        .on_upgrade(move |socket| {
            // Each terminal socket is a connection of the agent's sessions while it lasts.
            let connection = e.sessions().open(
                client.map(|c| c.0 .0),
                coder_api::ConnectionType::ReconnectingPty,
                "",
            );
            run(socket, attachment, e, connection)
        })
        .into_response())
}

fn uri_with_query(raw: Option<&str>) -> axum::http::Uri {
    let s = match raw {
        Some(q) => format!("/?{q}"),
        None => "/".to_owned(),
    };
    s.parse().unwrap_or_default()
}

/// How the output side ended.
enum Ending {
    /// Send this close frame.
    Close(u16, String),
    /// The client went away: just close.
    Gone,
    /// Injected fault: drop the connection without a close frame.
    Abrupt,
}

async fn run(
    socket: WebSocket,
    mut attachment: Attachment,
    e: Embedded,
    connection: super::sessions::ConnectionGuard,
) {
    let (mut sink, stream) = socket.split();
    let input = attachment.input();
    let replay = attachment.take_replay();
    let mut faults = e.ws_faults();
    if !replay.is_empty() {
        if sink.send(Message::Binary(replay)).await.is_err() {
            return;
        }
        if let Some(how) = faults.after_frame() {
            return drop_for_fault(sink, how).await;
        }
    }
    let mut reader = tokio::spawn(read_input(stream, input));
    let shutdown = e.shutdown_token();
    let ending = tokio::select! {
        ending = write_output(&mut sink, &mut attachment, &mut faults) => ending,
        res = &mut reader => match res {
            Ok(Some((code, reason))) => Ending::Close(code, reason),
            _ => Ending::Gone,
        },
        _ = shutdown.cancelled() => Ending::Close(1001, "server shutting down".to_owned()),
    };
    tracing::info!(
        "terminal socket ending: {}",
        match &ending {
            Ending::Close(code, reason) => format!("close {code} {reason}"),
            Ending::Gone => "client gone".to_owned(),
            Ending::Abrupt => "injected drop".to_owned(),
        }
    );
    // Detach now, not after the close below: a client that left with output still queued (a
    // re-attach after Ctrl-C) must not hold the shell's output back while the close frame
    // waits behind a full TCP buffer.
    drop(attachment);
    // Closed by this end with a close frame: a clean end; otherwise the client left.
    if matches!(ending, Ending::Close(..)) {
        connection.end_cleanly();
    } else {
        drop(connection);
    }
    match ending {
        Ending::Close(code, reason) => {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            if sink.send(Message::Close(Some(frame))).await.is_ok() {
                // Wait for the client's close frame (the reader ends on it) before the
                // connection goes: closing it with the client's last frames unread makes the
                // kernel reset it, and the browser then reports 1006 instead of this code (a
                // shell's normal end looked like a drop and was reconnected).
                if !reader.is_finished() {
                    let _ = tokio::time::timeout(CLOSE_REPLY_WAIT, &mut reader).await;
                } else {
                    // The reader stopped on bad input (an oversized message): the client may
                    // still be sending it, so the connection stays up a moment for the close
                    // frame to be read before the reset that closing with its data unread makes.
                    tokio::time::sleep(CLOSE_LINGER).await;
                }
            }
        }
        Ending::Gone => {}
        // The halves are dropped without a close frame.
        Ending::Abrupt => {
            reader.abort();
            return;
        }
    }
    reader.abort();
    let _ = sink.close().await;
}

/// How long a close waits for the client's reply.
const CLOSE_REPLY_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// How long the connection stays up after a close sent because input could not be read.
const CLOSE_LINGER: std::time::Duration = std::time::Duration::from_secs(1);

/// Injected fault: close with 1011, or drop the connection without a close frame.
async fn drop_for_fault(mut sink: SplitSink<WebSocket, Message>, how: WsDrop) {
    if how == WsDrop::Close1011 {
        let _ = sink.send(crate::faults::close_1011()).await;
    }
}

/// Forwards output until the session ends; says how the socket ends.
async fn write_output(
    sink: &mut SplitSink<WebSocket, Message>,
    attachment: &mut Attachment,
    faults: &mut WsFaults,
) -> Ending {
    let mut ping = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    let mut batch = FrameBatch::default();
    loop {
        let flush_at = batch.flush_at();
        let frame = tokio::select! {
            event = attachment.recv_coalesced(batch.room()) => match event {
                PtyEvent::Output(bytes) => batch.push(bytes, Instant::now()),
                end => {
                    // What was held back goes out before the close.
                    if let Some(frame) = batch.take(Instant::now()) {
                        if let Some(ending) = send_output(sink, faults, frame).await {
                            return ending;
                        }
                    }
                    return match end {
                        PtyEvent::Lagged => Ending::Close(1011, "terminal output fell behind; reconnect to resume".into()),
                        _ => Ending::Close(1000, String::new()),
                    };
                }
            },
            _ = tokio::time::sleep_until(flush_at.unwrap_or_else(Instant::now)), if flush_at.is_some() => {
                batch.take(Instant::now())
            }
            _ = ping.tick() => {
                if sink.send(Message::Ping(Default::default())).await.is_err() { return Ending::Gone; }
                None
            }
        };
        if let Some(frame) = frame {
            if let Some(ending) = send_output(sink, faults, frame).await {
                return ending;
            }
        }
    }
}

/// Sends one output frame; says how the socket ends if it must (client gone, injected fault).
async fn send_output(
    sink: &mut SplitSink<WebSocket, Message>,
    faults: &mut WsFaults,
    frame: Bytes,
) -> Option<Ending> {
    if sink.send(Message::Binary(frame)).await.is_err() {
        return Some(Ending::Gone);
    }
    match faults.after_frame() {
        None => None,
        Some(WsDrop::Abrupt) => Some(Ending::Abrupt),
        Some(WsDrop::Close1011) => Some(Ending::Close(1011, "injected fault".into())),
    }
}

/// Reads client frames into PTY input and resizes. Returns a close to send on bad input, or
/// `None` when the client went away.
async fn read_input(mut stream: SplitStream<WebSocket>, input: PtyInput) -> Option<(u16, String)> {
    let mut decoder = InputDecoder::default();
    while let Some(msg) = stream.next().await {
        let msg = match msg {
            Ok(msg) => msg,
            Err(err) => return Some(unreadable_input(&err)),
        };
        let bytes = match msg {
            Message::Text(t) => t.as_str().as_bytes().to_vec(),
            Message::Binary(b) => b.to_vec(),
            Message::Close(_) => return None,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        let requests = match decoder.push(&bytes) {
            Ok(r) => r,
            Err(err) => return Some((1007, format!("invalid terminal input: {err}"))),
        };
        for req in requests {
            // The size first: input sent with a size is meant for a terminal of that size (a
            // command in the same message that reads the size must see the new one).
            if let Some((w, h)) = req.size() {
                // A failed resize is not worth ending the session over.
                let _ = input.resize(w, h);
            }
            if let Some(data) = req.data.as_deref().filter(|d| !d.is_empty()) {
                if input.write(data.as_bytes()).await.is_err() {
                    return None;
                }
            }
        }
    }
    None
}

/// The close for a message that could not be read: over [`MAX_PTY_MESSAGE`] (1009) or broken
/// (1002). The client then learns why instead of seeing the connection vanish.
fn unreadable_input(err: &axum::Error) -> (u16, String) {
    let text = err.to_string();
    // tungstenite words the size limit "Space limit exceeded: Message too long: …".
    if text.contains("too long") || text.contains("Space limit") {
        (
            1009,
            format!("terminal input message over {} MiB", MAX_PTY_MESSAGE >> 20),
        )
    } else {
        (1002, format!("unreadable terminal input: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoder_handles_split_and_joined_objects() {
        let mut d = InputDecoder::default();
        assert_eq!(d.push(br#"{"data":"ab"#).unwrap(), vec![]);
        let reqs = d
            .push(br#"c"}{"height":10,"width":20} {"data":"x","height":1,"width":2}"#)
            .unwrap();
        assert_eq!(reqs.len(), 3);
        assert_eq!(reqs[0].data.as_deref(), Some("abc"));
        assert_eq!((reqs[1].height, reqs[1].width), (Some(10), Some(20)));
        assert_eq!(reqs[2].data.as_deref(), Some("x"));
        assert!(d.pending.is_empty());
        assert!(d.push(b"]").is_err());
    }
}
