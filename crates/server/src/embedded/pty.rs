//! Reconnecting PTY sessions: the embedded agent's side of `GET /workspaceagents/{id}/pty`.
//!
//! This follows the semantics of the Coder agent's "buffered" reconnecting-PTY backend:
//! - the `reconnect` UUID names a session; the same id re-attaches to the same shell (several
//!   connections may be attached at once), a new id starts a new shell;
//! - every attachment first gets a replay of up to the last 64 KiB of output, then live output;
//! - a session with no attachment for 5 minutes is killed;
//! - when the shell exits, every attachment is told so (the WebSocket then closes normally).
//!
//! The shell runs on a real pseudo-terminal (portable-pty). PTY reads and writes are blocking, so
//! each session has a reader thread, a writer thread and a waiter thread (which reaps the child,
//! so no zombie is left); they talk to async code through channels. Output fans out to attachments
//! through bounded queues. When an attachment's queue is full the reader waits a little for it
//! (backpressure, so `cat`ting a big file does not disconnect a client that is merely slower than
//! the shell), but never longer than [`DEFAULT_LAG_TIMEOUT`]: an attachment that stays stuck is
//! cut off with [`PtyEvent::Lagged`] (rather than silently losing bytes) and the others go on.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use portable_pty::{ChildKiller, CommandBuilder, MasterPty, PtySize};
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

/// How much recent output a session keeps for the replay on attach (coderd: 64 KiB).
pub const REPLAY_BYTES: usize = 64 * 1024;

/// How long a session may have no attachment before it is killed (coderd: 5 minutes).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// Default number of output chunks (up to 8 KiB each) queued for one attachment. When it is full
/// the shell's output waits (the program blocks, as on a slow terminal), and only an attachment
/// that stays full for the lag timeout is cut off. Small on purpose: everything queued here is
/// output the user must wait through after Ctrl-C (at most 512 KiB).
pub const DEFAULT_ATTACHMENT_QUEUE: usize = 64;

/// Default longest time the shell's output waits for one attachment whose queue is full before
/// that attachment is cut off.
pub const DEFAULT_LAG_TIMEOUT: Duration = Duration::from_secs(5);

/// Terminal size used when the client gives none.
const DEFAULT_COLS: u16 = 80;
const DEFAULT_ROWS: u16 = 24;

/// How long to wait, after the shell exits, for its last output to be read before telling the
/// attachments that it ended. Background jobs can keep the terminal open after the shell is gone.
const EXIT_DRAIN: Duration = Duration::from_millis(500);

/// How long a killed shell gets to exit on SIGHUP before it is sent SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(3);

/// Settings for a [`PtyManager`].
#[derive(Clone, Debug)]
pub struct PtyConfig {
    /// Kill a session after it has had no attachment for this long.
    pub idle_timeout: Duration,
    /// Bytes of recent output replayed on attach.
    pub replay_bytes: usize,
    /// Output chunks (up to 8 KiB each) queued per attachment.
    pub attachment_queue: usize,
    /// How long output may wait for an attachment whose queue is full before it is cut off.
    pub lag_timeout: Duration,
    /// The shell to run; `None` means `$SHELL`, else `/bin/bash`, else `/bin/sh`.
    pub shell: Option<PathBuf>,
    /// The working directory; `None` means `$HOME` (or `/`).
    pub cwd: Option<PathBuf>,
    /// Extra environment variables for the shell (on top of the server's own environment).
    pub env: Vec<(String, String)>,
    /// Variables of the server's environment the shell must not inherit (those holding tokens).
    pub env_remove: Vec<String>,
}

impl Default for PtyConfig {
    fn default() -> Self {
        Self {
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            replay_bytes: REPLAY_BYTES,
            attachment_queue: DEFAULT_ATTACHMENT_QUEUE,
            lag_timeout: DEFAULT_LAG_TIMEOUT,
            shell: None,
            cwd: None,
            env: Vec::new(),
            env_remove: Vec::new(),
        }
    }
}

/// What the client asked for when it connected (the `width`, `height` and `command` query
/// parameters). Width and height of 0 mean "not given".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttachOptions {
    /// Columns.
    pub width: u16,
    /// Rows.
    pub height: u16,
    /// Run this through the shell's `-c` instead of an interactive login shell. Only used when
    /// the session is new; re-attaching ignores it, as coderd does.
    pub command: Option<String>,
}

/// Why a PTY operation failed.
#[derive(Debug, thiserror::Error)]
pub enum PtyError {
    /// The shell could not be started (no PTY available, shell missing, ...).
    #[error("could not start a shell on a pseudo-terminal: {0}")]
    Spawn(String),
    /// The session has ended; input can no longer be delivered.
    #[error("the terminal session has ended")]
    Ended,
    /// Resizing the terminal failed.
    #[error("could not resize the terminal: {0}")]
    Resize(String),
}

