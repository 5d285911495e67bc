//! Direct connections (SPEC §14): a visitor's offer pairs it with one host
//! of the page, chosen as a request's host is (proven and fresh hosts
//! first, at random; never a slow or probed one; for a file page, one
//! that holds every chunk if there is one), and from then on the
//! pair's signals go to its other side and nowhere else. A pair ends with
//! a `bye` from either side or when either leaves the page; it never
//! outlives both being on it. No I/O: the channel layer forwards.

use super::page::Page;
use super::pairs::{Pair, MOST_PAIRS_PER_HOST, MOST_PAIRS_PER_VISITOR, MOST_SIGNALS_PER_PAIR};
use super::peer::SocketId;
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

impl Hub {
    /// Drops the pairs `socket` is a side of (it left the page).
    pub(super) fn unpair(page: &mut Page, socket: SocketId) {
        if let Some(pairs) = page.pairs.as_mut() {
            pairs.forget(socket);
            if pairs.is_empty() {
                page.pairs = None;
            }
        }
    }

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
            // A file page's visitor gets a host with every chunk if there is one.
            let files = page.files.as_deref();
            let partial = |peer: &super::Peer| {
                skip(peer) || files.is_some_and(|f| peer.socket().is_none_or(|host| !f.holds_all(host)))
            };
            let host = other(&page.hosts.proven, &partial, &mut page.rng)
                .or_else(|| other(&page.hosts.fresh, &partial, &mut page.rng))
                .or_else(|| other(&page.hosts.proven, &skip, &mut page.rng))
                .or_else(|| other(&page.hosts.fresh, &skip, &mut page.rng))
                .and_then(|peer| peer.socket());
            if let Some(host) = host {
                result = Ok((pairs.insert(Pair { visitor, host, signals: 1 }), host));
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
            let Some(pair) = pairs.get_mut(peer) else { return };
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
                pairs.remove(peer);
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
        self.pages.get(&hash).and_then(|page| page.pairs.as_ref().map(|p| p.len())).unwrap_or(0)
    }
}
