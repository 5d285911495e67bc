//! The backplane in memory: several relays of one process as one site
//! (tests, and a place to try a new backplane's rules against). The nodes
//! meet on a [`MemoryBus`]; each node's task behaves as a node on Redis
//! does — it says hello when it joins and the others send it their counts,
//! it refreshes its liveness every [`HEARTBEAT`] and drops a node whose
//! liveness is older than [`LIVENESS_TTL`] — only nothing is serialized:
//! frames cross as they are, and the receiving relay checks them again.

use super::{new_node_id, Backplane, Event, Handler, NodeId, Roster, HEARTBEAT, LIVENESS_TTL, OUTGOING};
use crate::frame::SharedFrame;
use crate::metrics::Metrics;
use ep2p_core::chunk::ChunkId;
use ep2p_core::protocol::PageHash;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What one node says to another (or to all). Frames are shared, not copied.
#[derive(Debug, Clone)]
enum Note {
    /// A node joined: every other node sends it its counts.
    Hello,
    Count {
        page: PageHash,
        count: usize,
    },
    Ask {
        page: PageHash,
    },
    /// A verified page, or a checked chat history, that was asked for.
    Deliver {
        page: PageHash,
        frame: Arc<SharedFrame>,
    },
    Chat {
        page: PageHash,
        frame: Arc<SharedFrame>,
    },
    HistoryAsk {
        page: PageHash,
    },
    ChunkAsk {
        page: PageHash,
        chunk: ChunkId,
    },
    /// A chunk asked for (its payload, shared), or none.
    Chunk {
        page: PageHash,
        chunk: ChunkId,
        payload: Option<tungstenite::Bytes>,
    },
    Signal {
        page: PageHash,
        pair: u32,
        signal: String,
    },
    Bye,
}

/// A note on its way, with who said it.
#[derive(Debug)]
struct Delivery {
    from: NodeId,
    note: Note,
}

/// A node on the bus.
struct Member {
    inbox: mpsc::UnboundedSender<Delivery>,
    /// The others count it alive until then (refreshed by its heartbeat).
    alive_until: Instant,
    /// Cut off as by a power cut: it hears nothing, says nothing, and its
    /// liveness is no longer refreshed.
    cut: bool,
}

/// Where the nodes of one in-memory site meet. Cheap to clone.
#[derive(Clone, Default)]
pub struct MemoryBus {
    /// Every node that joined and has not left. Never held across `.await`.
    members: Arc<Mutex<HashMap<NodeId, Member>>>,
}

impl MemoryBus {
    pub fn new() -> Self {
        Self::default()
    }

    /// A node joins the site: what the others say goes to `handler`.
    pub fn join(&self, handler: Arc<dyn Handler>, metrics: Arc<Metrics>) -> MemoryBackplane {
        let node = new_node_id();
        let (inbox, deliveries) = mpsc::unbounded_channel();
        self.lock().insert(node, Member { inbox, alive_until: Instant::now() + LIVENESS_TTL, cut: false });
        let (outgoing, rx) = mpsc::channel(OUTGOING);
        let connected = Arc::new(AtomicBool::new(true));
        metrics.backplane_connected.set(1);
        let site =
            Site { node, bus: self.clone(), handler, metrics: metrics.clone(), roster: Roster::default() };
        site.publish(None, Note::Hello);
        tokio::spawn(run(site, rx, deliveries));
        MemoryBackplane { node, outgoing, connected, metrics }
    }

