//! Who the routing talks to: a socket of this node, or another relay node
//! of the same site that stands in for its own hosts and visitors.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A map keyed by ids the relay gives out itself (sockets, nodes, peers):
/// nobody outside chooses them, so it needs no random hasher seed, and it
/// is 16 bytes smaller for it (a page holds eight of these).
pub(super) type ById<K, V> = indexmap::IndexMap<K, V, rustc_hash::FxBuildHasher>;
/// The same, as a set.
pub(super) type SetById<K> = indexmap::IndexSet<K, rustc_hash::FxBuildHasher>;

/// A socket of this node (a WebSocket, or `/<hash>/raw`'s visitor inside
/// the relay), numbered from 1 by the relay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketId(pub u64);

/// Another relay node of the site, by the id it announces on the backplane
/// (a 63-bit number, never 0; on the wire, the bare number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NodeId(pub u64);

/// Whoever asks for a page or is asked for one: a socket here, or another
/// node (asked as one host for its hosts, served as one visitor for its
/// visitors).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    Socket(SocketId),
    Node(NodeId),
}

impl Peer {
    /// The socket, when this peer is one of this node's own.
    pub fn socket(self) -> Option<SocketId> {
        match self {
            Peer::Socket(socket) => Some(socket),
            Peer::Node(_) => None,
        }
    }

    /// True for this node's own sockets.
    pub fn is_local(self) -> bool {
        matches!(self, Peer::Socket(_))
    }
}

impl From<SocketId> for Peer {
    fn from(socket: SocketId) -> Self {
        Peer::Socket(socket)
    }
}

impl From<NodeId> for Peer {
    fn from(node: NodeId) -> Self {
        Peer::Node(node)
    }
}

impl fmt::Display for SocketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:x}", self.0)
    }
}
