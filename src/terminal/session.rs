//! One terminal session: the xterm.js terminal, the PTY socket, flow control between them, and the
//! reconnect policy. It owns no Leptos view; it reports to the view through signals (written with
//! `try_set`, so a late socket event after the view is gone is harmless).
use super::flow::{human_bytes, Flow};
use super::keybar::{apply_mods, key_bytes, Key, Mods};
use super::links::resolve_link;
use super::osc::{clean_title, parse_osc52, ClipboardRequest};
use super::protocol::{
    after_close, close_reason, input_message, reconnect_backoff, resize_message, AfterClose,
    ConnState, MAX_ATTEMPTS,
};
use super::utf8::Utf8Repair;
use super::xterm::{Renderer, Xterm};
use crate::api::backoff::Backoff;
use crate::api::pty_socket::{PtySocket, SocketEvent, SocketOwner};
use crate::api::{ws_url, WsUrlAuth};
use crate::ports::forward::ForwardBase;
use coder_api::routes::PtyQuery;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// What the view shows about a session (all `Copy` handles).
#[derive(Clone, Copy)]
pub struct SessionUi {
    /// Connection state.
    pub state: RwSignal<ConnState>,
    /// The window title the program set, as plain text.
    pub title: RwSignal<String>,
    /// Whether text is selected (enables Copy).
    pub has_selection: RwSignal<bool>,
    /// Ctrl latched on the key bar.
    pub ctrl: RwSignal<bool>,
    /// Alt latched on the key bar.
    pub alt: RwSignal<bool>,
    /// Text a program offered for the clipboard (OSC 52), waiting for the user's permission.
    pub clipboard_offer: RwSignal<Option<String>>,
    /// The user allowed programs to write the clipboard (for this page).
    pub clipboard_allowed: RwSignal<bool>,
    /// An OSC 8 link waiting for confirmation: (the link, where it opens).
    pub link_offer: RwSignal<Option<(String, String)>>,
    /// A short message (copied, paste refused, ...).
    pub notice: RwSignal<Option<String>>,
    /// `"dom"` or `"webgl"`.
    pub renderer: RwSignal<&'static str>,
    /// Where local links go (once the workspace and wildcard host are known).
    pub forward: RwSignal<Option<ForwardBase>>,
    /// The search field is open.
    pub searching: RwSignal<bool>,
    /// The text is shown as selectable plain text (touch screens).
    pub selecting: RwSignal<bool>,
    /// The field to paste into by hand is open (the clipboard could not be read).
    pub pasting: RwSignal<bool>,
}

impl SessionUi {
    /// Fresh signals, in the calling owner.
    pub fn new(initial: ConnState) -> Self {
        Self {
            state: RwSignal::new(initial),
            title: RwSignal::new(String::new()),
            has_selection: RwSignal::new(false),
            ctrl: RwSignal::new(false),
            alt: RwSignal::new(false),
            clipboard_offer: RwSignal::new(None),
            clipboard_allowed: RwSignal::new(false),
            link_offer: RwSignal::new(None),
            notice: RwSignal::new(None),
            renderer: RwSignal::new("dom"),
            forward: RwSignal::new(None),
            searching: RwSignal::new(false),
            selecting: RwSignal::new(false),
            pasting: RwSignal::new(false),
        }
    }
}

/// Which shell to attach to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub agent: Uuid,
    pub reconnect: Uuid,
    /// Only set once the user agreed to run it.
    pub command: Option<String>,
    pub container: Option<String>,
    pub container_user: Option<String>,
}

