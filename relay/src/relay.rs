//! The relay handle: the routing, the open sockets, the metrics, the
//! backplane and the shutdown signal. [`Relay::handle`] hands the routing
//! an [`Input`] and carries out the [`Effect`]s it returns — each holds
//! what it needs — by queueing frames for sockets, handing the backplane
//! what goes to other nodes and scheduling wake-ups; it is the backplane's
//! [`Handler`] ([`Relay::on_backplane`]). Cheap to clone: one `Arc`.

use crate::backplane::{Backplane, Handler, RedisBackplane};
use crate::bucket::{Bucket, PerAddress};
use crate::chat_budget::{ChatBudgets, Spent};
use crate::config::{Limits, RelayConfig};
use crate::frame::{ChunkFrame, SharedFrame};
use crate::metrics::{Metrics, Reject};
use crate::routing::{Effect, Effects, Hub, Input, Peer, SocketId};
use dashmap::DashMap;
use ep2p_core::chunk::ChunkId;
use ep2p_core::protocol::{Health, PageHash, Topic};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Instant;
use tokio::sync::{mpsc, watch, Notify};
use tokio_util::task::{task_tracker::TaskTrackerToken, TaskTracker};

mod from_nodes;

/// A frame queued for one socket.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// The same frame for every recipient, encoded once per serializer.
    Shared(Arc<SharedFrame>),
    /// `content_request` for this socket's `have:H` channel, stamped with
    /// the channel's `join_ref` by the socket task. Boxed, as the next:
    /// every socket's queue holds room for 32 of these from its start, and
    /// a pointer keeps that room at 16 bytes each.
    Ask(Box<PageHash>),
    /// `chat_history` (`{}`) for this socket's `have:H` channel, likewise.
    AskHistory(Box<PageHash>),
    /// `chunk_request` for this socket's `have:H` channel, likewise.
    AskChunk(Box<ChunkAsk>),
    /// A verified chunk for this socket's `want:H` (a binary frame).
    Chunk(Arc<ChunkFrame>),
    /// `chunk_unavailable` for this socket's `want:H`.
    ChunkUnavailable(Box<(PageHash, ChunkId)>),
    /// `signal` for this socket's channel on the topic: a direct
    /// connection's set-up from its pair's other side (the payload's JSON).
    Signal(Box<(Topic, String)>),
    /// An event with `{}` for this socket's channel on the topic (a
    /// one-time page's `page_delivered`).
    Notice(Box<(Topic, &'static str)>),
}

/// A chunk asked of a host: which, and the largest payload it may send for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkAsk {
    pub hash: PageHash,
    pub chunk: ChunkId,
    pub limit: usize,
}

/// How the relay reaches one socket's task.
struct ConnHandle {
    outbound: mpsc::Sender<Outbound>,
    /// Woken when `outbound` is full: the socket does not read fast enough.
    overflow: Arc<Notify>,
}

/// Why a WebSocket was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The relay holds its maximum of sockets.
    Full,
    /// The client's address holds its maximum of sockets.
    TooManyFromAddress,
}

/// A socket's right to exist, from its upgrade until its task ends: it
/// counts against the caps, and a shutdown waits for it. Dropping it gives
/// both back.
pub struct Admission {
    relay: Relay,
    /// The address it counts against (an IPv6 client's /64).
    address: IpAddr,
    /// Counts this socket among the tasks [`Relay::sockets_closed`] waits for.
    _task: TaskTrackerToken,
}

impl Admission {
    /// The address it counts against (an IPv6 client's /64).
    pub fn address(&self) -> IpAddr {
        self.address
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        let inner = &self.relay.0;
        inner.open.fetch_sub(1, Relaxed);
        inner.metrics.connections.dec();
        if let dashmap::mapref::entry::Entry::Occupied(mut entry) = inner.addresses.entry(self.address) {
            *entry.get_mut() -= 1;
            if *entry.get() == 0 {
                entry.remove();
            }
        }
    }
}

/// A socket's place in the relay, for as long as its task runs. Dropping
/// it (however the task ends) removes the socket.
pub struct Registration {
    pub conn: SocketId,
    pub outbound: mpsc::Receiver<Outbound>,
    pub overflow: Arc<Notify>,
    pub shutdown: watch::Receiver<bool>,
    relay: Relay,
    _admission: Admission,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.relay.remove_conn(self.conn);
    }
}

