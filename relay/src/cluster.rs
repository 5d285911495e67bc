//! Several relay nodes as one site, over Redis (`--redis URL`).
//!
//! Each node tells the others, on Redis pub/sub, how many hosts it counts
//! for each page; every node keeps those counts in its hub, so a page's
//! count is the site's and is read in O(1). To the hub, another node is a
//! host with a count ([`crate::routing::Peer::Node`]): asked only when no host of this
//! node can answer, with the same deadline and failover as any host. The
//! node asked treats the asking node as one more visitor: one of its own
//! hosts is asked (coalesced with its own visitors), and the verified page
//! goes back to the asking node, which checks it again.
//!
//! Chat messages go to every node on `ep2p:all` (each passes them to its
//! own hosts); a chat history is asked of another node like a page, when
//! no other host of this node can answer.
//!
//! Redis holds no page: the only keys are the nodes' liveness keys
//! (`ep2p:node:<id>`, expiring after [`LIVENESS_TTL`]); page text crosses
//! Redis only inside pub/sub messages. A node whose key expires (killed,
//! cut off) drops out of every count, and requests waiting on it fail over.
//! When Redis is unreachable a node serves what its own hosts can, counts
//! its own hosts only, and keeps trying; when Redis is back it announces
//! itself, the others send it their counts, and it sends them its own.
//!
//! Client: `redis` (redis-rs, the Rust client the Redis project lists): its
//! `ConnectionManager` reconnects with exponential back-off and jitter and
//! re-subscribes, over one multiplexed RESP3 connection for commands and
//! pub/sub messages alike.

use crate::frame::SharedFrame;
use crate::relay::{wall_ms, Relay, WeakRelay};
use crate::routing::{Answer, Input, NodeId, Peer};
use ep2p_core::chat;
use ep2p_core::protocol::PageHash;
use rand::Rng;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{PushInfo, PushKind, Value};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often a node refreshes its liveness key and checks the others'.
pub const HEARTBEAT: Duration = Duration::from_millis(500);
/// How long a node's liveness key lives without a refresh.
pub const LIVENESS_TTL: Duration = Duration::from_millis(2000);
/// The channel every node listens to.
const ALL: &str = "ep2p:all";
/// Messages waiting to go out; past this, new ones are dropped and counted.
const OUTGOING: usize = 4096;

fn node_channel(node: u64) -> String {
    format!("ep2p:node:{node:x}")
}

fn liveness_key(node: u64) -> String {
    format!("ep2p:alive:{node:x}")
}

/// What nodes say to each other. Externally tagged (`{"content": {…}}`):
/// serde buffers internally tagged variants, which a borrowed page literal
/// cannot survive.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Message<'a> {
    /// A node (re)joined: every other node sends it its counts.
    Hello { from: u64 },
    /// `from` counts `count` hosts for `page` (0: none any more).
    Count { from: u64, page: PageHash, count: usize },
    /// `from` asks the receiver for a page, for its own visitors.
    Ask { from: u64, page: PageHash },
    /// The page `from` was asked for, as the JSON string literal its host sent.
    Content {
        from: u64,
        page: PageHash,
        #[serde(borrow)]
        content: &'a RawValue,
    },
    /// A chat message a host of `from` said on `page`: for every node's hosts.
    Chat {
        from: u64,
        page: PageHash,
        #[serde(borrow)]
        message: &'a RawValue,
    },
    /// `from` asks the receiver for the page's chat history, for its hosts.
    HistoryAsk { from: u64, page: PageHash },
    /// The chat history `from` was asked for (a JSON array of messages).
    History {
        from: u64,
        page: PageHash,
        #[serde(borrow)]
        messages: &'a RawValue,
    },
    /// `from` is shutting down: it hosts nothing any more.
    Bye { from: u64 },
}

/// What the relay hands the cluster to send.
#[derive(Debug)]
enum Outgoing {
    Ask {
        to: u64,
        page: PageHash,
    },
    /// A page, or a chat history, that node `to` asked for.
    Deliver {
        to: u64,
        page: PageHash,
        frame: Arc<SharedFrame>,
    },
    Count {
        page: PageHash,
        count: usize,
    },
    Chat {
        page: PageHash,
        frame: Arc<SharedFrame>,
    },
    AskHistory {
        to: u64,
        page: PageHash,
    },
    Bye,
}