/// A live terminal session.
pub struct Session {
    me: Weak<Session>,
    xterm: Xterm,
    ui: SessionUi,
    target: RefCell<Target>,
    flow: RefCell<Flow>,
    /// Invalid UTF-8 in the output becomes U+FFFD.
    utf8: RefCell<Utf8Repair>,
    /// Lengths of the chunks handed to xterm, oldest first (its callbacks come in order).
    write_lens: RefCell<VecDeque<usize>>,
    /// The one callback given to every `write`.
    write_done: js_sys::Function,
    socket: RefCell<Option<PtySocket>>,
    /// Reconnect delays; its attempts are the failed attempts in a row.
    backoff: RefCell<Backoff>,
    retry: RefCell<Option<gloo_timers::callback::Timeout>>,
    fit_scheduled: Cell<bool>,
    /// The tab is not the one shown: its output is parsed in small slices, each a task of its
    /// own, so a flood here never holds up the shown tab's keystrokes and echo.
    background: Cell<bool>,
    pump_scheduled: Cell<bool>,
}

/// A background tab's largest slice of output per task: a flood of short lines is about 500 line
/// feeds, which xterm parses in about a millisecond.
const BACKGROUND_SLICE: usize = 1024;
/// The pause between a background tab's slices, about a frame: a tab nobody looks at parses at
/// most ~60 KB/s and leaves the page's main thread to the shown tab. Past that the program in it
/// waits for the page (backpressure), as it would behind a slow terminal; shown again, the tab
/// catches up at full speed. Measured by `make bench` (`terminal_echo_p95_with_flood_ms`): with
/// no pause, the shown tab's echo p95 was 12–18 ms during a `yes` flood; with 8 ms, 7–15 ms.
const BACKGROUND_GAP_MS: u32 = 16;

/// What Shift+Enter sends.
const SHIFT_ENTER: &str = "\u{1b}\r";

/// The characters the line discipline turns into signals (Ctrl-C, Ctrl-\, Ctrl-Z).
fn has_interrupt(data: &str) -> bool {
    data.contains(['\u{3}', '\u{1c}', '\u{1a}'])
}

/// Forwards socket events to the session without keeping it alive.
struct Owner(Weak<Session>);

impl SocketOwner for Owner {
    fn event(&self, event: SocketEvent) {
        if let Some(s) = self.0.upgrade() {
            s.on_socket(event);
        }
    }
    fn should_pause_reading(&self) -> bool {
        self.0
            .upgrade()
            .is_some_and(|s| s.flow.borrow_mut().should_pause_reading())
    }
}

fn now() -> f64 {
    js_sys::Date::now()
}

/// Puts text on the clipboard; reports failure in the notice line.
pub fn copy_to_clipboard(text: String, notice: RwSignal<Option<String>>, done: &'static str) {
    let clipboard = window().navigator().clipboard();
    let p = clipboard.write_text(&text);
    leptos::task::spawn_local(async move {
        let msg = match wasm_bindgen_futures::JsFuture::from(p).await {
            Ok(_) => done.to_owned(),
            Err(_) => "The browser did not allow writing to the clipboard.".to_owned(),
        };
        notice.try_set(Some(msg));
    });
}

/// Opens an http(s) URL in a new tab without giving it a handle on this page; a forwarded port's
/// address opens signed in (`crate::api::open_forwarded`).
pub fn open_link(url: &str, target: Option<&ForwardBase>) {
    if target.is_some_and(|t| crate::ports::is_forward_address(url, &t.wildcard_host)) {
        return crate::api::open_forwarded(url.to_owned());
    }
    let _ = window().open_with_url_and_target_and_features(url, "_blank", "noopener,noreferrer");
}

impl Session {
    /// Wraps an opened terminal. Call [`Session::connect`] to attach.
    pub fn new(xterm: Xterm, ui: SessionUi, target: Target) -> Rc<Self> {
        Rc::new_cyclic(|me: &Weak<Session>| {
            let weak = me.clone();
            // Owned by JavaScript: a write callback that runs after the session is gone finds
            // nothing to do instead of a dropped closure.
            let write_done = Closure::<dyn FnMut()>::new(move || {
                if let Some(s) = weak.upgrade() {
                    s.on_written();
                }
            })
            .into_js_value()
            .unchecked_into();
            Session {
                me: me.clone(),
                xterm,
                ui,
                target: RefCell::new(target),
                flow: RefCell::new(Flow::default()),
                utf8: RefCell::new(Utf8Repair::default()),
                write_lens: RefCell::new(VecDeque::new()),
                write_done,
                socket: RefCell::new(None),
                backoff: RefCell::new(reconnect_backoff()),
                retry: RefCell::new(None),
                fit_scheduled: Cell::new(false),
                background: Cell::new(false),
                pump_scheduled: Cell::new(false),
            }
        })
    }

