//! Every page's routing state (hosts, waiting visitors, the request in
//! flight, host counts) and the routing policy. No I/O and no hidden
//! inputs: [`Hub::handle`] takes one [`Input`] and the time, randomness
//! comes from a seed given at construction, and the result is the
//! [`Effect`]s for the relay (`relay.rs`) to carry out, each holding
//! everything needed to carry it out. So every decision here is
//! unit-tested natively and replayable.
//!
//! The modules stand in layers: `page` names only the parts and words
//! below it, and they never name a page; `requests`, `chat` and `trust`
//! sit above `page` and add methods to the [`Hub`] that work on one page.
//!
//! * this file — the [`Hub`]: pages by hash, [`Hub::handle`], hosts,
//!   visitors and other nodes joining and leaving, wake-ups, queries.
//! * `requests` — a visitor's request: coalescing, each address's budget
//!   of asks, host choice, failover, only asked hosts' answers read; what
//!   the benchmark's baselines ask and whom they answer.
//! * `chat` — the chat's history, asked of one host at a time.
//! * `trust` — a host demoted for a missed deadline, one from a suspect
//!   address probed.
//! * `direct` — direct connections: a visitor's offer pairs it with one
//!   host, and signals go only across a pair.
//! * `page` — one page's state, composed of the parts below; its one
//!   wake-up and its coalesced count.
//! * the parts, which know nothing of a page: `pairs` (direct
//!   connections' pairs), `tiers` (how far each host
//!   is trusted; silent sockets, suspect addresses), `budget` (asks per
//!   client address), `counts` (the count
//!   window), `history` (a history asked for), `nodes` (the other relay
//!   nodes of a site, as hosts with a count).
//! * the words everything above uses: `pick` (one host of a tier, at
//!   random), `policy` (the tunables and the policies), `input`, `effects`
//!   (what goes in and what comes out), `peer` (who the routing talks to:
//!   [`Peer::Socket`] or [`Peer::Node`]).
//! * `model` — the rules as a plain model, for the property tests and the fuzzer.

mod budget;
mod chat;
mod chunks;
mod counts;
mod direct;
mod effects;
mod files;
mod history;
mod input;
mod nodes;
mod page;
mod pairs;
mod peer;
mod pick;
mod policy;
mod requests;
mod tiers;
mod trust;

#[cfg(any(test, feature = "fuzzing"))]
pub mod model;
#[cfg(test)]
mod tests;

pub use chunks::AnnounceError;
pub use direct::{Side, Target, Unpaired};
pub use effects::{Effect, Effects};
pub use files::MAX_HELD_RANGES;
pub use input::{Answer, ChunkAnswer, Input};
pub use peer::{NodeId, Peer, SocketId};
pub use policy::{HubConfig, Policy, UnknownPolicy};

use crate::metrics::Metrics;
use dashmap::DashMap;
use ep2p_core::protocol::{Health, PageHash};
use page::{InFlight, Page};
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;
use tiers::Sockets;

/// All pages. Each page sits behind its own `DashMap` shard lock, held only
/// for one synchronous call (never across an `.await`), so pages do not
/// contend with each other. A page is boxed: the map's table holds a slot
/// for every entry it could hold (up to twice as many as it does), and a
/// slot of a pointer costs 40 bytes where a page inline costs a kilobyte.
#[derive(Debug)]
pub struct Hub {
    pages: DashMap<PageHash, Box<Page>>,
    config: HubConfig,
    /// Where the hub counts what it decides (requests, asks, failovers…)
    /// and keeps its gauges (pages, hosts, waiting visitors).
    metrics: Arc<Metrics>,
    /// Seeds each new page's random number generator.
    seed: u64,
    /// Pages created so far: mixed into each new page's seed.
    created: AtomicU64,
    /// Every open socket the relay told the hub about, and the addresses
    /// suspect lately.
    sockets: Sockets,
}

impl Hub {
    /// A hub whose host choices follow from `seed` (a random one in production).
    pub fn new(config: HubConfig, metrics: Arc<Metrics>, seed: u64) -> Self {
        Self {
            pages: DashMap::new(),
            config,
            metrics,
            seed,
            created: AtomicU64::new(0),
            sockets: Sockets::default(),
        }
    }

