//! The backplane over Redis (`--redis URL`): several relay nodes as one site.
//!
//! Each node tells the others, on Redis pub/sub, how many hosts it counts
//! for each page; every node keeps those counts in its routing, so a page's
//! count is the site's and is read in O(1). To the routing, another node is
//! a host with a count (`Peer::Node`): asked only when no host of this
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
//! (`ep2p:alive:<id>`, expiring after [`LIVENESS_TTL`]; `ep2p:node:<id>` is
//! a node's own pub/sub channel); page text crosses
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

use super::{new_node_id, Backplane, Event, Handler, NodeId, Roster, HEARTBEAT, LIVENESS_TTL, OUTGOING};
use crate::frame::SharedFrame;
use crate::metrics::Metrics;
use ep2p_core::chunk::ChunkId;
use ep2p_core::protocol::PageHash;
use rand::Rng;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{PushInfo, PushKind, Value};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The channel every node listens to.
const ALL: &str = "ep2p:all";

fn node_channel(node: NodeId) -> String {
    format!("ep2p:node:{node}")
}

fn liveness_key(node: NodeId) -> String {
    format!("ep2p:alive:{node}")
}

/// What nodes say to each other. Externally tagged (`{"content": {…}}`):
/// serde buffers internally tagged variants, which a borrowed page literal
/// cannot survive.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Message<'a> {
    /// A node (re)joined: every other node sends it its counts.
    Hello { from: NodeId },
    /// `from` counts `count` hosts for `page` (0: none any more).
    Count { from: NodeId, page: PageHash, count: usize },
    /// `from` asks the receiver for a page, for its own visitors.
    Ask { from: NodeId, page: PageHash },
    /// The page `from` was asked for, as the JSON string literal its host sent.
    Content {
        from: NodeId,
        page: PageHash,
        #[serde(borrow)]
        content: &'a RawValue,
    },
    /// A chat message a host of `from` said on `page`: for every node's hosts.
    Chat {
        from: NodeId,
        page: PageHash,
        #[serde(borrow)]
        message: &'a RawValue,
    },
    /// `from` asks the receiver for the page's chat history, for its hosts.
    HistoryAsk { from: NodeId, page: PageHash },
    /// The chat history `from` was asked for (a JSON array of messages).
    History {
        from: NodeId,
        page: PageHash,
        #[serde(borrow)]
        messages: &'a RawValue,
    },
    /// `from` asks the receiver for a file page's chunk, for its visitors.
    ChunkAsk { from: NodeId, page: PageHash, chunk: ChunkId },
    /// `from` has no holder of the chunk the receiver asked for. (A chunk
    /// itself is a binary message: see [`CHUNK_MAGIC`].)
    NoChunk { from: NodeId, page: PageHash, chunk: ChunkId },
    /// A direct connection's signal from `from` for pair `pair`.
    Signal {
        from: NodeId,
        page: PageHash,
        pair: u32,
        #[serde(borrow)]
        signal: &'a RawValue,
    },
    /// `from` is shutting down: it hosts nothing any more.
    Bye { from: NodeId },
}

/// What a chunk's message starts with: then `from` (u64 BE), the page's
/// hash (32 bytes) and the chunk's payload as its host sent it (id, proof,
/// bytes), never base64.
const CHUNK_MAGIC: &[u8] = b"ep2p-chunk1:";

/// A chunk's binary message.
fn chunk_message(from: NodeId, page: PageHash, payload: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(CHUNK_MAGIC.len() + 40 + payload.len());
    bytes.extend_from_slice(CHUNK_MAGIC);
    bytes.extend_from_slice(&from.0.to_be_bytes());
    bytes.extend_from_slice(page.as_bytes());
    bytes.extend_from_slice(payload);
    bytes
}

/// A chunk's binary message read: who sent it, the page and the payload.
fn read_chunk_message(bytes: &[u8]) -> Option<(NodeId, PageHash, &[u8])> {
    let rest = bytes.strip_prefix(CHUNK_MAGIC)?;
    let from = NodeId(u64::from_be_bytes(rest.get(..8)?.try_into().ok()?));
    let page = PageHash::from_bytes(rest.get(8..40)?.try_into().ok()?);
    Some((from, page, &rest[40..]))
}

