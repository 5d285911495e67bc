//! A page's direct-connection pairs (SPEC §14): which visitor is paired
//! with which host under which number, and how many signals each pair has
//! carried. A side may be another node (its visitor, or its host): the
//! pair then has the number the visitor's node gave it there too. Knows
//! nothing of a page; `direct` decides who is paired.

use super::peer::{NodeId, Peer, SocketId};
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
    pub visitor: Peer,
    pub host: Peer,
    /// The number the visitor's node gave the pair, when that is another node.
    pub remote: Option<u32>,
    /// Signals carried so far (the offer counts).
    pub signals: u32,
}

impl Pair {
    /// The number both nodes know the pair by: the visitor's node's.
    pub fn shared(&self, peer: u32) -> u32 {
        self.remote.unwrap_or(peer)
    }
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

    pub fn get(&self, peer: u32) -> Option<&Pair> {
        self.by_peer.get(&peer)
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

    pub fn of_visitor(&self, visitor: Peer) -> impl Iterator<Item = &Pair> {
        self.by_peer.values().filter(move |p| p.visitor == visitor)
    }

    pub fn of_host(&self, host: Peer) -> usize {
        self.by_peer.values().filter(|p| p.host == host).count()
    }

    /// The pair node `node`'s visitor has under `shared` (that node's number), if any.
    pub fn of_remote_visitor(&self, node: NodeId, shared: u32) -> Option<u32> {
        self.by_peer
            .iter()
            .find(|(_, p)| p.visitor == Peer::Node(node) && p.remote == Some(shared))
            .map(|(peer, _)| *peer)
    }

    /// Forgets every pair `socket` is a side of; the ones whose other side
    /// is a node, as (node, the pair's shared number): that node is told.
    pub fn forget(&mut self, socket: SocketId) -> Vec<(NodeId, u32)> {
        let mut nodes = Vec::new();
        self.by_peer.retain(|peer, p| {
            let side = Peer::Socket(socket);
            if p.visitor != side && p.host != side {
                return true;
            }
            if let Peer::Node(node) = if p.visitor == side { p.host } else { p.visitor } {
                nodes.push((node, p.shared(*peer)));
            }
            false
        });
        nodes
    }

    /// Forgets every pair with node `node` on a side (it is gone).
    pub fn forget_node(&mut self, node: NodeId) {
        let node = Peer::Node(node);
        self.by_peer.retain(|_, p| p.visitor != node && p.host != node);
    }

    pub fn is_empty(&self) -> bool {
        self.by_peer.is_empty()
    }
}