    /// Hooks the terminal's events to the session.
    pub fn wire(self: &Rc<Self>) {
        let me = self.me.clone();
        self.xterm.on_data(move |data| {
            if let Some(s) = me.upgrade() {
                s.typed(&data);
            }
        });
        let me = self.me.clone();
        self.xterm.on_resize(move |cols, rows| {
            if let Some(s) = me.upgrade() {
                if let Some(msg) = resize_message(cols, rows) {
                    s.send(&msg);
                }
            }
        });
        let ui = self.ui;
        self.xterm.on_title(move |t| {
            ui.title.try_set(clean_title(&t));
        });
        let me = self.me.clone();
        self.xterm.on_selection(move || {
            if let Some(s) = me.upgrade() {
                s.ui.has_selection.try_set(s.xterm.selection().is_some());
            }
        });
        self.xterm.on_osc(52, move |data| {
            match parse_osc52(&data) {
                ClipboardRequest::Write(text) => {
                    if ui.clipboard_allowed.try_get_untracked().unwrap_or(false) {
                        copy_to_clipboard(
                            text,
                            ui.notice,
                            "A program in the terminal copied text to your clipboard.",
                        );
                    } else {
                        ui.clipboard_offer.try_set(Some(text));
                    }
                }
                // Reading the clipboard is never answered; garbage is ignored.
                ClipboardRequest::Read | ClipboardRequest::Invalid => {}
            }
            true
        });
        self.xterm.on_text_link(move |_ev, uri| {
            let target = ui.forward.try_get_untracked().flatten();
            if let Some(url) = resolve_link(&uri, target.as_ref()) {
                open_link(&url, target.as_ref());
            }
        });
        self.xterm.on_osc8_link(move |_ev, uri| {
            let target = ui.forward.try_get_untracked().flatten();
            match resolve_link(&uri, target.as_ref()) {
                Some(url) => {
                    ui.link_offer.try_set(Some((uri, url)));
                }
                None => {
                    ui.notice.try_set(Some(
                        "A link with an unsupported address was not opened.".into(),
                    ));
                }
            }
        });
        let me = self.me.clone();
        self.xterm
            .on_key_event(move |ev| me.upgrade().is_none_or(|s| s.key_event(&ev)));
    }

    /// Shortcuts the terminal must not swallow. Returns whether xterm should handle the event.
    fn key_event(&self, ev: &web_sys::KeyboardEvent) -> bool {
        // Shift+Enter: ESC CR (what Alt+Enter sends), as Coder's terminal does, so prompts that
        // read it as "new line, don't submit" (Claude Code and other Ink-based CLIs) get it;
        // xterm itself sends a plain CR for it.
        if ev.key() == "Enter"
            && ev.shift_key()
            && !(ev.ctrl_key() || ev.alt_key() || ev.meta_key())
        {
            if ev.type_() == "keydown" {
                ev.prevent_default();
                if self.accepts_input() {
                    self.send_input(SHIFT_ENTER);
                }
            }
            return false;
        }
        let primary = ev.ctrl_key() || ev.meta_key();
        if !(primary && ev.shift_key() && !ev.alt_key()) {
            return true;
        }
        match ev.code().as_str() {
            // Copy: Ctrl+C itself must stay the interrupt key.
            "KeyC" => {
                if ev.type_() == "keydown" {
                    ev.prevent_default();
                    self.copy_selection();
                }
                false
            }
            // Paste: let the browser fire its paste event on xterm's textarea.
            "KeyV" => false,
            // Search the scrollback.
            "KeyF" => {
                if ev.type_() == "keydown" {
                    ev.prevent_default();
                    self.ui.searching.try_set(true);
                }
                false
            }
            _ => true,
        }
    }

