//! Direct connections (SPEC §14): a visitor's offer pairs it with one host
//! of the page, chosen as a request's host is (proven and fresh hosts
//! first, at random; never a slow or probed one), and from then on the
//! pair's signals go to its other side and nowhere else. A pair ends with
//! a `bye` from either side or when either leaves the page; it never
//! outlives both being on it. No I/O: the channel layer forwards.

use super::page::Page;
use super::peer::SocketId;
use super::pick::other;
use super::Hub;
use ep2p_core::protocol::PageHash;
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

#[derive(Debug)]
struct Pair {
    visitor: SocketId,
    host: SocketId,
    signals: u32,
}

/// One page's pairs, by the number the relay gave each.
#[derive(Debug, Default)]
pub(super) struct Pairs {
    next: u32,
    by_peer: IndexMap<u32, Pair>,
}

impl Pairs {
    fn of_visitor(&self, visitor: SocketId) -> impl Iterator<Item = &Pair> {
        self.by_peer.values().filter(move |p| p.visitor == visitor)
    }

    fn of_host(&self, host: SocketId) -> usize {
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

impl Page {
    /// Drops the pairs `socket` is a side of (it left the page).
    pub(super) fn unpair(&mut self, socket: SocketId) -> usize {
        let Some(pairs) = self.pairs.as_mut() else { return 0 };
        let gone = pairs.forget(socket);
        if pairs.is_empty() {
            self.pairs = None;
        }
        gone
    }
}

impl Hub {
    /// A visitor of the page offers a direct connection: the pair's number
    /// and the host it goes to.
    pub fn pair(&self, visitor: SocketId, hash: PageHash) -> Result<(u32, SocketId), Unpaired> {
        let mut result = Err(if self.config.direct { Unpaired::NoHost } else { Unpaired::Off });
        self.with_page(hash, |page| {
            if !self.config.direct {
                return;
            }
            if !page.visitors.contains_key(&super::Peer::Socket(visitor)) {
                return;
            }
            let pairs = page.pairs.get_or_insert_with(Box::default);
            if pairs.of_visitor(visitor).count() >= MOST_PAIRS_PER_VISITOR {
                result = Err(Unpaired::TooMany);
                return;
            }
            let skip = |peer: &super::Peer| {
                peer.socket().is_none_or(|host| {
                    host == visitor
                        || pairs.of_visitor(visitor).any(|p| p.host == host)
                        || pairs.of_host(host) >= MOST_PAIRS_PER_HOST
                })
            };
            let host = other(&page.hosts.proven, &skip, &mut page.rng)
                .or_else(|| other(&page.hosts.fresh, &skip, &mut page.rng))
                .and_then(|peer| peer.socket());
            if let Some(host) = host {
                pairs.next = pairs.next.wrapping_add(1);
                let peer = pairs.next;
                pairs.by_peer.insert(peer, Pair { visitor, host, signals: 1 });
                result = Ok((peer, host));
            }
            if pairs.is_empty() {
                page.pairs = None;
            }
        });
        match result {
            Ok(_) => self.metrics.direct_pairs.inc(),
            Err(_) => self.metrics.direct_refused.inc(),
        };
        result
    }

    /// A signal from `from` (speaking as `side`) on pair `peer` of the
    /// page: the socket it goes to. `bye` ends the pair once forwarded.
    pub fn signal_to(
        &self,
        from: SocketId,
        side: Side,
        hash: PageHash,
        peer: u32,
        bye: bool,
    ) -> Result<SocketId, Unpaired> {
        let mut result = Err(Unpaired::NotYours);
        self.with_page(hash, |page| {
            let Some(pairs) = page.pairs.as_mut() else { return };
            let Some(pair) = pairs.by_peer.get_mut(&peer) else { return };
            let (own, to) = match side {
                Side::Visitor => (pair.visitor, pair.host),
                Side::Host => (pair.host, pair.visitor),
            };
            if own != from {
                return;
            }
            if pair.signals >= MOST_SIGNALS_PER_PAIR && !bye {
                result = Err(Unpaired::Spent);
                return;
            }
            pair.signals += 1;
            result = Ok(to);
            if bye {
                pairs.by_peer.swap_remove(&peer);
                if pairs.is_empty() {
                    page.pairs = None;
                }
            }
        });
        if result.is_ok() {
            self.metrics.signals.inc();
        }
        result
    }

    /// Pairs on the page (tests and the dashboard).
    pub fn pairs(&self, hash: PageHash) -> usize {
        self.pages.get(&hash).and_then(|page| page.pairs.as_ref().map(|p| p.by_peer.len())).unwrap_or(0)
    }
}
