//! One page's routing state: its hosts by tier, the other nodes hosting
//! it, its visitors and watchers, the request and the chat history in
//! flight, its count window and its next wake-up; and what needs all of
//! it at once: the one wake-up that serves every deadline, and the count
//! that goes out to everyone on the page.

use super::budget::AskBudgets;
use super::counts::CountWindow;
use super::effects::{Effect, Effects};
use super::files::Files;
use super::history::HistoryAsk;
use super::nodes::Remotes;
use super::pairs::Pairs;
use super::peer::{ById, Peer, SetById, SocketId};
use super::tiers::Hosts;
use ep2p_core::protocol::PageHash;
use indexmap::IndexMap;
use rand::rngs::SmallRng;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The request in flight for a page under `targeted`. It stays until a
/// host answers or its deadline passes, whoever leaves meanwhile: visitors
/// coming and going cannot make the relay ask again sooner.
#[derive(Debug)]
pub(super) struct InFlight {
    /// The host (or node) asked last.
    pub host: Peer,
    /// When the next host is asked if this one has not answered.
    pub deadline: Instant,
    /// Hosts already asked for this request.
    pub tried: Vec<Peer>,
}

/// Everything the routing knows of one page; gone once nobody is on it.
#[derive(Debug)]
pub(super) struct Page {
    /// Chooses hosts; seeded from the hub's seed, so replayable.
    pub rng: SmallRng,
    /// The page's host sockets here, by how far each can be trusted.
    pub hosts: Hosts,
    /// Other relay nodes hosting the page (a site of several nodes).
    pub remote: Remotes,
    /// Of `asking`, the visitors that are this node's own sockets: only
    /// they may make the relay ask another node.
    pub asking_local: usize,
    /// Sockets on `want:H` (and nodes asking for their visitors), and
    /// whether each has asked and is still waiting for an answer. Under
    /// `targeted` only those are sent the page, once per request.
    pub visitors: ById<Peer, bool>,
    /// How many visitors are asking (the `true`s above). While any are, a
    /// host that joins is asked at once.
    pub asking: usize,
    /// When this node's first visitor still waiting asked (none waiting:
    /// `None`): the page's delivery observes the time to content from it.
    pub waiting_since: Option<Instant>,
    /// The request in flight under `targeted`, if any: the one later
    /// requests are coalesced with.
    pub in_flight: Option<InFlight>,
    /// How many more asks each client address may cause for this page.
    pub asks: AskBudgets,
    /// Addresses whose visitors' request waits for their budget, and when
    /// it allows the next ask. While any wait, a host joining asks nobody
    /// (the budget decides, not the host); all are forgotten once nobody
    /// is asking or the page is delivered.
    pub held: IndexMap<IpAddr, Instant>,
    /// The chat history asked for, if any (boxed: a page without one
    /// holds a pointer's room, not the ask's).
    pub history: Option<Box<HistoryAsk>>,
    /// Sockets on `watch:H`: told the count, nothing else.
    pub watchers: SetById<SocketId>,
    /// The count last sent, so churn within a window costs one frame.
    pub counts: CountWindow,
    /// The earliest [`Effect::WakeAt`] still to
    /// come: one wake-up serves every deadline up to it, so a busy page
    /// does not set a timer per request.
    pub wake_at: Option<Instant>,
    /// A file page's chunk routing, once a host announced chunks or the
    /// manifest passed through (boxed: a text page holds a pointer's room).
    pub files: Option<Box<Files>>,
    /// Visitors paired with hosts for direct connections, while any are
    /// (boxed: most pages have none).
    pub pairs: Option<Box<Pairs>>,
}