    /// The one way in: what happened, and when; what to do about it.
    pub fn handle(&self, input: Input, now: Instant) -> Effects {
        match input {
            Input::Open { socket, address } => {
                self.sockets.open(socket, address);
                Vec::new()
            }
            Input::Close { socket } => {
                self.sockets.close(socket);
                Vec::new()
            }
            Input::JoinHost { host, hash } => self.join_host(host, hash, now),
            Input::LeaveHost { host, hash } => self.leave_host(host, hash, now),
            Input::JoinVisitor { visitor, hash } => {
                self.join_visitor(visitor, hash);
                Vec::new()
            }
            Input::LeaveVisitor { visitor, hash } => self.leave_visitor(visitor, hash),
            Input::JoinWatcher { watcher, hash } => {
                if self.page_entry(hash).watchers.insert(watcher) {
                    self.metrics.watchers.inc();
                }
                Vec::new()
            }
            Input::LeaveWatcher { watcher, hash } => {
                self.with_page(hash, |page| {
                    if page.watchers.swap_remove(&watcher) {
                        self.metrics.watchers.dec();
                    }
                });
                Vec::new()
            }
            Input::Request { visitor, hash } => self.request(visitor, hash, now),
            Input::Content { host, hash, answer: Answer::Verified(frame) } => {
                self.content(host, hash, frame, false, now)
            }
            Input::Content { host, hash, answer: Answer::Once(frame) } => {
                self.content(host, hash, frame, true, now)
            }
            Input::Content { host, hash, answer: Answer::Forged } => self.forged(host, hash, now),
            Input::Content { host, hash, answer: Answer::Ended } => self.ended(host, hash, now),
            Input::Wake { hash } => self.wake(hash, now),
            Input::HistoryRequest { asker, hash } => self.history_request(asker, hash, now),
            Input::HistoryAnswer { host, hash, answer } => self.history_answer(host, hash, answer, now),
            Input::RemoteCount { node, hash, count } => self.remote_count(node, hash, count, now),
            Input::ChunkRequest { visitor, hash, chunk } => self.chunk_request(visitor, hash, chunk, now),
            Input::Chunk { host, hash, answer: ChunkAnswer::Verified(frame) } => {
                self.chunk_answer(host, hash, frame)
            }
            Input::Chunk { host: Peer::Socket(host), hash, answer: ChunkAnswer::Forged(_) } => {
                self.metrics.bad_hashes.inc();
                self.leave_host(host, hash, now)
            }
            Input::Chunk { host: Peer::Node(node), hash, answer: ChunkAnswer::Forged(chunk) } => {
                // Checked again here and refused: the node's answer is
                // as good as none, and the next holder is asked.
                self.metrics.bad_hashes.inc();
                self.chunk_refused(node, hash, chunk, now)
            }
            Input::ChunkRefused { node, hash, chunk } => self.chunk_refused(node, hash, chunk, now),
        }
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The page's entry, created (with its own generator) if nobody was on it.
    fn page_entry(&self, hash: PageHash) -> dashmap::mapref::one::RefMut<'_, PageHash, Box<Page>> {
        self.pages.entry(hash).or_insert_with(|| {
            self.metrics.pages.inc();
            let n = self.created.fetch_add(1, Relaxed);
            Box::new(Page::new(SmallRng::seed_from_u64(self.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15))))
        })
    }

    /// Runs `f` on an existing page and drops the page once nobody is on it.
    fn with_page(&self, hash: PageHash, f: impl FnOnce(&mut Page)) {
        let empty = match self.pages.get_mut(&hash) {
            Some(mut page) => {
                f(&mut page);
                page.is_empty()
            }
            None => return,
        };
        if empty && self.pages.remove_if(&hash, |_, page| page.is_empty()).is_some() {
            self.metrics.pages.dec();
        }
    }

    /// A socket joined `have:H`: a fresh host; a slow one if it let a
    /// deadline pass; a probed one if its address did, lately.
    fn join_host(&self, host: SocketId, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        let (address, silent, suspect) = self.sockets.standing(host, now, self.config.suspect_for);
        let mut page = self.page_entry(hash);
        if page.hosts.contains(host) {
            return fx;
        }
        self.metrics.hosts.inc();
        if silent {
            page.hosts.slow.insert(host, address);
        } else if suspect {
            self.probe(&mut page, hash, host, address, now, &mut fx);
        } else {
            page.hosts.fresh.insert(host, address);
            page.count_changed(hash, now, self.config.count_window, &mut fx);
        }
        // Visitors already waiting need not wait for their next retry
        // (unless they wait for their budget: a host joining spends none).
        let waiting = page.asking > 0 && page.in_flight.is_none() && page.held.is_empty();
        if self.config.policy == Policy::Targeted && waiting {
            self.ask_next(&mut page, hash, now, Vec::new(), &mut fx);
        }
        fx
    }

    /// A socket left `have:H`, or disconnected, or was closed for lying.
    fn leave_host(&self, host: SocketId, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            let counted = page.counted();
            if page.hosts.remove(host).is_none() {
                return;
            }
            for (node, pair) in Self::unpair(page, host) {
                fx.push(Effect::NodeBye { node, hash, pair });
            }
            self.metrics.hosts.dec();
            if page.counted() != counted {
                page.count_changed(hash, now, self.config.count_window, &mut fx);
            }
            if page.in_flight.as_ref().is_some_and(|f| f.host == Peer::Socket(host)) {
                let tried = page.in_flight.take().map(|f| f.tried).unwrap_or_default();
                self.fail_over(page, hash, now, tried, &mut fx);
            }
            self.history_gone(page, hash, Peer::Socket(host), now, &mut fx);
            self.chunks_host_gone(page, hash, Peer::Socket(host), now, &mut fx);
        });
        fx
    }

    /// A host sent `content` that does not hash to the page: a socket is
    /// removed as a host (the caller closes its channel) and the next one
    /// asked; another node is no host here, so its ask fails over at its
    /// deadline.
    fn forged(&self, host: Peer, hash: PageHash, now: Instant) -> Effects {
        self.metrics.bad_hashes.inc();
        match host {
            Peer::Socket(socket) => self.leave_host(socket, hash, now),
            Peer::Node(_) => Vec::new(),
        }
    }

    /// A host sent the page after its end (SPEC §15): it hosts it no more
    /// (its channel is closed), and the next host is asked, as after a lie.
    fn ended(&self, host: Peer, hash: PageHash, now: Instant) -> Effects {
        self.metrics.ended_pages.inc();
        match host {
            Peer::Socket(socket) => self.leave_host(socket, hash, now),
            Peer::Node(_) => Vec::new(),
        }
    }

    /// Another node of the site counts `count` hosts for the page (0: none,
    /// or it is gone). A request waiting on that node fails over at once.
    fn remote_count(&self, node: NodeId, hash: PageHash, count: usize, now: Instant) -> Effects {
        let mut fx = Vec::new();
        let update = |page: &mut Page, fx: &mut Effects| {
            let counted = page.counted();
            page.remote.set(node, count);
            if page.counted() != counted {
                page.count_changed(hash, now, self.config.count_window, fx);
            }
            if count == 0 {
                self.history_gone(page, hash, Peer::Node(node), now, fx);
                self.chunks_host_gone(page, hash, Peer::Node(node), now, fx);
                Self::unpair_node(page, node);
            }
            if count == 0 && page.in_flight.as_ref().is_some_and(|f| f.host == Peer::Node(node)) {
                let tried = page.in_flight.take().map(|f| f.tried).unwrap_or_default();
                self.fail_over(page, hash, now, tried, fx);
            } else if count > 0 && page.asking_local > 0 && page.in_flight.is_none() && page.held.is_empty() {
                // Visitors here were waiting for anyone to host it.
                self.ask_next(page, hash, now, Vec::new(), fx);
            }
        };
        if count == 0 {
            self.with_page(hash, |page| update(page, &mut fx));
        } else {
            update(&mut self.page_entry(hash), &mut fx);
        }
        fx
    }

    /// A socket joined `want:H` (or another node asks for the page).
    fn join_visitor(&self, visitor: Peer, hash: PageHash) {
        let mut page = self.page_entry(hash);
        // A (re)join starts over: not asking yet.
        match page.visitors.insert(visitor, false) {
            None if visitor.is_local() => {
                self.metrics.waiting_visitors.inc();
            }
            None => {}
            Some(was) => page.set_asking(visitor, false, was),
        }
    }

    /// A socket left `want:H` (served, gave up, or disconnected). The
    /// request in flight stays: a visitor that comes back (or another one)
    /// joins it instead of asking a host again.
    fn leave_visitor(&self, visitor: Peer, hash: PageHash) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            if let Some(asking) = page.visitors.swap_remove(&visitor) {
                if visitor.is_local() {
                    self.metrics.waiting_visitors.dec();
                }
                Self::chunks_visitor_gone(page, visitor);
                page.set_asking(visitor, false, asking);
                if let Peer::Socket(socket) = visitor {
                    for (node, pair) in Self::unpair(page, socket) {
                        fx.push(Effect::NodeBye { node, hash, pair });
                    }
                }
            }
        });
        fx
    }

    /// At a time an earlier [`Effect::WakeAt`] asked for: fails over a
    /// request whose host missed its deadline, and sends a coalesced count.
    fn wake(&self, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            if page.wake_at.is_some_and(|at| at <= now) {
                page.wake_at = None;
            }
            // Probes unanswered by their deadline: those hosts are slow.
            for host in page.hosts.overdue_probes(now) {
                self.demote(page, hash, Peer::Socket(host), now, &mut fx);
            }
            if page.in_flight.as_ref().is_some_and(|f| f.deadline <= now) {
                let InFlight { host, tried, .. } = page.in_flight.take().expect("checked above");
                self.demote(page, hash, host, now, &mut fx);
                self.fail_over(page, hash, now, tried, &mut fx);
            }
            if page.history.as_ref().is_some_and(|h| h.deadline <= now) {
                self.metrics.history_failovers.inc();
                self.ask_history_next(page, hash, now, &mut fx);
            }
            self.ask_for_held(page, hash, now, &mut fx);
            let count_due = page.flush_count(hash, now, self.config.count_window, &mut fx);
            let chunk_due = self.chunks_due(page, hash, now, &mut fx);
            // Whatever is not due yet gets the next wake-up.
            let in_flight = page.in_flight.as_ref().map(|f| f.deadline);
            let history = page.history.as_ref().map(|h| h.deadline);
            let held = page.held.values().min().copied();
            let next = in_flight
                .into_iter()
                .chain(history)
                .chain(count_due)
                .chain(page.hosts.next_probe())
                .chain(held)
                .chain(chunk_due)
                .min();
            if let Some(at) = next {
                page.schedule(hash, at, &mut fx);
            }
        });
        fx
    }

    /// Every host socket of a page (silent ones included): who a chat
    /// message goes to.
    pub fn host_ids(&self, hash: PageHash) -> Vec<SocketId> {
        self.pages.get(&hash).map_or_else(Vec::new, |page| page.hosts.all())
    }

    /// True while `host` is the one asked for the page's chat history: only
    /// then is its answer worth reading.
    pub fn history_asked_of(&self, host: Peer, hash: PageHash) -> bool {
        self.pages.get(&hash).is_some_and(|page| page.history.as_ref().is_some_and(|ask| ask.host == host))
    }

    /// A page's health as anyone may see it: the hosts its count shows
    /// (those not known to be silent); zero for a page nobody has.
    pub fn health(&self, hash: PageHash) -> Health {
        Health { hosts: self.pages.get(&hash).map_or(0, |page| page.counted()), one_time: false }
    }

    /// The part of a page's count this node's own hosts make (what it tells the other nodes).
    pub fn local_count(&self, hash: PageHash) -> usize {
        self.pages.get(&hash).map_or(0, |page| page.hosts.counted())
    }

    /// Every socket on a page's `have:H`, silent ones included.
    pub fn host_sockets(&self, hash: PageHash) -> usize {
        self.pages.get(&hash).map_or(0, |page| page.hosts.len())
    }

    /// Sockets on a page's `want:H` (for the relay's own checks, not for visitors).
    pub fn waiting(&self, hash: PageHash) -> usize {
        self.pages.get(&hash).map_or(0, |page| page.visitors.keys().filter(|v| v.is_local()).count())
    }

    /// Pages with anyone on them.
    pub fn pages(&self) -> usize {
        self.pages.len()
    }

    /// Host channels over all pages.
    pub fn hosts(&self) -> u64 {
        self.metrics.hosts.get().unsigned_abs()
    }

    /// Visitor channels over all pages.
    pub fn visitors(&self) -> u64 {
        self.metrics.waiting_visitors.get().unsigned_abs()
    }
}