/// The relay's handle on the cluster. Cheap to clone.
#[derive(Clone)]
pub struct Cluster {
    node: u64,
    outgoing: mpsc::Sender<Outgoing>,
    connected: Arc<AtomicBool>,
}

impl Cluster {
    /// Joins the site of the Redis at `url`: returns at once; connecting,
    /// and reconnecting, go on in the background.
    pub(crate) fn start(url: &str, relay: WeakRelay) -> Result<Self, redis::RedisError> {
        // RESP3: pub/sub messages come on the same connection as commands.
        let info = redis::IntoConnectionInfo::into_connection_info(url)?;
        let settings = info.redis_settings().clone().set_protocol(redis::ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings))?;
        // 63-bit ids, as the site's nodes have always announced them.
        let node = rand::thread_rng().gen_range(1..1u64 << 63);
        let (outgoing, rx) = mpsc::channel(OUTGOING);
        let connected = Arc::new(AtomicBool::new(false));
        let cluster = Self { node, outgoing, connected: connected.clone() };
        tokio::spawn(run(client, node, rx, relay, connected));
        Ok(cluster)
    }

    /// This node's id on the site.
    pub fn node(&self) -> u64 {
        self.node
    }

    /// True while Redis answers.
    pub fn connected(&self) -> bool {
        self.connected.load(Relaxed)
    }

    fn send(&self, message: Outgoing, relay: &Relay) {
        if self.outgoing.try_send(message).is_err() {
            relay.metrics().backplane_dropped.inc();
        }
    }

    /// Asks node `to` for a page.
    pub(crate) fn ask(&self, to: NodeId, page: PageHash, relay: &Relay) {
        self.send(Outgoing::Ask { to: to.0, page }, relay);
    }

    /// Sends node `to` what it asked for: a verified page, or a checked chat history.
    pub(crate) fn deliver(&self, to: NodeId, page: PageHash, frame: Arc<SharedFrame>, relay: &Relay) {
        self.send(Outgoing::Deliver { to: to.0, page, frame }, relay);
    }

    /// This node now counts `count` hosts of its own for the page.
    pub(crate) fn count(&self, page: PageHash, count: usize, relay: &Relay) {
        self.send(Outgoing::Count { page, count }, relay);
    }

    /// Passes a chat message said here to every other node.
    pub(crate) fn chat(&self, page: PageHash, frame: Arc<SharedFrame>, relay: &Relay) {
        self.send(Outgoing::Chat { page, frame }, relay);
    }

    /// Asks node `to` for a page's chat history.
    pub(crate) fn ask_history(&self, to: NodeId, page: PageHash, relay: &Relay) {
        self.send(Outgoing::AskHistory { to: to.0, page }, relay);
    }

    /// Tells the others this node is going (a node that cannot is dropped
    /// when its liveness key expires).
    pub(crate) fn leave(&self) {
        let _ = self.outgoing.try_send(Outgoing::Bye);
    }
}

/// What a node knows of the site while it runs.
struct Site {
    node: u64,
    relay: WeakRelay,
    /// Other nodes, and the pages each counts hosts for.
    nodes: HashMap<u64, HashSet<PageHash>>,
    /// What this node last told the others it counts, per page.
    published: HashMap<PageHash, usize>,
}

