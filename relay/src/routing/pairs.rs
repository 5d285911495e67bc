//! A page's direct-connection pairs (SPEC §14): which visitor is paired
//! with which host under which number, and how many signals each pair has
//! carried. Knows nothing of a page; `direct` decides who is paired.

use super::peer::SocketId;
use indexmap::IndexMap;

/// Hosts one visitor may be paired with on one page at once (a download
/// takes chunks from a few hosts at a time).
pub const MOST_PAIRS_PER_VISITOR: usize = 4;
/// Visitors one host may be paired with on one page at once (a browser
/// answers at most `signal::HOST_MOST_PEERS`; the rest go through the relay).
pub const MOST_PAIRS_PER_HOST: usize = 32;
/// Signals one pair may carry in all (an offer, an answer, a few dozen
/// candidates each way, a bye): past it, the pair is spent.
pub const MOST_SIGNALS_PER_PAIR: u32 = 64;

#[derive(Debug)]
pub(super) struct Pair {
    pub visitor: SocketId,
    pub host: SocketId,
    /// Signals carried so far (the offer counts).
    pub signals: u32,
}

/// One page's pairs, by the number the relay gave each.
#[derive(Debug, Default)]
pub(super) struct Pairs {
    next: u32,
    by_peer: IndexMap<u32, Pair>,
}

impl Pairs {
    /// Pairs `pair`, under the next number.
    pub fn insert(&mut self, pair: Pair) -> u32 {
        self.next = self.next.wrapping_add(1);
        self.by_peer.insert(self.next, pair);
        self.next
    }

    pub fn get_mut(&mut self, peer: u32) -> Option<&mut Pair> {
        self.by_peer.get_mut(&peer)
    }

    pub fn remove(&mut self, peer: u32) {
        self.by_peer.swap_remove(&peer);
    }

    pub fn len(&self) -> usize {
        self.by_peer.len()
    }

    pub fn of_visitor(&self, visitor: SocketId) -> impl Iterator<Item = &Pair> {
        self.by_peer.values().filter(move |p| p.visitor == visitor)
    }

    pub fn of_host(&self, host: SocketId) -> usize {
        self.by_peer.values().filter(|p| p.host == host).count()
    }

    /// Forgets every pair `socket` is a side of.
    pub fn forget(&mut self, socket: SocketId) -> usize {
        let before = self.by_peer.len();
        self.by_peer.retain(|_, p| p.visitor != socket && p.host != socket);
        before - self.by_peer.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_peer.is_empty()
    }
}
