//! The relay: the hub plus the sockets it talks to. It carries out the hub's
//! [`Effect`]s (queueing frames for sockets, scheduling wake-ups) and owns the
//! counters behind `/metrics`. Cheap to clone: one `Arc`.

use crate::config::Limits;
use crate::hub::{ConnId, Effect, Effects, Hub, HubConfig};
use crate::protocol::{self, event, PageHash, Topic, Vsn};
use axum::extract::ws::Utf8Bytes;
use dashmap::DashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tokio::sync::{mpsc, watch, Notify};

/// A frame queued for one socket.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// The same bytes for every recipient (a Phoenix broadcast: `join_ref`
    /// null), encoded at most once per serializer.
    Shared(Arc<SharedFrame>),
    /// `content_request` for this socket's `have:H` channel, stamped with
    /// the channel's `join_ref` by the socket task.
    Ask(PageHash),
}

/// A broadcast frame, encoded lazily for each serializer that needs it.
#[derive(Debug)]
pub struct SharedFrame {
    topic: Topic,
    event: &'static str,
    payload: String,
    v1: OnceLock<Utf8Bytes>,
    v2: OnceLock<Utf8Bytes>,
}

impl SharedFrame {
    pub fn new(topic: Topic, event: &'static str, payload: String) -> Arc<Self> {
        Arc::new(Self { topic, event, payload, v1: OnceLock::new(), v2: OnceLock::new() })
    }

    pub fn bytes(&self, vsn: Vsn) -> Utf8Bytes {
        let cell = match vsn {
            Vsn::V1 => &self.v1,
            Vsn::V2 => &self.v2,
        };
        cell.get_or_init(|| {
            protocol::encode(vsn, None, None, &self.topic.to_string(), self.event, &self.payload).into()
        })
        .clone()
    }
}

/// How the relay reaches one socket's task.
struct ConnHandle {
    outbound: mpsc::Sender<Outbound>,
    /// Woken when `outbound` is full: the socket does not read fast enough.
    overflow: Arc<Notify>,
}

/// What a socket task gets when it registers.
pub struct Registration {
    pub conn: ConnId,
    pub outbound: mpsc::Receiver<Outbound>,
    pub overflow: Arc<Notify>,
    pub shutdown: watch::Receiver<bool>,
}

/// Counters for `/metrics` that live at the socket edge (the hub keeps its own).
#[derive(Debug, Default)]
pub struct Counters {
    pub connections_total: AtomicU64,
    pub frames_in: AtomicU64,
    pub frames_out: AtomicU64,
    /// Bytes of text frames sent, all kinds.
    pub bytes_out: AtomicU64,
    /// Bytes of `content` frames sent to visitors.
    pub bytes_relayed: AtomicU64,
    pub malformed: AtomicU64,
    pub unmatched_topics: AtomicU64,
    pub invalid_hashes: AtomicU64,
    pub unknown_events: AtomicU64,
    pub too_many_topics: AtomicU64,
    pub rate_limited: AtomicU64,
    pub too_big: AtomicU64,
    pub binary: AtomicU64,
    pub slow_consumers: AtomicU64,
    pub heartbeat_timeouts: AtomicU64,
    pub refused_upgrades: AtomicU64,
}

struct Inner {
    hub: Hub,
    limits: Limits,
    conns: DashMap<ConnId, ConnHandle>,
    next_conn: AtomicU64,
    counters: Counters,
    shutdown: watch::Sender<bool>,
}

/// The shared relay handle.
#[derive(Clone)]
pub struct Relay(Arc<Inner>);