/// Keeps a node in the site for as long as its relay lives.
async fn run(
    client: redis::Client,
    node: u64,
    mut outgoing: mpsc::Receiver<Outgoing>,
    relay: WeakRelay,
    connected: Arc<AtomicBool>,
) {
    let mut site = Site { node, relay, nodes: HashMap::new(), published: HashMap::new() };
    let mut attempt = 0u32;
    loop {
        let (push_tx, mut pushes) = mpsc::unbounded_channel::<PushInfo>();
        let config = ConnectionManagerConfig::new()
            .set_push_sender(push_tx)
            .set_automatic_resubscription()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(Duration::from_secs(1)))
            .set_min_delay(Duration::from_millis(100))
            .set_max_delay(Duration::from_secs(5))
            .set_number_of_retries(3);
        let manager = match client.get_connection_manager_with_config(config).await {
            Ok(manager) => manager,
            Err(error) => {
                // No Redis yet: serve alone, try again with back-off and jitter.
                attempt += 1;
                if attempt == 1 {
                    tracing::warn!(%error, "cannot reach Redis; serving this node's own hosts meanwhile");
                }
                let Some(relay) = site.relay.upgrade() else { return };
                relay.metrics().backplane_reconnects.inc();
                drop(relay);
                let nominal = Duration::from_millis(200 * 2u64.pow(attempt.min(5)));
                let jittered = nominal.mul_f64(rand::thread_rng().gen_range(0.5..=1.0));
                // Messages meanwhile cannot go anywhere.
                let deadline = tokio::time::Instant::now() + jittered;
                while let Ok(Some(message)) = tokio::time::timeout_at(deadline, outgoing.recv()).await {
                    if matches!(message, Outgoing::Bye) {
                        return;
                    }
                }
                continue;
            }
        };
        attempt = 0;
        let mut session = Session { manager, connected: false, flag: connected.clone() };
        let mut tick = tokio::time::interval(HEARTBEAT);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = outgoing.recv() => match message {
                    None => return,
                    Some(Outgoing::Bye) => {
                        session.publish(ALL, &Message::Bye { from: node }, &site).await;
                        let _ = redis::cmd("DEL").arg(liveness_key(node)).query_async::<()>(&mut session.manager).await;
                        return;
                    }
                    Some(message) => session.send(message, &mut site).await,
                },
                push = pushes.recv() => match push {
                    None => break,
                    Some(push) => session.received(push, &mut site).await,
                },
                _ = tick.tick() => {
                    if site.relay.upgrade().is_none() {
                        return;
                    }
                    session.heartbeat(&mut site).await;
                }
            }
        }
    }
}

/// One connection manager's life.
struct Session {
    manager: ConnectionManager,
    /// Redis answered the last heartbeat, and this node has announced itself.
    connected: bool,
    flag: Arc<AtomicBool>,
}

impl Session {
    async fn publish(&mut self, channel: &str, message: &Message<'_>, site: &Site) -> bool {
        let Some(relay) = site.relay.upgrade() else { return false };
        if !self.connected && !matches!(message, Message::Hello { .. } | Message::Count { .. }) {
            relay.metrics().backplane_dropped.inc();
            return false;
        }
        let payload = serde_json::to_string(message).expect("messages serialize");
        let sent =
            redis::cmd("PUBLISH").arg(channel).arg(payload).query_async::<i64>(&mut self.manager).await;
        match sent {
            Ok(_) => {
                relay.metrics().backplane_published.inc();
                true
            }
            Err(error) => {
                tracing::debug!(%error, "publishing to Redis failed");
                relay.metrics().backplane_dropped.inc();
                false
            }
        }
    }

    async fn send(&mut self, message: Outgoing, site: &mut Site) {
        let node = site.node;
        match message {
            Outgoing::Ask { to, page } => {
                self.publish(&node_channel(to), &Message::Ask { from: node, page }, site).await;
            }
            Outgoing::Deliver { to, page, frame } => {
                let message = match (frame.content_literal(), frame.history_literal()) {
                    (Some(content), _) => Message::Content { from: node, page, content },
                    (None, Some(messages)) => Message::History { from: node, page, messages },
                    (None, None) => return,
                };
                self.publish(&node_channel(to), &message, site).await;
            }
            Outgoing::Chat { page, frame } => {
                if let Some(message) = frame.chat_literal() {
                    self.publish(ALL, &Message::Chat { from: node, page, message }, site).await;
                }
            }
            Outgoing::AskHistory { to, page } => {
                self.publish(&node_channel(to), &Message::HistoryAsk { from: node, page }, site).await;
            }
            Outgoing::Count { page, count } => {
                let last = site.published.get(&page).copied().unwrap_or(0);
                if last != count {
                    if count == 0 {
                        site.published.remove(&page);
                    } else {
                        site.published.insert(page, count);
                    }
                    if self.connected {
                        self.publish(ALL, &Message::Count { from: node, page, count }, site).await;
                    }
                }
            }
            Outgoing::Bye => {}
        }
    }

