//! WebSockets of the API: a socket that is opened again after each drop (the logs follow, the
//! DERP map, metadata), and a one-shot probe (does the upgrade succeed?). Both build their URL
//! with [`ws_url`]; reconnect delays come from the one [`Backoff`]. The terminal's streaming
//! transport ([`super::pty_socket`]) lives beside them and uses the same backoff.
use super::backoff::Backoff;
use super::{sleep_ms, ws_url, WsUrlAuth};
use futures::StreamExt;
use gloo_net::websocket::{futures::WebSocket, Message, WebSocketError};
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use web_sys::CloseEvent;

/// One frame as it arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

impl Frame {
    /// The frame as text (binary frames decoded as UTF-8, bad bytes replaced).
    pub fn into_text(self) -> String {
        match self {
            Frame::Text(t) => t,
            Frame::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
        }
    }
}

/// How a connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The server closed it normally (1000): the stream is over.
    Normal,
    /// The server (or the browser) closed it with another code.
    Closed { code: u16, reason: String },
    /// The connection broke, or the upgrade was refused (browsers hide why).
    Failed(String),
    /// The browser refused the address itself.
    NotOpened(String),
    /// Its owner could not read a frame, so it is dropped and opened again.
    Unreadable(String),
}

impl Ended {
    /// A sentence for the reconnect notice.
    pub fn describe(&self) -> String {
        match self {
            Ended::Normal => "The stream ended.".into(),
            Ended::Closed { code, reason } if reason.is_empty() => {
                format!("The stream closed (code {code}).")
            }
            Ended::Closed { code, reason } => format!("The stream closed (code {code}: {reason})."),
            Ended::Failed(e) => format!("The stream failed: {e}"),
            Ended::NotOpened(e) => format!("Could not open the stream: {e}"),
            Ended::Unreadable(e) => e.clone(),
        }
    }
}

/// One connection's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Whether any frame arrived (a socket that never delivered may have been refused).
    pub delivered: bool,
    pub ended: Ended,
}

/// The wait before the next attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    pub in_ms: u32,
    /// Attempts since the last healthy connection (1 for the first retry).
    pub attempt: u32,
}

/// A WebSocket its owner opens again after each drop, with the one backoff: a frame its owner
/// could read proves the connection healthy and starts the delays over.
pub struct ReconnectingSocket {
    auth: WsUrlAuth,
    backoff: Backoff,
}

impl ReconnectingSocket {
    /// Delays start at `base_ms` and double up to `cap_ms`.
    pub fn new(auth: WsUrlAuth, base_ms: u32, cap_ms: u32) -> Self {
        Self {
            auth,
            backoff: Backoff::new(base_ms, cap_ms),
        }
    }

    /// Opens `path_and_query` (an API path) and hands every frame to `on_frame` until the
    /// connection ends; an `Err` from `on_frame` drops the connection as [`Ended::Unreadable`].
    pub async fn connect(
        &mut self,
        path_and_query: &str,
        mut on_frame: impl AsyncFnMut(Frame) -> Result<(), String>,
    ) -> Connection {
        let mut delivered = false;
        let url = ws_url(path_and_query, self.auth);
        let mut socket = match WebSocket::open(&url) {
            Ok(s) => s,
            Err(e) => {
                return Connection {
                    delivered,
                    ended: Ended::NotOpened(e.to_string()),
                }
            }
        };
        let ended = loop {
            let frame = match socket.next().await {
                Some(Ok(Message::Text(t))) => Frame::Text(t),
                Some(Ok(Message::Bytes(b))) => Frame::Binary(b),
                Some(Err(WebSocketError::ConnectionClose(c))) if c.code == 1000 => {
                    break Ended::Normal
                }
                Some(Err(WebSocketError::ConnectionClose(c))) => {
                    break Ended::Closed {
                        code: c.code,
                        reason: c.reason,
                    }
                }
                Some(Err(e)) => break Ended::Failed(e.to_string()),
                None => break Ended::Failed("the connection ended".into()),
            };
            delivered = true;
            match on_frame(frame).await {
                Ok(()) => self.backoff.reset(),
                Err(why) => break Ended::Unreadable(why),
            }
        };
        Connection { delivered, ended }
    }

    /// The wait before the next attempt (the delays grow until a healthy connection).
    pub fn retry(&mut self) -> Retry {
        let in_ms = self.backoff.next_delay_ms(js_sys::Math::random());
        Retry {
            in_ms,
            attempt: self.backoff.attempts(),
        }
    }

    /// Waits out `retry`.
    pub async fn wait(retry: Retry) {
        sleep_ms(retry.in_ms).await;
    }
}

/// What a one-shot probe saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Checking,
    /// The upgrade succeeded (and the socket later closed with this code and reason).
    Opened {
        close_code: Option<u16>,
        reason: String,
    },
    /// The handshake failed, or the socket closed before it opened.
    Refused {
        close_code: u16,
        reason: String,
    },
}

/// Opens `path_and_query` once and reports whether the upgrade succeeded and how the socket
/// closed; nothing is sent. Closed when the calling view is cleaned up.
pub fn probe(path_and_query: &str, auth: WsUrlAuth) -> ReadSignal<Probe> {
    let (state, set_state) = signal(Probe::Checking);
    let Ok(socket) = web_sys::WebSocket::new(&ws_url(path_and_query, auth)) else {
        set_state.set(Probe::Refused {
            close_code: 0,
            reason: "The browser refused the address.".into(),
        });
        return state;
    };
    let opened = StoredValue::new(false);
    let on_open = Closure::<dyn FnMut()>::new(move || {
        opened.set_value(true);
        let _ = set_state.try_set(Probe::Opened {
            close_code: None,
            reason: String::new(),
        });
    });
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| {
        let next = if opened.try_get_value().unwrap_or(false) {
            Probe::Opened {
                close_code: Some(e.code()),
                reason: e.reason(),
            }
        } else {
            Probe::Refused {
                close_code: e.code(),
                reason: e.reason(),
            }
        };
        let _ = set_state.try_set(next);
    });
    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let keep = SendWrapper::new((socket, on_open, on_close));
    on_cleanup(move || {
        let (socket, _, _) = &*keep;
        socket.set_onopen(None);
        socket.set_onclose(None);
        let _ = socket.close();
    });
    state
}
