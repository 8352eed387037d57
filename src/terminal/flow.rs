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
//! without `NOFLSH`), and [`Flow::interrupt`] does the same for the bytes in transit: when the
//! user sends Ctrl-C, Ctrl-\ or Ctrl-Z while a backlog exists on the main screen, incoming output
//! is read at full speed but only its last [`FlowConfig::flush_tail`] bytes are kept, until the
//! stream pauses ([`FlowConfig::flush_quiet_ms`]) or [`FlowConfig::flush_max_ms`] passes. Then
//! a visible line says how much was skipped and the kept tail (the program's last lines and the
//! new prompt) is shown. Without an interrupt nothing is ever dropped.
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
    /// Bytes kept from the end of the skipped output.
    pub flush_tail: usize,
    /// A pause this long in the output ends the skipping.
    pub flush_quiet_ms: f64,
    /// The skipping never lasts longer than this.
    pub flush_max_ms: f64,
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
            flush_tail: 16 * 1024,
            flush_quiet_ms: 60.0,
            flush_max_ms: 3_000.0,
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
    /// Whether output is being skipped after an interrupt right now.
    pub flushing: bool,
}

/// Skipping output after an interrupt.
#[derive(Debug)]
struct Flush {
    started: f64,
    last_data: f64,
    tail: VecDeque<u8>,
    skipped: u64,
}

/// How a skip after an interrupt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlushEnd {
    /// Bytes not shown.
    pub skipped: u64,
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
    flush: Option<Flush>,
}

impl Default for Flow {
    fn default() -> Self {
        Self::new(FlowConfig::default())
    }
}

impl Flow {
    /// An empty flow with the given watermarks.
    pub fn new(cfg: FlowConfig) -> Self {
        assert!(cfg.write_low < cfg.write_high && cfg.read_low < cfg.read_high && cfg.max_chunk > 0);
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
            flush: None,
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
        if let Some(f) = self.flush.as_mut() {
            f.last_data = now;
            f.tail.extend(bytes);
            let over = f.tail.len().saturating_sub(self.cfg.flush_tail);
            f.tail.drain(..over);
            f.skipped += over as u64;
            return;
        }
        self.pending_bytes += bytes.len();
        self.pending.push_back(bytes);
        while self.pending_bytes > self.cfg.pending_limit {
            let Some(front) = self.pending.front_mut() else { break };
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
        if self.write_blocked || self.pending_bytes == 0 {
            return None;
        }
        let room = self.cfg.write_high - self.in_flight;
        let want = room.min(self.cfg.max_chunk).min(self.pending_bytes);
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
            let Some(front) = self.pending.front_mut() else { break };
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

    /// Drops what was received but not yet written (a new attach replays the screen anyway).
    pub fn discard_pending(&mut self) {
        self.pending.clear();
        self.pending_bytes = 0;
        self.read_paused = false;
        self.flush = None;
    }

    /// The user sent an interrupt at `now`. With a backlog, starts skipping output in transit
    /// (see the module notes) and returns true; otherwise changes nothing.
    pub fn interrupt(&mut self, now: f64) -> bool {
        if self.flush.is_some() {
            return true;
        }
        if self.pending_bytes + self.in_flight < self.cfg.flood_backlog {
            return false;
        }
        let mut tail: VecDeque<u8> = VecDeque::new();
        for chunk in self.pending.drain(..) {
            tail.extend(chunk);
        }
        let over = tail.len().saturating_sub(self.cfg.flush_tail);
        tail.drain(..over);
        self.pending_bytes = 0;
        self.read_paused = false;
        self.flush = Some(Flush { started: now, last_data: now, tail, skipped: over as u64 });
        true
    }

    /// Ends the skipping once output paused or it lasted long enough: the kept tail becomes
    /// pending output, starting at a line boundary when something before it was skipped.
    pub fn poll_flush(&mut self, now: f64) -> Option<FlushEnd> {
        let f = self.flush.as_ref()?;
        let quiet = now - f.last_data >= self.cfg.flush_quiet_ms;
        let too_long = now - f.started >= self.cfg.flush_max_ms;
        if !(quiet || too_long) {
            return None;
        }
        let mut f = self.flush.take()?;
        if f.skipped > 0 {
            if let Some(nl) = f.tail.iter().position(|&b| b == b'\n') {
                f.tail.drain(..=nl);
                f.skipped += nl as u64 + 1;
            }
        }
        let tail: Vec<u8> = f.tail.into_iter().collect();
        self.pending_bytes += tail.len();
        if !tail.is_empty() {
            self.pending.push_back(tail);
        }
        self.skipped += f.skipped;
        Some(FlushEnd { skipped: f.skipped })
    }

    /// Whether output is being skipped after an interrupt.
    pub fn flushing(&self) -> bool {
        self.flush.is_some()
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
            flushing: self.flush.is_some(),
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
            flush_tail: 30,
            flush_quiet_ms: 50.0,
            flush_max_ms: 1000.0,
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
        assert_eq!(s.received, s.written + s.in_flight as u64 + s.pending as u64 + s.skipped);
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
        assert!(!f.interrupt(10.0));
        assert!(!f.flushing());
        assert_eq!(f.stats().pending + f.stats().in_flight, 100);
    }

    #[test]
    fn interrupt_during_a_flood_keeps_the_tail_from_a_line_start() {
        let mut f = Flow::new(small());
        f.push(b"y\n".repeat(100), 0.0);
        while f.next_write().is_some() {}
        assert!(f.interrupt(10.0), "100 in flight + 100 pending is a backlog");
        assert_eq!(f.stats().pending, 0);
        assert_eq!(f.next_write(), None, "nothing is written while skipping");
        // The backlog keeps arriving, then the prompt.
        f.push(b"y\n".repeat(500), 20.0);
        f.push(b"y\n^C\n$ ".to_vec(), 40.0);
        assert_eq!(f.poll_flush(60.0), None, "still within the quiet time");
        let end = f.poll_flush(95.0).expect("output paused for 55 ms");
        f.written(100);
        let shown = f.next_write().unwrap();
        assert!(shown.ends_with(b"y\n^C\n$ "));
        assert!(shown.len() <= 30);
        assert_eq!(shown.first(), Some(&b'y'), "starts at a line start");
        let s = f.stats();
        assert_eq!(s.skipped, end.skipped);
        assert_eq!(s.received, s.written + s.in_flight as u64 + s.pending as u64 + s.skipped);
        assert!(!s.flushing);
    }

    #[test]
    fn skipping_ends_after_the_longest_time_even_if_output_never_pauses() {
        let mut f = Flow::new(small());
        f.push(vec![b'y'; 200], 0.0);
        assert!(f.interrupt(0.0));
        let mut t = 0.0;
        while f.poll_flush(t).is_none() {
            t += 10.0;
            f.push(vec![b'y'; 50], t);
            assert!(t <= 1000.0);
        }
        assert!(!f.flushing());
        assert!(f.next_write().is_some());
    }

    #[test]
    fn a_reattach_cancels_skipping() {
        let mut f = Flow::new(small());
        f.push(vec![0; 200], 0.0);
        assert!(f.interrupt(0.0));
        f.discard_pending();
        assert!(!f.flushing());
        f.push(b"new".to_vec(), 1.0);
        assert_eq!(f.next_write().as_deref(), Some(&b"new"[..]));
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