    async fn received(&mut self, push: PushInfo, site: &mut Site) {
        let Some(relay) = site.relay.upgrade() else { return };
        let payload = match (push.kind, push.data.as_slice()) {
            (PushKind::Message, [_, Value::BulkString(payload)]) => payload.clone(),
            (PushKind::Disconnection, _) => {
                self.disconnected(site);
                return;
            }
            _ => return,
        };
        relay.metrics().backplane_received.inc();
        let Ok(text) = std::str::from_utf8(&payload) else { return };
        let Ok(message) = serde_json::from_str::<Message>(text) else {
            relay.metrics().backplane_malformed.inc();
            return;
        };
        match message {
            Message::Hello { from } if from != site.node => {
                // A node (re)joined: tell it what this node counts.
                let counts: Vec<(PageHash, usize)> = site.published.iter().map(|(p, c)| (*p, *c)).collect();
                for (page, count) in counts {
                    let message = Message::Count { from: site.node, page, count };
                    self.publish(&node_channel(from), &message, site).await;
                }
            }
            Message::Count { from, page, count } if from != site.node => {
                let pages = site.nodes.entry(from).or_default();
                if count == 0 {
                    pages.remove(&page);
                } else {
                    pages.insert(page);
                }
                relay.handle(Input::RemoteCount { node: NodeId(from), hash: page, count });
            }
            Message::Ask { from, page } if from != site.node => {
                let asker = Peer::Node(NodeId(from));
                relay.handle(Input::JoinVisitor { visitor: asker, hash: page });
                relay.handle(Input::Request { visitor: asker, hash: page });
            }
            Message::Content { from, page, content } if from != site.node => {
                // Checked again here: Redis and the other node are not trusted either.
                let verified =
                    serde_json::from_str::<String>(content.get()).is_ok_and(|text| page.matches(&text));
                let answer = if verified {
                    Answer::Verified(SharedFrame::content(page, content))
                } else {
                    Answer::Forged
                };
                relay.handle(Input::Content { host: Peer::Node(NodeId(from)), hash: page, answer });
            }
            Message::Chat { from, page, message } if from != site.node => {
                // Checked again: Redis and the other node are not trusted either.
                let checked = chat::read_message(message.get()).and_then(|m| m.check_date(wall_ms()));
                if checked.is_ok() && relay.hub().host_sockets(page) > 0 {
                    relay.chat(Peer::Node(NodeId(from)), page, SharedFrame::chat(page, message));
                }
            }
            Message::HistoryAsk { from, page } if from != site.node => {
                relay.handle(Input::HistoryRequest { asker: Peer::Node(NodeId(from)), hash: page });
            }
            Message::History { from, page, messages } if from != site.node => {
                let answer = chat::check_history(messages, wall_ms())
                    .ok()
                    .map(|_| SharedFrame::history(page, messages));
                relay.handle(Input::HistoryAnswer { host: Peer::Node(NodeId(from)), hash: page, answer });
            }
            Message::Bye { from } => site.forget(from),
            _ => {}
        }
    }

    /// Refreshes this node's liveness key, checks the others', and notices
    /// Redis coming and going.
    async fn heartbeat(&mut self, site: &mut Site) {
        let ttl = LIVENESS_TTL.as_millis() as u64;
        let alive: redis::RedisResult<()> = redis::cmd("SET")
            .arg(liveness_key(site.node))
            .arg(1)
            .arg("PX")
            .arg(ttl)
            .query_async(&mut self.manager)
            .await;
        if alive.is_err() {
            self.disconnected(site);
            return;
        }
        if !self.connected {
            self.announce(site).await;
        }
        let others: Vec<u64> = site.nodes.keys().copied().collect();
        if !others.is_empty() {
            let mut exists = redis::pipe();
            for node in &others {
                exists.cmd("EXISTS").arg(liveness_key(*node));
            }
            if let Ok(found) = exists.query_async::<Vec<bool>>(&mut self.manager).await {
                for (node, alive) in others.into_iter().zip(found) {
                    if !alive {
                        tracing::info!(node = format!("{node:x}"), "a relay node is gone");
                        site.forget(node);
                    }
                }
            }
        }
        if let Some(relay) = site.relay.upgrade() {
            relay.metrics().nodes.set(site.nodes.len() as i64);
        }
        // Counts this node published that went down to 0 without an effect
        // (a page gone between two count windows) are caught up here.
        if let Some(relay) = site.relay.upgrade() {
            let stale: Vec<(PageHash, usize)> = site
                .published
                .keys()
                .map(|page| (*page, relay.hub().local_count(*page)))
                .filter(|(page, count)| site.published.get(page) != Some(count))
                .collect();
            for (page, count) in stale {
                self.send(Outgoing::Count { page, count }, site).await;
            }
        }
    }