/// What the relay hands the backplane's task to send.
#[derive(Debug)]
enum Outgoing {
    Ask {
        to: NodeId,
        page: PageHash,
    },
    /// A page, or a chat history, that node `to` asked for.
    Deliver {
        to: NodeId,
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
        to: NodeId,
        page: PageHash,
    },
    AskChunk {
        to: NodeId,
        page: PageHash,
        chunk: ChunkId,
    },
    Signal {
        to: NodeId,
        page: PageHash,
        pair: u32,
        signal: String,
    },
    /// A chunk node `to` asked for, or none.
    DeliverChunk {
        to: NodeId,
        page: PageHash,
        chunk: ChunkId,
        payload: Option<tungstenite::Bytes>,
    },
    Bye,
}

/// The relay's handle on the Redis backplane. Dropping it ends the
/// backplane's task.
pub struct RedisBackplane {
    node: NodeId,
    outgoing: mpsc::Sender<Outgoing>,
    /// Redis answered the last heartbeat (set by the task).
    connected: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

impl RedisBackplane {
    /// Joins the site of the Redis at `url`: returns at once; connecting,
    /// and reconnecting, go on in the background. What the other nodes say
    /// goes to `handler`.
    pub fn start(
        url: &str,
        handler: Arc<dyn Handler>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, redis::RedisError> {
        // RESP3: pub/sub messages come on the same connection as commands.
        let info = redis::IntoConnectionInfo::into_connection_info(url)?;
        let settings = info.redis_settings().clone().set_protocol(redis::ProtocolVersion::RESP3);
        let client = redis::Client::open(info.set_redis_settings(settings))?;
        let node = new_node_id();
        let (outgoing, rx) = mpsc::channel(OUTGOING);
        let connected = Arc::new(AtomicBool::new(false));
        let site = Site { node, handler, metrics: metrics.clone(), roster: Roster::default() };
        tokio::spawn(run(client, site, rx, connected.clone()));
        Ok(Self { node, outgoing, connected, metrics })
    }

    fn send(&self, message: Outgoing) {
        if self.outgoing.try_send(message).is_err() {
            self.metrics.backplane_dropped.inc();
        }
    }
}

impl Backplane for RedisBackplane {
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
        self.send(Outgoing::Ask { to, page });
    }

    fn deliver(&self, to: NodeId, page: PageHash, frame: Arc<SharedFrame>) {
        self.send(Outgoing::Deliver { to, page, frame });
    }

    fn chat(&self, page: PageHash, frame: Arc<SharedFrame>) {
        self.send(Outgoing::Chat { page, frame });
    }

    fn ask_history(&self, to: NodeId, page: PageHash) {
        self.send(Outgoing::AskHistory { to, page });
    }

    fn ask_chunk(&self, to: NodeId, page: PageHash, chunk: ChunkId) {
        self.send(Outgoing::AskChunk { to, page, chunk });
    }

    fn signal(&self, to: NodeId, page: PageHash, pair: u32, signal: String) {
        self.send(Outgoing::Signal { to, page, pair, signal });
    }

    fn deliver_chunk(&self, to: NodeId, page: PageHash, chunk: ChunkId, payload: Option<tungstenite::Bytes>) {
        self.send(Outgoing::DeliverChunk { to, page, chunk, payload });
    }

    fn leave(&self) {
        let _ = self.outgoing.try_send(Outgoing::Bye);
    }
}

/// What a node knows of the site while it runs.
struct Site {
    node: NodeId,
    /// The relay, which hears what the other nodes say.
    handler: Arc<dyn Handler>,
    metrics: Arc<Metrics>,
    /// The other nodes' pages, and this node's published counts.
    roster: Roster,
}

/// Keeps a node in the site for as long as its relay holds the backplane.
async fn run(
    client: redis::Client,
    mut site: Site,
    mut outgoing: mpsc::Receiver<Outgoing>,
    connected: Arc<AtomicBool>,
) {
    let node = site.node;
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
                if outgoing.is_closed() {
                    return;
                }
                site.metrics.backplane_reconnects.inc();
                let nominal = Duration::from_millis(200 * 2u64.pow(attempt.min(5)));
                let jittered = nominal.mul_f64(rand::thread_rng().gen_range(0.5..=1.0));
                // Messages meanwhile cannot go anywhere.
                let deadline = tokio::time::Instant::now() + jittered;
                loop {
                    match tokio::time::timeout_at(deadline, outgoing.recv()).await {
                        Ok(Some(Outgoing::Bye)) | Ok(None) => return,
                        Ok(Some(_)) => {}
                        Err(_) => break,
                    }
                }
                continue;
            }
        };
        attempt = 0;
        let mut link = RedisLink { manager, connected: false, flag: connected.clone() };
        let mut tick = tokio::time::interval(HEARTBEAT);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                message = outgoing.recv() => match message {
                    None => return,
                    Some(Outgoing::Bye) => {
                        link.publish(ALL, &Message::Bye { from: node }, &site).await;
                        let _ = redis::cmd("DEL").arg(liveness_key(node)).query_async::<()>(&mut link.manager).await;
                        return;
                    }
                    Some(message) => link.send(message, &mut site).await,
                },
                push = pushes.recv() => match push {
                    None => break,
                    Some(push) => link.received(push, &mut site).await,
                },
                _ = tick.tick() => {
                    if outgoing.is_closed() {
                        return;
                    }
                    link.heartbeat(&mut site).await;
                }
            }
        }
    }
}