/// The current time on tokio's clock, so tests with a paused clock control
/// the hub's deadlines too.
pub fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl Relay {
    pub fn new(hub: HubConfig, limits: Limits) -> Self {
        Self(Arc::new(Inner {
            hub: Hub::new(hub),
            limits,
            conns: DashMap::new(),
            next_conn: AtomicU64::new(1),
            counters: Counters::default(),
            shutdown: watch::channel(false).0,
        }))
    }

    pub fn hub(&self) -> &Hub {
        &self.0.hub
    }

    pub fn limits(&self) -> &Limits {
        &self.0.limits
    }

    pub fn counters(&self) -> &Counters {
        &self.0.counters
    }

    /// Adds a socket; its task must call [`Relay::unregister`] when it ends.
    pub fn register(&self) -> Registration {
        let conn = self.0.next_conn.fetch_add(1, Relaxed);
        let (tx, rx) = mpsc::channel(self.0.limits.outbound_queue);
        let overflow = Arc::new(Notify::new());
        self.0.conns.insert(conn, ConnHandle { outbound: tx, overflow: overflow.clone() });
        self.0.counters.connections_total.fetch_add(1, Relaxed);
        Registration { conn, outbound: rx, overflow, shutdown: self.0.shutdown.subscribe() }
    }

    pub fn unregister(&self, conn: ConnId) {
        self.0.conns.remove(&conn);
    }

    /// Open sockets.
    pub fn connections(&self) -> usize {
        self.0.conns.len()
    }

    /// Tells every socket to close with 1001 so clients reconnect elsewhere.
    pub fn shut_down(&self) {
        self.0.shutdown.send_replace(true);
    }

    /// Carries out the hub's effects. `content` is the payload of a verified
    /// page (`{"content": …}`) for an [`Effect::Deliver`], shared by all its
    /// visitors.
    pub fn apply(&self, effects: Effects, mut content: Option<String>) {
        for effect in effects {
            match effect {
                Effect::Ask { host, hash } => self.send(host, Outbound::Ask(hash)),
                Effect::Deliver { hash, visitors } => {
                    let Some(body) = content.take() else { continue };
                    let frame = SharedFrame::new(Topic::Want(hash), event::CONTENT, body);
                    let size = frame.payload.len() as u64;
                    self.0.counters.bytes_relayed.fetch_add(size * visitors.len() as u64, Relaxed);
                    for visitor in visitors {
                        self.send(visitor, Outbound::Shared(frame.clone()));
                    }
                }
                Effect::Count { hash, hosts, visitors, count } => {
                    let body = protocol::payload(&protocol::VisitorsCount { count });
                    let to_hosts = SharedFrame::new(Topic::Have(hash), event::VISITORS_COUNT, body.clone());
                    let to_visitors = SharedFrame::new(Topic::Want(hash), event::VISITORS_COUNT, body);
                    for host in hosts {
                        self.send(host, Outbound::Shared(to_hosts.clone()));
                    }
                    for visitor in visitors {
                        self.send(visitor, Outbound::Shared(to_visitors.clone()));
                    }
                }
                Effect::WakeAt { hash, at } => {
                    let relay = self.clone();
                    tokio::spawn(async move {
                        tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                        let effects = relay.hub().wake(hash, now());
                        relay.apply(effects, None);
                    });
                }
            }
        }
    }

    /// Queues a frame for a socket. A socket whose queue is full is told to
    /// disconnect: it is not buffered for without bound.
    fn send(&self, conn: ConnId, frame: Outbound) {
        let Some(handle) = self.0.conns.get(&conn) else {
            return;
        };
        match handle.outbound.try_send(frame) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.0.counters.slow_consumers.fetch_add(1, Relaxed);
                handle.overflow.notify_one();
            }
            Err(mpsc::error::TrySendError::Closed(_)) => {}
        }
    }

    /// `/metrics` in the Prometheus text format. Nothing about a page but
    /// totals appears here.
    pub fn render_metrics(&self) -> String {
        let hub = self.hub();
        let s = &hub.stats;
        let c = &self.0.counters;
        let load = |counter: &AtomicU64| counter.load(Relaxed);
        let metrics: [(&str, &str, &str, u64); 16] = [
            ("connections", "gauge", "Open WebSocket connections.", self.connections() as u64),
            ("connections_total", "counter", "WebSocket connections accepted.", load(&c.connections_total)),
            ("pages", "gauge", "Pages with at least one host or waiting visitor.", hub.pages() as u64),
            ("hosts", "gauge", "Host channels (have:H) over all pages.", hub.hosts()),
            ("waiting_visitors", "gauge", "Visitor channels (want:H) over all pages.", hub.visitors()),
            ("requests_total", "counter", "content_request frames from visitors.", load(&s.requests)),
            ("coalesced_total", "counter", "Requests served by one already in flight.", load(&s.coalesced)),
            ("asks_total", "counter", "content_request frames sent to hosts.", load(&s.asks)),
            ("deliveries_total", "counter", "Verified pages sent to visitors.", load(&s.deliveries)),
            (
                "failovers_total",
                "counter",
                "Hosts asked after another timed out, left or lied.",
                load(&s.failovers),
            ),
            ("bad_hashes_total", "counter", "content frames whose hash did not match.", load(&s.bad_hashes)),
            (
                "unsolicited_total",
                "counter",
                "Verified content nobody was waiting for.",
                load(&s.unsolicited),
            ),
            (
                "bytes_relayed_total",
                "counter",
                "Bytes of content payload sent to visitors.",
                load(&c.bytes_relayed),
            ),
            ("frames_in_total", "counter", "Text frames received.", load(&c.frames_in)),
            ("frames_out_total", "counter", "Frames sent.", load(&c.frames_out)),
            ("bytes_out_total", "counter", "Bytes of frames sent.", load(&c.bytes_out)),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in metrics {
            let _ =
                writeln!(out, "# HELP ep2p_{name} {help}\n# TYPE ep2p_{name} {kind}\nep2p_{name} {value}");
        }
        let _ = writeln!(
            out,
            "# HELP ep2p_rejected_total Refused input, by reason.\n# TYPE ep2p_rejected_total counter"
        );
        for (reason, counter) in [
            ("malformed", &c.malformed),
            ("unmatched_topic", &c.unmatched_topics),
            ("invalid_hash", &c.invalid_hashes),
            ("unknown_event", &c.unknown_events),
            ("too_many_topics", &c.too_many_topics),
            ("rate_limited", &c.rate_limited),
            ("too_big", &c.too_big),
            ("binary", &c.binary),
            ("slow_consumer", &c.slow_consumers),
            ("heartbeat_timeout", &c.heartbeat_timeouts),
            ("refused_upgrade", &c.refused_upgrades),
        ] {
            let _ = writeln!(out, "ep2p_rejected_total{{reason=\"{reason}\"}} {}", counter.load(Relaxed));
        }
        out
    }
}