impl Page {
    pub fn new(rng: SmallRng) -> Self {
        Self {
            rng,
            hosts: Hosts::default(),
            remote: Remotes::default(),
            asking_local: 0,
            visitors: ById::default(),
            asking: 0,
            waiting_since: None,
            in_flight: None,
            asks: AskBudgets::default(),
            held: IndexMap::new(),
            history: None,
            watchers: SetById::default(),
            counts: CountWindow::default(),
            wake_at: None,
            files: None,
            pairs: None,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.hosts.len() == 0
            && self.visitors.is_empty()
            && self.remote.is_empty()
            && self.watchers.is_empty()
    }

    /// The page's count: its hosts here not known or suspected to be
    /// silent, and every other node's count.
    pub fn counted(&self) -> usize {
        self.hosts.counted().saturating_add(self.remote.sum())
    }

    /// Visitors waiting for an answer; they stop waiting once they have it,
    /// and another node's request, once served, is over.
    pub fn take_asking(&mut self) -> Vec<Peer> {
        let mut served = Vec::with_capacity(self.asking);
        for (visitor, asking) in self.visitors.iter_mut().filter(|(_, asking)| **asking) {
            *asking = false;
            served.push(*visitor);
        }
        self.visitors.retain(|visitor, _| visitor.is_local());
        self.asking = 0;
        self.asking_local = 0;
        self.waiting_since = None;
        self.held.clear();
        served
    }

    /// Sets whether `visitor` is asking, keeping the tallies.
    pub fn set_asking(&mut self, visitor: Peer, now_asking: bool, was_asking: bool) {
        if now_asking == was_asking {
            return;
        }
        let local = usize::from(visitor.is_local());
        if now_asking {
            self.asking += 1;
            self.asking_local += local;
        } else {
            self.asking -= 1;
            self.asking_local -= local;
            if self.asking_local == 0 {
                self.waiting_since = None;
            }
            if self.asking == 0 {
                // Nobody left to serve: what waited is not asked for.
                self.held.clear();
            }
        }
    }

    /// Other nodes' requests that nobody here can serve now: they are
    /// dropped (each node fails over on its own deadline).
    pub fn drop_remote_asking(&mut self) {
        let remote_asking = self.asking - self.asking_local;
        if remote_asking > 0 {
            self.visitors.retain(|visitor, asking| visitor.is_local() || !*asking);
            self.asking = self.asking_local;
            if self.asking == 0 {
                self.held.clear();
            }
        }
    }

    /// Asks for a wake-up at `at` unless one at or before it is already
    /// coming (that one will ask again for what is still pending). Every
    /// deadline (a request's, a probe's, a history's, a count window's end)
    /// goes through here.
    pub fn schedule(&mut self, hash: PageHash, at: Instant, fx: &mut Effects) {
        if self.wake_at.is_some_and(|scheduled| scheduled <= at) {
            return;
        }
        self.wake_at = Some(at);
        fx.push(Effect::WakeAt { hash, at });
    }

    /// Sends the new count now if the page's window allows, or schedules it
    /// for the end of the window; the last value is always delivered.
    pub fn count_changed(&mut self, hash: PageHash, now: Instant, window: Duration, fx: &mut Effects) {
        match self.counts.sent {
            Some((at, _)) if now < at + window => {
                if !self.counts.wake_pending {
                    self.counts.wake_pending = true;
                    self.schedule(hash, at + window, fx);
                }
            }
            _ => self.broadcast_count(hash, now, fx),
        }
    }

    /// At a wake-up: the count held back since the window opened, if its
    /// window is over. Returns when the pending count is due otherwise.
    pub fn flush_count(
        &mut self,
        hash: PageHash,
        now: Instant,
        window: Duration,
        fx: &mut Effects,
    ) -> Option<Instant> {
        let window_end = self.counts.sent.map(|(at, _)| at + window);
        if self.counts.wake_pending && window_end.is_none_or(|end| end <= now) {
            self.counts.wake_pending = false;
            self.broadcast_count(hash, now, fx);
        }
        window_end.filter(|_| self.counts.wake_pending)
    }

    fn broadcast_count(&mut self, hash: PageHash, now: Instant, fx: &mut Effects) {
        // Sent even if it equals the last broadcast: a host that joined in
        // between was told a different count in its join reply.
        let count = self.counted();
        self.counts.sent = Some((now, count));
        fx.push(Effect::Count {
            hash,
            hosts: self.hosts.all(),
            visitors: self.visitors.keys().filter_map(|v| v.socket()).collect(),
            watchers: self.watchers.iter().copied().collect(),
            count,
            local: self.hosts.counted(),
        });
    }
}