    /// Copies the selection, if any.
    pub fn copy_selection(&self) {
        match self.xterm.selection() {
            Some(text) => copy_to_clipboard(text, self.ui.notice, "Copied the selection."),
            None => {
                self.ui
                    .notice
                    .try_set(Some("Select text in the terminal first.".into()));
            }
        }
    }

    /// Pastes text as typed by the user.
    pub fn paste(&self, text: &str) {
        self.xterm.paste(text);
        self.xterm.focus();
    }

    /// The terminal (for the view's layout and the test hook).
    pub fn xterm(&self) -> &Xterm {
        &self.xterm
    }

    /// Picks the renderer (WebGL when it helps) and reports it.
    pub async fn choose_renderer(self: Rc<Self>, force: Option<Renderer>) {
        let ui = self.ui;
        let r = self
            .xterm
            .use_best_renderer(force, move || {
                ui.renderer.try_set("dom");
            })
            .await;
        self.ui.renderer.try_set(r.as_str());
        self.schedule_fit();
    }

    /// Refits on the next animation frame (many resize events in one frame fit once).
    pub fn schedule_fit(&self) {
        if self.fit_scheduled.replace(true) {
            return;
        }
        let me = self.me.clone();
        request_animation_frame(move || {
            if let Some(s) = me.upgrade() {
                s.fit_scheduled.set(false);
                s.xterm.fit();
            }
        });
    }

    /// Opens (or reopens) the socket to the target's shell. The screen is reset first: the agent
    /// replays the session's recent output on every attach.
    pub fn connect(self: &Rc<Self>) {
        self.retry.borrow_mut().take();
        if let Some(old) = self.socket.borrow_mut().take() {
            old.close();
        }
        self.flow.borrow_mut().discard_pending();
        self.utf8.borrow_mut().reset();
        self.backoff.borrow_mut().dropped(now());
        // RIS, queued behind whatever xterm is still parsing so nothing old lands after it.
        self.xterm.write_notice("\u{1b}c");
        self.xterm.set_option("disableStdin", &true.into());
        let (cols, rows) = self.xterm.size();
        let t = self.target.borrow().clone();
        let path = coder_api::routes::pty(
            &t.agent,
            &PtyQuery {
                reconnect: t.reconnect,
                width: u16::try_from(cols).ok().filter(|c| *c > 0),
                height: u16::try_from(rows).ok().filter(|r| *r > 0),
                command: t.command.clone(),
                container: t.container.clone(),
                container_user: t.container_user.clone(),
            },
        );
        let url = ws_url(&path, WsUrlAuth::SessionToken);
        self.ui.state.try_set(ConnState::Connecting {
            attempt: self.backoff.borrow().attempts(),
        });
        match PtySocket::open(&url, Rc::new(Owner(self.me.clone()))) {
            Ok(socket) => *self.socket.borrow_mut() = Some(socket),
            Err(e) => self.closed(1006, &e),
        }
    }

    /// Retries now (the Reconnect button, or the network came back), same session.
    pub fn reconnect_now(self: &Rc<Self>) {
        self.backoff.borrow_mut().reset();
        self.connect();
    }

    /// Runs the agreed command (consent given): the first connection.
    pub fn start_with_command(self: &Rc<Self>, command: Option<String>) {
        self.target.borrow_mut().command = command;
        self.connect();
    }

    /// Closes everything (the view is going away).
    pub fn shutdown(&self) {
        self.retry.borrow_mut().take();
        if let Some(s) = self.socket.borrow_mut().take() {
            s.close();
        }
    }

    /// Sends one frame; see [`PtySocket::send`] for the promise.
    fn send(&self, text: &str) -> Option<js_sys::Promise> {
        self.socket.borrow().as_ref().and_then(|s| s.send(text))
    }

    fn latched(&self) -> Mods {
        Mods {
            ctrl: self.ui.ctrl.try_get_untracked().unwrap_or(false),
            alt: self.ui.alt.try_get_untracked().unwrap_or(false),
        }
    }

