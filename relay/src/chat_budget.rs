//! Chat budgets beyond one socket's: per client address and per page, so
//! many sockets from one address (or many on one page) cannot flood a
//! page's hosts. A bucket back to full is forgotten, so what is held is
//! bounded by who chatted within the last window.

use crate::bucket::Bucket;
use ep2p_core::chat::RATE_WINDOW;
use ep2p_core::protocol::PageHash;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// Buckets held before the first sweep.
const SWEEP_FROM: usize = 1024;

/// Which budget a refused message was past.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    /// Its client address's (an IPv6 client's /64).
    Address,
    /// Its page's.
    Page,
}

/// The chat budgets of every client address and page that chatted lately.
pub struct ChatBudgets {
    /// Messages per [`RATE_WINDOW`] from one address.
    per_address: u32,
    /// Messages per [`RATE_WINDOW`] into one page.
    per_page: u32,
    /// One lock for both maps: held for two lookups, never across `.await`.
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    addresses: HashMap<IpAddr, Bucket>,
    pages: HashMap<PageHash, Bucket>,
    /// Buckets left by the last sweep: the next one comes at twice as many,
    /// so sweeping costs O(1) a message.
    after_sweep: usize,
}

impl ChatBudgets {
    pub fn new(per_address: u32, per_page: u32) -> Self {
        Self { per_address, per_page, state: Mutex::default() }
    }

    /// Takes one message from `address`'s budget, then from `page`'s.
    pub fn take(&self, address: IpAddr, page: PageHash, now: Instant) -> Result<(), Spent> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.sweep(now);
        let (per_address, per_page) = (self.per_address, self.per_page);
        let by_address =
            state.addresses.entry(address).or_insert_with(|| Bucket::per(per_address, RATE_WINDOW, now));
        if !by_address.take(now) {
            return Err(Spent::Address);
        }
        let by_page = state.pages.entry(page).or_insert_with(|| Bucket::per(per_page, RATE_WINDOW, now));
        if !by_page.take(now) {
            return Err(Spent::Page);
        }
        Ok(())
    }

    /// Buckets held (addresses and pages).
    pub fn held(&self) -> usize {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.addresses.len() + state.pages.len()
    }
}

impl State {
    /// Forgets buckets untouched for a whole window: they are full again.
    fn sweep(&mut self, now: Instant) {
        let held = self.addresses.len() + self.pages.len();
        if held < SWEEP_FROM.max(2 * self.after_sweep) {
            return;
        }
        let fresh = |bucket: &mut Bucket| now.saturating_duration_since(bucket.last()) < RATE_WINDOW;
        self.addresses.retain(|_, bucket| fresh(bucket));
        self.pages.retain(|_, bucket| fresh(bucket));
        self.after_sweep = self.addresses.len() + self.pages.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, n))
    }

    #[test]
    fn an_address_is_held_to_its_budget_over_all_pages_and_others_are_not_touched() {
        let t0 = Instant::now();
        let budgets = ChatBudgets::new(3, 100);
        let pages = [PageHash::of("a"), PageHash::of("b")];
        let taken = (0..10).filter(|i| budgets.take(ip(1), pages[i % 2], t0).is_ok()).count();
        assert_eq!(taken, 3);
        assert_eq!(budgets.take(ip(1), pages[0], t0), Err(Spent::Address));
        assert_eq!(budgets.take(ip(2), pages[0], t0), Ok(()));
        // 3 per 10 s: one more every 3.4 s or so.
        assert_eq!(budgets.take(ip(1), pages[0], t0 + Duration::from_secs(4)), Ok(()));
    }

    #[test]
    fn a_page_is_held_to_its_budget_whoever_speaks() {
        let t0 = Instant::now();
        let budgets = ChatBudgets::new(100, 5);
        let page = PageHash::of("busy");
        let taken = (0..20).filter(|&n| budgets.take(ip(n), page, t0).is_ok()).count();
        assert_eq!(taken, 5);
        assert_eq!(budgets.take(ip(99), page, t0), Err(Spent::Page));
        assert_eq!(budgets.take(ip(99), PageHash::of("quiet"), t0), Ok(()));
    }

    #[test]
    fn buckets_full_again_are_forgotten() {
        let t0 = Instant::now();
        let budgets = ChatBudgets::new(5, 5);
        for n in 0..SWEEP_FROM {
            let address = IpAddr::V4(Ipv4Addr::from(n as u32));
            budgets.take(address, PageHash::of(&n.to_string()), t0).unwrap();
        }
        assert_eq!(budgets.held(), 2 * SWEEP_FROM);
        budgets.take(ip(1), PageHash::of("later"), t0 + RATE_WINDOW).unwrap();
        assert_eq!(budgets.held(), 2, "only the message just taken is remembered");
    }
}
