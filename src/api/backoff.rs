//! Reconnect delays: exponential with jitter, capped, reset after a healthy connection. The one
//! policy every retry of the app uses (sockets, the terminal, failed reads).

/// A connection that stayed open this long was healthy: the next drop starts the delays over.
pub const HEALTHY_AFTER_MS: f64 = 5_000.0;

/// The delay after `doublings` doublings of `base_ms`, capped at `cap_ms`, with "equal jitter":
/// half fixed, half scaled by `random` in [0, 1), so many tabs do not reconnect in lockstep.
pub fn equal_jitter_delay_ms(base_ms: u32, cap_ms: u32, doublings: u32, random: f64) -> u32 {
    let ceiling = (f64::from(base_ms) * 2f64.powi(doublings.min(30) as i32)).min(f64::from(cap_ms));
    (ceiling / 2.0 + ceiling / 2.0 * random.clamp(0.0, 1.0)) as u32
}

/// Exponential backoff state.
#[derive(Clone, Debug)]
pub struct Backoff {
    base_ms: u32,
    cap_ms: u32,
    attempt: u32,
    /// When the current connection opened (page clock, ms), if one is open.
    opened_at_ms: Option<f64>,
}

impl Backoff {
    /// Starts at `base_ms`, doubles each attempt, never above `cap_ms`.
    pub fn new(base_ms: u32, cap_ms: u32) -> Self {
        Self {
            base_ms,
            cap_ms,
            attempt: 0,
            opened_at_ms: None,
        }
    }

    /// The next delay (see [`equal_jitter_delay_ms`]).
    pub fn next_delay_ms(&mut self, random: f64) -> u32 {
        let delay = equal_jitter_delay_ms(self.base_ms, self.cap_ms, self.attempt, random);
        self.attempt = self.attempt.saturating_add(1);
        delay
    }

    /// Attempts since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// A connection worked (it delivered what its owner could read): start again from the base
    /// delay.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// A connection opened at `now_ms`.
    pub fn opened(&mut self, now_ms: f64) {
        self.opened_at_ms = Some(now_ms);
    }

    /// A connection ended at `now_ms`: when it had stayed open for [`HEALTHY_AFTER_MS`], the
    /// delays start over.
    pub fn dropped(&mut self, now_ms: f64) {
        if let Some(opened) = self.opened_at_ms.take() {
            if now_ms - opened >= HEALTHY_AFTER_MS {
                self.reset();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Backoff;

    #[test]
    fn grows_exponentially_up_to_the_cap_with_bounded_jitter() {
        let mut b = Backoff::new(500, 8_000);
        let lows: Vec<u32> = (0..7).map(|_| b.next_delay_ms(0.0)).collect();
        assert_eq!(lows, [250, 500, 1000, 2000, 4000, 4000, 4000]);
        let mut b = Backoff::new(500, 8_000);
        let highs: Vec<u32> = (0..7).map(|_| b.next_delay_ms(1.0)).collect();
        assert_eq!(highs, [500, 1000, 2000, 4000, 8000, 8000, 8000]);
    }

    #[test]
    fn reset_starts_over() {
        let mut b = Backoff::new(1000, 30_000);
        b.next_delay_ms(0.5);
        b.next_delay_ms(0.5);
        assert_eq!(b.attempts(), 2);
        b.reset();
        assert_eq!(b.next_delay_ms(1.0), 1000);
    }

    #[test]
    fn only_a_healthy_connection_starts_over() {
        let mut b = Backoff::new(1000, 30_000);
        b.next_delay_ms(0.0);
        b.next_delay_ms(0.0);
        b.opened(10_000.0);
        b.dropped(14_999.0);
        assert_eq!(
            b.attempts(),
            2,
            "a short connection keeps the delays growing"
        );
        b.dropped(60_000.0);
        assert_eq!(b.attempts(), 2, "a drop without an open counts nothing");
        b.opened(20_000.0);
        b.dropped(25_000.0);
        assert_eq!(b.attempts(), 0, "five seconds open was healthy");
    }
}