/// One connection manager's life: this node's link to Redis.
struct RedisLink {
    manager: ConnectionManager,
    /// Redis answered the last heartbeat, and this node has announced itself.
    connected: bool,
    /// `connected`, for the relay's handle to read.
    flag: Arc<AtomicBool>,
}

impl RedisLink {
    async fn publish(&mut self, channel: &str, message: &Message<'_>, site: &Site) -> bool {
        if !self.connected && !matches!(message, Message::Hello { .. } | Message::Count { .. }) {
            site.metrics.backplane_dropped.inc();
            return false;
        }
        let payload = serde_json::to_string(message).expect("messages serialize");
        self.publish_bytes(channel, payload.into_bytes(), site).await
    }

    async fn publish_bytes(&mut self, channel: &str, payload: Vec<u8>, site: &Site) -> bool {
        if !self.connected {
            site.metrics.backplane_dropped.inc();
            return false;
        }
        let sent =
            redis::cmd("PUBLISH").arg(channel).arg(payload).query_async::<i64>(&mut self.manager).await;
        match sent {
            Ok(_) => {
                site.metrics.backplane_published.inc();
                true
            }
            Err(error) => {
                tracing::debug!(%error, "publishing to Redis failed");
                site.metrics.backplane_dropped.inc();
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
            Outgoing::AskChunk { to, page, chunk } => {
                self.publish(&node_channel(to), &Message::ChunkAsk { from: node, page, chunk }, site).await;
            }
            Outgoing::Signal { to, page, pair, signal } => {
                let Ok(signal) = RawValue::from_string(signal) else { return };
                let message = Message::Signal { from: node, page, pair, signal: &signal };
                self.publish(&node_channel(to), &message, site).await;
            }
            Outgoing::DeliverChunk { to, page, chunk, payload: None } => {
                self.publish(&node_channel(to), &Message::NoChunk { from: node, page, chunk }, site).await;
            }
            Outgoing::DeliverChunk { to, page, payload: Some(payload), .. } => {
                self.publish_bytes(&node_channel(to), chunk_message(node, page, &payload), site).await;
            }
            Outgoing::Count { page, count } => {
                if site.roster.publish(page, count) && self.connected {
                    self.publish(ALL, &Message::Count { from: node, page, count }, site).await;
                }
            }
            Outgoing::Bye => {}
        }
    }

    async fn received(&mut self, push: PushInfo, site: &mut Site) {
        let payload = match (push.kind, push.data.as_slice()) {
            (PushKind::Message, [_, Value::BulkString(payload)]) => payload.clone(),
            (PushKind::Disconnection, _) => {
                self.disconnected(site);
                return;
            }
            _ => return,
        };
        site.metrics.backplane_received.inc();
        if payload.starts_with(CHUNK_MAGIC) {
            match read_chunk_message(&payload) {
                Some((from, page, chunk_payload)) if from != site.node => {
                    // The chunk's id is its payload's; the relay checks it all again.
                    let Ok(read) = ep2p_core::chunk::ChunkPayload::parse(chunk_payload) else {
                        site.metrics.backplane_malformed.inc();
                        return;
                    };
                    let event =
                        Event::Chunk { node: from, page, chunk: read.id, payload: Some(chunk_payload) };
                    site.handler.handle(event);
                }
                Some(_) => {}
                None => {
                    site.metrics.backplane_malformed.inc();
                }
            }
            return;
        }
        let Ok(text) = std::str::from_utf8(&payload) else { return };
        let Ok(message) = serde_json::from_str::<Message>(text) else {
            site.metrics.backplane_malformed.inc();
            return;
        };
        let event = match message {
            Message::Hello { from } if from != site.node => {
                // A node (re)joined: tell it what this node counts.
                for (page, count) in site.roster.published() {
                    let message = Message::Count { from: site.node, page, count };
                    self.publish(&node_channel(from), &message, site).await;
                }
                return;
            }
            Message::Count { from, page, count } if from != site.node => {
                if !site.roster.heard(from, page, count, &site.metrics) {
                    return;
                }
                Event::Count { node: from, page, count }
            }
            Message::Ask { from, page } if from != site.node => Event::Ask { node: from, page },
            Message::Content { from, page, content } if from != site.node => {
                Event::Content { node: from, page, content }
            }
            Message::Chat { from, page, message } if from != site.node => {
                Event::Chat { node: from, page, message }
            }
            Message::HistoryAsk { from, page } if from != site.node => Event::HistoryAsk { node: from, page },
            Message::History { from, page, messages } if from != site.node => {
                Event::History { node: from, page, messages }
            }
            Message::ChunkAsk { from, page, chunk } if from != site.node => {
                Event::ChunkAsk { node: from, page, chunk }
            }
            Message::NoChunk { from, page, chunk } if from != site.node => {
                Event::Chunk { node: from, page, chunk, payload: None }
            }
            Message::Signal { from, page, pair, signal } if from != site.node => {
                Event::Signal { node: from, page, pair, signal }
            }
            Message::Bye { from } => {
                site.forget(from);
                return;
            }
            _ => return,
        };
        site.handler.handle(event);
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
        let others = site.roster.others();
        if !others.is_empty() {
            let mut exists = redis::pipe();
            for node in &others {
                exists.cmd("EXISTS").arg(liveness_key(*node));
            }
            if let Ok(found) = exists.query_async::<Vec<bool>>(&mut self.manager).await {
                for (node, alive) in others.into_iter().zip(found) {
                    if !alive {
                        tracing::info!(node = format!("{node}"), "a relay node is gone");
                        site.forget(node);
                    }
                }
            }
        }
        site.metrics.nodes.set(site.roster.len() as i64);
        // Counts this node published that went down to 0 without an effect
        // (a page gone between two count windows) are caught up here.
        for (page, count) in site.roster.stale(&*site.handler) {
            self.send(Outgoing::Count { page, count }, site).await;
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
        site.metrics.backplane_connected.set(1);
        tracing::info!(node = site.node.to_string(), "joined the site's other relay nodes on Redis");
        self.publish(ALL, &Message::Hello { from: site.node }, site).await;
        for (page, count) in site.roster.published() {
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
        site.metrics.backplane_connected.set(0);
        site.metrics.backplane_reconnects.inc();
        for node in site.roster.others() {
            site.forget(node);
        }
    }
}

impl Site {
    /// A node is gone: it counts nothing anywhere, and requests waiting on it fail over.
    fn forget(&mut self, node: NodeId) {
        self.roster.forget(node, &*self.handler, &self.metrics);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_page_literal_verbatim_and_nothing_else_of_it() {
        let page = PageHash::of("é");
        let literal: Box<RawValue> = serde_json::from_str(r#""\u00e9""#).unwrap();
        let text =
            serde_json::to_string(&Message::Content { from: NodeId(7), page, content: &literal }).unwrap();
        assert_eq!(text, format!(r#"{{"content":{{"from":7,"page":"{page}","content":"\u00e9"}}}}"#));
        let Message::Content { content, .. } = serde_json::from_str(&text).unwrap() else { panic!() };
        assert_eq!(content.get(), r#""\u00e9""#);
        // A whole page, escapes and all, comes through (as it would from Redis: bytes).
        let big: Box<RawValue> = serde_json::value::to_raw_value(&"line \"one\"\n😀 ".repeat(5000)).unwrap();
        let text = serde_json::to_vec(&Message::Content { from: NodeId(7), page, content: &big }).unwrap();
        let Message::Content { content, .. } = serde_json::from_slice(&text).unwrap() else { panic!() };
        assert_eq!(content.get(), big.get());
        let count = serde_json::to_string(&Message::Count { from: NodeId(7), page, count: 3 }).unwrap();
        assert_eq!(serde_json::from_str::<serde_json::Value>(&count).unwrap()["count"]["count"], 3);
    }
}
