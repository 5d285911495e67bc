//! Direct connections (SPEC §14): a visitor's offer pairs it with one host
//! of the page, chosen as a request's host is (proven and fresh hosts
//! first, at random; never a slow or probed one; for a file page, one
//! that holds every chunk if there is one), and from then on the
//! pair's signals go to its other side and nowhere else. With no host
//! here, the offer goes to another node that hosts the page, which pairs
//! the visitor with one of its hosts; the pair then has a side on each
//! node, and its signals cross the backplane like an ask. A pair ends with
//! a `bye` from either side or when either leaves the page (the other
//! node is told); it never outlives both being on it. No I/O: the channel
//! layer forwards.

use super::page::Page;
use super::pairs::{Pair, MOST_PAIRS_PER_HOST, MOST_PAIRS_PER_VISITOR, MOST_SIGNALS_PER_PAIR};
use super::peer::{NodeId, Peer, SocketId};
use super::pick::other;
use super::Hub;
use ep2p_core::protocol::PageHash;

/// Which side of a pair a socket speaks for: a visitor on `want:H`, a host on `have:H`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Visitor,
    Host,
}

/// Why the relay did not pair or forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unpaired {
    #[error("direct connections are off on this server")]
    Off,
    #[error("no host to connect to directly: use the relay")]
    NoHost,
    #[error("too many direct connections on this page")]
    TooMany,
    #[error("no such peer: signals go only to the peer the relay paired you with")]
    NotYours,
    #[error("too many signals for this peer")]
    Spent,
}

/// Where a signal goes: one of this node's sockets, or another node (with
/// the pair's shared number, the visitor's node's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    Socket(SocketId),
    Node(NodeId, u32),
}

/// A page without pairs holds no pair set.
fn drop_if_empty(page: &mut Page) {
    if page.pairs.as_deref().is_some_and(super::pairs::Pairs::is_empty) {
        page.pairs = None;
    }
}

impl Hub {
    /// Drops the pairs `socket` is a side of (it left the page); the pairs
    /// with another node on the other side, for that node to be told.
    pub(super) fn unpair(page: &mut Page, socket: SocketId) -> Vec<(NodeId, u32)> {
        let Some(pairs) = page.pairs.as_mut() else { return Vec::new() };
        let nodes = pairs.forget(socket);
        drop_if_empty(page);
        nodes
    }

    /// Drops the pairs node `node` is a side of (it hosts the page no more, or went).
    pub(super) fn unpair_node(page: &mut Page, node: NodeId) {
        if let Some(pairs) = page.pairs.as_mut() {
            pairs.forget_node(node);
            drop_if_empty(page);
        }
    }

    /// A local host for a pair with `visitor` (a socket here or another
    /// node's visitor): proven and fresh hosts first, at random; for a file
    /// page one with every chunk if there is one.
    fn pair_host(page: &mut Page, visitor: Peer) -> Option<SocketId> {
        let pairs = page.pairs.get_or_insert_with(Box::default);
        let skip = |peer: &Peer| {
            peer.socket().is_none_or(|host| {
                *peer == visitor
                    || pairs.of_visitor(visitor).any(|p| p.host == *peer)
                    || pairs.of_host(Peer::Socket(host)) >= MOST_PAIRS_PER_HOST
            })
        };
        let files = page.files.as_deref();
        let partial = |peer: &Peer| {
            skip(peer) || files.is_some_and(|f| peer.socket().is_none_or(|host| !f.holds_all(host)))
        };
        other(&page.hosts.proven, &partial, &mut page.rng)
            .or_else(|| other(&page.hosts.fresh, &partial, &mut page.rng))
            .or_else(|| other(&page.hosts.proven, &skip, &mut page.rng))
            .or_else(|| other(&page.hosts.fresh, &skip, &mut page.rng))
            .and_then(|peer| peer.socket())
    }

