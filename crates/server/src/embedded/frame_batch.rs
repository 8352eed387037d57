//! Terminal output into WebSocket frames. A lone chunk (a keystroke's echo, a prompt) goes out at
//! once. While output streams (the last frame left moments ago), chunks wait a little to be joined:
//! a program that writes line by line otherwise costs the browser one message per line or two,
//! and each message is a task, a promise and a call into the page's code. The wait is bounded by
//! [`LINGER`] and by [`MAX_FRAME`], so a stream is delayed by at most a couple of milliseconds.
use bytes::{Bytes, BytesMut};
use std::time::Duration;
use tokio::time::Instant;

/// Largest output frame: big enough that a flood costs the browser few messages.
pub const MAX_FRAME: usize = 64 * 1024;
/// Output that follows the previous frame within this counts as a stream.
pub const STREAMING_GAP: Duration = Duration::from_millis(5);
/// How long streamed output may wait to be joined before it is sent.
pub const LINGER: Duration = Duration::from_millis(2);

/// Output waiting to be sent, and when the last frame left.
#[derive(Default)]
pub struct FrameBatch {
    pending: BytesMut,
    flush_at: Option<Instant>,
    last_sent: Option<Instant>,
}

impl FrameBatch {
    /// Takes a chunk of output at `now`; returns a frame to send now, if any.
    pub fn push(&mut self, chunk: Bytes, now: Instant) -> Option<Bytes> {
        let streaming = self
            .last_sent
            .is_some_and(|t| now.duration_since(t) < STREAMING_GAP);
        if self.pending.is_empty() && !streaming {
            self.last_sent = Some(now);
            return Some(chunk);
        }
        self.pending.extend_from_slice(&chunk);
        self.flush_at.get_or_insert(now + LINGER);
        if self.pending.len() >= MAX_FRAME {
            return self.take(now);
        }
        None
    }

    /// How much more output to take for the frame being joined: frames stay within
    /// [`MAX_FRAME`] plus the last chunk read, as they were before joining.
    pub fn room(&self) -> usize {
        MAX_FRAME.saturating_sub(self.pending.len()).max(1)
    }

    /// When the waiting output must go out (`None`: nothing waits).
    pub fn flush_at(&self) -> Option<Instant> {
        self.flush_at
    }

    /// Everything waiting, as one frame sent at `now` (`None` when nothing waits).
    pub fn take(&mut self, now: Instant) -> Option<Bytes> {
        self.flush_at = None;
        if self.pending.is_empty() {
            return None;
        }
        self.last_sent = Some(now);
        Some(self.pending.split().freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(n: usize) -> Bytes {
        Bytes::from(vec![b'a'; n])
    }

    #[test]
    fn a_lone_chunk_goes_out_at_once() {
        let mut b = FrameBatch::default();
        let t = Instant::now();
        assert_eq!(b.push(chunk(3), t).map(|f| f.len()), Some(3));
        // Long after: still at once (an echo after a pause is not held back).
        assert_eq!(
            b.push(chunk(1), t + Duration::from_millis(50))
                .map(|f| f.len()),
            Some(1)
        );
        assert_eq!(b.flush_at(), None);
    }

    #[test]
    fn streamed_chunks_are_joined_until_the_linger_ends() {
        let mut b = FrameBatch::default();
        let t = Instant::now();
        assert!(b.push(chunk(100), t).is_some());
        let t1 = t + Duration::from_micros(300);
        assert_eq!(b.push(chunk(100), t1), None);
        assert_eq!(b.push(chunk(100), t1 + Duration::from_micros(500)), None);
        assert_eq!(
            b.flush_at(),
            Some(t1 + LINGER),
            "the wait starts with the first chunk held"
        );
        let frame = b.take(t1 + LINGER).expect("the held output");
        assert_eq!(frame.len(), 200, "nothing lost, nothing doubled");
        assert_eq!(b.take(t1 + LINGER), None);
        // Still streaming right after that frame: the next chunk waits again.
        assert_eq!(
            b.push(chunk(5), t1 + LINGER + Duration::from_millis(1)),
            None
        );
    }

    #[test]
    fn the_room_left_keeps_frames_near_the_limit() {
        let mut b = FrameBatch::default();
        let t = Instant::now();
        assert_eq!(b.room(), MAX_FRAME);
        assert!(b.push(chunk(1), t).is_some());
        assert_eq!(b.push(chunk(1000), t), None);
        assert_eq!(b.room(), MAX_FRAME - 1000);
        b.take(t);
        assert_eq!(b.room(), MAX_FRAME);
    }

    #[test]
    fn a_full_frame_goes_out_without_waiting() {
        let mut b = FrameBatch::default();
        let t = Instant::now();
        assert!(b.push(chunk(1), t).is_some());
        assert_eq!(b.push(chunk(MAX_FRAME / 2), t), None);
        let frame = b.push(chunk(MAX_FRAME / 2), t).expect("full");
        assert_eq!(frame.len(), MAX_FRAME);
        assert_eq!(b.flush_at(), None);
    }
}