/// The address a client's sockets are counted under: IPv4 as it is, IPv6
/// by its /64 (one household or host usually holds a whole /64).
pub fn address_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
        v4 => v4,
    }
}

struct Inner {
    hub: Hub,
    config: RelayConfig,
    metrics: Arc<Metrics>,
    conns: DashMap<SocketId, ConnHandle>,
    next_conn: AtomicU64,
    /// Sockets admitted and not yet closed.
    open: AtomicUsize,
    /// Sockets per client address (see [`address_of`]); an address with
    /// none has no entry.
    addresses: DashMap<IpAddr, usize>,
    shutdown: watch::Sender<bool>,
    /// One token per open socket (held by its [`Admission`]).
    sockets: TaskTracker,
    /// The other nodes of the site, when there are (set once, at start).
    backplane: OnceLock<Box<dyn Backplane>>,
    /// Chat per client address and per page, beyond each socket's rate.
    chat_budgets: ChatBudgets,
    /// Log lines about misbehaviour allowed per client address, whatever
    /// sockets it churns through (see [`Relay::may_log_about`]).
    log_lines: PerAddress,
    /// File pages whose manifest the relay is fetching from their hosts.
    learning: DashMap<PageHash, ()>,
    /// One-time pages: claimed by their authors, and read (SPEC §15).
    once: crate::once::OnceBook,
}

/// Manifests fetched from hosts at once, at most (see [`Relay::learn_manifest`]).
const MOST_LEARNING: usize = 256;

/// Log lines about one address's misbehaviour: bursts of this many…
const LOG_LINES_PER_ADDRESS: u32 = 5;
/// …refilled over this long.
const LOG_LINES_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// A relay handle that does not keep the relay alive: the backplane's
/// task holds one, as the relay's [`Handler`].
#[derive(Clone)]
pub struct WeakRelay(Weak<Inner>);

impl WeakRelay {
    pub fn upgrade(&self) -> Option<Relay> {
        self.0.upgrade().map(Relay)
    }
}

/// Why [`Relay::fetch_as_visitor`] got no page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unserved {
    /// No host (here or on another node) has the page.
    NobodyHosting,
    /// Hosts exist, but none sent the page in time.
    NoAnswer,
    /// A one-time page: it goes to one reader, through a socket only.
    OneTime,
}

/// An internal visitor's visit: it leaves the page and the relay however
/// the fetch ends.
struct Visit<'a> {
    relay: &'a Relay,
    conn: SocketId,
    hash: PageHash,
}

impl Drop for Visit<'_> {
    fn drop(&mut self) {
        self.relay.handle(Input::LeaveVisitor { visitor: Peer::Socket(self.conn), hash: self.hash });
        self.relay.unregister_internal(self.conn);
    }
}

/// Why a relay could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("--redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// The shared relay handle.
#[derive(Clone)]
pub struct Relay(Arc<Inner>);

/// The wall clock chat messages are dated with (shared with the mirror).
pub use ep2p_clock::wall_ms;