    /// A visitor of the page offers a direct connection: the pair's number
    /// and where the offer goes (a host here, or, with none here, another
    /// node that hosts the page, which pairs it with one of its own).
    pub fn pair(&self, visitor: SocketId, hash: PageHash) -> Result<(u32, Target), Unpaired> {
        let mut result = Err(if self.config.direct { Unpaired::NoHost } else { Unpaired::Off });
        self.with_page(hash, |page| {
            let me = Peer::Socket(visitor);
            if !self.config.direct || !page.visitors.contains_key(&me) {
                return;
            }
            let pairs = page.pairs.get_or_insert_with(Box::default);
            if pairs.of_visitor(me).count() >= MOST_PAIRS_PER_VISITOR {
                result = Err(Unpaired::TooMany);
                return;
            }
            let host = Self::pair_host(page, me).map(Peer::Socket).or_else(|| {
                let pairs = page.pairs.as_deref()?;
                let nodes = page.remote.ready()?;
                let skip = |node: &Peer| pairs.of_visitor(me).any(|p| p.host == *node);
                other(nodes, &skip, &mut page.rng)
            });
            let pairs = page.pairs.get_or_insert_with(Box::default);
            if let Some(host) = host {
                let peer = pairs.insert(Pair { visitor: me, host, remote: None, signals: 1 });
                result = Ok(match host {
                    Peer::Socket(socket) => (peer, Target::Socket(socket)),
                    Peer::Node(node) => (peer, Target::Node(node, peer)),
                });
            }
            drop_if_empty(page);
        });
        match result {
            Ok(_) => self.metrics.direct_pairs.inc(),
            Err(_) => self.metrics.direct_refused.inc(),
        };
        result
    }

    /// A signal from `from` (speaking as `side`) on pair `peer` of the
    /// page: where it goes. `bye` ends the pair once forwarded.
    pub fn signal_to(
        &self,
        from: SocketId,
        side: Side,
        hash: PageHash,
        peer: u32,
        bye: bool,
    ) -> Result<Target, Unpaired> {
        let mut result = Err(Unpaired::NotYours);
        self.with_page(hash, |page| {
            let Some(pairs) = page.pairs.as_mut() else { return };
            let Some(pair) = pairs.get_mut(peer) else { return };
            let (own, to) = match side {
                Side::Visitor => (pair.visitor, pair.host),
                Side::Host => (pair.host, pair.visitor),
            };
            if own != Peer::Socket(from) {
                return;
            }
            if pair.signals >= MOST_SIGNALS_PER_PAIR && !bye {
                result = Err(Unpaired::Spent);
                return;
            }
            pair.signals += 1;
            result = Ok(match to {
                Peer::Socket(socket) => Target::Socket(socket),
                Peer::Node(node) => Target::Node(node, pair.shared(peer)),
            });
            if bye {
                pairs.remove(peer);
                drop_if_empty(page);
            }
        });
        if result.is_ok() {
            self.metrics.signals.inc();
        }
        result
    }

    /// A signal node `node` passed on for pair `shared` (numbered by the
    /// visitor's node): the socket it goes to, as which side, under which
    /// number here. An offer from that node's visitor pairs it with a host
    /// here; anything for no pair of that node's is dropped.
    pub fn signal_from_node(
        &self,
        node: NodeId,
        hash: PageHash,
        shared: u32,
        offer: bool,
        bye: bool,
    ) -> Option<(SocketId, Side, u32)> {
        if !self.config.direct {
            return None;
        }
        let mut result = None;
        self.with_page(hash, |page| {
            let remote = Peer::Node(node);
            let mut known = page.pairs.as_deref().and_then(|pairs| {
                // This node's visitor paired with that node's host…
                let ours = pairs.get(shared).filter(|p| p.host == remote && !offer).map(|_| shared);
                // …or that node's visitor with a host here.
                ours.or_else(|| pairs.of_remote_visitor(node, shared).filter(|_| !offer))
            });
            if known.is_none() && offer {
                let already =
                    page.pairs.as_deref().is_some_and(|p| p.of_remote_visitor(node, shared).is_some());
                if let (false, Some(host)) = (already, Self::pair_host(page, remote)) {
                    let pairs = page.pairs.get_or_insert_with(Box::default);
                    let pair =
                        Pair { visitor: remote, host: Peer::Socket(host), remote: Some(shared), signals: 0 };
                    known = Some(pairs.insert(pair));
                    self.metrics.direct_pairs.inc();
                }
            }
            let Some(peer) = known else { return };
            let Some(pairs) = page.pairs.as_mut() else { return };
            let Some(pair) = pairs.get_mut(peer) else { return };
            if pair.signals >= MOST_SIGNALS_PER_PAIR && !bye {
                return;
            }
            pair.signals += 1;
            result = match (pair.visitor, pair.host) {
                (Peer::Socket(visitor), _) => Some((visitor, Side::Visitor, peer)),
                (_, Peer::Socket(host)) => Some((host, Side::Host, peer)),
                _ => None,
            };
            if bye {
                pairs.remove(peer);
            }
            drop_if_empty(page);
        });
        if result.is_some() {
            self.metrics.signals.inc();
        }
        result
    }

    /// Pairs on the page (tests and the dashboard).
    pub fn pairs(&self, hash: PageHash) -> usize {
        self.pages.get(&hash).and_then(|page| page.pairs.as_ref().map(|p| p.len())).unwrap_or(0)
    }
}
