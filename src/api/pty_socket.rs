//! The PTY WebSocket: one connection attempt, reported as events. The reconnect policy lives in
//! the session, which opens a new `PtySocket` (same `reconnect` id) after each drop.
//!
//! Two transports:
//! - `WebSocketStream` (Chromium): reading is pulled, so the session can stop reading while xterm
//!   is behind. The browser then stops reading the TCP socket, the server's send blocks, and the
//!   PTY fills until the program writing to it blocks — real backpressure, without a pause
//!   message in the protocol.
//! - `WebSocket` everywhere else: messages are pushed; nothing can pause them.
//!
//! Output arrives in binary frames (raw PTY bytes, split anywhere); input goes out as text frames
//! of JSON, which the agent reads as one stream.
use crate::api::readable::ChunkReader;
use futures::channel::oneshot;
use js_sys::{ArrayBuffer, Promise, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// What a connection reports.
#[derive(Debug)]
pub enum SocketEvent {
    /// The upgrade succeeded.
    Open,
    /// Output bytes.
    Data(Vec<u8>),
    /// The connection ended (code 1006 when it failed or dropped without a close frame).
    Closed { code: u16, reason: String },
}

/// What the socket asks of its owner.
pub trait SocketOwner {
    /// Handles an event of the connection.
    fn event(&self, event: SocketEvent);
    /// Whether reading should pause now (only asked by a pausable transport).
    fn should_pause_reading(&self) -> bool;
}

#[wasm_bindgen]
extern "C" {
    type WebSocketStream;
    #[wasm_bindgen(constructor, catch, js_class = "WebSocketStream")]
    fn new(url: &str) -> Result<WebSocketStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn opened(this: &WebSocketStream) -> Promise;
    #[wasm_bindgen(method, getter)]
    fn closed(this: &WebSocketStream) -> Promise;
    #[wasm_bindgen(method, js_name = close)]
    fn close_with(this: &WebSocketStream, info: &JsValue);

    type StreamWriter;
    #[wasm_bindgen(method)]
    fn write(this: &StreamWriter, chunk: &JsValue) -> Promise;
}

/// Whether this browser has `WebSocketStream`.
fn has_websocket_stream() -> bool {
    Reflect::has(&js_sys::global(), &"WebSocketStream".into()).unwrap_or(false)
}

/// One connection attempt.
pub struct PtySocket {
    transport: Transport,
    /// Set once we closed it: no event is delivered after that.
    closed_by_us: Rc<Cell<bool>>,
}

enum Transport {
    Stream(Rc<StreamState>),
    Classic(ClassicState),
}

struct StreamState {
    stream: WebSocketStream,
    writer: RefCell<Option<StreamWriter>>,
    /// Fulfilled to wake a paused reader.
    resume: RefCell<Option<oneshot::Sender<()>>>,
    /// Frames sent before the connection proved alive, in order (see [`PROVE_MS`]).
    held: RefCell<Option<Vec<String>>>,
}

/// How long after the upgrade frames are held back unless the server speaks first. Chromium's
/// renderer crashes (the whole tab, about one time in two on Chromium 156) when a
/// WebSocketStream loses its connection without a close frame while a write is in flight: the
/// case of a proxy that accepts the upgrade and then fails to reach the agent (`trunk serve`'s
/// does). A connection that drops at once has dropped by then, and its frames are discarded;
/// the agent's first output (its replay or the shell's prompt) usually proves it sooner.
const PROVE_MS: u32 = 150;

impl StreamState {
    /// Writes one frame now; the promise settles once it is handed to the connection.
    fn write(&self, text: &str) -> Option<Promise> {
        let p = self
            .writer
            .borrow()
            .as_ref()?
            .write(&JsValue::from_str(text));
        // A write to a closing stream rejects; the close is reported separately.
        let quiet = p.clone();
        spawn_local(async move {
            let _ = JsFuture::from(quiet).await;
        });
        Some(p)
    }

    /// The connection proved alive: frames held so far go out, later ones at once.
    fn prove(&self) {
        let held = self.held.borrow_mut().take();
        for text in held.into_iter().flatten() {
            self.write(&text);
        }
    }
}

struct ClassicState {
    ws: web_sys::WebSocket,
    _handlers: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl PtySocket {
    /// Opens `url`; events go to `owner` until the socket closes or [`PtySocket::close`] is called.
    pub fn open(url: &str, owner: Rc<dyn SocketOwner>) -> Result<Self, String> {
        let closed_by_us = Rc::new(Cell::new(false));
        let transport = if has_websocket_stream() {
            Transport::Stream(open_stream(url, owner, closed_by_us.clone())?)
        } else {
            Transport::Classic(open_classic(url, owner, closed_by_us.clone())?)
        };
        Ok(Self {
            transport,
            closed_by_us,
        })
    }

    /// `"stream"` or `"websocket"`, for the test hook.
    pub fn kind(&self) -> &'static str {
        match self.transport {
            Transport::Stream(_) => "stream",
            Transport::Classic(_) => "websocket",
        }
    }

    /// Sends one text frame (JSON input or resize). Dropped when not open: the agent gets
    /// nothing a closed shell would not have got either. With a WebSocketStream, returns the
    /// write's promise (settled once the frame is handed to the connection); a classic socket
    /// queues the frame at once, ahead of any later close.
    pub fn send(&self, text: &str) -> Option<Promise> {
        match &self.transport {
            Transport::Stream(s) => {
                if let Some(held) = s.held.borrow_mut().as_mut() {
                    held.push(text.to_owned());
                    return None;
                }
                s.write(text)
            }
            Transport::Classic(c) => {
                if c.ws.ready_state() == web_sys::WebSocket::OPEN {
                    let _ = c.ws.send_with_str(text);
                }
                None
            }
        }
    }

    /// Wakes a paused reader (the owner's pending output fell under its low mark).
    pub fn resume_reading(&self) {
        if let Transport::Stream(s) = &self.transport {
            if let Some(tx) = s.resume.borrow_mut().take() {
                let _ = tx.send(());
            }
        }
    }

    /// Closes normally (1000); no further event is delivered.
    pub fn close(&self) {
        if self.closed_by_us.replace(true) {
            return;
        }
        match &self.transport {
            Transport::Stream(s) => {
                let info = js_sys::Object::new();
                let _ = Reflect::set(&info, &"closeCode".into(), &1000.into());
                s.stream.close_with(&info);
                // Let a paused reader run to its end.
                s.resume.borrow_mut().take();
            }
            Transport::Classic(c) => {
                c.ws.set_onopen(None);
                c.ws.set_onmessage(None);
                c.ws.set_onclose(None);
                c.ws.set_onerror(None);
                let _ = c.ws.close_with_code(1000);
            }
        }
    }
}

impl Drop for PtySocket {
    fn drop(&mut self) {
        self.close();
    }
}

/// The bytes of a received message (binary as is, text as UTF-8).
fn message_bytes(v: &JsValue) -> Option<Vec<u8>> {
    if let Some(buf) = v.dyn_ref::<ArrayBuffer>() {
        return Some(Uint8Array::new(buf).to_vec());
    }
    if let Some(view) = v.dyn_ref::<Uint8Array>() {
        return Some(view.to_vec());
    }
    v.as_string().map(String::into_bytes)
}

/// `{closeCode, reason}` of a stream's `closed` promise result; 1006 when it rejected.
async fn stream_close_info(stream: &WebSocketStream) -> (u16, String) {
    match JsFuture::from(stream.closed()).await {
        Ok(info) => {
            let code = Reflect::get(&info, &"closeCode".into())
                .ok()
                .and_then(|v| v.as_f64())
                .unwrap_or(1005.0);
            let reason = Reflect::get(&info, &"reason".into())
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            (code as u16, reason)
        }
        Err(_) => (1006, String::new()),
    }
}

fn open_stream(
    url: &str,
    owner: Rc<dyn SocketOwner>,
    closed_by_us: Rc<Cell<bool>>,
) -> Result<Rc<StreamState>, String> {
    let stream = WebSocketStream::new(url).map_err(|e| format!("{e:?}"))?;
    let state = Rc::new(StreamState {
        stream,
        writer: RefCell::new(None),
        resume: RefCell::new(None),
        held: RefCell::new(Some(Vec::new())),
    });
    let st = state.clone();
    spawn_local(async move {
        let gone = || closed_by_us.get();
        let opened = match JsFuture::from(st.stream.opened()).await {
            Ok(o) => o,
            Err(_) => {
                let (code, reason) = stream_close_info(&st.stream).await;
                if !gone() {
                    owner.event(SocketEvent::Closed { code, reason });
                }
                return;
            }
        };
        let get = |k: &str| Reflect::get(&opened, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let readable = get("readable");
        let writable = get("writable");
        let Some(reader) = ChunkReader::new(&readable) else {
            return;
        };
        if let Some(w) = Reflect::get(&writable, &"getWriter".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(&writable).ok())
        {
            *st.writer.borrow_mut() = Some(w.unchecked_into());
        }
        if gone() {
            return;
        }
        let dropped = Rc::new(Cell::new(false));
        {
            let (st, dropped, closed_by_us) = (st.clone(), dropped.clone(), closed_by_us.clone());
            spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(PROVE_MS).await;
                if !dropped.get() && !closed_by_us.get() {
                    st.prove();
                }
            });
        }
        owner.event(SocketEvent::Open);
        loop {
            if gone() {
                reader.cancel();
                return;
            }
            if owner.should_pause_reading() {
                let (tx, rx) = oneshot::channel();
                *st.resume.borrow_mut() = Some(tx);
                // Woken by resume_reading(), or by close() dropping the sender.
                let _ = rx.await;
                continue;
            }
            let Ok(Some(value)) = reader.next().await else {
                break;
            };
            st.prove();
            if let Some(bytes) = message_bytes(&value) {
                if !gone() {
                    owner.event(SocketEvent::Data(bytes));
                }
            }
        }
        // Whatever is still held never goes out.
        dropped.set(true);
        st.held.borrow_mut().take();
        let (code, reason) = stream_close_info(&st.stream).await;
        if !gone() {
            owner.event(SocketEvent::Closed { code, reason });
        }
    });
    Ok(state)
}

