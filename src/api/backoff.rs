//! Reconnect delays: exponential with jitter, capped, reset after a healthy connection.

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
}

impl Backoff {
    /// Starts at `base_ms`, doubles each attempt, never above `cap_ms`.
    pub fn new(base_ms: u32, cap_ms: u32) -> Self {
        Self {
            base_ms,
            cap_ms,
            attempt: 0,
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

    /// A connection worked: start again from the base delay.
    pub fn reset(&mut self) {
        self.attempt = 0;
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
}
