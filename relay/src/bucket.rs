//! Rate limits: a token bucket per socket and kind of frame. The time is
//! passed in, so the arithmetic is tested without waiting.

use std::time::{Duration, Instant};

/// Tokens refilled at a steady rate, holding at most a burst.
#[derive(Debug)]
pub struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl Bucket {
    /// `rate` tokens per second, bursts of twice that; full at `now`.
    pub fn new(rate: u32, now: Instant) -> Self {
        let rate = f64::from(rate);
        Self { tokens: 2.0 * rate, rate, burst: 2.0 * rate, last: now }
    }

    /// `count` tokens per `window`, bursts of `count`; full at `now`.
    pub fn per(count: u32, window: Duration, now: Instant) -> Self {
        let burst = f64::from(count);
        Self { tokens: burst, rate: burst / window.as_secs_f64().max(1e-3), burst, last: now }
    }

    /// When a token was last taken or refused.
    pub fn last(&self) -> Instant {
        self.last
    }

    /// Takes a token if there is one; refills for the time since the last call.
    pub fn take(&mut self, now: Instant) -> bool {
        let refill = now.saturating_duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = self.last.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(bucket: &mut Bucket, now: Instant, tries: usize) -> usize {
        (0..tries).filter(|_| bucket.take(now)).count()
    }

    #[test]
    fn a_full_bucket_allows_a_burst_of_twice_the_rate_then_refuses() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(5, t0);
        assert_eq!(taken(&mut bucket, t0, 100), 10);
        assert!(!bucket.take(t0));
    }

    #[test]
    fn it_refills_at_the_rate_and_never_beyond_the_burst() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(5, t0);
        taken(&mut bucket, t0, 10);
        // 200 ms at 5 per second is one token.
        assert_eq!(taken(&mut bucket, t0 + Duration::from_millis(200), 10), 1);
        assert_eq!(taken(&mut bucket, t0 + Duration::from_millis(300), 10), 0, "half a token is not one");
        assert_eq!(taken(&mut bucket, t0 + Duration::from_millis(400), 10), 1);
        // A long pause refills to the burst, no more.
        assert_eq!(taken(&mut bucket, t0 + Duration::from_secs(60), 100), 10);
    }

    #[test]
    fn five_per_ten_seconds_is_a_burst_of_five_then_one_every_two_seconds() {
        let t0 = Instant::now();
        let mut bucket = Bucket::per(5, Duration::from_secs(10), t0);
        assert_eq!(taken(&mut bucket, t0, 20), 5);
        assert_eq!(taken(&mut bucket, t0 + Duration::from_millis(1999), 5), 0);
        assert_eq!(taken(&mut bucket, t0 + Duration::from_secs(2), 5), 1);
        assert_eq!(taken(&mut bucket, t0 + Duration::from_secs(600), 20), 5, "never more than five at once");
    }

    #[test]
    fn a_clock_that_goes_backwards_refills_nothing() {
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut bucket = Bucket::new(1, t0);
        taken(&mut bucket, t0, 2);
        assert!(!bucket.take(t0 - Duration::from_secs(5)));
        assert!(!bucket.take(t0 + Duration::from_millis(500)));
        assert!(bucket.take(t0 + Duration::from_secs(1)));
    }
}