    /// Cuts `node` off as a power cut would: the others drop it once its
    /// liveness expires, and requests waiting on it fail over.
    pub fn cut(&self, node: NodeId) {
        if let Some(member) = self.lock().get_mut(&node) {
            member.cut = true;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<NodeId, Member>> {
        self.members.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `node` is on the bus and its liveness has not expired.
    fn alive(&self, node: NodeId, now: Instant) -> bool {
        self.lock().get(&node).is_some_and(|member| member.alive_until > now)
    }
}

/// The relay's handle on the in-memory backplane. Dropping it ends the
/// node's task (its liveness then expires, as a killed node's would).
pub struct MemoryBackplane {
    node: NodeId,
    outgoing: mpsc::Sender<Outgoing>,
    connected: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

/// What the relay hands the node's task to send.
#[derive(Debug)]
enum Outgoing {
    To(NodeId, Note),
    Count { page: PageHash, count: usize },
    All(Note),
    Bye,
}

impl MemoryBackplane {
    fn send(&self, message: Outgoing) {
        if self.outgoing.try_send(message).is_err() {
            self.metrics.backplane_dropped.inc();
        }
    }
}

impl Backplane for MemoryBackplane {
    fn node(&self) -> NodeId {
        self.node
    }

    fn connected(&self) -> bool {
        self.connected.load(Relaxed)
    }

    fn count(&self, page: PageHash, count: usize) {
        self.send(Outgoing::Count { page, count });
    }

    fn ask(&self, to: NodeId, page: PageHash) {
        self.send(Outgoing::To(to, Note::Ask { page }));
    }

    fn deliver(&self, to: NodeId, page: PageHash, frame: Arc<SharedFrame>) {
        self.send(Outgoing::To(to, Note::Deliver { page, frame }));
    }

    fn chat(&self, page: PageHash, frame: Arc<SharedFrame>) {
        self.send(Outgoing::All(Note::Chat { page, frame }));
    }

    fn ask_history(&self, to: NodeId, page: PageHash) {
        self.send(Outgoing::To(to, Note::HistoryAsk { page }));
    }

    fn ask_chunk(&self, to: NodeId, page: PageHash, chunk: ChunkId) {
        self.send(Outgoing::To(to, Note::ChunkAsk { page, chunk }));
    }

    fn deliver_chunk(&self, to: NodeId, page: PageHash, chunk: ChunkId, payload: Option<tungstenite::Bytes>) {
        self.send(Outgoing::To(to, Note::Chunk { page, chunk, payload }));
    }

    fn signal(&self, to: NodeId, page: PageHash, pair: u32, signal: String) {
        self.send(Outgoing::To(to, Note::Signal { page, pair, signal }));
    }

    fn leave(&self) {
        let _ = self.outgoing.try_send(Outgoing::Bye);
    }
}

/// What a node knows of the site while it runs.
struct Site {
    node: NodeId,
    bus: MemoryBus,
    /// The relay, which hears what the other nodes say.
    handler: Arc<dyn Handler>,
    metrics: Arc<Metrics>,
    /// The other nodes' pages, and this node's published counts.
    roster: Roster,
}

/// Keeps a node in the site for as long as its relay holds the backplane.
async fn run(
    mut site: Site,
    mut outgoing: mpsc::Receiver<Outgoing>,
    mut deliveries: mpsc::UnboundedReceiver<Delivery>,
) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = outgoing.recv() => match message {
                None => return,
                Some(Outgoing::Bye) => {
                    site.publish(None, Note::Bye);
                    site.bus.lock().remove(&site.node);
                    return;
                }
                Some(message) => site.send(message),
            },
            Some(delivery) = deliveries.recv() => site.received(delivery),
            _ = tick.tick() => site.heartbeat(),
        }
    }
}

impl Site {
    /// Puts a note in `to`'s inbox, or every other node's; a node cut off
    /// says nothing.
    fn publish(&self, to: Option<NodeId>, note: Note) {
        let members = self.bus.lock();
        if members.get(&self.node).is_none_or(|me| me.cut) {
            return;
        }
        self.metrics.backplane_published.inc();
        for (node, member) in members.iter() {
            if *node != self.node && !member.cut && to.is_none_or(|to| to == *node) {
                let _ = member.inbox.send(Delivery { from: self.node, note: note.clone() });
            }
        }
    }

    fn send(&mut self, message: Outgoing) {
        match message {
            Outgoing::To(to, note) => self.publish(Some(to), note),
            Outgoing::All(note) => self.publish(None, note),
            Outgoing::Count { page, count } => {
                if self.roster.publish(page, count) {
                    self.publish(None, Note::Count { page, count });
                }
            }
            Outgoing::Bye => {}
        }
    }