/// What an attachment receives, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PtyEvent {
    /// Raw terminal output (arbitrary chunking: not aligned to UTF-8 or escape sequences).
    Output(Bytes),
    /// The shell exited: close the connection normally.
    Exited,
    /// This attachment fell too far behind and was cut off so it would not hold back the shell;
    /// the session goes on, and the client may re-attach (it gets the replay again).
    Lagged,
}

/// Owns every reconnecting-PTY session. Cheap to clone; clones share the sessions. When the last
/// clone is dropped, every session is killed.
#[derive(Clone, Default)]
pub struct PtyManager {
    inner: Arc<ManagerInner>,
}

#[derive(Default)]
struct ManagerInner {
    config: PtyConfig,
    sessions: Mutex<HashMap<Uuid, Arc<Session>>>,
}

impl fmt::Debug for PtyManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PtyManager")
            .field("config", &self.inner.config)
            .field("sessions", &self.session_count())
            .finish()
    }
}

impl PtyManager {
    /// A manager with these settings and no session.
    pub fn new(config: PtyConfig) -> Self {
        Self {
            inner: Arc::new(ManagerInner {
                config,
                sessions: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Attaches to session `id`, starting a new shell if there is none (or the old one ended).
    ///
    /// Must be called inside a Tokio runtime (it starts the session's idle timer). Re-attaching
    /// resizes the terminal to the given size when both dimensions are non-zero.
    pub async fn attach(&self, id: Uuid, options: AttachOptions) -> Result<Attachment, PtyError> {
        let mut sessions = lock(&self.inner.sessions);
        if let Some(session) = sessions.get(&id) {
            if let Some(attachment) = session.subscribe(self.inner.config.attachment_queue) {
                if options.width > 0 && options.height > 0 {
                    // A failed resize of a live session is not worth refusing the attachment.
                    let _ = session.resize(options.width, options.height);
                }
                return Ok(attachment);
            }
        }
        let (session, attachment) = Session::spawn(
            id,
            &options,
            &self.inner.config,
            Arc::downgrade(&self.inner),
        )?;
        sessions.insert(id, session.clone());
        drop(sessions);
        tokio::spawn(kill_when_idle(session, self.inner.config.idle_timeout));
        Ok(attachment)
    }

    /// How many sessions are running.
    pub fn session_count(&self) -> usize {
        lock(&self.inner.sessions).len()
    }

    /// The ids of the running sessions.
    pub fn session_ids(&self) -> Vec<Uuid> {
        lock(&self.inner.sessions).keys().copied().collect()
    }

    /// Kills session `id` (its attachments then see [`PtyEvent::Exited`]). Returns whether it existed.
    pub fn kill(&self, id: Uuid) -> bool {
        let session = lock(&self.inner.sessions).get(&id).cloned();
        session.map(|s| s.kill()).is_some()
    }

    /// Kills every session (server shutdown).
    pub fn kill_all(&self) {
        self.inner.kill_all();
    }
}

impl ManagerInner {
    fn kill_all(&self) {
        let sessions: Vec<_> = lock(&self.sessions).values().cloned().collect();
        for session in sessions {
            session.kill();
        }
    }
}

impl Drop for ManagerInner {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// One connection's view of a session: the replay, then live events; plus input and resize.
/// Dropping it detaches (the session lives on until its idle timeout).
pub struct Attachment {
    session: Arc<Session>,
    subscriber: u64,
    replay: Option<Bytes>,
    output: mpsc::Receiver<Bytes>,
    lagged: Arc<AtomicBool>,
    finished: Option<PtyEvent>,
}

impl fmt::Debug for Attachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attachment")
            .field("session", &self.session.id)
            .field("subscriber", &self.subscriber)
            .finish_non_exhaustive()
    }
}

impl Attachment {
    /// The session's id (the `reconnect` UUID).
    pub fn id(&self) -> Uuid {
        self.session.id
    }

    /// The recent output to send before anything else (empty for a new session). Taking it
    /// leaves an empty replay behind.
    pub fn take_replay(&mut self) -> Bytes {
        self.replay.take().unwrap_or_default()
    }

    /// The next event: live output in order, then [`PtyEvent::Exited`] or [`PtyEvent::Lagged`]
    /// (repeated on every later call). Cancel-safe, so it can sit in a `select!`.
    pub async fn recv(&mut self) -> PtyEvent {
        if let Some(end) = &self.finished {
            return end.clone();
        }
        match self.output.recv().await {
            Some(bytes) => PtyEvent::Output(bytes),
            None => {
                let end = if self.lagged.load(Ordering::Acquire) {
                    PtyEvent::Lagged
                } else {
                    PtyEvent::Exited
                };
                self.finished = Some(end.clone());
                end
            }
        }
    }

    /// Like [`Attachment::recv`], but output already queued behind the first chunk is joined to
    /// it, up to `max` bytes: one large WebSocket frame instead of many small ones during a
    /// flood, while a lone keystroke echo still goes out at once. Cancel-safe.
    pub async fn recv_coalesced(&mut self, max: usize) -> PtyEvent {
        let first = match self.recv().await {
            PtyEvent::Output(bytes) => bytes,
            end => return end,
        };
        let mut joined: Option<BytesMut> = None;
        while joined.as_ref().map_or(first.len(), BytesMut::len) < max {
            // Empty or closed: either way the next `recv` says what comes next.
            let Ok(more) = self.output.try_recv() else {
                break;
            };
            joined
                .get_or_insert_with(|| BytesMut::from(&first[..]))
                .extend_from_slice(&more);
        }
        PtyEvent::Output(joined.map_or(first, BytesMut::freeze))
    }

    /// A handle for sending input and resizes, for a task separate from the one reading output.
    pub fn input(&self) -> PtyInput {
        PtyInput {
            session: self.session.clone(),
        }
    }

    /// Writes keyboard input to the shell (waits if the shell is not reading).
    pub async fn write(&self, data: &[u8]) -> Result<(), PtyError> {
        self.session.write(data).await
    }

    /// Resizes the terminal; a zero dimension is ignored (like coderd, which resizes only when
    /// both are given).
    pub fn resize(&self, cols: u16, rows: u16) -> Result<(), PtyError> {
        self.session.resize(cols, rows)
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        lock(&self.session.state)
            .subscribers
            .retain(|s| s.id != self.subscriber);
        self.session
            .attached
            .send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Input side of an [`Attachment`]: cheap to clone, usable from another task. It does not count
/// as an attachment (it does not keep an idle session alive).
#[derive(Clone)]
pub struct PtyInput {
    session: Arc<Session>,
}

impl fmt::Debug for PtyInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PtyInput")
            .field("session", &self.session.id)
            .finish()
    }
}

impl PtyInput {
    /// Writes keyboard input to the shell (waits if the shell is not reading).
    pub async fn write(&self, data: &[u8]) -> Result<(), PtyError> {
        self.session.write(data).await
    }

    /// Resizes the terminal; a zero dimension is ignored.
    pub fn resize(&self, cols: u16, rows: u16) -> Result<(), PtyError> {
        self.session.resize(cols, rows)
    }
}

struct Session {
    id: Uuid,
    state: Mutex<SessionState>,
    master: Mutex<Box<dyn MasterPty + Send>>,
    input: mpsc::Sender<Vec<u8>>,
    killer: Mutex<Box<dyn ChildKiller + Send + Sync>>,
    pid: Option<u32>,
    /// Set as soon as the waiter has reaped the shell (its pid may then be reused).
    reaped: Arc<AtomicBool>,
    lag_timeout: Duration,
    /// Number of live attachments; the idle timer watches it.
    attached: watch::Sender<usize>,
    /// Becomes true once the shell has exited and its output was drained.
    ended: watch::Sender<bool>,
}

struct SessionState {
    recent: VecDeque<u8>,
    replay_bytes: usize,
    subscribers: Vec<Subscriber>,
    next_subscriber: u64,
    ended: bool,
}

enum Delivery {
    Sent,
    Closed,
    Lagged,
}

struct Subscriber {
    id: u64,
    queue: mpsc::Sender<Bytes>,
    lagged: Arc<AtomicBool>,
}

impl Session {
    /// Starts the shell with its first attachment, subscribed before any output is read: a
    /// command that ends at once still reaches it, output and end.
    fn spawn(
        id: Uuid,
        options: &AttachOptions,
        config: &PtyConfig,
        manager: Weak<ManagerInner>,
    ) -> Result<(Arc<Self>, Attachment), PtyError> {
        let spawn_err = |e: &dyn fmt::Display| PtyError::Spawn(e.to_string());
        let size = PtySize {
            rows: if options.height > 0 {
                options.height
            } else {
                DEFAULT_ROWS
            },
            cols: if options.width > 0 {
                options.width
            } else {
                DEFAULT_COLS
            },
            pixel_width: 0,
            pixel_height: 0,
        };
        let pair = portable_pty::native_pty_system()
            .openpty(size)
            .map_err(|e| spawn_err(&e))?;

        let shell = config.shell.clone().unwrap_or_else(default_shell);
        let mut cmd = CommandBuilder::new(&shell);
        match options.command.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(command) => cmd.args(["-c", command]),
            // A login shell reads the user's profile, like a fresh SSH session.
            None => cmd.arg("-l"),
        }
        cmd.env("TERM", "xterm-256color");
        // Sizes inherited from the server's own terminal would be wrong for this one.
        cmd.env_remove("COLUMNS");
        cmd.env_remove("LINES");
        for key in &config.env_remove {
            cmd.env_remove(key);
        }
        for (key, value) in &config.env {
            cmd.env(key, value);
        }
        cmd.cwd(config.cwd.clone().unwrap_or_else(home_dir));

        let mut child = pair.slave.spawn_command(cmd).map_err(|e| spawn_err(&e))?;
        // Our copy of the slave side must be closed, or reads would never see the end of output.
        drop(pair.slave);
        let killer = child.clone_killer();
        let pid = child.process_id();

        let setup = (|| {
            let reader = pair.master.try_clone_reader()?;
            let writer = pair.master.take_writer()?;
            anyhow::Ok((reader, writer))
        })();
        let (reader, writer) = match setup {
            Ok(io) => io,
            Err(err) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(spawn_err(&err));
            }
        };

        let (input_tx, input_rx) = mpsc::channel(64);
        let session = Arc::new(Session {
            id,
            state: Mutex::new(SessionState {
                recent: VecDeque::with_capacity(config.replay_bytes.min(REPLAY_BYTES)),
                replay_bytes: config.replay_bytes,
                subscribers: Vec::new(),
                next_subscriber: 0,
                ended: false,
            }),
            master: Mutex::new(pair.master),
            input: input_tx,
            killer: Mutex::new(killer),
            pid,
            reaped: Arc::new(AtomicBool::new(false)),
            lag_timeout: config.lag_timeout,
            attached: watch::Sender::new(0),
            ended: watch::Sender::new(false),
        });

        let first = session
            .subscribe(config.attachment_queue)
            .ok_or(PtyError::Ended)?;
        let (drained_tx, drained_rx) = std::sync::mpsc::channel::<()>();
        let reader_session = session.clone();
        let threads = [
            std::thread::Builder::new()
                .name(format!("pty-read-{id}"))
                .spawn(move || {
                    read_loop(reader, &reader_session);
                    let _ = drained_tx.send(());
                })
                .map(drop),
            std::thread::Builder::new()
                .name(format!("pty-write-{id}"))
                .spawn(move || write_loop(writer, input_rx))
                .map(drop),
        ];
        let waiter_session = session.clone();
        let waiter = std::thread::Builder::new()
            .name(format!("pty-wait-{id}"))
            .spawn(move || {
                // Reaping here is what keeps the shell from lingering as a zombie.
                let _ = child.wait();
                waiter_session.reaped.store(true, Ordering::Release);
                let _ = drained_rx.recv_timeout(EXIT_DRAIN);
                waiter_session.finish();
                if let Some(manager) = manager.upgrade() {
                    let mut sessions = lock(&manager.sessions);
                    if sessions
                        .get(&id)
                        .is_some_and(|s| Arc::ptr_eq(s, &waiter_session))
                    {
                        sessions.remove(&id);
                    }
                }
            });
        if let Some(err) = threads.into_iter().find_map(Result::err).or(waiter.err()) {
            session.kill();
            return Err(spawn_err(&err));
        }
        Ok((session, first))
    }

    /// Registers a new attachment: the replay and the subscription are taken under one lock so
    /// no output falls between them or appears in both. `None` once the session has ended.
    fn subscribe(self: &Arc<Self>, queue: usize) -> Option<Attachment> {
        let mut state = lock(&self.state);
        if state.ended {
            return None;
        }
        let (queue_tx, queue_rx) = mpsc::channel(queue.max(1));
        let lagged = Arc::new(AtomicBool::new(false));
        let id = state.next_subscriber;
        state.next_subscriber += 1;
        state.subscribers.push(Subscriber {
            id,
            queue: queue_tx,
            lagged: lagged.clone(),
        });
        let (front, back) = state.recent.as_slices();
        let replay = Bytes::from([front, back].concat());
        self.attached.send_modify(|n| *n += 1);
        drop(state);
        Some(Attachment {
            session: self.clone(),
            subscriber: id,
            replay: Some(replay),
            output: queue_rx,
            lagged,
            finished: None,
        })
    }

    /// Called by the reader thread with each chunk of output.
    fn publish(&self, chunk: &[u8]) {
        let bytes = Bytes::copy_from_slice(chunk);
        // Recording the chunk and choosing who gets it happen under one lock, so an attachment
        // registering concurrently gets it either in its replay or live, never both or neither.
        let receivers: Vec<(u64, mpsc::Sender<Bytes>, Arc<AtomicBool>)> = {
            let mut state = lock(&self.state);
            let keep = state.replay_bytes;
            if chunk.len() >= keep {
                state.recent.clear();
                state.recent.extend(&chunk[chunk.len() - keep..]);
            } else {
                let overflow = (state.recent.len() + chunk.len()).saturating_sub(keep);
                state.recent.drain(..overflow);
                state.recent.extend(chunk);
            }
            state
                .subscribers
                .iter()
                .map(|s| (s.id, s.queue.clone(), s.lagged.clone()))
                .collect()
        };
        // Delivery happens outside the lock: waiting on a full queue must not stop attachments
        // from coming and going.
        let mut gone = Vec::new();
        for (id, queue, lagged) in receivers {
            match self.deliver(&queue, bytes.clone()) {
                Delivery::Sent => {}
                Delivery::Closed => gone.push(id),
                Delivery::Lagged => {
                    lagged.store(true, Ordering::Release);
                    gone.push(id);
                }
            }
        }
        if !gone.is_empty() {
            // Dropping the stored sender ends that attachment's stream after what it already has.
            lock(&self.state)
                .subscribers
                .retain(|s| !gone.contains(&s.id));
        }
    }

    /// Queues `bytes` for one attachment, waiting up to the lag timeout while its queue is full.
    /// This runs on the reader thread, so a short sleep loop is the simplest wait that does not
    /// depend on a runtime (it may be shutting down).
    fn deliver(&self, queue: &mpsc::Sender<Bytes>, bytes: Bytes) -> Delivery {
        let mut pending = match queue.try_send(bytes) {
            Ok(()) => return Delivery::Sent,
            Err(mpsc::error::TrySendError::Closed(_)) => return Delivery::Closed,
            Err(mpsc::error::TrySendError::Full(bytes)) => bytes,
        };
        let deadline = std::time::Instant::now() + self.lag_timeout;
        let mut pause = Duration::from_millis(1);
        loop {
            if std::time::Instant::now() >= deadline {
                return Delivery::Lagged;
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(10));
            pending = match queue.try_send(pending) {
                Ok(()) => return Delivery::Sent,
                Err(mpsc::error::TrySendError::Closed(_)) => return Delivery::Closed,
                Err(mpsc::error::TrySendError::Full(bytes)) => bytes,
            };
        }
    }

    /// Called once the shell has exited and its output was read: ends every attachment.
    fn finish(&self) {
        // Set the flag first: an attachment that sees its stream end must also see writes fail.
        self.ended.send_replace(true);
        let mut state = lock(&self.state);
        state.ended = true;
        state.subscribers.clear();
    }

    async fn write(&self, data: &[u8]) -> Result<(), PtyError> {
        if data.is_empty() {
            return Ok(());
        }
        if *self.ended.borrow() {
            return Err(PtyError::Ended);
        }
        self.input
            .send(data.to_vec())
            .await
            .map_err(|_| PtyError::Ended)
    }

    fn resize(&self, cols: u16, rows: u16) -> Result<(), PtyError> {
        if cols == 0 || rows == 0 {
            return Ok(());
        }
        lock(&self.master)
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| PtyError::Resize(e.to_string()))
    }