    fn release_latches(&self) {
        self.ui.ctrl.try_set(false);
        self.ui.alt.try_set(false);
    }

    /// Input from xterm (keyboard, soft keyboard, paste). Sent at once, ahead of any output still
    /// waiting to be shown, so Ctrl-C reaches the shell immediately even during a flood.
    fn typed(&self, data: &str) {
        let mods = self.latched();
        let data = if mods.is_empty() {
            data.to_owned()
        } else {
            self.release_latches();
            apply_mods(data, mods)
        };
        self.send_input(&data);
    }

    /// Sends keyboard input. After an interrupt during a flood, skips the output still in
    /// transit, as the terminal's line discipline does (see `flow`): once the interrupt is on its
    /// way, re-attaches to the same shell, whose replay shows the program's last lines and the
    /// prompt. Full-screen programs are left alone: they read Ctrl-C as a key and their screen
    /// must not lose bytes.
    fn send_input(&self, data: &str) {
        let sent = self.send(&input_message(data));
        if !has_interrupt(data) || self.xterm.in_alternate_screen() {
            return;
        }
        // Already skipping: a re-attach is on its way.
        let resyncing = self.flow.borrow().skipping();
        if !self.flow.borrow_mut().interrupt(now()) || resyncing {
            return;
        }
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            // Closing the old socket before the interrupt left would lose it.
            if let Some(p) = sent {
                let _ = wasm_bindgen_futures::JsFuture::from(p).await;
            }
            let Some(s) = me.upgrade() else { return };
            if s.flow.borrow().skipping() {
                s.ui.notice.try_set(Some(
                    "Output still on its way was skipped after the interrupt.".into(),
                ));
                s.reconnect_now();
            }
        });
    }

    /// Whether the shell is attached and takes keys.
    fn accepts_input(&self) -> bool {
        self.ui
            .state
            .try_get_untracked()
            .is_some_and(|s| s.accepts_input())
    }

    /// A key of the key bar.
    pub fn key(&self, key: Key) {
        let bytes = key_bytes(key, self.latched(), self.xterm.application_cursor());
        self.release_latches();
        if self.accepts_input() {
            self.send_input(&bytes);
        }
        self.xterm.focus();
    }

    fn on_socket(self: &Rc<Self>, event: SocketEvent) {
        match event {
            SocketEvent::Open => {
                self.backoff.borrow_mut().opened(now());
                self.ui.state.try_set(ConnState::Connected);
                self.xterm.set_option("disableStdin", &false.into());
                let (cols, rows) = self.xterm.size();
                if let Some(msg) = resize_message(cols, rows) {
                    self.send(&msg);
                }
                self.xterm.focus();
            }
            SocketEvent::Data(bytes) => {
                let bytes = self.utf8.borrow_mut().repair(bytes);
                self.flow.borrow_mut().push(bytes, now());
                self.pump();
            }
            SocketEvent::Closed { code, reason } => self.closed(code, &reason),
        }
    }

    fn closed(self: &Rc<Self>, code: u16, reason: &str) {
        self.backoff.borrow_mut().dropped(now());
        // Dropped after this call returns, not inside the socket's own callback.
        let old = self.socket.borrow_mut().take();
        self.xterm.set_option("disableStdin", &true.into());
        match after_close(code) {
            AfterClose::Ended => {
                self.release_latches();
                self.ui.state.try_set(ConnState::Ended);
            }
            AfterClose::Retry => {
                let (attempt, delay) = {
                    let mut b = self.backoff.borrow_mut();
                    let delay = b.next_delay_ms(js_sys::Math::random());
                    (b.attempts(), delay)
                };
                if attempt > MAX_ATTEMPTS {
                    self.ui.state.try_set(ConnState::Disconnected {
                        reason: close_reason(code, reason),
                    });
                } else {
                    self.ui.state.try_set(ConnState::Reconnecting {
                        attempt,
                        at_ms: now() + f64::from(delay),
                    });
                    let me = self.me.clone();
                    let timer = gloo_timers::callback::Timeout::new(delay, move || {
                        if let Some(s) = me.upgrade() {
                            s.retry.borrow_mut().take();
                            s.connect();
                        }
                    });
                    *self.retry.borrow_mut() = Some(timer);
                }
            }
        }
        drop(old);
    }

    /// Shown or in the background (see [`Session::background`]); shown again, it catches up at
    /// full speed.
    pub fn set_background(&self, background: bool) {
        if self.background.replace(background) && !background {
            self.pump();
        }
    }

    /// Hands xterm as much pending output as the watermarks allow; in the background, one slice.
    fn pump(&self) {
        if self.background.get() {
            // One slice in flight at a time; the next a pause after its callback, even when
            // more output arrives meanwhile.
            if self.write_lens.borrow().is_empty() && !self.pump_scheduled.get() {
                let chunk = self.flow.borrow_mut().next_write_at_most(BACKGROUND_SLICE);
                if let Some(chunk) = chunk {
                    self.write(&chunk);
                }
            }
        } else {
            loop {
                // No borrow may be held across `write`: xterm may call back synchronously.
                let Some(chunk) = self.flow.borrow_mut().next_write() else {
                    break;
                };
                self.write(&chunk);
            }
        }
        let skipped = self.flow.borrow_mut().take_skip_notice();
        if let Some(n) = skipped {
            self.xterm.write_notice(&format!(
                "\r\n\u{1b}[0m[agent console: {} of output were skipped because the page could not keep up]\r\n",
                human_bytes(n)
            ));
        }
        let resume = !self.flow.borrow_mut().should_pause_reading();
        if resume {
            if let Some(s) = self.socket.borrow().as_ref() {
                s.resume_reading();
            }
        }
    }

    /// Hands one chunk to xterm; its length comes back through [`Session::on_written`].
    fn write(&self, chunk: &[u8]) {
        self.write_lens.borrow_mut().push_back(chunk.len());
        self.xterm.write(chunk, &self.write_done);
    }

    fn on_written(&self) {
        let len = self.write_lens.borrow_mut().pop_front();
        if let Some(len) = len {
            self.flow.borrow_mut().written(len);
            if self.background.get() {
                // The next slice waits a frame, in a task of its own (xterm keeps parsing what
                // its callback writes in the same task).
                self.pump_later();
            } else {
                self.pump();
            }
        }
    }

    fn pump_later(&self) {
        if self.pump_scheduled.replace(true) {
            return;
        }
        let me = self.me.clone();
        gloo_timers::callback::Timeout::new(BACKGROUND_GAP_MS, move || {
            if let Some(s) = me.upgrade() {
                s.pump_scheduled.set(false);
                s.pump();
            }
        })
        .forget();
    }

    /// A one-line summary for the test hook (JSON).
    pub fn debug_info(&self) -> String {
        let (cols, rows) = self.xterm.size();
        let stats = self.flow.borrow().stats();
        let state = self
            .ui
            .state
            .try_get_untracked()
            .map(|s| s.describe(now()).1)
            .unwrap_or_default();
        let transport = self
            .socket
            .borrow()
            .as_ref()
            .map(|s| s.kind())
            .unwrap_or("none");
        let images = self.xterm.image_storage();
        serde_json::json!({
            "cols": cols,
            "rows": rows,
            "state": state,
            "renderer": self.ui.renderer.try_get_untracked().unwrap_or("dom"),
            "transport": transport,
            "reconnect": self.target.borrow().reconnect.to_string(),
            "received": stats.received,
            "written": stats.written,
            "inFlight": stats.in_flight,
            "pending": stats.pending,
            "skipped": stats.skipped,
            "skipping": stats.skipping,
            "selection": self.xterm.selection().unwrap_or_default(),
            "fontFamily": self.xterm.font_family(),
            "imageStorageMb": images.map(|(used, _)| used),
            "imageLimitMb": images.map(|(_, limit)| limit),
        })
        .to_string()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.shutdown();
    }
}
