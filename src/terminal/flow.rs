//! Flow control between the PTY socket and xterm.js, with watermarks like ttyd and xterm.js'
//! flow-control guide. Pure: the caller feeds bytes in, asks what to write, and reports xterm's
//! write callbacks back.
//!
//! Two bounded stages:
//! - **in flight** (handed to `term.write(data, callback)`, callback not yet called): writing
//!   stops at [`FlowConfig::write_high`] and resumes once the callbacks bring it down to
//!   [`FlowConfig::write_low`], so xterm's own queue never holds much more than ~512 KiB and its
//!   parser works in short slices between frames (the page keeps painting and taking input);
//! - **pending** (received, not yet handed to xterm): bytes wait here and are coalesced into
//!   chunks of up to [`FlowConfig::max_chunk`]. With a socket that can be paused (WebSocketStream)
//!   reading stops at [`FlowConfig::read_high`] and resumes at [`FlowConfig::read_low`]: the
//!   unread bytes then back up through TCP into the server and the PTY, which blocks the program
//!   (what ttyd's PAUSE message does, without needing one in the protocol). A plain WebSocket cannot
//!   be paused; there pending is bounded only by [`FlowConfig::pending_limit`], past which the
//!   oldest bytes are skipped and the skip is reported (a last resort, never silent).
//!
//! Nothing waits for an animation frame: when xterm is idle a chunk is written at once (keystroke
//! echo stays fast), and while it is busy bytes coalesce until its callbacks make room.
//!
//! **Interrupt during a flood.** Output already queued between the program and the screen (in
//! the server, TCP and here: megabytes during `yes`) would take seconds to draw after Ctrl-C. A
//! terminal's line discipline throws such output away when it delivers an interrupt (POSIX `ISIG`
//! without `NOFLSH`), and so does the console: when the user sends Ctrl-C, Ctrl-\\ or Ctrl-Z while
//! a backlog exists on the main screen, [`Flow::interrupt`] drops what is pending and skips
//! everything that arrives after it, and the session re-attaches to the same shell. The agent
//! replays the shell's recent output on attach, so the screen shows the program's last lines and
//! the new prompt at once, whatever was still in transit. Without an interrupt nothing is ever
//! dropped.
use std::collections::VecDeque;

/// The watermarks (bytes) and the interrupt rules.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlowConfig {
    /// Stop handing bytes to xterm at this many in flight.
    pub write_high: usize,
    /// Resume handing bytes to xterm once in flight falls to this.
    pub write_low: usize,
    /// Largest single `write` call.
    pub max_chunk: usize,
    /// Pause a pausable socket at this many pending bytes.
    pub read_high: usize,
    /// Resume it once pending falls to this.
    pub read_low: usize,
    /// Pending bytes beyond which the oldest are skipped (only reachable with an unpausable socket).
    pub pending_limit: usize,
    /// Backlog (pending and in flight) above which an interrupt skips output in transit.
    pub flood_backlog: usize,
    /// ... or output received within the last [`FlowConfig::flood_window_ms`] above which it does:
    /// when the page keeps up, the backlog sits in the server and TCP, out of sight.
    pub flood_recent: usize,
    /// The window for [`FlowConfig::flood_recent`].
    pub flood_window_ms: f64,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            write_high: 256 * 1024,
            write_low: 64 * 1024,
            max_chunk: 32 * 1024,
            // Generous: an interrupt skips pending bytes anyway, and a short queue here starves
            // xterm while the network restarts after a pause.
            read_high: 2 * 1024 * 1024,
            read_low: 1024 * 1024,
            pending_limit: 64 * 1024 * 1024,
            flood_backlog: 128 * 1024,
            flood_recent: 128 * 1024,
            flood_window_ms: 500.0,
        }
    }
}