    /// Hangs up the shell (SIGHUP, which an interactive shell passes on to its jobs), then
    /// SIGKILLs it if it is still there after a grace period.
    fn kill(self: &Arc<Self>) {
        if *self.ended.borrow() {
            return;
        }
        let _ = lock(&self.killer).kill();
        let Some(pid) = self.pid else { return };
        let reaped = self.reaped.clone();
        let _ = std::thread::Builder::new()
            .name(format!("pty-kill-{}", self.id))
            .spawn(move || {
                std::thread::sleep(KILL_GRACE);
                // Until the waiter has reaped the shell, its pid cannot be reused, so this
                // signals our child and nothing else.
                if !reaped.load(Ordering::Acquire) {
                    // std has no safe kill(2) for a child it does not own; the shell's builtin
                    // `kill` is there on every system that has /bin/sh.
                    let _ = std::process::Command::new("/bin/sh")
                        .args(["-c", "kill -KILL \"$1\"", "sh", &pid.to_string()])
                        .stdout(std::process::Stdio::null())
                        .stderr(std::process::Stdio::null())
                        .status();
                }
            });
    }
}

fn read_loop(mut reader: Box<dyn Read + Send>, session: &Session) {
    let mut buf = vec![0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => session.publish(&buf[..n]),
            Err(err) if err.kind() == std::io::ErrorKind::Interrupted => continue,
            // EIO: the last process holding the terminal closed it.
            Err(_) => return,
        }
    }
}

