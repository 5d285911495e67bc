//! What the routing decides, for the relay (`relay.rs`) to carry out. Each
//! effect holds everything needed to carry it out: the bytes to send and
//! who they go to.

use super::peer::{NodeId, Peer, SocketId};
use crate::frame::{ChunkFrame, SharedFrame};
use ep2p_core::chunk::ChunkId;
use ep2p_core::protocol::PageHash;
use std::sync::Arc;
use std::time::Instant;

/// What the connection layer must do after a [`Hub::handle`](super::Hub::handle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Push `content_request` to this host on `have:H` (or ask that node).
    Ask { host: Peer, hash: PageHash },
    /// Send this verified `content` frame (on `want:H`) to these visitors.
    Deliver { frame: Arc<SharedFrame>, visitors: Vec<Peer> },
    /// A one-time page went to its one reader (SPEC §15): remember it as
    /// read, and tell its author (this host, or that node's).
    Read { host: Peer, hash: PageHash },
    /// Push `visitors_count` to the hosts (on `have:H`), visitors (on
    /// `want:H`) and watchers (on `watch:H`); `local` is the part of `count`
    /// this node's own hosts make (what it tells the other nodes).
    Count {
        hash: PageHash,
        hosts: Vec<SocketId>,
        visitors: Vec<SocketId>,
        watchers: Vec<SocketId>,
        count: usize,
        local: usize,
    },
    /// Hand [`Input::Wake`](super::Input::Wake) for this page to the hub at
    /// `at` (a failover deadline, a probe's or the end of a count window).
    WakeAt { hash: PageHash, at: Instant },
    /// Push `chat_history` (`{}`) to this host on `have:H` (or ask that
    /// node): it is asked for the page's chat.
    AskHistory { host: Peer, hash: PageHash },
    /// Send this `chat_history` answer (on `have:H`) to the hosts (or
    /// nodes) that asked for it.
    History { frame: Arc<SharedFrame>, to: Vec<Peer> },
    /// Push `chunk_request` to this host on `have:H`; it may then send a
    /// binary message of up to `limit` bytes of payload (or ask that node for it).
    AskChunk { host: Peer, hash: PageHash, chunk: ChunkId, limit: usize },
    /// Send this verified chunk (on `want:H`) to these visitors (or nodes).
    DeliverChunk { frame: Arc<ChunkFrame>, visitors: Vec<Peer> },
    /// Tell these visitors (on `want:H`), or nodes, that no host can send the chunk.
    ChunkUnavailable { hash: PageHash, chunk: ChunkId, visitors: Vec<Peer> },
    /// Tell node `node` that direct-connection pair `pair` (its shared
    /// number) is over: its side here left the page (a `bye`).
    NodeBye { node: NodeId, hash: PageHash, pair: u32 },
}

/// Effects of one input; most inputs produce none or one.
pub type Effects = Vec<Effect>;