    fn received(&mut self, Delivery { from, note }: Delivery) {
        if self.bus.lock().get(&self.node).is_none_or(|me| me.cut) {
            return;
        }
        self.metrics.backplane_received.inc();
        let node = from;
        match note {
            Note::Hello => {
                // A node joined: tell it what this node counts.
                for (page, count) in self.roster.published() {
                    self.publish(Some(from), Note::Count { page, count });
                }
            }
            Note::Count { page, count } => {
                if self.roster.heard(from, page, count, &self.metrics) {
                    self.handler.handle(Event::Count { node, page, count });
                }
            }
            Note::Ask { page } => self.handler.handle(Event::Ask { node, page }),
            Note::ChunkAsk { page, chunk } => self.handler.handle(Event::ChunkAsk { node, page, chunk }),
            Note::Chunk { page, chunk, payload } => {
                self.handler.handle(Event::Chunk { node, page, chunk, payload: payload.as_deref() })
            }
            Note::Deliver { page, frame } => {
                if let Some(content) = frame.content_literal() {
                    self.handler.handle(Event::Content { node, page, content });
                } else if let Some(messages) = frame.history_literal() {
                    self.handler.handle(Event::History { node, page, messages });
                }
            }
            Note::Chat { page, frame } => {
                if let Some(message) = frame.chat_literal() {
                    self.handler.handle(Event::Chat { node, page, message });
                }
            }
            Note::HistoryAsk { page } => self.handler.handle(Event::HistoryAsk { node, page }),
            Note::Signal { page, pair, signal } => {
                if let Ok(signal) = RawValue::from_string(signal) {
                    self.handler.handle(Event::Signal { node, page, pair, signal: &signal });
                }
            }
            Note::Bye => self.forget(from),
        }
    }

    /// Refreshes this node's liveness and drops the nodes whose liveness expired.
    fn heartbeat(&mut self) {
        let now = Instant::now();
        if let Some(me) = self.bus.lock().get_mut(&self.node).filter(|me| !me.cut) {
            me.alive_until = now + LIVENESS_TTL;
        }
        let gone: Vec<NodeId> =
            self.roster.others().into_iter().filter(|node| !self.bus.alive(*node, now)).collect();
        for node in gone {
            tracing::info!(node = format!("{node}"), "a relay node is gone");
            self.forget(node);
        }
        self.metrics.nodes.set(self.roster.len() as i64);
        // As on Redis: counts that went to 0 without an effect are caught up.
        for (page, count) in self.roster.stale(&*self.handler) {
            self.send(Outgoing::Count { page, count });
        }
    }

    /// A node is gone: it counts nothing anywhere, and requests waiting on it fail over.
    fn forget(&mut self, node: NodeId) {
        self.roster.forget(node, &*self.handler, &self.metrics);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A relay that only writes down what it hears.
    #[derive(Default)]
    struct Heard(Mutex<Vec<String>>);

    impl Handler for Heard {
        fn handle(&self, event: Event<'_>) {
            let line = match event {
                Event::Count { count, .. } => format!("count {count}"),
                Event::NodeGone { pages, .. } => format!("gone from {}", pages.len()),
                Event::Ask { .. } => "ask".into(),
                other => format!("{other:?}"),
            };
            self.0.lock().unwrap().push(line);
        }

        /// What node A counts in the test below (B counts nothing, and publishes nothing).
        fn local_count(&self, _: PageHash) -> usize {
            2
        }
    }

    impl Heard {
        fn lines(&self) -> Vec<String> {
            self.0.lock().unwrap().clone()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_newcomer_hears_the_counts_and_a_node_cut_off_is_gone_once_its_liveness_expires() {
        let bus = MemoryBus::new();
        let page = PageHash::of("counted");
        let (heard_a, heard_b) = (Arc::new(Heard::default()), Arc::new(Heard::default()));
        let a = bus.join(heard_a.clone(), Arc::new(Metrics::new()));
        a.count(page, 2);
        tokio::time::sleep(Duration::from_millis(10)).await;
        // B joins after A counted: A's answer to B's hello tells it.
        let b = bus.join(heard_b.clone(), Arc::new(Metrics::new()));
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(heard_b.lines(), ["count 2"]);
        b.ask(a.node(), page);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(heard_a.lines(), ["ask"]);

        bus.cut(a.node());
        a.count(page, 3);
        tokio::time::sleep(LIVENESS_TTL - HEARTBEAT).await;
        assert_eq!(
            heard_b.lines(),
            ["count 2"],
            "a node cut off says nothing, and is alive until its liveness expires"
        );
        tokio::time::sleep(2 * HEARTBEAT).await;
        assert_eq!(heard_b.lines(), ["count 2", "gone from 1"]);
        drop(b);
    }
}
