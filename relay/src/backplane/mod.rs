//! The backplane: how the nodes of one site reach each other. The relay
//! talks only to [`Backplane`] (counts, asks, answers, chat, histories,
//! leaving) and hears back through one [`Handler`], whichever transport
//! runs: [`redis`] between processes (`--redis`), [`memory`] between
//! relays in one process (tests), and later NATS beside them. Nothing here
//! knows the relay: arrows point from the relay to this module.
//!
//! What crosses the backplane is what the relay gave it, verbatim: a
//! page's JSON string literal, a chat message, a chat history. The relay
//! checks all of it again when it arrives ([`Handler::handle`]): neither
//! the transport nor the other node is trusted.

pub mod memory;
pub mod redis;

use crate::frame::SharedFrame;
use crate::metrics::Metrics;
use ep2p_core::chunk::ChunkId;
use ep2p_core::protocol::PageHash;
use rand::Rng;
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

pub use self::memory::MemoryBus;
pub use self::redis::RedisBackplane;

pub use crate::routing::NodeId;

/// How often a node refreshes its liveness and checks the others'.
pub const HEARTBEAT: Duration = Duration::from_millis(500);
/// How long a node stays alive to the others without a refresh.
pub const LIVENESS_TTL: Duration = Duration::from_millis(2000);
/// Messages waiting to go out; past this, new ones are dropped and counted.
pub(crate) const OUTGOING: usize = 4096;
/// The most hosts one node may say it counts for one page: 64 times the
/// default `max_connections` (a node counts at most one host per socket).
/// A larger count is not a node's but a forger's on Redis: refused and
/// counted (`ep2p_backplane_malformed_total`), so a page's count cannot be
/// made to wrap.
pub const MAX_NODE_COUNT: usize = 1 << 20;

/// A fresh node id (a node that restarts is a new node).
pub(crate) fn new_node_id() -> NodeId {
    NodeId(rand::thread_rng().gen_range(1..1 << 63))
}

/// What the relay asks of the site's other nodes. Every method returns at
/// once: sending happens in the background, and what cannot be sent is
/// dropped and counted (`ep2p_backplane_dropped_total`).
pub trait Backplane: Send + Sync {
    /// This node's id on the site.
    fn node(&self) -> NodeId;
    /// True while the other nodes can be reached.
    fn connected(&self) -> bool;
    /// This node now counts `count` hosts of its own for the page.
    fn count(&self, page: PageHash, count: usize);
    /// Asks node `to` for a page, for this node's visitors.
    fn ask(&self, to: NodeId, page: PageHash);
    /// Sends node `to` what it asked for: a verified page, or a checked
    /// chat history (`content` and `chat_history` frames; others are ignored).
    fn deliver(&self, to: NodeId, page: PageHash, frame: Arc<SharedFrame>);
    /// Passes a chat message a host of this node said to every other node.
    fn chat(&self, page: PageHash, frame: Arc<SharedFrame>);
    /// Asks node `to` for a page's chat history, for this node's hosts.
    fn ask_history(&self, to: NodeId, page: PageHash);
    /// Asks node `to` for a file page's chunk, for this node's visitors.
    fn ask_chunk(&self, to: NodeId, page: PageHash, chunk: ChunkId);
    /// Sends node `to` the chunk it asked for (its payload as the host
    /// sent it, checked), or says nobody here could send it (`None`).
    fn deliver_chunk(&self, to: NodeId, page: PageHash, chunk: ChunkId, payload: Option<tungstenite::Bytes>);
    /// Passes node `to` a direct connection's signal (SPEC §14) for pair
    /// `pair` (the number the visitor's node gave it): `signal` is the
    /// `signal` payload's JSON, checked by this node.
    fn signal(&self, to: NodeId, page: PageHash, pair: u32, signal: String);
    /// Tells the others this node is going (a node that cannot is dropped
    /// when its liveness expires).
    fn leave(&self);
}

