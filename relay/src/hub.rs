//! Every page's routing state (hosts, waiting visitors, the request in
//! flight, host counts) and the routing policy. No I/O and no hidden
//! inputs: each method takes the time, randomness comes from a seed given
//! at construction, and the result is the [`Effect`]s for the relay
//! (`relay.rs`) to carry out, each holding everything needed to carry it
//! out. So every decision here is unit-tested natively and replayable.

use crate::frame::SharedFrame;
use crate::metrics::Metrics;
use dashmap::DashMap;
use ep2p_core::protocol::{Health, PageHash};
use indexmap::IndexMap;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A socket, as the hub knows it — or, with [`REMOTE`] set, another relay
/// node of the same site (see [`Hub::set_remote`] and [`remote`]).
pub type ConnId = u64;

/// The bit that marks a [`ConnId`] as another relay node: local sockets are
/// numbered from 1 and never reach it.
pub const REMOTE: ConnId = 1 << 63;

/// The [`ConnId`] that stands for the relay node `node` (a 63-bit id).
pub fn remote(node: u64) -> ConnId {
    REMOTE | node
}

/// True when `conn` stands for another relay node.
pub fn is_remote(conn: ConnId) -> bool {
    conn & REMOTE != 0
}

/// How a visitor's `content_request` reaches hosts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// One host at a time, chosen at random among those not known to be slow;
    /// concurrent requests coalesced; failover on timeout, leave or bad hash.
    #[default]
    Targeted,
    /// The original app: every host passes a request on with probability 1/n.
    RandomDrop,
    /// The naive storm: every request to every host, every answer forwarded.
    Broadcast,
}

impl Policy {
    /// Every policy, in the order the benchmark compares them.
    pub const ALL: [Policy; 3] = [Policy::Targeted, Policy::RandomDrop, Policy::Broadcast];

