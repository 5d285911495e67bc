//! Everything that can happen to the routing: sockets and channels coming
//! and going, requests and answers (from sockets here or other nodes), the
//! counts other nodes report, and the timers it asked for.

use super::peer::{NodeId, Peer, SocketId};
use crate::frame::{ChunkFrame, SharedFrame};
use ep2p_core::chunk::ChunkId;
use ep2p_core::protocol::PageHash;
use std::net::IpAddr;
use std::sync::Arc;

/// One thing that happened, for [`Hub::handle`](super::Hub::handle).
#[derive(Debug, Clone)]
pub enum Input {
    /// A socket opened, from `address` (the one its misses count against).
    Open { socket: SocketId, address: IpAddr },
    /// A socket closed (after leaving every page).
    Close { socket: SocketId },
    /// A socket joined `have:H`.
    JoinHost { host: SocketId, hash: PageHash },
    /// A socket left `have:H`, or disconnected, or was closed for lying.
    LeaveHost { host: SocketId, hash: PageHash },
    /// A socket joined `want:H` (or another node asks for the page).
    JoinVisitor { visitor: Peer, hash: PageHash },
    /// A visitor left `want:H` (served, gave up, or disconnected).
    LeaveVisitor { visitor: Peer, hash: PageHash },
    /// A socket joined `watch:H`: it hears the page's count, nothing else.
    JoinWatcher { watcher: SocketId, hash: PageHash },
    /// A socket left `watch:H` (or disconnected).
    LeaveWatcher { watcher: SocketId, hash: PageHash },
    /// A visitor on `want:H` sent `content_request`.
    Request { visitor: Peer, hash: PageHash },
    /// A host (or another node) answered `content_request`, as checked by
    /// whoever received it.
    Content { host: Peer, hash: PageHash, answer: Answer },
    /// The time an earlier [`Effect::WakeAt`](super::Effect::WakeAt) asked for.
    Wake { hash: PageHash },
    /// A host of the page (or another node, for its hosts) asks for the
    /// chat's history.
    HistoryRequest { asker: Peer, hash: PageHash },
    /// A host's (or node's) answer to `chat_history`: `Some` checked by the
    /// caller, `None` refused.
    HistoryAnswer { host: Peer, hash: PageHash, answer: Option<Arc<SharedFrame>> },
    /// Another node of the site counts `count` hosts for the page (0: none,
    /// or it is gone).
    RemoteCount { node: NodeId, hash: PageHash, count: usize },
    /// A visitor on `want:H` sent `chunk_request` for a chunk its socket
    /// found in the page's index (or another node asks for its visitors).
    ChunkRequest { visitor: Peer, hash: PageHash, chunk: ChunkId },
    /// A host (or another node) sent a chunk it was asked for, as whoever
    /// received it checked it.
    Chunk { host: Peer, hash: PageHash, answer: ChunkAnswer },
    /// Another node has no holder of a chunk it was asked for.
    ChunkRefused { node: NodeId, hash: PageHash, chunk: ChunkId },
}

/// A host's chunk, as the socket found it.
#[derive(Debug, Clone)]
pub enum ChunkAnswer {
    /// It is the chunk it says, by its proof: the frame visitors are sent.
    Verified(Arc<ChunkFrame>),
    /// It is not this chunk (a host is removed as for a forged page; a
    /// node's answer counts as none).
    Forged(ChunkId),
}

/// A host's answer to `content_request`, as the socket found it.
#[derive(Debug, Clone)]
pub enum Answer {
    /// The text hashes to the page: the frame visitors are to be sent.
    Verified(Arc<SharedFrame>),
    /// The text does not hash to the page (or claims another hash).
    Forged,
    /// The text is the page, but its end has come: passed on to nobody.
    Ended,
    /// The text is the page, a one-time page (SPEC §15): it goes to one
    /// of the visitors waiting, and to nobody after.
    Once(Arc<SharedFrame>),
}