fn write_loop(mut writer: Box<dyn Write + Send>, mut input: mpsc::Receiver<Vec<u8>>) {
    while let Some(data) = input.blocking_recv() {
        if writer
            .write_all(&data)
            .and_then(|()| writer.flush())
            .is_err()
        {
            return;
        }
    }
}

/// Kills `session` once it has had no attachment for `timeout`; returns when the session ends.
async fn kill_when_idle(session: Arc<Session>, timeout: Duration) {
    let mut attached = session.attached.subscribe();
    let mut ended = session.ended.subscribe();
    loop {
        let idle = *attached.borrow_and_update() == 0;
        let timed_out = tokio::select! {
            _ = ended.wait_for(|e| *e) => return,
            changed = attached.changed() => {
                if changed.is_err() {
                    return;
                }
                false
            }
            () = tokio::time::sleep(timeout), if idle => true,
        };
        if timed_out {
            session.kill();
            return;
        }
    }
}

/// `$SHELL` when it names an existing file, else `/bin/bash`, else `/bin/sh`.
pub fn default_shell() -> PathBuf {
    std::env::var_os("SHELL")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute() && p.is_file())
        .or_else(|| Some(PathBuf::from("/bin/bash")).filter(|p| p.is_file()))
        .unwrap_or_else(|| PathBuf::from("/bin/sh"))
}