    /// The name flags, settings files and reports use.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Targeted => "targeted",
            Policy::RandomDrop => "random-drop",
            Policy::Broadcast => "broadcast",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A policy name that is not one of [`Policy::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown routing policy {0:?} (expected targeted, random-drop or broadcast)")]
pub struct UnknownPolicy(String);

impl FromStr for Policy {
    type Err = UnknownPolicy;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Policy::ALL.into_iter().find(|p| p.name() == name).ok_or_else(|| UnknownPolicy(name.to_owned()))
    }
}

/// The hub's tunables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubConfig {
    pub policy: Policy,
    /// How long the asked host has before the next one is asked.
    pub request_timeout: Duration,
    /// At most one `visitors_count` per page per window.
    pub count_window: Duration,
    /// How long an address stays suspect after one of its sockets let a
    /// request's deadline pass: its other hosts are asked last meanwhile.
    pub suspect_for: Duration,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            policy: Policy::Targeted,
            request_timeout: Duration::from_secs(1),
            count_window: Duration::from_millis(250),
            suspect_for: Duration::from_secs(60),
        }
    }
}

/// What the connection layer must do after a hub call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Push `content_request` to this host on `have:H`.
    Ask { host: ConnId, hash: PageHash },
    /// Send this verified `content` frame (on `want:H`) to these visitors.
    Deliver { frame: Arc<SharedFrame>, visitors: Vec<ConnId> },
    /// Push `visitors_count` to the hosts (on `have:H`), visitors (on
    /// `want:H`) and watchers (on `watch:H`); `local` is the part of `count`
    /// this node's own hosts make (what it tells the other nodes).
    Count {
        hash: PageHash,
        hosts: Vec<ConnId>,
        visitors: Vec<ConnId>,
        watchers: Vec<ConnId>,
        count: usize,
        local: usize,
    },
    /// Call [`Hub::wake`] for this page at `at` (a failover deadline or the
    /// end of a count window).
    WakeAt { hash: PageHash, at: Instant },
    /// Push `chat_history` (`{}`) to this host on `have:H`: it is asked for
    /// the page's chat.
    AskHistory { host: ConnId, hash: PageHash },
    /// Send this `chat_history` answer (on `have:H`) to the hosts (or
    /// nodes) that asked for it.
    History { frame: Arc<SharedFrame>, to: Vec<ConnId> },
}

/// A host's answer to `content_request`, as the socket found it.
#[derive(Debug, Clone)]
pub enum Answer {
    /// The text hashes to the page: the frame visitors are to be sent.
    Verified(Arc<SharedFrame>),
    /// The text does not hash to the page (or claims another hash).
    Forged,
}

/// The request in flight for a page under `targeted`. It stays until a
/// host answers or its deadline passes, whoever leaves meanwhile: visitors
/// coming and going cannot make the relay ask again sooner.
#[derive(Debug)]
struct InFlight {
    /// The host asked last.
    host: ConnId,
    /// When the next host is asked if this one has not answered.
    deadline: Instant,
    /// Hosts already asked for this request.
    tried: Vec<ConnId>,
}

/// A chat history asked for, under every policy routed like a targeted
/// request: one host at a time, coalesced, failover at the deadline. The
/// askers are hosts of the page themselves (or other nodes): never asked.
#[derive(Debug)]
struct HistoryAsk {
    /// Who waits for the answer.
    askers: Vec<ConnId>,
    /// The host asked last.
    host: ConnId,
    deadline: Instant,
    /// Hosts already asked.
    tried: Vec<ConnId>,
}

/// The count last broadcast and whether a later one is scheduled.
#[derive(Debug, Default)]
struct CountWindow {
    sent: Option<(Instant, usize)>,
    wake_pending: bool,
}

/// A page's hosts, by how far they can be trusted to answer, each with the
/// address it counts against. A host is in exactly one of the four.
///
/// The page's count is its proven and fresh hosts: a host that let a
/// deadline pass is not counted until it answers again, and a host from an
/// address that did so lately is counted once it has answered a probe.
#[derive(Debug, Default)]
struct Hosts {
    /// Answered this page before.
    proven: IndexMap<ConnId, IpAddr>,
    /// Not asked yet, and nothing known against them.
    fresh: IndexMap<ConnId, IpAddr>,
    /// From a suspect address: asked at once (a probe, with this deadline),
    /// counted once they answer, slow if they do not.
    probed: IndexMap<ConnId, (IpAddr, Instant)>,
    /// Let a deadline pass (here, or anywhere since their socket opened):
    /// asked last, and not counted.
    slow: IndexMap<ConnId, IpAddr>,
}

impl Hosts {
    fn len(&self) -> usize {
        self.proven.len() + self.fresh.len() + self.probed.len() + self.slow.len()
    }

    /// The hosts a page's count shows: those not known, or suspected, to be silent.
    fn counted(&self) -> usize {
        self.proven.len() + self.fresh.len()
    }

    fn contains(&self, host: ConnId) -> bool {
        self.proven.contains_key(&host)
            || self.fresh.contains_key(&host)
            || self.probed.contains_key(&host)
            || self.slow.contains_key(&host)
    }

    /// Removes a host wherever it is; its address if it was there.
    fn remove(&mut self, host: ConnId) -> Option<IpAddr> {
        self.proven
            .swap_remove(&host)
            .or_else(|| self.fresh.swap_remove(&host))
            .or_else(|| self.probed.swap_remove(&host).map(|(address, _)| address))
            .or_else(|| self.slow.swap_remove(&host))
    }

    fn all(&self) -> Vec<ConnId> {
        let (proven, fresh, slow) = (self.proven.keys(), self.fresh.keys(), self.slow.keys());
        proven.chain(fresh).chain(self.probed.keys()).chain(slow).copied().collect()
    }

    /// The earliest probe deadline.
    fn next_probe(&self) -> Option<Instant> {
        self.probed.values().map(|(_, deadline)| *deadline).min()
    }
}

/// The other relay nodes that host a page, each with how many hosts it
/// counts for it. Each is asked as one host, and only for this node's own
/// visitors, when no local host can be: a node prefers its own hosts.
#[derive(Debug, Default)]
struct Remotes {
    /// Nodes not known to be slow for this page, and their counts.
    ready: IndexMap<ConnId, usize>,
    /// Nodes that let a deadline pass for this page: asked after the others.
    late: IndexMap<ConnId, usize>,
    /// The sum of every node's count.
    sum: usize,
}

impl Remotes {
    fn is_empty(&self) -> bool {
        self.ready.is_empty() && self.late.is_empty()
    }

    /// Sets a node's count (0 removes it); keeps it late if it was.
    fn set(&mut self, node: ConnId, count: usize) {
        let old = self.ready.get(&node).or_else(|| self.late.get(&node)).copied().unwrap_or(0);
        self.sum = self.sum - old + count;
        if count == 0 {
            self.ready.swap_remove(&node);
            self.late.swap_remove(&node);
        } else if let Some(late) = self.late.get_mut(&node) {
            *late = count;
        } else {
            self.ready.insert(node, count);
        }
    }

    fn late(&mut self, node: ConnId) {
        if let Some(count) = self.ready.swap_remove(&node) {
            self.late.insert(node, count);
        }
    }

    fn answered(&mut self, node: ConnId) {
        if let Some(count) = self.late.swap_remove(&node) {
            self.ready.insert(node, count);
        }
    }
}

#[derive(Debug)]
struct Page {
    /// Chooses hosts; seeded from the hub's seed, so replayable.
    rng: SmallRng,
    hosts: Hosts,
    /// Other relay nodes hosting the page (a site of several nodes).
    remote: Remotes,
    /// Of `asking`, the visitors that are this node's own sockets: only
    /// they may make the relay ask another node.
    asking_local: usize,
    /// Sockets on `want:H`, and whether each has asked and is still waiting
    /// for an answer. Under `targeted` only those are sent the page, once
    /// per request.
    visitors: IndexMap<ConnId, bool>,
    /// How many visitors are asking (the `true`s above). While any are, a
    /// host that joins is asked at once.
    asking: usize,
    /// When this node's first visitor still waiting asked (none waiting:
    /// `None`): the page's delivery observes the time to content from it.
    waiting_since: Option<Instant>,
    in_flight: Option<InFlight>,
    /// The chat history asked for, if any.
    history: Option<HistoryAsk>,
    /// Sockets on `watch:H`: told the count, nothing else.
    watchers: indexmap::IndexSet<ConnId>,
    counts: CountWindow,
    /// The earliest [`Effect::WakeAt`] still to come: one wake-up serves
    /// every deadline up to it, so a busy page does not set a timer per
    /// request.
    wake_at: Option<Instant>,
}

impl Page {
    fn new(rng: SmallRng) -> Self {
        Self {
            rng,
            hosts: Hosts::default(),
            remote: Remotes::default(),
            asking_local: 0,
            visitors: IndexMap::new(),
            asking: 0,
            waiting_since: None,
            in_flight: None,
            history: None,
            watchers: indexmap::IndexSet::new(),
            counts: CountWindow::default(),
            wake_at: None,
        }
    }

    fn is_empty(&self) -> bool {
        self.hosts.len() == 0
            && self.visitors.is_empty()
            && self.remote.is_empty()
            && self.watchers.is_empty()
    }

    /// The page's count: its hosts here not known or suspected to be
    /// silent, and every other node's count.
    fn counted(&self) -> usize {
        self.hosts.counted() + self.remote.sum
    }

    /// Visitors waiting for an answer; they stop waiting once they have it,
    /// and another node's request, once served, is over.
    fn take_asking(&mut self) -> Vec<ConnId> {
        let mut served = Vec::with_capacity(self.asking);
        for (visitor, asking) in self.visitors.iter_mut().filter(|(_, asking)| **asking) {
            *asking = false;
            served.push(*visitor);
        }
        self.visitors.retain(|visitor, _| !is_remote(*visitor));
        self.asking = 0;
        self.asking_local = 0;
        self.waiting_since = None;
        served
    }

    /// Sets whether `visitor` is asking, keeping the tallies.
    fn set_asking(&mut self, visitor: ConnId, now_asking: bool, was_asking: bool) {
        if now_asking == was_asking {
            return;
        }
        let local = usize::from(!is_remote(visitor));
        if now_asking {
            self.asking += 1;
            self.asking_local += local;
        } else {
            self.asking -= 1;
            self.asking_local -= local;
            if self.asking_local == 0 {
                self.waiting_since = None;
            }
        }
    }

    /// Other nodes' requests that nobody here can serve now: they are
    /// dropped (each node fails over on its own deadline).
    fn drop_remote_asking(&mut self) {
        let remote_asking = self.asking - self.asking_local;
        if remote_asking > 0 {
            self.visitors.retain(|visitor, asking| !(is_remote(*visitor) && *asking));
            self.asking = self.asking_local;
        }
    }
}

/// What the hub knows of an open socket.
#[derive(Debug, Clone, Copy)]
struct SocketRecord {
    /// The address it counts against.
    address: IpAddr,
    /// It let a deadline pass and has not answered since: it joins every
    /// page as a slow host, however often it leaves and joins again.
    silent: bool,
    /// It has answered with a verified page: trusted even when its address is suspect.
    answered: bool,
}

/// The address of sockets the hub was not told about (tests of the hub
/// alone): never suspect, and no fellow of any other socket.
const UNKNOWN_ADDRESS: IpAddr = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);

/// All pages. Each page sits behind its own `DashMap` shard lock, held only
/// for one synchronous call (never across an `.await`), so pages do not
/// contend with each other.
#[derive(Debug)]
pub struct Hub {
    pages: DashMap<PageHash, Page>,
    config: HubConfig,
    /// Where the hub counts what it decides (requests, asks, failovers…)
    /// and keeps its gauges (pages, hosts, waiting visitors).
    metrics: Arc<Metrics>,
    /// Seeds each new page's random number generator.
    seed: u64,
    /// Pages created so far: mixed into each new page's seed.
    created: AtomicU64,
    /// Every open socket the relay told the hub about.
    sockets: DashMap<ConnId, SocketRecord>,
    /// Addresses whose sockets let a deadline pass lately, and when last.
    suspects: DashMap<IpAddr, Instant>,
}

/// Effects of one call; most calls produce none or one.
pub type Effects = Vec<Effect>;

impl Hub {
    /// A hub whose host choices follow from `seed` (a random one in production).
    pub fn new(config: HubConfig, metrics: Arc<Metrics>, seed: u64) -> Self {
        Self {
            pages: DashMap::new(),
            config,
            metrics,
            seed,
            created: AtomicU64::new(0),
            sockets: DashMap::new(),
            suspects: DashMap::new(),
        }
    }

    /// A socket opened, from `address`.
    pub fn connect(&self, conn: ConnId, address: IpAddr) {
        self.sockets.insert(conn, SocketRecord { address, silent: false, answered: false });
    }

    /// A socket closed (after leaving every page).
    pub fn forget(&self, conn: ConnId) {
        self.sockets.remove(&conn);
    }

    /// True when `address` let a deadline pass within `suspect_for` of `now`.
    fn suspect(&self, address: IpAddr, now: Instant) -> bool {
        self.suspects
            .get(&address)
            .is_some_and(|since| now.saturating_duration_since(*since) < self.config.suspect_for)
    }

    /// `host` let a deadline pass: it and its address are distrusted.
    fn missed_deadline(&self, host: ConnId, address: IpAddr, now: Instant) {
        if let Some(mut record) = self.sockets.get_mut(&host) {
            record.silent = true;
        }
        if self.suspects.len() >= 4096 {
            // Forget what has expired before remembering more.
            let keep = self.config.suspect_for;
            self.suspects.retain(|_, since| now.saturating_duration_since(*since) < keep);
        }
        if address != UNKNOWN_ADDRESS {
            self.suspects.insert(address, now);
        }
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The page's entry, created (with its own generator) if nobody was on it.
    fn page_entry(&self, hash: PageHash) -> dashmap::mapref::one::RefMut<'_, PageHash, Page> {
        self.pages.entry(hash).or_insert_with(|| {
            self.metrics.pages.inc();
            let n = self.created.fetch_add(1, Relaxed);
            Page::new(SmallRng::seed_from_u64(self.seed ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
        })
    }

    /// A socket joined `have:H`: a fresh host; a slow one if it let a
    /// deadline pass; a probed one if its address did, lately.
    pub fn join_host(&self, host: ConnId, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        let record = self.sockets.get(&host).map(|r| *r);
        let address = record.map_or(UNKNOWN_ADDRESS, |r| r.address);
        let silent = record.is_some_and(|r| r.silent);
        let suspect = !silent && record.is_some_and(|r| !r.answered && self.suspect(address, now));
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
            self.count_changed(&mut page, hash, now, &mut fx);
        }
        // Visitors already waiting need not wait for their next retry.
        if self.config.policy == Policy::Targeted && page.asking > 0 && page.in_flight.is_none() {
            self.ask_next(&mut page, hash, now, Vec::new(), &mut fx);
        }
        fx
    }

    /// A socket left `have:H`, or disconnected, or was closed for lying.
    pub fn leave_host(&self, host: ConnId, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            let counted = page.counted();
            if page.hosts.remove(host).is_none() {
                return;
            }
            self.metrics.hosts.dec();
            if page.counted() != counted {
                self.count_changed(page, hash, now, &mut fx);
            }
            if page.in_flight.as_ref().is_some_and(|f| f.host == host) {
                let tried = page.in_flight.take().map(|f| f.tried).unwrap_or_default();
                self.fail_over(page, hash, now, tried, &mut fx);
            }
            self.history_gone(page, hash, host, now, &mut fx);
        });
        fx
    }

    /// A socket joined `want:H` (or another node asks for the page).
    pub fn join_visitor(&self, visitor: ConnId, hash: PageHash) {
        let mut page = self.page_entry(hash);
        // A (re)join starts over: not asking yet.
        match page.visitors.insert(visitor, false) {
            None if !is_remote(visitor) => {
                self.metrics.waiting_visitors.inc();
            }
            None => {}
            Some(was) => page.set_asking(visitor, false, was),
        }
    }

    /// A socket joined `watch:H`: it hears the page's count (in its join
    /// reply, then `visitors_count`) and is neither host nor visitor.
    pub fn join_watcher(&self, watcher: ConnId, hash: PageHash) {
        if self.page_entry(hash).watchers.insert(watcher) {
            self.metrics.watchers.inc();
        }
    }

    /// A socket left `watch:H` (or disconnected).
    pub fn leave_watcher(&self, watcher: ConnId, hash: PageHash) {
        self.with_page(hash, |page| {
            if page.watchers.swap_remove(&watcher) {
                self.metrics.watchers.dec();
            }
        });
    }

    /// A socket left `want:H` (served, gave up, or disconnected). The
    /// request in flight stays: a visitor that comes back (or another one)
    /// joins it instead of asking a host again.
    pub fn leave_visitor(&self, visitor: ConnId, hash: PageHash) {
        self.with_page(hash, |page| {
            if let Some(asking) = page.visitors.swap_remove(&visitor) {
                if !is_remote(visitor) {
                    self.metrics.waiting_visitors.dec();
                }
                page.set_asking(visitor, false, asking);
            }
        });
    }

    /// A visitor on `want:H` sent `content_request`.
    pub fn request(&self, visitor: ConnId, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        self.metrics.requests.inc();
        self.with_page(hash, |page| {
            let first_local = !is_remote(visitor) && page.asking_local == 0;
            let Some(asking) = page.visitors.get_mut(&visitor) else {
                return;
            };
            match self.config.policy {
                Policy::Targeted => {
                    if first_local && !*asking {
                        page.waiting_since = Some(now);
                    }
                    let was = std::mem::replace(asking, true);
                    page.set_asking(visitor, true, was);
                    if page.in_flight.is_some() {
                        self.metrics.coalesced.inc();
                    } else {
                        self.ask_next(page, hash, now, Vec::new(), &mut fx);
                    }
                }
                Policy::RandomDrop => {
                    // The original's handle_out: each host passes it on with
                    // probability 1/n, independently.
                    let n = page.hosts.len();
                    let hosts = page.hosts.all();
                    let lucky = hosts.into_iter().filter(|_| page.rng.gen_range(0..n) == 0);
                    fx.extend(lucky.map(|host| Effect::Ask { host, hash }));
                    self.metrics.asks.inc_by(fx.len() as u64);
                }
                Policy::Broadcast => {
                    fx.extend(page.hosts.all().into_iter().map(|host| Effect::Ask { host, hash }));
                    self.metrics.asks.inc_by(fx.len() as u64);
                }
            }
        });
        fx
    }

    /// A host on `have:H` sent `content` whose hash the caller checked.
    /// Bad content removes the host (the caller closes its channel) and asks
    /// the next one; good content goes to every visitor waiting on the page.
    pub fn content(&self, host: ConnId, hash: PageHash, answer: Answer, now: Instant) -> Effects {
        let frame = match answer {
            Answer::Verified(frame) => frame,
            Answer::Forged => {
                self.metrics.bad_hashes.inc();
                return self.leave_host(host, hash, now);
            }
        };
        let mut fx = Vec::new();
        if let Some(mut record) = self.sockets.get_mut(&host) {
            record.silent = false;
            record.answered = true;
        }
        self.with_page(hash, |page| {
            let counted = page.counted();
            let address = page
                .hosts
                .fresh
                .swap_remove(&host)
                .or_else(|| page.hosts.probed.swap_remove(&host).map(|(address, _)| address))
                .or_else(|| page.hosts.slow.swap_remove(&host));
            if let Some(address) = address {
                page.hosts.proven.insert(host, address);
            }
            page.remote.answered(host);
            if page.counted() != counted {
                self.count_changed(page, hash, now, &mut fx);
            }
            let waited = page.waiting_since.map(|since| now.saturating_duration_since(since));
            let visitors: Vec<ConnId> = match self.config.policy {
                // Every visitor that asked gets the page, once per request.
                Policy::Targeted => page.take_asking(),
                // The original and the naive design forward every answer to everyone.
                Policy::RandomDrop | Policy::Broadcast => page.visitors.keys().copied().collect(),
            };
            page.in_flight = None;
            if visitors.is_empty() {
                self.metrics.unsolicited.inc();
                return;
            }
            self.metrics.deliveries.inc_by(visitors.len() as u64);
            if let Some(waited) = waited {
                self.metrics.time_to_content_seconds.observe(waited.as_secs_f64());
            }
            fx.push(Effect::Deliver { frame, visitors });
        });
        fx
    }

    /// Called at a time an earlier [`Effect::WakeAt`] asked for: fails over a
    /// request whose host missed its deadline, and sends a coalesced count.
    pub fn wake(&self, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            if page.wake_at.is_some_and(|at| at <= now) {
                page.wake_at = None;
            }
            // Probes unanswered by their deadline: those hosts are slow.
            let overdue: Vec<ConnId> = page
                .hosts
                .probed
                .iter()
                .filter(|(_, (_, deadline))| *deadline <= now)
                .map(|(h, _)| *h)
                .collect();
            for host in overdue {
                self.demote(page, hash, host, now, &mut fx);
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
            let window_end = page.counts.sent.map(|(at, _)| at + self.config.count_window);
            if page.counts.wake_pending && window_end.is_none_or(|end| end <= now) {
                page.counts.wake_pending = false;
                self.broadcast_count(page, hash, now, &mut fx);
            }
            // Whatever is not due yet gets the next wake-up.
            let count_due = window_end.filter(|_| page.counts.wake_pending);
            let in_flight = page.in_flight.as_ref().map(|f| f.deadline);
            let history = page.history.as_ref().map(|h| h.deadline);
            let next =
                in_flight.into_iter().chain(history).chain(count_due).chain(page.hosts.next_probe()).min();
            if let Some(at) = next {
                schedule(page, hash, at, &mut fx);
            }
        });
        fx
    }

    /// Every host socket of a page (silent ones included): who a chat
    /// message goes to.
    pub fn host_ids(&self, hash: PageHash) -> Vec<ConnId> {
        self.pages.get(&hash).map_or_else(Vec::new, |page| page.hosts.all())
    }

    /// A host of the page (or, [`is_remote`], another node for its hosts)
    /// asks for the chat's history: one other host is asked, or the
    /// request joins the one in flight. With nobody else to ask, the
    /// asker gets an empty history at once.
    pub fn history_request(&self, asker: ConnId, hash: PageHash, now: Instant) -> Effects {
        let mut fx = Vec::new();
        let mut known = false;
        self.with_page(hash, |page| {
            if !is_remote(asker) && !page.hosts.contains(asker) {
                return;
            }
            known = true;
            self.metrics.history_requests.inc();
            if let Some(ask) = &mut page.history {
                if !ask.askers.contains(&asker) {
                    ask.askers.push(asker);
                }
                return;
            }
            page.history =
                Some(HistoryAsk { askers: vec![asker], host: asker, deadline: now, tried: Vec::new() });
            self.ask_history_next(page, hash, now, &mut fx);
        });
        if !known && is_remote(asker) {
            // Another node asks for a page nobody here hosts any more.
            fx.push(Effect::History { frame: SharedFrame::empty_history(hash), to: vec![asker] });
        }
        fx
    }

    /// A host's answer to `chat_history`: `Some` (checked by the caller)
    /// goes to everyone who asked; `None` (refused) asks the next host.
    /// An answer nobody asked this host for is dropped.
    pub fn history_answer(
        &self,
        host: ConnId,
        hash: PageHash,
        answer: Option<Arc<SharedFrame>>,
        now: Instant,
    ) -> Effects {
        let mut fx = Vec::new();
        self.with_page(hash, |page| {
            if page.history.as_ref().is_none_or(|ask| ask.host != host) {
                return;
            }
            match answer {
                Some(frame) => {
                    let ask = page.history.take().expect("checked above");
                    self.metrics.history_served.inc_by(ask.askers.len() as u64);
                    fx.push(Effect::History { frame, to: ask.askers });
                }
                None => {
                    self.metrics.history_failovers.inc();
                    self.ask_history_next(page, hash, now, &mut fx);
                }
            }
        });
        fx
    }

    /// True while `host` is the one asked for the page's chat history: only
    /// then is its answer worth reading.
    pub fn history_asked_of(&self, host: ConnId, hash: PageHash) -> bool {
        self.pages.get(&hash).is_some_and(|page| page.history.as_ref().is_some_and(|ask| ask.host == host))
    }

    /// `conn` (a host or another node) is gone from the page: it waits for
    /// no history any more, and a history asked of it is asked elsewhere.
    fn history_gone(&self, page: &mut Page, hash: PageHash, conn: ConnId, now: Instant, fx: &mut Effects) {
        let Some(ask) = &mut page.history else { return };
        ask.askers.retain(|asker| *asker != conn);
        if ask.askers.is_empty() {
            page.history = None;
        } else if ask.host == conn {
            self.metrics.history_failovers.inc();
            self.ask_history_next(page, hash, now, fx);
        }
    }

    /// Asks the next host for the history: a proven one, else a fresh one,
    /// else (for this node's own hosts) another node, else a slow one —
    /// never an asker, never one already tried. With nobody left, the
    /// askers get an empty history: nobody else has one.
    fn ask_history_next(&self, page: &mut Page, hash: PageHash, now: Instant, fx: &mut Effects) {
        let Some(ask) = page.history.as_mut() else { return };
        let rng = &mut page.rng;
        let skip = |host: &ConnId| ask.askers.contains(host) || ask.tried.contains(host);
        let crossing = ask.askers.iter().any(|asker| !is_remote(*asker));
        let hosts = &page.hosts;
        let remote = &page.remote;
        let picked = other(&hosts.proven, &skip, rng)
            .or_else(|| other(&hosts.fresh, &skip, rng))
            .or_else(|| crossing.then(|| other(&remote.ready, &skip, rng)).flatten())
            .or_else(|| other(&hosts.slow, &skip, rng))
            .or_else(|| other(&hosts.probed, &skip, rng))
            .or_else(|| crossing.then(|| other(&remote.late, &skip, rng)).flatten());
        let Some(host) = picked else {
            let ask = page.history.take().expect("checked above");
            fx.push(Effect::History { frame: SharedFrame::empty_history(hash), to: ask.askers });
            return;
        };
        ask.host = host;
        ask.tried.push(host);
        ask.deadline = now + self.config.request_timeout;
        self.metrics.history_asks.inc();
        fx.push(Effect::AskHistory { host, hash });
        let deadline = ask.deadline;
        schedule(page, hash, deadline, fx);
    }

    /// A page's health as anyone may see it: the hosts its count shows
    /// (those not known to be silent); zero for a page nobody has.
    pub fn health(&self, hash: PageHash) -> Health {
        Health { hosts: self.pages.get(&hash).map_or(0, |page| page.counted()) }
    }

    /// Another node of the site counts `count` hosts for the page (0: none,
    /// or it is gone). A request waiting on that node fails over at once.
    pub fn set_remote(&self, node: ConnId, hash: PageHash, count: usize, now: Instant) -> Effects {
        let mut fx = Vec::new();
        debug_assert!(is_remote(node));
        let update = |page: &mut Page, fx: &mut Effects| {
            let counted = page.counted();
            page.remote.set(node, count);
            if page.counted() != counted {
                self.count_changed(page, hash, now, fx);
            }
            if count == 0 {
                self.history_gone(page, hash, node, now, fx);
            }
            if count == 0 && page.in_flight.as_ref().is_some_and(|f| f.host == node) {
                let tried = page.in_flight.take().map(|f| f.tried).unwrap_or_default();
                self.fail_over(page, hash, now, tried, fx);
            } else if count > 0 && page.asking_local > 0 && page.in_flight.is_none() {
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
        self.pages.get(&hash).map_or(0, |page| page.visitors.keys().filter(|v| !is_remote(**v)).count())
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

    /// A host let a deadline pass (a request's or a probe's): it is slow
    /// from now on (here and on every page it joins) and its address is
    /// suspect for a while, so this page's fresh hosts from that address
    /// are probed: each is counted again once it answers.
    fn demote(&self, page: &mut Page, hash: PageHash, host: ConnId, now: Instant, fx: &mut Effects) {
        if is_remote(host) {
            // Another node, late: asked after the others next time. Its
            // count is its own to tell.
            page.remote.late(host);
            return;
        }
        let counted = page.counted();
        let Some(address) = page.hosts.remove(host) else {
            return;
        };
        page.hosts.slow.insert(host, address);
        self.missed_deadline(host, address, now);
        let fellows: Vec<ConnId> = if address == UNKNOWN_ADDRESS {
            Vec::new()
        } else {
            page.hosts.fresh.iter().filter(|(_, a)| **a == address).map(|(conn, _)| *conn).collect()
        };
        for fellow in fellows {
            page.hosts.fresh.swap_remove(&fellow);
            self.probe(page, hash, fellow, address, now, fx);
        }
        if page.counted() != counted {
            self.count_changed(page, hash, now, fx);
        }
    }

    /// Asks a host from a suspect address for the page, to see whether it answers.
    fn probe(
        &self,
        page: &mut Page,
        hash: PageHash,
        host: ConnId,
        address: IpAddr,
        now: Instant,
        fx: &mut Effects,
    ) {
        let deadline = now + self.config.request_timeout;
        page.hosts.probed.insert(host, (address, deadline));
        self.metrics.probes.inc();
        fx.push(Effect::Ask { host, hash });
        schedule(page, hash, deadline, fx);
    }

    /// The host in flight is gone or too late: the next one is asked if
    /// anyone is still waiting; otherwise the request ends here.
    fn fail_over(&self, page: &mut Page, hash: PageHash, now: Instant, tried: Vec<ConnId>, fx: &mut Effects) {
        if page.asking == 0 {
            page.in_flight = None;
            return;
        }
        self.metrics.failovers.inc();
        self.ask_next(page, hash, now, tried, fx);
    }

    /// Asks one host that has not been tried for this request: a proven one
    /// if any, else a fresh one, else a slow one. With nobody left, the
    /// request waits for a host to join or for the visitor's next retry.
    /// Proven and fresh hosts are never among those tried (a host that was
    /// asked and did not answer is slow, or gone): picking one is O(1).
    fn ask_next(
        &self,
        page: &mut Page,
        hash: PageHash,
        now: Instant,
        mut tried: Vec<ConnId>,
        fx: &mut Effects,
    ) {
        let hosts = &page.hosts;
        let rng = &mut page.rng;
        // The first ask spreads requests over every host not known to be
        // slow; once one has failed this request, hosts that have answered
        // before go first (fake hosts cannot keep a page hidden for long).
        let trusted = if tried.is_empty() { either(&hosts.proven, &hosts.fresh, rng) } else { None };
        // Another node only for this node's own visitors (never a request
        // that came from another node), and only with no local host ready.
        let remote = &page.remote;
        let crossing = page.asking_local > 0;
        let picked = trusted
            .or_else(|| any(&hosts.proven, rng))
            .or_else(|| any(&hosts.fresh, rng))
            .or_else(|| crossing.then(|| untried(&remote.ready, &tried, rng)).flatten())
            .or_else(|| untried(&hosts.slow, &tried, rng))
            .or_else(|| crossing.then(|| untried(&remote.late, &tried, rng)).flatten());
        let Some(host) = picked else {
            page.in_flight = None;
            page.drop_remote_asking();
            return;
        };
        tried.push(host);
        let deadline = now + self.config.request_timeout;
        page.in_flight = Some(InFlight { host, deadline, tried });
        self.metrics.asks.inc();
        if is_remote(host) {
            self.metrics.cross_node_asks.inc();
        }
        fx.push(Effect::Ask { host, hash });
        schedule(page, hash, deadline, fx);
    }

    /// Sends the new count now if the page's window allows, or schedules it
    /// for the end of the window; the last value is always delivered.
    fn count_changed(&self, page: &mut Page, hash: PageHash, now: Instant, fx: &mut Effects) {
        match page.counts.sent {
            Some((at, _)) if now < at + self.config.count_window => {
                if !page.counts.wake_pending {
                    page.counts.wake_pending = true;
                    schedule(page, hash, at + self.config.count_window, fx);
                }
            }
            _ => self.broadcast_count(page, hash, now, fx),
        }
    }

    fn broadcast_count(&self, page: &mut Page, hash: PageHash, now: Instant, fx: &mut Effects) {
        // Sent even if it equals the last broadcast: a host that joined in
        // between was told a different count in its join reply.
        let count = page.counted();
        page.counts.sent = Some((now, count));
        fx.push(Effect::Count {
            hash,
            hosts: page.hosts.all(),
            visitors: page.visitors.keys().copied().filter(|v| !is_remote(*v)).collect(),
            watchers: page.watchers.iter().copied().collect(),
            count,
            local: page.hosts.counted(),
        });
    }
}

/// Asks for a wake-up at `at` unless one at or before it is already coming
/// (that one will ask again for what is still pending).
fn schedule(page: &mut Page, hash: PageHash, at: Instant, fx: &mut Effects) {
    if page.wake_at.is_some_and(|scheduled| scheduled <= at) {
        return;
    }
    page.wake_at = Some(at);
    fx.push(Effect::WakeAt { hash, at });
}

/// A random host of `set`.
fn any(set: &IndexMap<ConnId, IpAddr>, rng: &mut SmallRng) -> Option<ConnId> {
    (!set.is_empty()).then(|| *set.get_index(rng.gen_range(0..set.len())).expect("in range").0)
}

/// A random host of `a` and `b` together, each equally likely.
fn either(a: &IndexMap<ConnId, IpAddr>, b: &IndexMap<ConnId, IpAddr>, rng: &mut SmallRng) -> Option<ConnId> {
    let n = a.len() + b.len();
    if n == 0 {
        return None;
    }
    let i = rng.gen_range(0..n);
    let (set, i) = if i < a.len() { (a, i) } else { (b, i - a.len()) };
    set.get_index(i).map(|(host, _)| *host)
}

/// A member of `set` that `skip` does not rule out, from a random start.
/// The ones ruled out (askers and hosts tried) are few, so this stops early.
fn other<V>(
    set: &IndexMap<ConnId, V>,
    skip: &impl Fn(&ConnId) -> bool,
    rng: &mut SmallRng,
) -> Option<ConnId> {
    if set.is_empty() {
        return None;
    }
    let start = rng.gen_range(0..set.len());
    (0..set.len())
        .map(|i| *set.get_index((start + i) % set.len()).expect("in range").0)
        .find(|host| !skip(host))
}

/// A slow host not tried for this request: from a random start, the first
/// untried one among the next few, so the pick stays O(1) however many slow
/// hosts there are and however many were tried. Finding none, the request
/// waits for the visitor's next retry (which starts a new one) or a new host.
fn untried<V>(set: &IndexMap<ConnId, V>, tried: &[ConnId], rng: &mut SmallRng) -> Option<ConnId> {
    const LOOK: usize = 8;
    if set.is_empty() {
        return None;
    }
    let start = rng.gen_range(0..set.len());
    (0..LOOK.min(set.len()))
        .map(|i| *set.get_index((start + i) % set.len()).expect("in range").0)
        .find(|host| !tried.contains(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: u8) -> PageHash {
        PageHash::of(&n.to_string())
    }

    fn hub(policy: Policy) -> Hub {
        Hub::new(HubConfig { policy, ..HubConfig::default() }, Arc::new(Metrics::new()), 7)
    }

    use super::sequences::good;

    fn asks(fx: &Effects) -> Vec<ConnId> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Ask { host, .. } => Some(*host),
                _ => None,
            })
            .collect()
    }

    fn delivered(fx: &Effects) -> Vec<ConnId> {
        fx.iter()
            .flat_map(|e| match e {
                Effect::Deliver { visitors, .. } => visitors.clone(),
                _ => Vec::new(),
            })
            .collect()
    }

    fn counts(fx: &Effects) -> Vec<usize> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::Count { count, .. } => Some(*count),
                _ => None,
            })
            .collect()
    }

    /// A page with hosts 1..=n and visitors 100.. that is past its first count window.
    fn hosted(policy: Policy, n: u64, visitors: u64) -> (Hub, PageHash, Instant) {
        let hub = hub(policy);
        let h = page(0);
        let t0 = Instant::now();
        for host in 1..=n {
            hub.join_host(host, h, t0);
        }
        for v in 0..visitors {
            hub.join_visitor(100 + v, h);
        }
        // Flush the count window the joins opened.
        hub.wake(h, t0 + Duration::from_secs(1));
        (hub, h, t0 + Duration::from_secs(10))
    }

    #[test]
    fn targeted_asks_exactly_one_host_with_a_deadline() {
        let (hub, h, now) = hosted(Policy::Targeted, 5, 1);
        let fx = hub.request(100, h, now);
        let asked = asks(&fx);
        assert_eq!(asked.len(), 1);
        assert!((1..=5).contains(&asked[0]));
        assert!(fx.contains(&Effect::WakeAt { hash: h, at: now + Duration::from_secs(1) }));
    }

    #[test]
    fn targeted_spreads_requests_over_hosts() {
        let (hub, h, now) = hosted(Policy::Targeted, 4, 0);
        let mut seen = std::collections::HashSet::new();
        for v in 200..400 {
            hub.join_visitor(v, h);
            let host = asks(&hub.request(v, h, now))[0];
            seen.insert(host);
            assert_eq!(delivered(&hub.content(host, h, good(h), now)), vec![v]);
        }
        assert_eq!(seen.len(), 4, "every host is chosen sometimes");
    }

    #[test]
    fn concurrent_requests_are_coalesced_and_one_answer_serves_all() {
        let (hub, h, now) = hosted(Policy::Targeted, 3, 3);
        let first = hub.request(100, h, now);
        assert_eq!(asks(&first).len(), 1);
        assert!(hub.request(101, h, now).is_empty());
        assert!(hub.request(102, h, now).is_empty());
        assert_eq!(hub.metrics().coalesced.get(), 2);
        let fx = hub.content(asks(&first)[0], h, good(h), now);
        let mut served = delivered(&fx);
        served.sort();
        assert_eq!(served, vec![100, 101, 102]);
        assert_eq!(hub.metrics().deliveries.get(), 3);
        // A second answer to the same request is not forwarded again.
        assert!(hub.content(1, h, good(h), now).is_empty());
        assert_eq!(hub.metrics().unsolicited.get(), 1);
    }

    /// `ep2p_time_to_content_seconds`'s count and sum, as `/metrics` shows them.
    fn time_to_content(hub: &Hub) -> (String, String) {
        let text = hub.metrics().render();
        let value = |name: &str| {
            let line =
                text.lines().find(|line| line.starts_with(name)).unwrap_or_else(|| panic!("{name}: {text}"));
            line.rsplit(' ').next().unwrap_or_default().to_string()
        };
        (value("ep2p_time_to_content_seconds_count "), value("ep2p_time_to_content_seconds_sum "))
    }

    #[test]
    fn time_to_content_is_observed_once_per_answer_from_the_first_request_through_failovers() {
        let (hub, h, now) = hosted(Policy::Targeted, 2, 3);
        let first = asks(&hub.request(100, h, now))[0];
        // Coalesced visitors do not start another clock.
        assert!(hub.request(101, h, now + Duration::from_millis(500)).is_empty());
        let second = asks(&hub.wake(h, now + Duration::from_secs(1)))[0];
        assert_ne!(second, first);
        let t = now + Duration::from_millis(1250);
        assert_eq!(delivered(&hub.content(second, h, good(h), t)).len(), 2);
        assert_eq!(time_to_content(&hub), ("1".to_string(), "1.25".to_string()));
        // A visitor who gave up takes the clock with them: the next request starts a new one.
        let t = now + Duration::from_secs(5);
        hub.request(102, h, t);
        hub.leave_visitor(102, h);
        let t = now + Duration::from_secs(10);
        let host = asks(&hub.request(100, h, t)).first().copied().unwrap_or(second);
        hub.content(host, h, good(h), t + Duration::from_millis(250));
        assert_eq!(time_to_content(&hub), ("2".to_string(), "1.5".to_string()));
    }

    #[test]
    fn a_silent_host_is_replaced_at_its_deadline_and_then_avoided() {
        let (hub, h, now) = hosted(Policy::Targeted, 2, 1);
        let first = asks(&hub.request(100, h, now))[0];
        let early = hub.wake(h, now + Duration::from_millis(999));
        assert!(asks(&early).is_empty(), "not before the deadline");
        let late = hub.wake(h, now + Duration::from_secs(1));
        let second = asks(&late);
        assert_eq!(second.len(), 1);
        assert_ne!(second[0], first);
        assert_eq!(hub.metrics().failovers.get(), 1);
        // The slow host is still on the page, but not counted, and new
        // requests go to the other one.
        assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (1, 2));
        hub.content(second[0], h, good(h), now + Duration::from_secs(1));
        for v in 200..220 {
            let t = now + Duration::from_secs(2);
            hub.join_visitor(v, h);
            let next = asks(&hub.request(v, h, t));
            assert_eq!(next, second);
            hub.content(second[0], h, good(h), t);
        }
    }

    #[test]
    fn when_every_host_is_slow_the_slow_ones_are_still_asked() {
        let (hub, h, now) = hosted(Policy::Targeted, 1, 1);
        let first = asks(&hub.request(100, h, now));
        let t = now + Duration::from_secs(1);
        // The only host was tried: nobody is left for this request.
        assert!(asks(&hub.wake(h, t)).is_empty());
        // The visitor's retry asks the slow host again rather than nobody.
        assert_eq!(asks(&hub.request(100, h, t)), first);
        // Answering makes it ready again.
        assert_eq!(delivered(&hub.content(first[0], h, good(h), t)), vec![100]);
    }

    #[test]
    fn the_asked_host_leaving_fails_over_at_once() {
        let (hub, h, now) = hosted(Policy::Targeted, 2, 1);
        let first = asks(&hub.request(100, h, now))[0];
        let fx = hub.leave_host(first, h, now);
        let next = asks(&fx);
        assert_eq!(next.len(), 1);
        assert_ne!(next[0], first);
        assert_eq!(counts(&fx), vec![1]);
    }

    #[test]
    fn bad_content_removes_the_host_and_asks_another() {
        let (hub, h, now) = hosted(Policy::Targeted, 2, 1);
        let liar = asks(&hub.request(100, h, now))[0];
        let fx = hub.content(liar, h, Answer::Forged, now);
        assert!(delivered(&fx).is_empty(), "bad content is never delivered");
        let next = asks(&fx);
        assert_eq!(next.len(), 1);
        assert_ne!(next[0], liar);
        assert_eq!(hub.health(h).hosts, 1);
        assert_eq!(hub.metrics().bad_hashes.get(), 1);
        assert_eq!(delivered(&hub.content(next[0], h, good(h), now)), vec![100]);
    }

    #[test]
    fn a_request_with_no_host_waits_for_the_first_host_to_join() {
        let hub = hub(Policy::Targeted);
        let h = page(1);
        let now = Instant::now();
        hub.join_visitor(100, h);
        assert!(hub.request(100, h, now).is_empty());
        let fx = hub.join_host(7, h, now);
        assert_eq!(asks(&fx), vec![7]);
        assert_eq!(delivered(&hub.content(7, h, good(h), now)), vec![100]);
        // Served: the next host to join is not asked.
        assert!(asks(&hub.join_host(8, h, now)).is_empty());
    }

    #[test]
    fn only_visitors_that_asked_are_sent_the_page_once_per_request() {
        let (hub, h, now) = hosted(Policy::Targeted, 1, 0);
        hub.join_visitor(100, h);
        hub.join_visitor(101, h);
        let host = asks(&hub.request(100, h, now))[0];
        // Asking again while the request is in flight changes nothing.
        assert!(hub.request(100, h, now).is_empty());
        // 101 only listens: the answer is for 100.
        assert_eq!(delivered(&hub.content(host, h, good(h), now)), vec![100]);
        // A second answer to the same request is not forwarded.
        assert!(hub.content(host, h, good(h), now).is_empty());
        // 101 asks now, and gets its own answer; so does 100 asking again.
        assert_eq!(asks(&hub.request(101, h, now)), vec![host]);
        assert!(hub.request(100, h, now).is_empty(), "coalesced with 101's");
        let mut served = delivered(&hub.content(host, h, good(h), now));
        served.sort();
        assert_eq!(served, vec![100, 101]);
        assert_eq!(hub.metrics().deliveries.get(), 3);
    }

    #[test]
    fn requests_from_sockets_not_on_want_are_ignored() {
        let (hub, h, now) = hosted(Policy::Targeted, 2, 0);
        assert!(hub.request(100, h, now).is_empty());
        assert!(hub.request(100, page(9), now).is_empty());
    }

    #[test]
    fn the_last_visitor_leaving_cancels_the_request() {
        let (hub, h, now) = hosted(Policy::Targeted, 1, 1);
        let host = asks(&hub.request(100, h, now))[0];
        hub.leave_visitor(100, h);
        assert!(hub.content(host, h, good(h), now).is_empty());
        assert!(asks(&hub.join_host(2, h, now)).is_empty());
    }

    #[test]
    fn counts_are_sent_at_once_then_coalesced_per_window_and_the_last_value_arrives() {
        let hub = hub(Policy::Targeted);
        let h = page(2);
        let t0 = Instant::now();
        hub.join_visitor(100, h);
        let first = hub.join_host(1, h, t0);
        assert_eq!(
            first[0],
            Effect::Count {
                hash: h,
                hosts: vec![1],
                visitors: vec![100],
                watchers: vec![],
                count: 1,
                local: 1
            }
        );
        // A burst of churn inside the window: one wake, no counts yet.
        let mut fx = Vec::new();
        for host in 2..=10 {
            fx.extend(hub.join_host(host, h, t0 + Duration::from_millis(host)));
        }
        for host in 2..=5 {
            fx.extend(hub.leave_host(host, h, t0 + Duration::from_millis(20 + host)));
        }
        assert!(counts(&fx).is_empty());
        let window_end = t0 + Duration::from_millis(250);
        assert_eq!(fx, vec![Effect::WakeAt { hash: h, at: window_end }]);
        assert!(counts(&hub.wake(h, window_end - Duration::from_millis(1))).is_empty());
        let flushed = hub.wake(h, window_end);
        assert_eq!(counts(&flushed), vec![6]);
        let Effect::Count { hosts, visitors, .. } = &flushed[0] else { panic!() };
        assert_eq!((hosts.len(), visitors.as_slice()), (6, &[100][..]));
        // Churn that ends where it started still sends the value once at the
        // window's end: host 11 was told 7 in its join reply, and must not
        // be left believing it.
        let t1 = window_end + Duration::from_millis(10);
        let mut fx = hub.join_host(11, h, t1);
        fx.extend(hub.leave_host(11, h, t1));
        assert!(counts(&fx).is_empty());
        assert_eq!(counts(&hub.wake(h, window_end + Duration::from_millis(250))), vec![6]);
        // Nothing changed since: nothing more.
        assert!(counts(&hub.wake(h, t1 + Duration::from_secs(1))).is_empty());
        // A host that disconnects counts out, after a quiet window at once.
        let t2 = t1 + Duration::from_secs(5);
        assert_eq!(counts(&hub.leave_host(1, h, t2)), vec![5]);
    }

    #[test]
    fn a_busy_page_shares_one_wake_up_between_its_deadlines() {
        let (hub, h, now) = hosted(Policy::Targeted, 2, 0);
        let wakes = |fx: &Effects| fx.iter().filter(|e| matches!(e, Effect::WakeAt { .. })).count();
        let mut scheduled = 0;
        for i in 0..100u64 {
            let t = now + Duration::from_millis(i);
            hub.join_visitor(200 + i, h);
            let fx = hub.request(200 + i, h, t);
            scheduled += wakes(&fx);
            hub.content(asks(&fx)[0], h, good(h), t);
        }
        assert_eq!(scheduled, 1, "one timer for a hundred requests");
        // When it fires, the request in flight by then still gets its deadline.
        hub.join_visitor(999, h);
        let last = asks(&hub.request(999, h, now + Duration::from_millis(500)))[0];
        let fired = hub.wake(h, now + Duration::from_secs(1));
        assert!(asks(&fired).is_empty(), "not due yet");
        assert_eq!(fired, vec![Effect::WakeAt { hash: h, at: now + Duration::from_millis(1500) }]);
        let failover = hub.wake(h, now + Duration::from_millis(1500));
        assert_eq!(asks(&failover).len(), 1);
        assert_ne!(asks(&failover)[0], last);
    }

    #[test]
    fn health_and_totals_follow_joins_and_leaves_and_empty_pages_are_dropped() {
        let hub = hub(Policy::Targeted);
        let (a, b) = (page(3), page(4));
        let now = Instant::now();
        hub.join_host(1, a, now);
        hub.join_host(1, a, now); // a duplicate join counts once
        hub.join_host(2, a, now);
        hub.join_visitor(3, a);
        hub.join_visitor(3, b);
        assert_eq!((hub.health(a), hub.waiting(a)), (Health { hosts: 2 }, 1));
        assert_eq!((hub.health(b), hub.waiting(b)), (Health { hosts: 0 }, 1));
        assert_eq!((hub.pages(), hub.hosts(), hub.visitors()), (2, 2, 2));
        hub.leave_host(1, a, now);
        hub.leave_host(1, a, now); // leaving twice is harmless
        hub.leave_visitor(3, b);
        assert_eq!(hub.pages(), 1);
        hub.leave_host(2, a, now);
        hub.leave_visitor(3, a);
        assert_eq!((hub.pages(), hub.hosts(), hub.visitors()), (0, 0, 0));
        assert_eq!(hub.health(a), Health::default());
    }

    fn address(n: u8) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, n))
    }

    #[test]
    fn the_ask_in_flight_outlives_visitors_who_leave_and_come_back() {
        let (hub, h, now) = hosted(Policy::Targeted, 3, 0);
        hub.join_visitor(100, h);
        assert_eq!(asks(&hub.request(100, h, now)).len(), 1);
        // Leaving and joining again a hundred times before the deadline.
        for i in 0..100 {
            let t = now + Duration::from_millis(i * 9);
            hub.leave_visitor(100, h);
            hub.join_visitor(100, h);
            assert!(asks(&hub.request(100, h, t)).is_empty(), "round {i} asked again");
        }
        assert_eq!(hub.metrics().asks.get(), 1);
        // At the deadline the visitor is still waiting: one more host, once.
        assert_eq!(asks(&hub.wake(h, now + Duration::from_secs(1))).len(), 1);
        assert_eq!(hub.metrics().asks.get(), 2);
    }

    #[test]
    fn nobody_left_waiting_at_the_deadline_ends_the_request_without_a_failover() {
        let (hub, h, now) = hosted(Policy::Targeted, 2, 1);
        let first = asks(&hub.request(100, h, now))[0];
        hub.leave_visitor(100, h);
        assert!(asks(&hub.wake(h, now + Duration::from_secs(1))).is_empty());
        assert_eq!(hub.metrics().failovers.get(), 0);
        // The silent host is slow all the same.
        assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (1, 2));
        assert!(asks(&hub.join_host(first, h, now)).is_empty());
    }

    #[test]
    fn a_socket_that_let_a_deadline_pass_stays_slow_when_it_joins_again() {
        let hub = hub(Policy::Targeted);
        let (h, other) = (page(5), page(6));
        let now = Instant::now();
        hub.connect(1, address(2));
        hub.join_host(1, h, now);
        hub.join_visitor(100, h);
        assert_eq!(asks(&hub.request(100, h, now)), vec![1]);
        hub.wake(h, now + Duration::from_secs(1));
        assert_eq!(hub.health(h).hosts, 0, "not counted once silent");
        // Leaving and joining again (here or on another page) does not wash
        // it, though, as the only host, it is asked for the waiting visitor.
        let t = now + Duration::from_secs(3);
        hub.leave_host(1, h, t);
        assert_eq!(asks(&hub.join_host(1, h, t)), vec![1]);
        hub.join_host(1, other, t);
        assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (0, 1));
        assert_eq!(hub.health(other).hosts, 0);
        // Answering does.
        assert_eq!(delivered(&hub.content(1, h, good(h), t)), vec![100]);
        assert_eq!(hub.health(h).hosts, 1);
        hub.leave_host(1, other, t);
        hub.join_host(1, other, t);
        assert_eq!(hub.health(other).hosts, 1);
        // Its socket closing forgets it.
        hub.forget(1);
        assert!(hub.sockets.is_empty());
    }

    #[test]
    fn one_silent_host_makes_its_address_suspect_and_an_honest_host_is_found_next() {
        for seed in 0..20 {
            let hub = Hub::new(HubConfig::default(), Arc::new(Metrics::new()), seed);
            let h = page(7);
            let now = Instant::now();
            // Fifty silent hosts from one address, one honest host from another.
            for fake in 1..=50 {
                hub.connect(fake, address(9));
                hub.join_host(fake, h, now);
            }
            hub.connect(99, address(2));
            hub.join_host(99, h, now);
            hub.join_visitor(100, h);
            let first = asks(&hub.request(100, h, now));
            let t = now + Duration::from_secs(1);
            if first != vec![99] {
                // One fake caught: the relay asks another host for the
                // visitor, and probes the fake's fellows.
                let fx = hub.wake(h, t);
                let asked = asks(&fx);
                assert_eq!(asked.len(), 50, "seed {seed}: {asked:?}");
                assert!(asked.contains(&99), "seed {seed}: the honest host is asked");
                assert_eq!((hub.metrics().asks.get(), hub.metrics().probes.get()), (2, 49));
                // Probed hosts are not counted until they answer.
                assert_eq!(hub.health(h).hosts, 1);
            }
            assert_eq!(delivered(&hub.content(99, h, good(h), t)), vec![100]);
            // The probes go unanswered: every fake is slow.
            hub.wake(h, t + Duration::from_secs(1));
            assert_eq!((hub.health(h).hosts, hub.host_sockets(h)), (1, 51));
            if first == vec![99] {
                continue;
            }
            // A newcomer from that address is probed before it counts…
            let t = t + Duration::from_secs(2);
            hub.connect(51, address(9));
            assert_eq!(asks(&hub.join_host(51, h, t)), vec![51]);
            assert_eq!(hub.health(h).hosts, 1);
            // …and counts once it answers.
            hub.content(51, h, good(h), t);
            assert_eq!(hub.health(h).hosts, 2);
            // After a while the address is trusted again.
            hub.connect(52, address(9));
            assert!(asks(&hub.join_host(52, h, t + Duration::from_secs(61))).is_empty());
            assert_eq!(hub.health(h).hosts, 3);
        }
    }

    #[test]
    fn after_a_failover_hosts_that_answered_before_go_first() {
        for seed in 0..20 {
            let hub = Hub::new(HubConfig::default(), Arc::new(Metrics::new()), seed);
            let h = page(8);
            let now = Instant::now();
            // One proven host, then fifty fakes, each from its own address.
            hub.connect(1, address(2));
            hub.join_host(1, h, now);
            hub.join_visitor(100, h);
            assert_eq!(asks(&hub.request(100, h, now)), vec![1]);
            hub.content(1, h, good(h), now);
            for fake in 10..60 {
                hub.connect(fake, address(fake as u8));
                hub.join_host(fake, h, now);
            }
            let t = now + Duration::from_secs(5);
            let first = asks(&hub.request(100, h, t))[0];
            if first != 1 {
                assert_eq!(asks(&hub.wake(h, t + Duration::from_secs(1))), vec![1], "seed {seed}");
            }
        }
    }

    #[test]
    fn the_same_seed_and_the_same_calls_give_the_same_choices() {
        let run = || {
            let (hub, h, now) = hosted(Policy::Targeted, 20, 0);
            (200..260)
                .flat_map(|v| {
                    hub.join_visitor(v, h);
                    let asked = asks(&hub.request(v, h, now));
                    hub.content(asked[0], h, good(h), now);
                    asked
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn a_node_asks_its_own_hosts_first_and_another_node_only_when_it_has_none() {
        let (hub, h, now) = hosted(Policy::Targeted, 1, 1);
        let (b, c) = (remote(2), remote(3));
        hub.set_remote(b, h, 2, now);
        hub.set_remote(c, h, 1, now);
        assert_eq!(hub.health(h).hosts, 4, "the site's count: 1 here, 2 on b, 1 on c");
        for _ in 0..10 {
            let t = now + Duration::from_secs(1);
            assert_eq!(asks(&hub.request(100, h, t)), vec![1], "its own host first");
            hub.content(1, h, good(h), t);
        }
        // Its own host gone, a request crosses to one other node.
        let t = now + Duration::from_secs(2);
        hub.leave_host(1, h, t);
        let crossed = asks(&hub.request(100, h, t));
        assert!(crossed == vec![b] || crossed == vec![c], "{crossed:?}");
        assert_eq!(hub.metrics().cross_node_asks.get(), 1);
        // That node answers for it.
        assert_eq!(delivered(&hub.content(crossed[0], h, good(h), t)), vec![100]);
    }

    #[test]
    fn a_node_that_is_gone_or_late_is_replaced_at_once_or_at_its_deadline() {
        let hub = hub(Policy::Targeted);
        let h = page(9);
        let now = Instant::now();
        let (b, c) = (remote(2), remote(3));
        hub.set_remote(b, h, 1, now);
        hub.set_remote(c, h, 1, now);
        hub.join_visitor(100, h);
        let first = asks(&hub.request(100, h, now))[0];
        let other = if first == b { c } else { b };
        // Gone (its count dropped to 0, or it died): the other one at once.
        let fx = hub.set_remote(first, h, 0, now);
        assert_eq!(asks(&fx), vec![other]);
        assert_eq!(hub.health(h).hosts, 1);
        // Late: at its deadline nobody else is left for this request.
        assert!(asks(&hub.wake(h, now + Duration::from_secs(1))).is_empty());
        // A node that comes back with hosts is asked at once for the waiting visitor.
        let t = now + Duration::from_secs(2);
        assert_eq!(asks(&hub.set_remote(first, h, 1, t)), vec![first]);
        hub.content(first, h, good(h), t);
        // From then on the late node comes after the others.
        for i in 0..10 {
            let t = now + Duration::from_secs(3 + i);
            assert_eq!(asks(&hub.request(100, h, t)), vec![first]);
            hub.content(first, h, good(h), t);
        }
    }

    #[test]
    fn another_nodes_request_is_served_by_this_nodes_hosts_only_and_once() {
        let hub = hub(Policy::Targeted);
        let h = page(10);
        let now = Instant::now();
        let (asker, elsewhere) = (remote(2), remote(3));
        hub.set_remote(elsewhere, h, 1, now);
        // No host here: the request is dropped, never passed on to a third node.
        hub.join_visitor(asker, h);
        assert!(hub.request(asker, h, now).is_empty());
        // With a host here, it is asked, and the answer goes to the asking node.
        hub.join_host(1, h, now);
        hub.join_visitor(asker, h);
        assert_eq!(asks(&hub.request(asker, h, now)), vec![1]);
        hub.join_visitor(100, h);
        assert!(hub.request(100, h, now).is_empty(), "coalesced with the other node's");
        let mut served = delivered(&hub.content(1, h, good(h), now));
        served.sort();
        assert_eq!(served, vec![100, asker]);
        // Served, the other node's request is over; the visitor here stays.
        assert_eq!(hub.waiting(h), 1);
        assert!(hub.content(1, h, good(h), now).is_empty());
        // Counts go to sockets, never to another node.
        let fx = hub.join_host(2, h, now + Duration::from_secs(1));
        let Some(Effect::Count { visitors, local, count, .. }) = fx.first() else { panic!("{fx:?}") };
        assert_eq!((visitors.as_slice(), *local, *count), (&[100][..], 2, 3));
    }

    #[test]
    fn random_drop_loses_about_a_third_of_requests_and_duplicates_a_quarter() {
        let (hub, h, now) = hosted(Policy::RandomDrop, 10, 1);
        let trials = 4000;
        let (mut none, mut several) = (0, 0);
        for _ in 0..trials {
            match asks(&hub.request(100, h, now)).len() {
                0 => none += 1,
                1 => {}
                _ => several += 1,
            }
        }
        // (1 - 1/10)^10 ≈ 0.349 reach nobody; 1 - 0.349 - 0.387 ≈ 0.264 reach several.
        let (none, several) = (none as f64 / trials as f64, several as f64 / trials as f64);
        assert!((0.30..0.40).contains(&none), "{none}");
        assert!((0.22..0.31).contains(&several), "{several}");
    }

    #[test]
    fn broadcast_asks_every_host_and_forwards_every_answer() {
        let (hub, h, now) = hosted(Policy::Broadcast, 4, 2);
        let mut asked = asks(&hub.request(100, h, now));
        asked.sort();
        assert_eq!(asked, vec![1, 2, 3, 4]);
        for host in asked {
            assert_eq!(delivered(&hub.content(host, h, good(h), now)).len(), 2);
        }
    }

    fn history_asks(fx: &Effects) -> Vec<ConnId> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::AskHistory { host, .. } => Some(*host),
                _ => None,
            })
            .collect()
    }

    /// Who a history went to, and whether it was the empty one.
    fn histories(fx: &Effects) -> Vec<(Vec<ConnId>, bool)> {
        fx.iter()
            .filter_map(|e| match e {
                Effect::History { frame, to } => {
                    Some((to.clone(), frame.history_literal().is_some_and(|m| m.get() == "[]")))
                }
                _ => None,
            })
            .collect()
    }

    fn some_history(h: PageHash) -> Option<Arc<SharedFrame>> {
        let messages = serde_json::value::to_raw_value(&["m"]).unwrap();
        Some(SharedFrame::history(h, &messages))
    }

    #[test]
    fn a_history_is_asked_of_one_other_host_and_goes_only_to_who_asked() {
        for policy in Policy::ALL {
            let (hub, h, now) = hosted(policy, 5, 2);
            let fx = hub.history_request(3, h, now);
            let asked = history_asks(&fx);
            assert_eq!(asked.len(), 1, "{policy}");
            assert_ne!(asked[0], 3, "never the asker");
            assert!(fx.contains(&Effect::WakeAt { hash: h, at: now + Duration::from_secs(1) }));
            // A second new host joins the request in flight.
            assert!(hub.history_request(4, h, now).is_empty());
            assert!(
                hub.history_answer(asked[0] % 5 + 1, h, some_history(h), now).is_empty()
                    || asked[0] % 5 + 1 == asked[0]
            );
            let fx = hub.history_answer(asked[0], h, some_history(h), now);
            assert_eq!(histories(&fx), vec![(vec![3, 4], false)]);
            assert!(delivered(&fx).is_empty() && asks(&fx).is_empty(), "no visitor, no page request");
            // The request is over: a late second answer goes nowhere.
            assert!(hub.history_answer(asked[0], h, some_history(h), now).is_empty());
        }
    }

    #[test]
    fn a_history_asked_of_a_silent_leaving_or_lying_host_is_asked_of_the_next() {
        let (hub, h, now) = hosted(Policy::Targeted, 4, 0);
        let first = history_asks(&hub.history_request(1, h, now))[0];
        assert!(history_asks(&hub.wake(h, now + Duration::from_millis(999))).is_empty());
        let second = history_asks(&hub.wake(h, now + Duration::from_secs(1)));
        assert_eq!(second.len(), 1);
        assert!(second[0] != first && second[0] != 1);
        let third = history_asks(&hub.leave_host(second[0], h, now + Duration::from_secs(1)));
        assert_eq!(third.len(), 1);
        assert!(![1, first, second[0]].contains(&third[0]));
        // A refused answer (malformed, from the future…) moves on too; with
        // nobody left the asker gets an empty history at once.
        let fx = hub.history_answer(third[0], h, None, now + Duration::from_secs(1));
        assert_eq!(histories(&fx), vec![(vec![1], true)]);
        assert_eq!(hub.metrics().history_failovers.get(), 3);
    }

    #[test]
    fn the_only_host_gets_an_empty_history_and_askers_who_leave_are_forgotten() {
        let (hub, h, now) = hosted(Policy::Targeted, 1, 0);
        assert_eq!(histories(&hub.history_request(1, h, now)), vec![(vec![1], true)]);
        // Only hosts ask: a visitor's request is ignored.
        hub.join_visitor(50, h);
        assert!(hub.history_request(50, h, now).is_empty());
        // An asker that leaves waits for nothing; the last one cancels the request.
        hub.join_host(2, h, now);
        let asked = history_asks(&hub.history_request(2, h, now));
        assert_eq!(asked, vec![1]);
        hub.leave_host(2, h, now);
        assert!(hub.history_answer(1, h, some_history(h), now).is_empty());
        // Another node asking for a page nobody hosts here gets an empty history.
        let node = remote(9);
        assert_eq!(histories(&hub.history_request(node, page(7), now)), vec![(vec![node], true)]);
    }

    #[test]
    fn another_node_is_asked_for_the_history_only_when_no_host_here_can_answer() {
        let (hub, h, now) = hosted(Policy::Targeted, 1, 0);
        let node = remote(5);
        hub.set_remote(node, h, 3, now);
        assert_eq!(history_asks(&hub.history_request(1, h, now)), vec![node]);
        assert_eq!(histories(&hub.history_answer(node, h, some_history(h), now)), vec![(vec![1], false)]);
        // A node that disappears fails the request over (to nobody: empty).
        assert_eq!(history_asks(&hub.history_request(1, h, now)), vec![node]);
        assert_eq!(histories(&hub.set_remote(node, h, 0, now)), vec![(vec![1], true)]);
        // Another node's request is served by hosts here, never sent on.
        hub.join_host(2, h, now);
        let asker = remote(6);
        hub.set_remote(remote(7), h, 1, now);
        let asked = history_asks(&hub.history_request(asker, h, now));
        assert!(asked == vec![1] || asked == vec![2], "{asked:?}");
    }
}

/// The hub driven by arbitrary bytes, checked against a plain model after
/// every step. The unit test below feeds it random bytes; the cargo-fuzz
/// target `fuzz/fuzz_targets/hub.rs` feeds it coverage-guided ones.
#[cfg(any(test, feature = "fuzzing"))]
pub mod sequences {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// Who is where, as the sockets see it.
    #[derive(Default)]
    struct Model {
        hosts: BTreeMap<PageHash, BTreeSet<ConnId>>,
        visitors: BTreeMap<PageHash, BTreeSet<ConnId>>,
        /// Other nodes' counts, per page.
        remote: BTreeMap<PageHash, BTreeMap<ConnId, usize>>,
        /// Other nodes that have asked for a page.
        remote_askers: BTreeMap<PageHash, BTreeSet<ConnId>>,
        /// Hosts (and nodes) waiting for a page's chat history.
        history_askers: BTreeMap<PageHash, BTreeSet<ConnId>>,
    }

    impl Model {
        fn has(map: &BTreeMap<PageHash, BTreeSet<ConnId>>, page: &PageHash, conn: &ConnId) -> bool {
            map.get(page).is_some_and(|s| s.contains(conn))
        }

        fn remote_sum(&self, page: &PageHash) -> usize {
            self.remote.get(page).map_or(0, |nodes| nodes.values().sum())
        }
    }

    /// A verified answer for page `h` (the hub never looks inside it).
    pub fn good(h: PageHash) -> Answer {
        let literal = serde_json::value::to_raw_value("the page").expect("a string serializes");
        Answer::Verified(SharedFrame::content(h, &literal))
    }

    /// Runs the operations that `ops` spells (3 bytes each: what, who,
    /// which page and how much later) and panics at the first broken
    /// invariant: counts that disagree with the model, an effect for a
    /// socket that is not (or no longer) where it is sent, unverified
    /// content delivered, pages kept with nobody on them.
    pub fn run(policy: Policy, ops: &[u8]) {
        let hub = Hub::new(HubConfig { policy, ..HubConfig::default() }, Arc::new(Metrics::new()), 7);
        let pages: Vec<PageHash> = (0..3u8).map(|i| PageHash::of(&i.to_string())).collect();
        let mut model = Model::default();
        let mut now = Instant::now();
        for op in ops.chunks_exact(3) {
            let conn = ConnId::from(op[1] % 8);
            let page = pages[usize::from(op[2] % 3)];
            now += Duration::from_millis(u64::from(op[2] / 3) * 5);
            let mut verified = true;
            let effects = match op[0] % 12 {
                0 => {
                    model.hosts.entry(page).or_default().insert(conn);
                    hub.join_host(conn, page, now)
                }
                1 => {
                    model.hosts.entry(page).or_default().remove(&conn);
                    model.history_askers.entry(page).or_default().remove(&conn);
                    hub.leave_host(conn, page, now)
                }
                2 => {
                    model.visitors.entry(page).or_default().insert(conn);
                    hub.join_visitor(conn, page);
                    Vec::new()
                }
                3 => {
                    model.visitors.entry(page).or_default().remove(&conn);
                    hub.leave_visitor(conn, page);
                    Vec::new()
                }
                4 | 5 => hub.request(conn, page, now),
                6 => {
                    // Content only comes from hosts (the socket checks the topic).
                    if !Model::has(&model.hosts, &page, &conn) {
                        continue;
                    }
                    verified = op[0] & 0x80 == 0;
                    if !verified {
                        model.hosts.entry(page).or_default().remove(&conn);
                        model.history_askers.entry(page).or_default().remove(&conn);
                    }
                    let answer = if verified { good(page) } else { Answer::Forged };
                    hub.content(conn, page, answer, now)
                }
                7 => hub.wake(page, now),
                8 => {
                    // Another node's count for the page changes (0: gone).
                    let node = remote(u64::from(op[1] % 3) + 1);
                    let count = usize::from(op[1] / 3 % 4);
                    let nodes = model.remote.entry(page).or_default();
                    if count == 0 {
                        nodes.remove(&node);
                        // A node that counts nothing waits for no history here.
                        model.history_askers.entry(page).or_default().remove(&node);
                    } else {
                        nodes.insert(node, count);
                    }
                    hub.set_remote(node, page, count, now)
                }
                10 => {
                    // A host (or, with the top bit, another node) asks for the chat.
                    let asker = if op[0] & 0x80 != 0 { remote(u64::from(op[1] % 3) + 1) } else { conn };
                    if is_remote(asker) || Model::has(&model.hosts, &page, &asker) {
                        model.history_askers.entry(page).or_default().insert(asker);
                    }
                    hub.history_request(asker, page, now)
                }
                11 => {
                    // A host answers a history ask (well or not), asked or not.
                    if !Model::has(&model.hosts, &page, &conn) {
                        continue;
                    }
                    let messages = serde_json::value::to_raw_value(&Vec::<u8>::new()).expect("serializes");
                    let answer = (op[0] & 0x80 == 0).then(|| SharedFrame::history(page, &messages));
                    hub.history_answer(conn, page, answer, now)
                }
                _ => {
                    // Another node asks for the page (routing across nodes is targeted only).
                    if policy != Policy::Targeted {
                        continue;
                    }
                    let node = remote(u64::from(op[1] % 3) + 1);
                    model.remote_askers.entry(page).or_default().insert(node);
                    hub.join_visitor(node, page);
                    hub.request(node, page, now)
                }
            };
            check(&hub, &mut model, &pages, &effects, verified);
        }
    }

    fn check(hub: &Hub, model: &mut Model, pages: &[PageHash], effects: &Effects, verified: bool) {
        for &page in pages {
            let hosts = model.hosts.get(&page).map_or(0, BTreeSet::len);
            let waiting = model.visitors.get(&page).map_or(0, BTreeSet::len);
            assert_eq!((hub.host_sockets(page), hub.waiting(page)), (hosts, waiting));
            let most = hosts + model.remote_sum(&page);
            assert!(hub.health(page).hosts <= most, "silent hosts are not counted, others are");
        }
        let total =
            |m: &BTreeMap<PageHash, BTreeSet<ConnId>>| m.values().map(BTreeSet::len).sum::<usize>() as u64;
        assert_eq!(hub.hosts(), total(&model.hosts));
        assert_eq!(hub.visitors(), total(&model.visitors));
        let occupied: BTreeSet<_> = model
            .hosts
            .iter()
            .chain(&model.visitors)
            .filter(|(_, s)| !s.is_empty())
            .map(|(p, _)| p)
            .chain(model.remote.iter().filter(|(_, nodes)| !nodes.is_empty()).map(|(p, _)| p))
            .collect();
        assert_eq!(hub.pages(), occupied.len(), "empty pages are dropped");
        for effect in effects {
            match effect {
                Effect::Ask { host, hash } if is_remote(*host) => {
                    let count = model.remote.get(hash).and_then(|nodes| nodes.get(host));
                    assert!(count.is_some_and(|c| *c > 0), "asked a node that hosts nothing");
                }
                Effect::Ask { host, hash } => {
                    assert!(Model::has(&model.hosts, hash, host), "asked a non-host")
                }
                Effect::Deliver { frame, visitors } => {
                    let hash = &frame.topic().page().expect("content goes to want:H");
                    assert!(verified, "delivered unverified content");
                    for v in visitors {
                        let known = if is_remote(*v) { &model.remote_askers } else { &model.visitors };
                        assert!(Model::has(known, hash, v), "delivered to a socket not on want");
                    }
                }
                Effect::Count { hash, hosts, visitors, watchers, count, local } => {
                    assert!(watchers.is_empty(), "nobody watches in this model");
                    let expected: Vec<_> = model.hosts.get(hash).into_iter().flatten().copied().collect();
                    let mut sent = hosts.clone();
                    sent.sort();
                    assert_eq!(sent, expected, "a count goes to exactly the hosts");
                    assert!(*local <= expected.len(), "silent hosts are not counted");
                    assert!(*count <= expected.len() + model.remote_sum(hash));
                    assert!(visitors.iter().all(|v| Model::has(&model.visitors, hash, v)));
                }
                Effect::AskHistory { host, hash } => {
                    let askers = model.history_askers.get(hash);
                    assert!(askers.is_none_or(|a| !a.contains(host)), "asked an asker for the history");
                    if is_remote(*host) {
                        let count = model.remote.get(hash).and_then(|nodes| nodes.get(host));
                        assert!(count.is_some_and(|c| *c > 0), "asked a node that hosts nothing");
                    } else {
                        assert!(Model::has(&model.hosts, hash, host), "asked a non-host for the history");
                    }
                }
                Effect::History { frame, to } => {
                    let hash = frame.topic().page().expect("histories go to have:H");
                    assert!(!to.is_empty());
                    let askers = model.history_askers.entry(hash).or_default();
                    for asker in to {
                        assert!(askers.remove(asker), "a history for someone who did not ask");
                        assert!(is_remote(*asker) || Model::has(&model.hosts, &hash, asker));
                    }
                }
                Effect::WakeAt { .. } => {}
            }
        }
    }

    #[test]
    fn random_operation_sequences_keep_every_invariant() {
        use rand::rngs::SmallRng;
        use rand::{RngCore, SeedableRng};
        for seed in 0..30u64 {
            let mut ops = vec![0u8; 9000];
            SmallRng::seed_from_u64(seed).fill_bytes(&mut ops);
            let policy = [Policy::Targeted, Policy::RandomDrop, Policy::Broadcast][seed as usize % 3];
            run(policy, &ops);
        }
    }
}