/// Counters for the status line and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FlowStats {
    /// Bytes received from the socket so far.
    pub received: u64,
    /// Bytes xterm has finished parsing so far.
    pub written: u64,
    /// Bytes handed to xterm and not yet parsed.
    pub in_flight: usize,
    /// Bytes received and not yet handed to xterm.
    pub pending: usize,
    /// Bytes skipped (pending over its limit, or after an interrupt).
    pub skipped: u64,
    /// Whether output is being skipped after an interrupt right now (until the re-attach).
    pub skipping: bool,
}

/// The flow-control state of one terminal.
#[derive(Debug)]
pub struct Flow {
    cfg: FlowConfig,
    pending: VecDeque<Vec<u8>>,
    pending_bytes: usize,
    in_flight: usize,
    write_blocked: bool,
    read_paused: bool,
    received: u64,
    written: u64,
    skipped: u64,
    /// Skipped bytes not yet reported with [`Flow::take_skip_notice`].
    unreported_skip: u64,
    /// Skipping everything after an interrupt, until [`Flow::discard_pending`] (the re-attach).
    skipping: bool,
    /// (time, bytes) received within the flood window, oldest first.
    recent: VecDeque<(f64, usize)>,
    recent_bytes: usize,
}

impl Default for Flow {
    fn default() -> Self {
        Self::new(FlowConfig::default())
    }
}

impl Flow {
    /// An empty flow with the given watermarks.
    pub fn new(cfg: FlowConfig) -> Self {
        assert!(
            cfg.write_low < cfg.write_high && cfg.read_low < cfg.read_high && cfg.max_chunk > 0
        );
        Self {
            cfg,
            pending: VecDeque::new(),
            pending_bytes: 0,
            in_flight: 0,
            write_blocked: false,
            read_paused: false,
            received: 0,
            written: 0,
            skipped: 0,
            unreported_skip: 0,
            skipping: false,
            recent: VecDeque::new(),
            recent_bytes: 0,
        }
    }

    /// The watermarks in use.
    pub fn config(&self) -> FlowConfig {
        self.cfg
    }

    /// Queues bytes received from the socket at time `now` (ms).
    pub fn push(&mut self, bytes: Vec<u8>, now: f64) {
        if bytes.is_empty() {
            return;
        }
        self.received += bytes.len() as u64;
        self.forget_before(now);
        self.recent.push_back((now, bytes.len()));
        self.recent_bytes += bytes.len();
        if self.skipping {
            self.skipped += bytes.len() as u64;
            return;
        }
        self.pending_bytes += bytes.len();
        self.pending.push_back(bytes);
        while self.pending_bytes > self.cfg.pending_limit {
            let Some(front) = self.pending.front_mut() else {
                break;
            };
            let excess = self.pending_bytes - self.cfg.pending_limit;
            let n = excess.min(front.len());
            if n == front.len() {
                self.pending.pop_front();
            } else {
                front.drain(..n);
            }
            self.pending_bytes -= n;
            self.skipped += n as u64;
            self.unreported_skip += n as u64;
        }
    }

    /// The next chunk to hand to xterm, or `None` when nothing is pending or too much is in flight.
    /// The caller must report the chunk's length to [`Flow::written`] when xterm's callback runs.
    pub fn next_write(&mut self) -> Option<Vec<u8>> {
        self.next_write_at_most(self.cfg.max_chunk)
    }

    /// As [`Flow::next_write`], with chunks of at most `limit` bytes (a background tab's slices).
    pub fn next_write_at_most(&mut self, limit: usize) -> Option<Vec<u8>> {
        if self.write_blocked || self.pending_bytes == 0 || limit == 0 {
            return None;
        }
        let room = self.cfg.write_high - self.in_flight;
        let want = room
            .min(self.cfg.max_chunk)
            .min(limit)
            .min(self.pending_bytes);
        let mut out = match self.pending.pop_front() {
            Some(first) if first.len() <= want => first,
            Some(mut first) => {
                let rest = first.split_off(want);
                self.pending.push_front(rest);
                first
            }
            None => return None,
        };
        while out.len() < want {
            let Some(front) = self.pending.front_mut() else {
                break;
            };
            let take = (want - out.len()).min(front.len());
            if take == front.len() {
                let chunk = self.pending.pop_front().unwrap_or_default();
                out.extend_from_slice(&chunk);
            } else {
                out.extend_from_slice(&front[..take]);
                front.drain(..take);
            }
        }
        self.pending_bytes -= out.len();
        self.in_flight += out.len();
        if self.in_flight >= self.cfg.write_high {
            self.write_blocked = true;
        }
        Some(out)
    }