/// `$HOME` when it is a directory, else `/`.
fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
        .unwrap_or_else(|| Path::new("/").to_path_buf())
}

/// Locks a mutex, ignoring poisoning: the data under these locks stays consistent even if a
/// holder panicked (each update is a single step).
fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::timeout;

    const WAIT: Duration = Duration::from_secs(15);

    fn sh_config() -> PtyConfig {
        PtyConfig {
            shell: Some(PathBuf::from("/bin/sh")),
            ..PtyConfig::default()
        }
    }

    fn opts(width: u16, height: u16) -> AttachOptions {
        AttachOptions {
            width,
            height,
            command: None,
        }
    }

    /// Reads events until the output contains `needle`; returns everything read.
    async fn read_until(attachment: &mut Attachment, needle: &str) -> String {
        let mut seen = Vec::new();
        let found = timeout(WAIT, async {
            loop {
                match attachment.recv().await {
                    PtyEvent::Output(bytes) => {
                        // Only the new bytes (and a needle's length before them) can complete a
                        // match; rescanning everything would be quadratic under a flood.
                        let from = seen.len().saturating_sub(needle.len());
                        seen.extend_from_slice(&bytes);
                        if String::from_utf8_lossy(&seen[from..]).contains(needle) {
                            return;
                        }
                    }
                    other => panic!(
                        "session ended ({other:?}) before {needle:?}; got {:?}",
                        String::from_utf8_lossy(&seen)
                    ),
                }
            }
        })
        .await;
        let text = String::from_utf8_lossy(&seen).into_owned();
        assert!(
            found.is_ok(),
            "timed out waiting for {needle:?}; got {text:?}"
        );
        text
    }

    async fn read_to_end(attachment: &mut Attachment) -> (String, PtyEvent) {
        let mut seen = Vec::new();
        let end = timeout(WAIT, async {
            loop {
                match attachment.recv().await {
                    PtyEvent::Output(bytes) => seen.extend_from_slice(&bytes),
                    end => return end,
                }
            }
        })
        .await
        .expect("session did not end");
        (String::from_utf8_lossy(&seen).into_owned(), end)
    }

    fn shell_pid(manager: &PtyManager, id: Uuid) -> u32 {
        lock(&manager.inner.sessions)[&id]
            .pid
            .expect("the shell has a pid")
    }

    /// Waits until the manager has no session and the process is gone from /proc (a zombie
    /// would still be listed there).
    async fn wait_gone(manager: &PtyManager, pid: u32) {
        let gone = timeout(WAIT, async {
            while manager.session_count() != 0 || Path::new(&format!("/proc/{pid}")).exists() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(
            gone.is_ok(),
            "shell {pid} still present (sessions: {})",
            manager.session_count()
        );
    }

    #[tokio::test]
    async fn echoes_and_exits_normally() {
        let manager = PtyManager::new(sh_config());
        let id = Uuid::new_v4();
        let mut a = manager.attach(id, opts(80, 24)).await.unwrap();
        let pid = shell_pid(&manager, id);
        assert!(a.take_replay().is_empty());
        a.write(b"echo term=$TERM sum=$((40+2))\r").await.unwrap();
        read_until(&mut a, "term=xterm-256color sum=42").await;
        a.write(b"exit\r").await.unwrap();
        let (_, end) = read_to_end(&mut a).await;
        assert_eq!(end, PtyEvent::Exited);
        assert_eq!(a.recv().await, PtyEvent::Exited, "the end repeats");
        assert!(matches!(a.write(b"x").await, Err(PtyError::Ended)));
        // The waiter reaped the shell and removed the session.
        wait_gone(&manager, pid).await;
    }

    #[tokio::test]
    async fn reattach_finds_the_same_shell_and_replays() {
        let manager = PtyManager::new(sh_config());
        let id = Uuid::new_v4();
        let mut first = manager.attach(id, opts(80, 24)).await.unwrap();
        first
            .write(b"export MARKER=kept-$((6*7)); echo set-$MARKER\r")
            .await
            .unwrap();
        read_until(&mut first, "set-kept-42").await;
        drop(first);

        let mut second = manager.attach(id, opts(80, 24)).await.unwrap();
        let replay = String::from_utf8_lossy(&second.take_replay()).into_owned();
        assert!(replay.contains("set-kept-42"), "replay: {replay:?}");
        second.write(b"echo again-$MARKER\r").await.unwrap();
        read_until(&mut second, "again-kept-42").await;
        assert_eq!(manager.session_count(), 1);

        // A different id is a different shell.
        let mut other = manager.attach(Uuid::new_v4(), opts(80, 24)).await.unwrap();
        other.write(b"echo other-${MARKER:-unset}\r").await.unwrap();
        read_until(&mut other, "other-unset").await;
        assert_eq!(manager.session_count(), 2);
    }

    #[tokio::test]
    async fn concurrent_attachments_share_output_and_exit() {
        let manager = PtyManager::new(sh_config());
        let id = Uuid::new_v4();
        let mut a = manager.attach(id, opts(80, 24)).await.unwrap();
        let mut b = manager.attach(id, opts(80, 24)).await.unwrap();
        b.write(b"echo shared-$((1+1))\r").await.unwrap();
        read_until(&mut a, "shared-2").await;
        read_until(&mut b, "shared-2").await;
        a.input().write(b"exit\r").await.unwrap();
        assert_eq!(read_to_end(&mut a).await.1, PtyEvent::Exited);
        assert_eq!(read_to_end(&mut b).await.1, PtyEvent::Exited);
    }

    #[tokio::test]
    async fn replay_keeps_only_the_last_bytes() {
        let manager = PtyManager::new(PtyConfig {
            replay_bytes: 1000,
            ..sh_config()
        });
        let id = Uuid::new_v4();
        let mut a = manager.attach(id, opts(80, 24)).await.unwrap();
        a.write(
            b"i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done; echo done-$((2+3))\r",
        )
        .await
        .unwrap();
        read_until(&mut a, "done-5").await;
        let mut b = manager.attach(id, opts(80, 24)).await.unwrap();
        let replay = b.take_replay();
        assert!(
            replay.len() <= 1000 && replay.len() > 500,
            "replay is {} bytes",
            replay.len()
        );
        let text = String::from_utf8_lossy(&replay);
        assert!(
            text.contains("line-299") && !text.contains("line-10\r"),
            "{text:?}"
        );
    }

    #[tokio::test]
    async fn command_runs_through_the_shell_at_the_requested_size() {
        let manager = PtyManager::new(sh_config());
        let mut a = manager
            .attach(
                Uuid::new_v4(),
                AttachOptions {
                    width: 123,
                    height: 45,
                    command: Some("stty size; echo cmd-$((3*3))".into()),
                },
            )
            .await
            .unwrap();
        let (text, end) = read_to_end(&mut a).await;
        assert!(text.contains("45 123"), "{text:?}");
        assert!(text.contains("cmd-9"), "{text:?}");
        assert_eq!(end, PtyEvent::Exited);
    }

    #[tokio::test]
    async fn resize_reaches_the_shell() {
        let manager = PtyManager::new(sh_config());
        let mut a = manager.attach(Uuid::new_v4(), opts(100, 30)).await.unwrap();
        a.write(b"stty size\r").await.unwrap();
        read_until(&mut a, "30 100").await;
        a.resize(132, 50).unwrap();
        a.resize(0, 10).unwrap(); // ignored
        a.write(b"stty size\r").await.unwrap();
        read_until(&mut a, "50 132").await;
    }

    #[tokio::test]
    async fn idle_session_is_killed() {
        let manager = PtyManager::new(PtyConfig {
            idle_timeout: Duration::from_millis(300),
            ..sh_config()
        });
        let id = Uuid::new_v4();
        let mut a = manager.attach(id, opts(80, 24)).await.unwrap();
        a.write(b"echo ready-$((2*2))\r").await.unwrap();
        read_until(&mut a, "ready-4").await;
        let input = a.input();
        let pid = shell_pid(&manager, id);
        // Staying attached keeps it alive past the timeout.
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(manager.session_count(), 1);
        drop(a);
        wait_gone(&manager, pid).await;
        assert!(matches!(input.write(b"x").await, Err(PtyError::Ended)));
        // The same id now starts a fresh shell.
        let mut b = manager.attach(id, opts(80, 24)).await.unwrap();
        assert!(b.take_replay().is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn slow_attachment_is_cut_off_without_holding_back_others() {
        let manager = PtyManager::new(PtyConfig {
            attachment_queue: 16,
            lag_timeout: Duration::from_millis(300),
            ..sh_config()
        });
        let id = Uuid::new_v4();
        let mut slow = manager.attach(id, opts(80, 24)).await.unwrap();
        let mut fast = manager.attach(id, opts(80, 24)).await.unwrap();
        // About 1 MB of output: far more than 16 chunks, which the slow attachment never reads.
        fast.write(b"i=0; while [ $i -lt 100000 ]; do echo flood-$i; i=$((i+1)); done; echo end-$((5*5))\r")
            .await
            .unwrap();
        // The fast attachment gets everything (backpressure, not loss) although the slow one
        // reads nothing.
        let text = read_until(&mut fast, "end-25").await;
        assert!(text.contains("flood-99999\r\n"));
        let lines = text.matches("flood-").count();
        assert!(lines > 100_000, "every line arrived: {lines}");
        let (_, end) = read_to_end(&mut slow).await;
        assert_eq!(end, PtyEvent::Lagged);
        // The session itself goes on.
        fast.write(b"echo alive-$((1+2))\r").await.unwrap();
        read_until(&mut fast, "alive-3").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_output_is_joined_up_to_the_limit_and_nothing_is_lost() {
        let manager = PtyManager::new(sh_config());
        let id = Uuid::new_v4();
        let mut a = manager.attach(id, opts(80, 24)).await.unwrap();
        a.write(b"echo ready-$((2+2))\r").await.unwrap();
        read_until(&mut a, "ready-4").await;
        // 300 KB of output queues up while nobody reads (the queue holds 64 chunks of <= 8 KiB).
        a.write(b"i=0; while [ $i -lt 30000 ]; do echo line-$i-padding-to-ten; i=$((i+1)); done; echo end-$((5*5))\r")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(500)).await;
        const MAX: usize = 64 * 1024;
        let mut seen = Vec::new();
        let mut biggest = 0;
        timeout(WAIT, async {
            while !String::from_utf8_lossy(&seen[seen.len().saturating_sub(4096)..])
                .contains("end-25")
            {
                match a.recv_coalesced(MAX).await {
                    PtyEvent::Output(bytes) => {
                        biggest = biggest.max(bytes.len());
                        seen.extend_from_slice(&bytes);
                    }
                    other => panic!("session ended: {other:?}"),
                }
            }
        })
        .await
        .expect("the output ended with end-25");
        // Joined: more than one PTY read (<= 8 KiB) per frame, never much over the limit.
        assert!(biggest > 8 * 1024, "largest frame {biggest}");
        assert!(biggest < MAX + 8 * 1024, "largest frame {biggest}");
        let text = String::from_utf8_lossy(&seen);
        for i in [0, 1, 12_345, 29_999] {
            assert_eq!(
                text.matches(&format!("line-{i}-padding")).count(),
                1,
                "line {i} once"
            );
        }
        assert_eq!(text.matches("-padding-to-ten\r\n").count(), 30_000);
    }

    #[tokio::test]
    async fn dropping_the_manager_kills_its_shells() {
        let manager = PtyManager::new(sh_config());
        let id = Uuid::new_v4();
        let mut a = manager.attach(id, opts(80, 24)).await.unwrap();
        let pid = shell_pid(&manager, id);
        a.write(b"echo up-$((4+4))\r").await.unwrap();
        read_until(&mut a, "up-8").await;
        drop(manager);
        let (_, end) = read_to_end(&mut a).await;
        assert_eq!(end, PtyEvent::Exited);
        wait_gone(&PtyManager::default(), pid).await;
    }

    #[tokio::test]
    async fn hung_up_shell_that_ignores_sighup_is_killed() {
        let manager = PtyManager::new(PtyConfig {
            idle_timeout: Duration::from_millis(100),
            ..sh_config()
        });
        let id = Uuid::new_v4();
        let mut a = manager.attach(id, opts(80, 24)).await.unwrap();
        let pid = shell_pid(&manager, id);
        a.write(b"trap '' HUP; echo trapped-$((3+4))\r")
            .await
            .unwrap();
        read_until(&mut a, "trapped-7").await;
        drop(a);
        // SIGHUP is ignored, so this takes the SIGKILL after the grace period.
        wait_gone(&manager, pid).await;
    }

    #[tokio::test]
    async fn users_login_shell_starts_in_home() {
        let manager = PtyManager::default();
        let mut a = manager.attach(Uuid::new_v4(), opts(80, 24)).await.unwrap();
        a.write(b"echo \"cwd=$(pwd)\" $((10+1))\r").await.unwrap();
        read_until(&mut a, &format!("cwd={} 11", home_dir().display())).await;
    }

    #[test]
    fn default_shell_exists() {
        assert!(default_shell().is_file());
    }
}
