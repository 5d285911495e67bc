//! Rate limits: a token bucket per socket and kind of frame, or per client
//! address ([`PerAddress`]). The time is passed in, so the arithmetic is
//! tested without waiting.

use dashmap::DashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Buckets idle this long are dropped when the table grows (a bucket that
/// refills within this is then as good as new).
const BUCKET_IDLE: Duration = Duration::from_secs(60);
/// The table is swept of idle buckets when it holds this many.
const BUCKET_SWEEP_AT: usize = 4096;

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

    /// Spends `amount` tokens if there are that many (or, for more than a
    /// burst, if the bucket is full: the balance then goes below zero and
    /// is paid back before the next spend); refills for the time since
    /// the last call.
    pub fn spend(&mut self, amount: f64, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= amount.min(self.burst) {
            self.tokens -= amount;
            true
        } else {
            false
        }
    }

    fn refill(&mut self, now: Instant) {
        let refill = now.saturating_duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.burst);
        self.last = self.last.max(now);
    }

    /// Takes a token if there is one; refills for the time since the last call.
    pub fn take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// A token bucket per client address (an IPv6 client's /64, as the caller
/// gives it), shared by every connection from it; idle buckets are swept.
#[derive(Debug, Default)]
pub struct PerAddress {
    buckets: DashMap<IpAddr, Bucket>,
}

impl PerAddress {
    /// Takes one of `address`'s tokens; its bucket is made by `fresh` the
    /// first time (or after it was swept as idle).
    pub fn take(&self, address: IpAddr, now: Instant, fresh: impl FnOnce(Instant) -> Bucket) -> bool {
        if self.buckets.len() >= BUCKET_SWEEP_AT {
            self.buckets.retain(|_, bucket| now.saturating_duration_since(bucket.last()) < BUCKET_IDLE);
        }
        self.buckets.entry(address).or_insert_with(|| fresh(now)).take(now)
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

    #[test]
    fn each_address_has_its_own_bucket_and_idle_ones_are_swept() {
        let rates = PerAddress::default();
        let t = Instant::now();
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let two = |now| Bucket::new(2, now);
        assert_eq!((0..10).filter(|_| rates.take(a, t, two)).count(), 4, "bursts of twice the rate");
        assert!(rates.take(b, t, two), "another address is not affected");
        assert!(rates.take(a, t + Duration::from_millis(500), two), "one token back after half a second");
        for i in 0..BUCKET_SWEEP_AT as u32 {
            rates.take(IpAddr::from(i.to_be_bytes()), t, two);
        }
        let later = t + BUCKET_IDLE + Duration::from_secs(1);
        rates.take(a, later, two);
        assert!(rates.buckets.len() < 10, "idle buckets were swept: {}", rates.buckets.len());
    }
}