    /// xterm finished parsing a chunk of `len` bytes.
    pub fn written(&mut self, len: usize) {
        self.in_flight = self.in_flight.saturating_sub(len);
        self.written += len as u64;
        if self.write_blocked && self.in_flight <= self.cfg.write_low {
            self.write_blocked = false;
        }
    }

    /// Whether a pausable socket should stop reading now (with hysteresis between the read marks).
    pub fn should_pause_reading(&mut self) -> bool {
        if self.read_paused {
            if self.pending_bytes <= self.cfg.read_low {
                self.read_paused = false;
            }
        } else if self.pending_bytes >= self.cfg.read_high {
            self.read_paused = true;
        }
        self.read_paused
    }

    /// Drops what was received but not yet written (a new attach replays the screen anyway), and
    /// ends skipping after an interrupt.
    pub fn discard_pending(&mut self) {
        self.pending.clear();
        self.pending_bytes = 0;
        self.read_paused = false;
        self.skipping = false;
    }

    /// The user sent an interrupt. With a backlog, drops what is pending, skips all output from
    /// now on until [`Flow::discard_pending`], and returns true: the caller re-attaches. Without
    /// one, changes nothing and returns false.
    pub fn interrupt(&mut self, now: f64) -> bool {
        if self.skipping {
            return true;
        }
        self.forget_before(now);
        let backlog = self.pending_bytes + self.in_flight >= self.cfg.flood_backlog;
        if !backlog && self.recent_bytes < self.cfg.flood_recent {
            return false;
        }
        self.skipped += self.pending_bytes as u64;
        self.pending.clear();
        self.pending_bytes = 0;
        self.read_paused = false;
        self.skipping = true;
        true
    }

    /// Drops what was received before the flood window ending at `now`.
    fn forget_before(&mut self, now: f64) {
        while let Some(&(t, n)) = self.recent.front() {
            if now - t <= self.cfg.flood_window_ms {
                break;
            }
            self.recent.pop_front();
            self.recent_bytes -= n;
        }
    }

    /// Whether output is being skipped after an interrupt.
    pub fn skipping(&self) -> bool {
        self.skipping
    }

    /// Bytes skipped since the last call, to be shown to the user.
    pub fn take_skip_notice(&mut self) -> Option<u64> {
        let n = std::mem::take(&mut self.unreported_skip);
        (n > 0).then_some(n)
    }

    /// Current counters.
    pub fn stats(&self) -> FlowStats {
        FlowStats {
            received: self.received,
            written: self.written,
            in_flight: self.in_flight,
            pending: self.pending_bytes,
            skipped: self.skipped,
            skipping: self.skipping,
        }
    }
}