fn open_classic(
    url: &str,
    owner: Rc<dyn SocketOwner>,
    closed_by_us: Rc<Cell<bool>>,
) -> Result<ClassicState, String> {
    let ws = web_sys::WebSocket::new(url).map_err(|e| format!("{e:?}"))?;
    ws.set_binary_type(web_sys::BinaryType::Arraybuffer);
    let mut handlers = Vec::new();
    let o = owner.clone();
    let gone = closed_by_us.clone();
    let on_open = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        if !gone.get() {
            o.event(SocketEvent::Open);
        }
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    handlers.push(on_open);
    let o = owner.clone();
    let gone = closed_by_us.clone();
    let on_message = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        if gone.get() {
            return;
        }
        let data = Reflect::get(&e, &"data".into()).unwrap_or(JsValue::UNDEFINED);
        if let Some(bytes) = message_bytes(&data) {
            o.event(SocketEvent::Data(bytes));
        }
    });
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    handlers.push(on_message);
    let o = owner;
    let gone = closed_by_us;
    let on_close = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        if gone.replace(true) {
            return;
        }
        let e: web_sys::CloseEvent = e.unchecked_into();
        o.event(SocketEvent::Closed {
            code: e.code(),
            reason: e.reason(),
        });
    });
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    handlers.push(on_close);
    Ok(ClassicState {
        ws,
        _handlers: handlers,
    })
}