/// The current time on tokio's clock, so tests with a paused clock control
/// the hub's deadlines too.
pub fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl Relay {
    /// A relay whose host choices are random. With a `redis_url`, it
    /// joins the site's other nodes on Redis (in the background: it serves
    /// its own hosts at once, whether Redis answers or not).
    pub fn new(config: RelayConfig) -> Result<Self, StartError> {
        match config.redis_url.clone() {
            Some(url) => Self::joining(config, |handler, metrics| {
                Ok(Box::new(RedisBackplane::start(&url, handler, metrics)?))
            }),
            None => Ok(Self::with_seed(config, rand::random())),
        }
    }

    /// A relay whose host choices are random, one node of a site over the
    /// backplane `join` starts (given where its events go and the metrics).
    pub fn joining(
        config: RelayConfig,
        join: impl FnOnce(Arc<dyn Handler>, Arc<Metrics>) -> Result<Box<dyn Backplane>, StartError>,
    ) -> Result<Self, StartError> {
        let relay = Self::with_seed(config, rand::random());
        relay.0.metrics.cluster_enabled.set(1);
        let backplane = join(Arc::new(relay.downgrade()), relay.0.metrics.clone())?;
        let _ = relay.0.backplane.set(backplane);
        Ok(relay)
    }

    fn downgrade(&self) -> WeakRelay {
        WeakRelay(Arc::downgrade(&self.0))
    }

    /// The site's other nodes, if this relay is one of several.
    pub fn backplane(&self) -> Option<&dyn Backplane> {
        self.0.backplane.get().map(|backplane| &**backplane)
    }

    /// A relay whose host choices follow from `seed` (tests replay them).
    pub fn with_seed(config: RelayConfig, seed: u64) -> Self {
        let metrics = Arc::new(Metrics::new());
        metrics.max_connections.set(i64::try_from(config.limits.max_connections).unwrap_or(i64::MAX));
        metrics.cluster_enabled.set(i64::from(config.redis_url.is_some()));
        let chat_budgets = ChatBudgets::new(config.limits.chat_per_address, config.limits.chat_per_page);
        Self(Arc::new(Inner {
            hub: Hub::new(config.hub.clone(), metrics.clone(), seed),
            chat_budgets,
            config,
            metrics,
            conns: DashMap::new(),
            next_conn: AtomicU64::new(1),
            open: AtomicUsize::new(0),
            addresses: DashMap::new(),
            shutdown: watch::channel(false).0,
            sockets: TaskTracker::new(),
            backplane: OnceLock::new(),
            log_lines: PerAddress::default(),
            learning: DashMap::new(),
            once: crate::once::OnceBook::default(),
        }))
    }

    /// The hub, for tests and metrics; sockets go through the relay.
    pub fn hub(&self) -> &Hub {
        &self.0.hub
    }

    pub fn config(&self) -> &RelayConfig {
        &self.0.config
    }

    pub fn limits(&self) -> &Limits {
        &self.0.config.limits
    }

    pub fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }

    /// A page's health as anyone may see it: its host count.
    pub fn health(&self, hash: PageHash) -> Health {
        Health { one_time: self.0.once.is_one_time(hash), ..self.0.hub.health(hash) }
    }

    /// One-time pages on this node (SPEC §15).
    pub(crate) fn once(&self) -> &crate::once::OnceBook {
        &self.0.once
    }

    /// Admits one more socket from `ip`, within the caps of the relay and
    /// of the client's address.
    pub fn admit(&self, ip: IpAddr) -> Result<Admission, Refusal> {
        let limits = &self.0.config.limits;
        if self.0.open.fetch_add(1, Relaxed) >= limits.max_connections {
            self.0.open.fetch_sub(1, Relaxed);
            return Err(Refusal::Full);
        }
        let address = address_of(ip);
        {
            let mut held = self.0.addresses.entry(address).or_insert(0);
            if *held >= limits.max_connections_per_address {
                drop(held);
                self.0.open.fetch_sub(1, Relaxed);
                self.0.addresses.remove_if(&address, |_, held| *held == 0);
                return Err(Refusal::TooManyFromAddress);
            }
            *held += 1;
        }
        self.0.metrics.connections.inc();
        Ok(Admission { relay: self.clone(), address, _task: self.0.sockets.token() })
    }

    /// Adds an admitted socket; it stays until the returned registration
    /// is dropped.
    pub fn register(&self, admission: Admission) -> Registration {
        let (conn, rx, overflow) = self.add_conn(admission.address, self.0.config.limits.outbound_queue);
        self.0.metrics.connections_accepted.inc();
        Registration {
            conn,
            outbound: rx,
            overflow,
            shutdown: self.0.shutdown.subscribe(),
            relay: self.clone(),
            _admission: admission,
        }
    }

    /// A visitor inside the relay ([`Relay::fetch_as_visitor`]): frames for
    /// it arrive on the returned queue. It is no socket: it counts against no cap.
    fn register_internal(&self, address: IpAddr) -> (SocketId, mpsc::Receiver<Outbound>) {
        let (conn, rx, _overflow) = self.add_conn(address, 64);
        (conn, rx)
    }

    /// Removes an internal visitor (after it left its page).
    fn unregister_internal(&self, conn: SocketId) {
        self.remove_conn(conn);
    }

    /// A new connection id with a queue of `queue` frames, known to the hub.
    fn add_conn(&self, address: IpAddr, queue: usize) -> (SocketId, mpsc::Receiver<Outbound>, Arc<Notify>) {
        let conn = SocketId(self.0.next_conn.fetch_add(1, Relaxed));
        let (tx, rx) = mpsc::channel(queue);
        let overflow = Arc::new(Notify::new());
        self.0.conns.insert(conn, ConnHandle { outbound: tx, overflow: overflow.clone() });
        self.handle(Input::Open { socket: conn, address });
        (conn, rx, overflow)
    }

    /// Forgets a connection (after it left every page).
    fn remove_conn(&self, conn: SocketId) {
        self.0.conns.remove(&conn);
        self.handle(Input::Close { socket: conn });
    }

    /// Fetches a page as a visitor inside the relay would, waiting at most
    /// `patience` for a host's verified answer; never a host, counted
    /// against no cap, nothing kept (the raw gateway's one question).
    pub async fn fetch_as_visitor(
        &self,
        hash: PageHash,
        address: IpAddr,
        patience: std::time::Duration,
    ) -> Result<String, Unserved> {
        if self.0.once.is_one_time(hash) {
            return Err(Unserved::OneTime);
        }
        let (conn, mut outbound) = self.register_internal(address);
        let visit = Visit { relay: self, conn, hash };
        self.handle(Input::JoinVisitor { visitor: Peer::Socket(conn), hash });
        if self.health(hash).hosts == 0 {
            return Err(Unserved::NobodyHosting);
        }
        self.handle(Input::Request { visitor: Peer::Socket(conn), hash });
        let answer = async {
            while let Some(frame) = outbound.recv().await {
                let Outbound::Shared(frame) = frame else { continue };
                let Some(literal) = frame.content_literal() else { continue };
                // Verified by the socket that received it; checked again, as a browser would.
                if let Ok(text) = serde_json::from_str::<String>(literal.get()) {
                    // A one-time page its author did not claim is not served here either.
                    if hash.matches(&text) && !ep2p_core::lifetime::is_once(&text) {
                        return Some(text);
                    }
                }
            }
            None
        };
        let result = tokio::time::timeout(patience, answer).await.ok().flatten().ok_or(Unserved::NoAnswer);
        drop(visit);
        result
    }

    /// Whether one more line about `address`'s misbehaviour may be logged
    /// now: each socket has its own interval too, but sockets are cheap to
    /// churn, so the address has a budget of its own.
    pub(crate) fn may_log_about(&self, address: IpAddr) -> bool {
        let fresh = |now| Bucket::per(LOG_LINES_PER_ADDRESS, LOG_LINES_WINDOW, now);
        self.0.log_lines.take(address, now(), fresh)
    }

    /// Open sockets.
    pub fn connections(&self) -> usize {
        self.0.conns.len()
    }

    /// Tells every socket to close with 1001 so clients reconnect elsewhere.
    pub fn shut_down(&self) {
        self.0.shutdown.send_replace(true);
        if let Some(backplane) = self.backplane() {
            backplane.leave();
        }
    }

    /// Resolves once every socket registered so far has closed and no new
    /// one may register (call after [`Relay::shut_down`]).
    pub async fn sockets_closed(&self) {
        self.0.sockets.close();
        self.0.sockets.wait().await;
    }

    /// Hands the routing what happened (now) and carries out what it
    /// decides: the one call every socket, the raw gateway and the
    /// backplane's events make.
    pub fn handle(&self, input: Input) {
        let effects = self.0.hub.handle(input, now());
        self.apply(effects);
    }

    /// Carries out the routing's effects.
    fn apply(&self, effects: Effects) {
        for effect in effects {
            match effect {
                Effect::Ask { host: Peer::Node(node), hash } => {
                    if let Some(backplane) = self.backplane() {
                        backplane.ask(node, hash);
                    }
                }
                Effect::Ask { host: Peer::Socket(host), hash } => {
                    self.send(host, Outbound::Ask(Box::new(hash)))
                }
                Effect::Deliver { frame, visitors } => {
                    let bytes = frame.content_len() as u64 * visitors.len() as u64;
                    self.0.metrics.bytes_relayed.inc_by(bytes);
                    self.answer(visitors, &frame);
                }
                Effect::Read { host, hash } => {
                    self.0.once.read(hash);
                    // Another node's host heard it from its own node.
                    if let Peer::Socket(author) = host {
                        let notice = (Topic::Have(hash), ep2p_core::protocol::event::PAGE_DELIVERED);
                        self.send(author, Outbound::Notice(Box::new(notice)));
                    }
                }
                Effect::Count { hash, hosts, visitors, watchers, count, local } => {
                    if let Some(backplane) = self.backplane() {
                        backplane.count(hash, local);
                    }
                    for (topic, sockets) in [
                        (Topic::Have(hash), hosts),
                        (Topic::Want(hash), visitors),
                        (Topic::Watch(hash), watchers),
                    ] {
                        if sockets.is_empty() {
                            continue;
                        }
                        let frame = SharedFrame::count(topic, count);
                        for socket in sockets {
                            self.send(socket, Outbound::Shared(frame.clone()));
                        }
                    }
                }
                Effect::AskHistory { host: Peer::Node(node), hash } => {
                    if let Some(backplane) = self.backplane() {
                        backplane.ask_history(node, hash);
                    }
                }
                Effect::AskHistory { host: Peer::Socket(host), hash } => {
                    self.send(host, Outbound::AskHistory(Box::new(hash)))
                }
                Effect::History { frame, to } => self.answer(to, &frame),
                Effect::AskChunk { host: Peer::Socket(host), hash, chunk, limit } => {
                    self.send(host, Outbound::AskChunk(Box::new(ChunkAsk { hash, chunk, limit })))
                }
                Effect::AskChunk { host: Peer::Node(node), hash, chunk, .. } => {
                    if let Some(backplane) = self.backplane() {
                        backplane.ask_chunk(node, hash, chunk);
                    }
                }
                Effect::DeliverChunk { frame, visitors } => {
                    let local = visitors.iter().filter(|v| v.is_local()).count() as u64;
                    self.0.metrics.bytes_relayed.inc_by(frame.data_len() as u64 * local);
                    for visitor in visitors {
                        match (visitor, self.backplane()) {
                            (Peer::Socket(socket), _) => self.send(socket, Outbound::Chunk(frame.clone())),
                            (Peer::Node(node), Some(backplane)) => backplane.deliver_chunk(
                                node,
                                frame.hash(),
                                frame.chunk(),
                                Some(frame.payload()),
                            ),
                            (Peer::Node(_), None) => {}
                        }
                    }
                }
                Effect::ChunkUnavailable { hash, chunk, visitors } => {
                    for visitor in visitors {
                        match (visitor, self.backplane()) {
                            (Peer::Socket(socket), _) => {
                                self.send(socket, Outbound::ChunkUnavailable(Box::new((hash, chunk))))
                            }
                            (Peer::Node(node), Some(backplane)) => {
                                backplane.deliver_chunk(node, hash, chunk, None)
                            }
                            (Peer::Node(_), None) => {}
                        }
                    }
                }
                Effect::NodeBye { node, hash, pair } => {
                    if let Some(backplane) = self.backplane() {
                        let bye =
                            ep2p_core::signal::SignalFrame::new(Some(pair), ep2p_core::signal::Signal::Bye);
                        backplane.signal(node, hash, pair, bye.to_json());
                    }
                }
                Effect::WakeAt { hash, at } => {
                    let relay = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                        relay.handle(Input::Wake { hash });
                    });
                }
            }
        }
    }

    /// Sends what was asked for (a page, a chat history) to whoever asked:
    /// sockets here, or other nodes through the backplane.
    fn answer(&self, askers: Vec<Peer>, frame: &Arc<SharedFrame>) {
        for asker in askers {
            match (asker, self.backplane(), frame.topic().page()) {
                (Peer::Node(node), Some(backplane), Some(hash)) => {
                    backplane.deliver(node, hash, frame.clone())
                }
                (Peer::Node(_), _, _) => {}
                (Peer::Socket(socket), _, _) => self.send(socket, Outbound::Shared(frame.clone())),
            }
        }
    }

    /// A page's verified text passed through: if it is a file page's
    /// manifest (plain, or an encrypted page's outer one) within
    /// `--file-limit`, its chunks can be routed and checked from now on
    /// (while anyone is on the page).
    pub fn learn_files(&self, hash: PageHash, text: &str) {
        let file_page = text.starts_with(ep2p_core::manifest::PREFIX)
            || text.starts_with(ep2p_core::sealed_files::PREFIX);
        if !file_page || self.0.hub.files(hash).is_some() {
            return;
        }
        if let Some(index) = ep2p_core::sealed_files::index_of(text, self.0.config.limits.file_limit) {
            self.0.hub.set_files(hash, index);
        }
    }

    /// A host announced chunks of a page whose manifest has not passed
    /// through this relay (its visitors are on other nodes, or resumed
    /// with a manifest they kept): the relay asks the page's hosts for it
    /// as a visitor would, one fetch per page at a time, at most
    /// [`MOST_LEARNING`] at once, charged to the announcer's address.
    pub fn learn_manifest(&self, hash: PageHash, address: IpAddr) {
        if self.0.learning.len() >= MOST_LEARNING || self.0.learning.insert(hash, ()).is_some() {
            return;
        }
        let relay = self.clone();
        tokio::spawn(async move {
            let patience = relay.limits().raw_wait;
            if let Ok(text) = relay.fetch_as_visitor(hash, address, patience).await {
                relay.learn_files(hash, &text);
            }
            relay.0.learning.remove(&hash);
        });
    }

    /// Takes a chat message from a host here out of its client address's
    /// budget and its page's (its socket's rate is the session's).
    pub fn take_chat(&self, address: IpAddr, hash: PageHash) -> Result<(), Spent> {
        self.0.chat_budgets.take(address, hash, now())
    }

    /// Passes a checked chat message from `from` (a host, or another node)
    /// to every other host of the page here and, when it comes from a host
    /// here, to the site's other nodes. Nothing is kept.
    pub fn chat(&self, from: Peer, hash: PageHash, frame: Arc<SharedFrame>) {
        let hosts = self.0.hub.host_ids(hash);
        let mut sent = 0;
        for host in hosts.into_iter().filter(|host| Peer::Socket(*host) != from) {
            if self.send_chat(host, Outbound::Shared(frame.clone())) {
                sent += 1;
            }
        }
        self.0.metrics.chat_messages.inc();
        self.0.metrics.chat_deliveries.inc_by(sent);
        if from.is_local() {
            if let Some(backplane) = self.backplane() {
                backplane.chat(hash, frame);
            }
        }
    }

    /// Queues a chat frame for a host unless `chat_queue` frames (or half
    /// its queue) already wait for it: a host that falls behind loses chat
    /// (counted), never its page, and chat alone never closes it. True if
    /// queued.
    fn send_chat(&self, conn: SocketId, frame: Outbound) -> bool {
        let queued = self.send_unless_behind(conn, frame);
        if queued == Some(false) {
            self.0.metrics.chat_dropped.inc();
        }
        queued == Some(true)
    }

    /// Passes a direct connection's signal to one side of its pair, as
    /// chat is passed: dropped (counted) for a socket that fell behind,
    /// so signals can never make the relay close a peer.
    pub fn signal(&self, conn: SocketId, topic: Topic, payload: String) {
        if self.send_unless_behind(conn, Outbound::Signal(Box::new((topic, payload)))) == Some(false) {
            self.0.metrics.signals_dropped.inc();
        }
    }

    /// Queues a frame unless `chat_queue` frames (or half the socket's
    /// queue) already wait for it: whether it was queued, or `None` if the
    /// socket is gone.
    fn send_unless_behind(&self, conn: SocketId, frame: Outbound) -> Option<bool> {
        let handle = self.0.conns.get(&conn)?;
        let room = handle.outbound.max_capacity();
        let queued = room - handle.outbound.capacity();
        drop(handle);
        if queued >= self.0.config.limits.chat_queue.min(room / 2) {
            return Some(false);
        }
        self.send(conn, frame);
        Some(true)
    }

    /// Queues a frame for a socket. A socket whose queue is full is told to
    /// disconnect: it is not buffered for without bound.
    fn send(&self, conn: SocketId, frame: Outbound) {
        let Some(handle) = self.0.conns.get(&conn) else {
            return;
        };
        match handle.outbound.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.0.metrics.reject(Reject::SlowConsumer);
                handle.overflow.notify_one();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// `/metrics` in the Prometheus text format.
    pub fn render_metrics(&self) -> String {
        self.0.metrics.render()
    }
}