    /// Redis answers again (or for the first time): listen, say hello,
    /// tell the others what this node counts.
    async fn announce(&mut self, site: &mut Site) {
        let subscribed = async {
            self.manager.subscribe(ALL).await?;
            self.manager.subscribe(node_channel(site.node)).await
        };
        if let Err(error) = subscribed.await {
            tracing::debug!(%error, "subscribing failed");
            return;
        }
        self.connected = true;
        self.flag.store(true, Relaxed);
        if let Some(relay) = site.relay.upgrade() {
            relay.metrics().backplane_connected.set(1);
        }
        tracing::info!(node = format!("{:x}", site.node), "joined the site's other relay nodes on Redis");
        self.publish(ALL, &Message::Hello { from: site.node }, site).await;
        let counts: Vec<(PageHash, usize)> = site.published.iter().map(|(p, c)| (*p, *c)).collect();
        for (page, count) in counts {
            self.publish(ALL, &Message::Count { from: site.node, page, count }, site).await;
        }
    }

    /// Redis is gone: this node counts, and serves, its own hosts only.
    fn disconnected(&mut self, site: &mut Site) {
        if !self.connected {
            return;
        }
        self.connected = false;
        self.flag.store(false, Relaxed);
        tracing::warn!("lost Redis; serving this node's own hosts until it is back");
        if let Some(relay) = site.relay.upgrade() {
            relay.metrics().backplane_connected.set(0);
            relay.metrics().backplane_reconnects.inc();
        }
        for node in site.nodes.keys().copied().collect::<Vec<_>>() {
            site.forget(node);
        }
    }
}

impl Site {
    /// A node is gone: it counts nothing anywhere, and requests waiting on it fail over.
    fn forget(&mut self, node: u64) {
        let Some(pages) = self.nodes.remove(&node) else { return };
        let Some(relay) = self.relay.upgrade() else { return };
        for page in pages {
            relay.handle(Input::RemoteCount { node: NodeId(node), hash: page, count: 0 });
        }
        relay.metrics().nodes.set(self.nodes.len() as i64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_page_literal_verbatim_and_nothing_else_of_it() {
        let page = PageHash::of("é");
        let literal: Box<RawValue> = serde_json::from_str(r#""\u00e9""#).unwrap();
        let text = serde_json::to_string(&Message::Content { from: 7, page, content: &literal }).unwrap();
        assert_eq!(text, format!(r#"{{"content":{{"from":7,"page":"{page}","content":"\u00e9"}}}}"#));
        let Message::Content { content, .. } = serde_json::from_str(&text).unwrap() else { panic!() };
        assert_eq!(content.get(), r#""\u00e9""#);
        // A whole page, escapes and all, comes through (as it would from Redis: bytes).
        let big: Box<RawValue> = serde_json::value::to_raw_value(&"line \"one\"\n😀 ".repeat(5000)).unwrap();
        let text = serde_json::to_vec(&Message::Content { from: 7, page, content: &big }).unwrap();
        let Message::Content { content, .. } = serde_json::from_slice(&text).unwrap() else { panic!() };
        assert_eq!(content.get(), big.get());
        let count = serde_json::to_string(&Message::Count { from: 7, page, count: 3 }).unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&count).unwrap()["count"]["count"], 3);
    }
}