/// A byte count for people: "512 bytes", "48 KB", "4.8 MB".
pub fn human_bytes(n: u64) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f < K {
        format!("{n} bytes")
    } else if f < K * K {
        format!("{:.0} KB", f / K)
    } else {
        format!("{:.1} MB", f / (K * K))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> FlowConfig {
        FlowConfig {
            write_high: 100,
            write_low: 20,
            max_chunk: 40,
            read_high: 200,
            read_low: 50,
            pending_limit: 1000,
            flood_backlog: 150,
            flood_recent: 400,
            flood_window_ms: 500.0,
        }
    }

    #[test]
    fn idle_terminal_gets_bytes_at_once() {
        let mut f = Flow::new(small());
        f.push(b"a".to_vec(), 0.0);
        assert_eq!(f.next_write().as_deref(), Some(&b"a"[..]));
        assert_eq!(f.next_write(), None);
        assert_eq!(f.stats().in_flight, 1);
        f.written(1);
        assert_eq!(f.stats().in_flight, 0);
        assert_eq!(f.stats().written, 1);
    }

    #[test]
    fn small_chunks_coalesce_up_to_max_chunk_in_order() {
        let mut f = Flow::new(small());
        for i in 0..40u8 {
            f.push(vec![i; 3], 0.0);
        }
        let first = f.next_write().unwrap();
        assert_eq!(first.len(), 40);
        let mut expected: Vec<u8> = (0..40u8).flat_map(|i| [i; 3]).collect();
        assert_eq!(first, expected[..40]);
        let second = f.next_write().unwrap();
        assert_eq!(second, expected[40..80]);
        expected.drain(..80);
        // 80 in flight: only 20 more fit under the high mark.
        let third = f.next_write().unwrap();
        assert_eq!(third, expected[..20]);
        assert_eq!(f.stats().in_flight, 100);
        assert_eq!(f.next_write(), None, "blocked at the high mark");
    }

    #[test]
    fn a_background_slice_is_bounded_and_loses_nothing() {
        let mut f = Flow::new(small());
        f.push(b"abcdefghij".to_vec(), 0.0);
        assert_eq!(f.next_write_at_most(4).as_deref(), Some(&b"abcd"[..]));
        f.written(4);
        assert_eq!(f.next_write_at_most(4).as_deref(), Some(&b"efgh"[..]));
        f.written(4);
        assert_eq!(f.next_write().as_deref(), Some(&b"ij"[..]));
        assert_eq!(f.next_write_at_most(4), None);
    }

    #[test]
    fn writing_resumes_only_at_the_low_mark() {
        let mut f = Flow::new(small());
        f.push(vec![0; 500], 0.0);
        let mut chunks = Vec::new();
        while let Some(c) = f.next_write() {
            chunks.push(c.len());
        }
        assert_eq!(chunks, vec![40, 40, 20]);
        f.written(40); // 60 in flight: above low
        assert_eq!(f.next_write(), None);
        f.written(40); // 20 in flight: at low
        assert_eq!(f.next_write().map(|c| c.len()), Some(40));
        assert!(f.stats().in_flight <= 100);
    }

    #[test]
    fn in_flight_never_exceeds_high_under_a_flood() {
        let mut f = Flow::new(FlowConfig::default());
        let mut queue: VecDeque<usize> = VecDeque::new();
        for round in 0..2000 {
            f.push(vec![b'y'; 8192], 0.0);
            while let Some(c) = f.next_write() {
                queue.push_back(c.len());
            }
            assert!(f.stats().in_flight <= f.config().write_high);
            // xterm parses slower than the socket delivers: one callback every other round.
            if round % 2 == 0 {
                if let Some(n) = queue.pop_front() {
                    f.written(n);
                }
            }
        }
        let s = f.stats();
        assert_eq!(
            s.received,
            s.written + s.in_flight as u64 + s.pending as u64 + s.skipped
        );
    }

    #[test]
    fn byte_counts_read_well() {
        assert_eq!(human_bytes(512), "512 bytes");
        assert_eq!(human_bytes(48 * 1024), "48 KB");
        assert_eq!(human_bytes(5_033_165), "4.8 MB");
    }

    #[test]
    fn interrupt_without_backlog_drops_nothing() {
        let mut f = Flow::new(small());
        f.push(vec![b'x'; 100], 0.0);
        assert!(!f.interrupt(0.0));
        assert!(!f.skipping());
        assert_eq!(f.stats().pending + f.stats().in_flight, 100);
    }

    #[test]
    fn interrupt_during_a_flood_skips_until_the_reattach() {
        let mut f = Flow::new(small());
        f.push(b"y\n".repeat(100), 0.0);
        while f.next_write().is_some() {}
        assert!(f.interrupt(0.0), "100 in flight + 100 pending is a backlog");
        assert!(
            f.interrupt(0.0),
            "a second Ctrl-C while skipping changes nothing"
        );
        assert_eq!(f.stats().pending, 0);
        // The backlog keeps arriving until the old socket is gone: none of it is shown.
        f.push(b"y\n".repeat(500), 0.0);
        assert_eq!(f.next_write(), None, "nothing is written while skipping");
        assert!(f.stats().skipping);
        // What xterm already has still completes.
        f.written(100);
        // The re-attach: its replay is shown.
        f.discard_pending();
        f.push(b"y\n^C\n$ ".to_vec(), 0.0);
        assert_eq!(f.next_write().as_deref(), Some(&b"y\n^C\n$ "[..]));
        let s = f.stats();
        assert_eq!(s.skipped, 100 + 1000);
        assert_eq!(
            s.received,
            s.written + s.in_flight as u64 + s.pending as u64 + s.skipped
        );
        assert!(!s.skipping);
    }

    #[test]
    fn interrupt_while_the_page_keeps_up_with_a_flood_still_skips() {
        let mut f = Flow::new(small());
        // A steady stream the page keeps up with: no backlog here, but 400 bytes in 500 ms.
        for i in 0..10 {
            f.push(vec![b'y'; 40], f64::from(i) * 50.0);
            let c = f.next_write().unwrap();
            f.written(c.len());
        }
        assert_eq!(f.stats().pending + f.stats().in_flight, 0);
        assert!(f.interrupt(450.0));
        assert!(f.skipping());
    }

    #[test]
    fn interrupt_after_the_output_calmed_down_drops_nothing() {
        let mut f = Flow::new(small());
        for i in 0..10 {
            f.push(vec![b'y'; 40], f64::from(i) * 50.0);
            let c = f.next_write().unwrap();
            f.written(c.len());
        }
        // A second later only the prompt came: the earlier burst is out of the window.
        f.push(b"$ ".to_vec(), 1200.0);
        assert!(!f.interrupt(1400.0));
        assert_eq!(f.next_write().as_deref(), Some(&b"$ "[..]));
    }

    #[test]
    fn reading_pauses_with_hysteresis() {
        let mut f = Flow::new(small());
        f.push(vec![0; 100], 0.0);
        assert!(!f.should_pause_reading());
        f.push(vec![0; 150], 0.0);
        assert!(f.should_pause_reading(), "250 pending >= 200");
        while f.next_write().is_some() {}
        assert_eq!(f.stats().pending, 150);
        assert!(f.should_pause_reading(), "150 is still above the low mark");
        f.written(100);
        while f.next_write().is_some() {}
        assert_eq!(f.stats().pending, 50);
        assert!(!f.should_pause_reading());
        f.push(vec![0; 100], 0.0);
        assert!(!f.should_pause_reading(), "150 is under the high mark");
    }

    #[test]
    fn overflow_skips_the_oldest_and_reports_it_once() {
        let mut f = Flow::new(small());
        f.push(vec![1; 900], 0.0);
        f.push(vec![2; 300], 0.0);
        let s = f.stats();
        assert_eq!((s.pending, s.skipped), (1000, 200));
        assert_eq!(f.take_skip_notice(), Some(200));
        assert_eq!(f.take_skip_notice(), None);
        assert_eq!(f.next_write().unwrap()[0], 1, "the newest bytes are kept");
    }

    #[test]
    fn discarding_pending_keeps_in_flight_accounting() {
        let mut f = Flow::new(small());
        f.push(vec![0; 300], 0.0);
        while f.next_write().is_some() {}
        f.discard_pending();
        assert_eq!(f.stats().pending, 0);
        f.written(100);
        assert_eq!(f.stats().in_flight, 0);
        f.push(b"x".to_vec(), 0.0);
        assert_eq!(f.next_write().as_deref(), Some(&b"x"[..]));
    }
}