/// What another node said, or what became of one. Literals are borrowed
/// from the message that carried them, unchecked.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// `node` counts `count` hosts for `page` (0: none any more).
    Count { node: NodeId, page: PageHash, count: usize },
    /// `node` asks this node for a page, for its visitors.
    Ask { node: NodeId, page: PageHash },
    /// The page `node` was asked for, as the JSON string literal its host sent.
    Content { node: NodeId, page: PageHash, content: &'a RawValue },
    /// A chat message a host of `node` said on `page`.
    Chat { node: NodeId, page: PageHash, message: &'a RawValue },
    /// `node` asks this node for a page's chat history, for its hosts.
    HistoryAsk { node: NodeId, page: PageHash },
    /// The chat history `node` was asked for (a JSON array of messages).
    History { node: NodeId, page: PageHash, messages: &'a RawValue },
    /// `node` asks this node for a file page's chunk, for its visitors.
    ChunkAsk { node: NodeId, page: PageHash, chunk: ChunkId },
    /// The chunk `node` was asked for (its payload, unchecked), or `None`:
    /// it has no holder of it.
    Chunk { node: NodeId, page: PageHash, chunk: ChunkId, payload: Option<&'a [u8]> },
    /// A direct connection's signal from `node` for pair `pair` (numbered
    /// by the visitor's node), unchecked.
    Signal { node: NodeId, page: PageHash, pair: u32, signal: &'a RawValue },
    /// `node` left, was cut off or died: it counts nothing on `pages` any more.
    NodeGone { node: NodeId, pages: &'a [PageHash] },
}

/// Where a backplane delivers what it hears: the relay, behind this one
/// interface. Called from the backplane's task, never while it holds a lock.
pub trait Handler: Send + Sync + 'static {
    /// Something came from the site.
    fn handle(&self, event: Event<'_>);
    /// How many hosts of its own this node counts for a page now: a count
    /// that went to 0 without being published (a page gone between two
    /// count windows) is caught up from this.
    fn local_count(&self, page: PageHash) -> usize;
}

/// What a node knows of the site, whatever carries its messages: which
/// pages each other node counts hosts for (so a node that goes is taken
/// out of exactly those counts), and what this node last said it counts
/// (told to a node that joins, caught up when it went stale).
#[derive(Debug, Default)]
pub(crate) struct Roster {
    /// Other nodes, and the pages each counts hosts for.
    nodes: HashMap<NodeId, HashSet<PageHash>>,
    /// What this node last told the others it counts, per page.
    published: HashMap<PageHash, usize>,
}

impl Roster {
    /// Node `node` said it counts `count` hosts for `page`; false (and
    /// counted) when no node could count that many, and the count is refused.
    pub(crate) fn heard(&mut self, node: NodeId, page: PageHash, count: usize, metrics: &Metrics) -> bool {
        if count > MAX_NODE_COUNT {
            metrics.backplane_malformed.inc();
            return false;
        }
        let pages = self.nodes.entry(node).or_default();
        if count == 0 {
            pages.remove(&page);
        } else {
            pages.insert(page);
        }
        true
    }

    /// This node counts `count` hosts for `page` now; true when that is
    /// news the others must be told.
    pub(crate) fn publish(&mut self, page: PageHash, count: usize) -> bool {
        let last = self.published.get(&page).copied().unwrap_or(0);
        if last == count {
            return false;
        }
        if count == 0 {
            self.published.remove(&page);
        } else {
            self.published.insert(page, count);
        }
        true
    }

    /// Every count this node has told the others (for a node that joins).
    pub(crate) fn published(&self) -> Vec<(PageHash, usize)> {
        self.published.iter().map(|(page, count)| (*page, *count)).collect()
    }

    /// Counts this node published that are not its counts any more (a page
    /// gone between two count windows went to 0 without an effect).
    pub(crate) fn stale(&self, handler: &dyn Handler) -> Vec<(PageHash, usize)> {
        self.published
            .keys()
            .map(|page| (*page, handler.local_count(*page)))
            .filter(|(page, count)| self.published.get(page) != Some(count))
            .collect()
    }

    /// The other nodes this node knows of.
    pub(crate) fn others(&self) -> Vec<NodeId> {
        self.nodes.keys().copied().collect()
    }

    /// A node is gone: it counts nothing anywhere, and requests waiting on
    /// it fail over (`handler` hears [`Event::NodeGone`]).
    pub(crate) fn forget(&mut self, node: NodeId, handler: &dyn Handler, metrics: &Metrics) {
        let Some(pages) = self.nodes.remove(&node) else { return };
        let pages: Vec<PageHash> = pages.into_iter().collect();
        handler.handle(Event::NodeGone { node, pages: &pages });
        metrics.nodes.set(self.nodes.len() as i64);
    }

    /// How many other nodes count hosts (for `ep2p_nodes`).
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_no_node_could_hold_is_refused_and_counted() {
        let (mut roster, metrics) = (Roster::default(), Metrics::new());
        let page = PageHash::of("counted");
        assert!(roster.heard(NodeId(7), page, MAX_NODE_COUNT, &metrics));
        assert!(!roster.heard(NodeId(8), page, MAX_NODE_COUNT + 1, &metrics));
        assert!(!roster.heard(NodeId(8), page, usize::MAX, &metrics));
        assert_eq!(metrics.backplane_malformed.get(), 2);
        assert_eq!(roster.others(), [NodeId(7)], "a refused count makes no node known");
    }
}
