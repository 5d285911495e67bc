//! A file page's chunk routing, knowing nothing of a page: what each host
//! says it holds, the chunk requests in flight (one host asked per chunk,
//! every visitor that wants it waiting on that one ask), and which holder
//! to ask next. The hub (`chunks`) drives it with the time and the
//! randomness, as it drives the page's request.

use super::peer::{ById, Peer, SocketId};
use ep2p_core::chunk::{ChunkId, ChunkIndex, Holding};
use rand::rngs::SmallRng;
use rand::Rng;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Disjoint ranges one holder may have announced, at most: an honest
/// download fetches nearly in order, so its holdings are a few ranges; a
/// host past this is told so, and holds what it announced before.
pub const MAX_HELD_RANGES: usize = 1024;

/// Holders looked at for one ask, at most: among these, the one with the
/// fewest asks waiting is asked (the "power of d choices", which spreads
/// load nearly as well as looking at all of them).
const LOOK_AT: usize = 8;

/// Chunks as disjoint, non-adjacent half-open ranges of [`ChunkId::key`]s, sorted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct RangeSet(Vec<(u64, u64)>);

impl RangeSet {
    pub fn contains(&self, key: u64) -> bool {
        let at = self.0.partition_point(|&(_, end)| end <= key);
        self.0.get(at).is_some_and(|&(start, _)| start <= key)
    }

