//! Asks per client address: how often the visitors of one address may
//! make a page's hosts upload it. Each ask of a new request is charged to
//! the address of the visitor it went out for; past the budget, the
//! request waits (`page.rs` keeps who waits, `requests.rs` decides), so a
//! loop of join, request, leave costs its own address, not the host.

use indexmap::IndexMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Pruned once it holds this many addresses (then at twice what is left).
const PRUNE_AT: usize = 64;

/// One page's budgets, by address: for each, the time at which its budget
/// would be full again (GCRA's "theoretical arrival time": one ask moves
/// it `every` later; an ask is allowed while it is at most `burst - 1`
/// steps ahead of now). An address whose budget is full is forgotten.
/// A page nobody has asked for holds no map at all: it is made at the
/// first ask.
#[derive(Debug)]
pub(super) struct AskBudgets {
    full_at: Option<Box<IndexMap<IpAddr, Instant>>>,
    /// When the map holds this many addresses, the full ones are dropped.
    prune_at: usize,
}

impl Default for AskBudgets {
    fn default() -> Self {
        Self { full_at: None, prune_at: PRUNE_AT }
    }
}

impl AskBudgets {
    /// `Ok` if `address` may have a host asked now; else when it may.
    pub fn ready(&self, address: IpAddr, now: Instant, burst: u32, every: Duration) -> Result<(), Instant> {
        let Some(&full_at) = self.full_at.as_ref().and_then(|map| map.get(&address)) else { return Ok(()) };
        let ahead = every * burst.saturating_sub(1);
        let due = full_at.checked_sub(ahead).unwrap_or(now);
        if due <= now {
            Ok(())
        } else {
            Err(due)
        }
    }

    /// Charges one ask to `address`.
    pub fn spend(&mut self, address: IpAddr, now: Instant, every: Duration) {
        let map = self.full_at.get_or_insert_default();
        if map.len() >= self.prune_at && !map.contains_key(&address) {
            map.retain(|_, full_at| *full_at > now);
            self.prune_at = PRUNE_AT.max(2 * map.len());
        }
        let full_at = map.entry(address).or_insert(now);
        *full_at = (*full_at).max(now) + every;
    }

    /// Addresses remembered (the tests check that they are forgotten).
    #[cfg(test)]
    pub fn remembered(&self) -> usize {
        self.full_at.as_ref().map_or(0, |map| map.len())
    }
}