    /// Adds `[start, end)`, merged with every range it touches.
    pub fn insert(&mut self, start: u64, end: u64) {
        if start >= end {
            return;
        }
        let first = self.0.partition_point(|&(_, e)| e < start);
        let last = self.0.partition_point(|&(s, _)| s <= end);
        let (mut start, mut end) = (start, end);
        if first < last {
            start = start.min(self.0[first].0);
            end = end.max(self.0[last - 1].1);
        }
        self.0.splice(first..last, [(start, end)]);
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// What one host of the page holds, and how many asks it has not answered.
#[derive(Debug, Default)]
struct Holder {
    all: bool,
    ranges: RangeSet,
    asked: u32,
}

impl Holder {
    fn holds(&self, chunk: ChunkId) -> bool {
        self.all || self.ranges.contains(chunk.key())
    }
}

/// One chunk asked of one host (or another node) for the visitors (or
/// nodes) waiting for it.
#[derive(Debug)]
pub(super) struct Flight {
    /// The host (or node) asked last.
    pub host: Peer,
    /// When the next holder is asked if this one has not answered.
    pub deadline: Instant,
    /// Hosts and nodes asked for this chunk so far (their answer is still taken).
    pub tried: Vec<Peer>,
    /// Visitors and nodes waiting for the chunk (none: it is dropped at its deadline).
    pub waiting: Vec<Peer>,
}

/// An announcement past [`MAX_HELD_RANGES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooFragmented;

/// A file page's chunk routing.
#[derive(Debug, Default)]
pub(super) struct Files {
    /// What checks and sizes the page's chunks, once a verified manifest
    /// passed through the relay.
    pub index: Option<Arc<ChunkIndex>>,
    holders: ById<SocketId, Holder>,
    /// Keyed by what clients name: a seeded hasher.
    pub flights: HashMap<ChunkId, Flight>,
}

impl Files {
    /// `host` holds more: every chunk, or more ranges of one file.
    pub fn announce(&mut self, host: SocketId, holding: &Holding) -> Result<(), TooFragmented> {
        let holder = self.holders.entry(host).or_default();
        match holding {
            Holding::All(_) => {
                holder.all = true;
                holder.ranges = RangeSet::default();
            }
            Holding::Ranges(_) if holder.all => {}
            Holding::Ranges(ranges) => {
                let mut grown = holder.ranges.clone();
                for &(from, to) in &ranges.ranges {
                    let file = u64::from(ranges.file) << 32;
                    grown.insert(file | u64::from(from), file | u64::from(to));
                }
                if grown.len() > MAX_HELD_RANGES {
                    return Err(TooFragmented);
                }
                holder.ranges = grown;
            }
        }
        Ok(())
    }

    /// Whether `host` said it holds every chunk.
    pub fn holds_all(&self, host: SocketId) -> bool {
        self.holders.get(&host).is_some_and(|holder| holder.all)
    }

    /// `host` (a socket that left, or a node that hosts nothing any more)
    /// is gone: the chunks it was asked for, which must go elsewhere.
    pub fn remove_host(&mut self, host: Peer) -> Vec<ChunkId> {
        if let Peer::Socket(socket) = host {
            self.holders.swap_remove(&socket);
        }
        self.flights.iter().filter(|(_, flight)| flight.host == host).map(|(chunk, _)| *chunk).collect()
    }

    /// `visitor` left: it waits for nothing any more.
    pub fn remove_visitor(&mut self, visitor: Peer) {
        for flight in self.flights.values_mut() {
            flight.waiting.retain(|v| *v != visitor);
        }
    }

    /// A holder of `chunk` not in `tried` with few asks waiting, if any.
    pub fn pick(&self, chunk: ChunkId, tried: &[Peer], rng: &mut SmallRng) -> Option<SocketId> {
        let n = self.holders.len();
        if n == 0 {
            return None;
        }
        let start = rng.gen_range(0..n);
        let mut best: Option<(SocketId, u32)> = None;
        let mut seen = 0;
        for i in 0..n {
            let (host, holder) = self.holders.get_index((start + i) % n).expect("in range");
            if !holder.holds(chunk) || tried.contains(&Peer::Socket(*host)) {
                continue;
            }
            if best.is_none_or(|(_, asked)| holder.asked < asked) {
                best = Some((*host, holder.asked));
            }
            seen += 1;
            if seen == LOOK_AT || holder.asked == 0 {
                break;
            }
        }
        best.map(|(host, _)| host)
    }

    /// One more ask of `host` is waiting.
    pub fn asked(&mut self, host: Peer) {
        if let Some(holder) = host.socket().and_then(|socket| self.holders.get_mut(&socket)) {
            holder.asked += 1;
        }
    }

    /// One ask of `host` is over (answered, or moved to another host).
    pub fn done(&mut self, host: Peer) {
        if let Some(holder) = host.socket().and_then(|socket| self.holders.get_mut(&socket)) {
            holder.asked = holder.asked.saturating_sub(1);
        }
    }

    /// The earliest deadline of a chunk in flight.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.flights.values().map(|flight| flight.deadline).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn ranges_merge_and_answer_membership() {
        let mut set = RangeSet::default();
        set.insert(10, 20);
        set.insert(30, 40);
        assert_eq!(set.len(), 2);
        assert!(set.contains(10) && set.contains(19) && !set.contains(20) && !set.contains(9));
        set.insert(20, 30); // touches both: one range
        assert_eq!(set, RangeSet(vec![(10, 40)]));
        set.insert(5, 6);
        set.insert(50, 60);
        set.insert(7, 8);
        assert_eq!(set, RangeSet(vec![(5, 6), (7, 8), (10, 40), (50, 60)]));
        set.insert(0, 100);
        assert_eq!(set, RangeSet(vec![(0, 100)]));
        set.insert(3, 3);
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn the_least_asked_untried_holder_is_picked() {
        let mut files = Files::default();
        let mut rng = SmallRng::seed_from_u64(1);
        let (a, b, c) = (SocketId(1), SocketId(2), SocketId(3));
        let chunk = ChunkId::new(0, 5);
        assert_eq!(files.pick(chunk, &[], &mut rng), None);
        files.announce(a, &Holding::all()).unwrap();
        files.announce(b, &Holding::ranges(0, vec![(0, 4)])).unwrap();
        files.announce(c, &Holding::ranges(0, vec![(4, 8)])).unwrap();
        // b does not hold chunk 5.
        for _ in 0..20 {
            assert_ne!(files.pick(chunk, &[], &mut rng), Some(b));
        }
        files.asked(a.into());
        assert_eq!(files.pick(chunk, &[], &mut rng), Some(c));
        assert_eq!(files.pick(chunk, &[c.into()], &mut rng), Some(a));
        assert_eq!(files.pick(chunk, &[a.into(), c.into()], &mut rng), None);
        files.done(a.into());
        files.asked(c.into());
        assert_eq!(files.pick(chunk, &[], &mut rng), Some(a));
        // A ranges announcement after "all" changes nothing.
        files.announce(a, &Holding::ranges(1, vec![(0, 1)])).unwrap();
        assert_eq!(files.pick(ChunkId::new(7, 7), &[], &mut rng), Some(a));
    }

    #[test]
    fn fragmented_holdings_are_capped() {
        let mut files = Files::default();
        let host = SocketId(1);
        let odd = |from: u32| (from..from + 256).map(|i| (2 * i, 2 * i + 1)).collect::<Vec<_>>();
        for round in 0..4 {
            files.announce(host, &Holding::ranges(0, odd(round * 256))).unwrap();
        }
        assert_eq!(files.announce(host, &Holding::ranges(0, odd(1024))), Err(TooFragmented));
        // What it held before stays; filling a gap still works.
        let mut rng = SmallRng::seed_from_u64(1);
        assert_eq!(files.pick(ChunkId::new(0, 2), &[], &mut rng), Some(host));
        assert_eq!(files.pick(ChunkId::new(0, 2049), &[], &mut rng), None);
        files.announce(host, &Holding::ranges(0, vec![(1, 2)])).unwrap();
    }
}
