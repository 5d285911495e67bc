//! `ep2p-testkit` (dev-only): what the relay's tests, the site's tests, the
//! mirror's tests and the benchmark share.
//!
//! * [`TestServer`] — the real relay (alone, or inside a whole site's
//!   router) on a loopback port, with a graceful stop; several of them on
//!   one in-memory backplane are the nodes of one site in one process.
//! * [`Client`] — a Phoenix Channels client that behaves like the JS one
//!   (string refs from a counter, join_ref = the join's ref, join_ref
//!   stamped on channel pushes), over tokio-tungstenite, optionally bound to
//!   a chosen 127.x source address with small buffers (load tests).
//! * [`Host`] — a host that answers every request for its page.
//! * [`visit`] — core's visitor state machine driven over a [`Client`]'s
//!   socket until the page arrives: a visitor exactly as a browser behaves.
//! * [`http_get`], [`scrape`], [`eventually`] — plain HTTP, `/metrics`, and
//!   bounded waiting.
//! * [`ServerProcess`] — a server as its own process (benchmark, node kills).
//! * [`RedisServer`] — a Redis of a test's own on a free loopback port.

mod process;
mod redis;

pub use process::ServerProcess;
pub use redis::RedisServer;
pub use reqwest;

use axum::Router;
use ep2p_core::client::{Command, Event, Timer};
use ep2p_core::machine::Visitor;
use ep2p_core::phoenix::{self, Frame, Ref, Refs, Vsn};
use ep2p_core::protocol::{self, event, Content, ContentRequest, PageHash, Topic};
use ep2p_relay::backplane::MemoryBus;
use ep2p_relay::{Relay, RelayConfig};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::WebSocketStream;

/// How long a test waits for something that should happen.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// What can go wrong talking to a server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    #[error("websocket: {0}")]
    WebSocket(#[from] tungstenite::Error),
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the server closed the socket")]
    Closed,
    #[error("no {0} within the time allowed")]
    Timeout(String),
    #[error("refused: {0}")]
    Refused(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The real server (router, relay, graceful shutdown) on a loopback port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub relay: Relay,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// The relay alone, on a free port.
    pub async fn start(config: RelayConfig) -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), config).await
    }

    /// The relay alone on `addr` (a restarted relay comes back on the same port).
    pub async fn start_on(addr: SocketAddr, config: RelayConfig) -> Self {
        Self::start_site(addr, config, Relay::router).await
    }

    /// A whole site on `addr`: `site` makes its router around the relay.
    pub async fn start_site(
        addr: SocketAddr,
        config: RelayConfig,
        site: impl FnOnce(&Relay) -> Router,
    ) -> Self {
        Self::serve_relay(addr, Relay::new(config).expect("the relay starts"), site).await
    }

    /// A relay of a site on an in-memory backplane: one node of the site
    /// every relay on `bus` forms, `site` making its router.
    pub async fn start_on_bus(
        bus: &MemoryBus,
        config: RelayConfig,
        site: impl FnOnce(&Relay) -> Router,
    ) -> Self {
        let relay = Relay::joining(config, |handler, metrics| Ok(Box::new(bus.join(handler, metrics))))
            .expect("a memory backplane always starts");
        Self::serve_relay("127.0.0.1:0".parse().unwrap(), relay, site).await
    }

    /// `relay` served on `addr`, `site` making its router.
    pub async fn serve_relay(addr: SocketAddr, relay: Relay, site: impl FnOnce(&Relay) -> Router) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = site(&relay);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = relay.clone();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            ep2p_relay::serve(listener, app, serving, shutdown).await.unwrap();
        });
        Self { addr, relay, stop: Some(stop), task }
    }

    pub async fn default() -> Self {
        Self::start(RelayConfig::default()).await
    }

    /// Stops as on SIGTERM: no new connections, every socket closed with
    /// 1001; returns once the server has finished.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.unwrap();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// One metric's value, read from `/metrics` over HTTP (a sample's full
    /// name, labels included: `ep2p_rejected_total{reason="binary"}`).
    pub async fn metric(&self, name: &str) -> u64 {
        let metrics = scrape(self.addr).await.expect("/metrics answers");
        let value = metrics.get(name).unwrap_or_else(|| panic!("no metric {name} in {metrics:?}"));
        *value as u64
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A relay config with the given tweaks applied.
pub fn config(tweak: impl FnOnce(&mut RelayConfig)) -> RelayConfig {
    let mut config = RelayConfig::default();
    tweak(&mut config);
    config
}

/// `/metrics` of the server at `addr`: every sample by its full name.
pub async fn scrape(addr: SocketAddr) -> Result<HashMap<String, f64>> {
    let text = reqwest::get(format!("http://{addr}/metrics")).await?.text().await?;
    Ok(text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (name, value) = line.rsplit_once(' ')?;
            Some((name.to_string(), value.parse().ok()?))
        })
        .collect())
}

/// A frame the server sent, decoded.
#[derive(Debug, Clone)]
pub struct Msg {
    pub join_ref: Option<Ref>,
    pub msg_ref: Option<Ref>,
    pub topic: String,
    pub event: String,
    pub payload: Value,
    pub raw: String,
    /// A binary frame's payload (its `payload` is then null).
    pub bytes: Option<Vec<u8>>,
}

impl Msg {
    pub fn status(&self) -> Option<&str> {
        self.payload.get("status")?.as_str()
    }

    pub fn reason(&self) -> Option<&str> {
        self.payload.get("response")?.get("reason")?.as_str()
    }
}

/// The client side of a relay connection.
pub type Ws = WebSocketStream<TcpStream>;

pub fn want(hash: PageHash) -> String {
    Topic::Want(hash).to_string()
}

pub fn have(hash: PageHash) -> String {
    Topic::Have(hash).to_string()
}

/// Source addresses for load-test sockets: 127.0.0.2, 127.0.0.3, …
/// (ephemeral ports run out per source address).
pub fn source_ip(index: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (index % 200) as u8))
}

/// Opens a WebSocket to `addr` + `path`, from `source` if given, with small
/// buffers so that thousands of idle clients stay cheap.
pub async fn open_socket(addr: SocketAddr, source: Option<IpAddr>, path: &str) -> Result<Ws> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(source) = source {
        socket.bind(SocketAddr::new(source, 0))?;
    }
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let (ws, _) =
        tokio_tungstenite::client_async_with_config(format!("ws://{addr}{path}"), stream, Some(config))
            .await?;
    Ok(ws)
}

/// A Phoenix Channels client that behaves like the JS one.
pub struct Client {
    pub ws: Ws,
    pub vsn: Vsn,
    refs: Refs,
    /// join_ref per joined topic.
    joins: HashMap<String, Ref>,
    /// Frames read while waiting for something else.
    pending: VecDeque<Msg>,
    /// How the server closed the socket, once it has.
    pub closed: Option<Option<CloseFrame>>,
}

impl Client {
    /// Connects to a test server (and fails the test if it cannot).
    pub async fn connect(server: &TestServer, vsn: Vsn) -> Self {
        Self::connect_query(server, Some(vsn.query())).await.unwrap()
    }

    /// Connects with a raw query string (`None`: no query at all).
    pub async fn connect_query(server: &TestServer, query: Option<&str>) -> Result<Self> {
        let path = match query {
            Some(q) => format!("{}?{q}", protocol::SOCKET_PATH),
            None => protocol::SOCKET_PATH.to_string(),
        };
        let ws = open_socket(server.addr, None, &path).await?;
        let vsn = if query.is_some_and(|q| q.contains("vsn=2.")) { Vsn::V2 } else { Vsn::V1 };
        Ok(Self::over(ws, vsn))
    }

    /// A V2 client on the relay at `addr`, from `source` (load tests).
    pub async fn open(addr: SocketAddr, source: Option<IpAddr>) -> Result<Self> {
        Self::open_with(addr, source, Vsn::V2).await
    }

    /// A client of the serializer `vsn` on the relay at `addr`, from `source`.
    pub async fn open_with(addr: SocketAddr, source: Option<IpAddr>, vsn: Vsn) -> Result<Self> {
        let ws = open_socket(addr, source, &protocol::socket_path(vsn)).await?;
        Ok(Self::over(ws, vsn))
    }

    fn over(ws: Ws, vsn: Vsn) -> Self {
        Self { ws, vsn, refs: Refs::default(), joins: HashMap::new(), pending: VecDeque::new(), closed: None }
    }

    pub fn make_ref(&mut self) -> Ref {
        self.refs.make_ref()
    }

    /// Sends a text frame (fails the test if the socket is gone).
    pub async fn send_text(&mut self, text: String) {
        self.try_send(text).await.unwrap();
    }

    /// Sends a text frame.
    pub async fn try_send(&mut self, text: String) -> Result<()> {
        self.ws.send(Message::Text(text.into())).await?;
        Ok(())
    }

    pub async fn send_message(&mut self, message: Message) {
        // The server may already have closed the socket; that is for the test to see.
        let _ = self.ws.send(message).await;
    }

    /// Sends a frame with explicit refs.
    pub async fn send_frame(
        &mut self,
        join_ref: Option<&Ref>,
        msg_ref: Option<&Ref>,
        topic: &str,
        event: &str,
        payload: &Value,
    ) {
        let text = self.frame_text(join_ref, msg_ref, topic, event, payload);
        self.send_text(text).await;
    }

    /// A frame in this client's serializer.
    fn frame_text(
        &self,
        join_ref: Option<&Ref>,
        msg_ref: Option<&Ref>,
        topic: &str,
        event: &str,
        payload: &Value,
    ) -> String {
        match self.vsn {
            Vsn::V2 => phoenix::encode(Vsn::V2, join_ref, msg_ref, topic, event, payload),
            Vsn::V1 => {
                // Clients may send `join_ref` in V1 objects; servers never do.
                let mut object =
                    json!({ "topic": topic, "event": event, "payload": payload, "ref": msg_ref });
                if let Some(j) = join_ref {
                    object["join_ref"] = json!(j);
                }
                object.to_string()
            }
        }
    }

    /// Pushes an event on a topic (stamped with its join_ref) and returns its ref.
    pub async fn push(&mut self, topic: &str, event: &str, payload: Value) -> Ref {
        let msg_ref = self.make_ref();
        let join_ref = self.joins.get(topic).cloned();
        self.send_frame(join_ref.as_ref(), Some(&msg_ref), topic, event, &payload).await;
        msg_ref
    }

    /// Pushes raw bytes on a topic as a V2 binary frame (stamped with its
    /// join_ref) and returns its ref.
    pub async fn push_binary(&mut self, topic: &str, event: &str, payload: &[u8]) -> Ref {
        let msg_ref = self.make_ref();
        let text_ref = |r: &Ref| match r {
            Ref::Text(text) => text.clone(),
            Ref::Number(number) => number.to_string(),
        };
        let join_ref = self.joins.get(topic).map(text_ref);
        let reference = text_ref(&msg_ref);
        let push = phoenix::binary::ClientPush {
            join_ref: join_ref.as_deref(),
            reference: Some(&reference),
            topic,
            event,
            payload,
        };
        let bytes = phoenix::binary::encode_client_push(&push).expect("short strings");
        self.send_message(Message::Binary(bytes.into())).await;
        msg_ref
    }

    /// Pushes and waits for the reply to that push.
    pub async fn call(&mut self, topic: &str, event: &str, payload: Value) -> Msg {
        let msg_ref = self.push(topic, event, payload).await;
        self.reply_to(&msg_ref).await
    }

    /// Joins a topic and waits for the reply, whatever it says.
    pub async fn try_join(&mut self, topic: &str) -> Result<Msg> {
        self.try_join_with(topic, json!({})).await
    }

    /// Joins a topic with this payload and waits for the reply, whatever it says.
    pub async fn try_join_with(&mut self, topic: &str, payload: Value) -> Result<Msg> {
        let join_ref = self.make_ref();
        let text = self.frame_text(Some(&join_ref), Some(&join_ref), topic, event::JOIN, &payload);
        self.try_send(text).await?;
        let wanted = Some(join_ref.clone());
        let reply =
            self.try_wait_for("join reply", |m| m.event == event::REPLY && m.msg_ref == wanted).await?;
        if reply.status() == Some("ok") {
            self.joins.insert(topic.to_string(), join_ref);
        }
        Ok(reply)
    }

    /// Joins a topic and returns the reply (fails the test if none comes).
    pub async fn join(&mut self, topic: &str) -> Msg {
        self.try_join(topic).await.unwrap_or_else(|e| panic!("join {topic}: {e}"))
    }

    /// Joins and asserts the join succeeded.
    pub async fn join_ok(&mut self, topic: &str) {
        let reply = self.join(topic).await;
        assert_eq!(reply.status(), Some("ok"), "join {topic}: {}", reply.raw);
    }

    pub async fn leave(&mut self, topic: &str) -> Msg {
        let reply = self.call(topic, event::LEAVE, json!({})).await;
        self.joins.remove(topic);
        reply
    }

    pub async fn heartbeat(&mut self) -> Msg {
        let msg_ref = self.make_ref();
        self.send_frame(None, Some(&msg_ref), phoenix::PHOENIX_TOPIC, event::HEARTBEAT, &json!({})).await;
        self.reply_to(&msg_ref).await
    }

    /// The next frame from the server, or `None` if the socket closed or
    /// nothing came within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Msg> {
        if let Some(msg) = self.pending.pop_front() {
            return Some(msg);
        }
        self.read_within(wait).await
    }

    async fn read_within(&mut self, wait: Duration) -> Option<Msg> {
        if self.closed.is_some() {
            return None;
        }
        let deadline = Instant::now() + wait;
        loop {
            let message = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return None,
                Ok(None) | Ok(Some(Err(_))) => {
                    self.closed = Some(None);
                    return None;
                }
                Ok(Some(Ok(message))) => message,
            };
            match message {
                Message::Text(text) => {
                    let frame = Frame::decode(self.vsn, &text)
                        .unwrap_or_else(|e| panic!("server sent a bad frame {text}: {e}"));
                    if self.vsn == Vsn::V1 {
                        assert!(!text.contains("\"join_ref\""), "V1 output never carries join_ref: {text}");
                    }
                    return Some(Msg {
                        join_ref: frame.join_ref,
                        msg_ref: frame.msg_ref,
                        topic: frame.topic.into_owned(),
                        event: frame.event.into_owned(),
                        payload: serde_json::from_str(frame.payload.get()).unwrap(),
                        raw: text.to_string(),
                        bytes: None,
                    });
                }
                Message::Binary(bytes) => {
                    let frame = phoenix::binary::decode_server(&bytes)
                        .unwrap_or_else(|e| panic!("server sent a bad binary frame: {e}"));
                    let phoenix::binary::ServerFrame::Broadcast { topic, event, payload } = frame else {
                        panic!("the relay sends only broadcasts in binary: {frame:?}");
                    };
                    return Some(Msg {
                        join_ref: None,
                        msg_ref: None,
                        topic: topic.into(),
                        event: event.into(),
                        payload: Value::Null,
                        raw: String::new(),
                        bytes: Some(payload.to_vec()),
                    });
                }
                Message::Close(frame) => {
                    self.closed = Some(frame);
                    return None;
                }
                _ => {}
            }
        }
    }

    pub async fn next(&mut self) -> Msg {
        self.next_within(PATIENCE)
            .await
            .unwrap_or_else(|| panic!("nothing arrived (closed: {:?})", self.closed))
    }

    /// Waits (up to [`PATIENCE`]) for the first frame matching `pred`,
    /// keeping the others for later.
    pub async fn try_wait_for(&mut self, what: &str, pred: impl Fn(&Msg) -> bool) -> Result<Msg> {
        if let Some(i) = self.pending.iter().position(&pred) {
            return Ok(self.pending.remove(i).expect("the position is in range"));
        }
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read_within(left).await {
                Some(msg) if pred(&msg) => return Ok(msg),
                Some(msg) => self.pending.push_back(msg),
                None if self.closed.is_some() => return Err(Error::Closed),
                None => return Err(Error::Timeout(what.to_string())),
            }
        }
    }

    /// [`Client::try_wait_for`], failing the test with what came instead.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&Msg) -> bool) -> Msg {
        match self.try_wait_for(what, pred).await {
            Ok(msg) => msg,
            Err(error) => panic!(
                "no {what} arrived ({error}; closed: {:?}); got instead: {:?}",
                self.closed,
                self.pending.iter().map(|m| &m.raw).collect::<Vec<_>>()
            ),
        }
    }

    pub async fn reply_to(&mut self, msg_ref: &Ref) -> Msg {
        let wanted = Some(msg_ref.clone());
        self.wait_for("reply", |m| m.event == event::REPLY && m.msg_ref == wanted).await
    }

    pub async fn event(&mut self, topic: &str, event: &str) -> Msg {
        self.wait_for(&format!("{event} on {topic}"), |m| m.topic == topic && m.event == event).await
    }

    /// Every frame that arrives within `wait`, with those kept from before.
    pub async fn drain(&mut self, wait: Duration) -> Vec<Msg> {
        let mut all: Vec<Msg> = self.pending.drain(..).collect();
        let deadline = Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read_within(left).await {
                Some(msg) => all.push(msg),
                None => return all,
            }
        }
    }

    /// Waits up to `wait` for the server to close the socket; true if it did.
    pub async fn closed_within(&mut self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        while self.closed.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            if let Some(msg) = self.read_within(left).await {
                self.pending.push_back(msg);
            }
        }
        true
    }

    /// Waits for the server to close the socket and returns the close frame.
    pub async fn closed_with(&mut self) -> Option<CloseFrame> {
        assert!(self.closed_within(PATIENCE).await, "the socket was not closed");
        self.closed.clone().flatten()
    }

    pub fn join_ref(&self, topic: &str) -> Option<Ref> {
        self.joins.get(topic).cloned()
    }

    /// Visitor side: asks for the page (served requests get no reply).
    pub async fn request(&mut self, hash: PageHash) {
        let payload = serde_json::to_value(ContentRequest { hash: Some(hash.to_string().into()) }).unwrap();
        self.push(&want(hash), event::CONTENT_REQUEST, payload).await;
    }

    /// Host side: waits for content_request on have:H.
    pub async fn asked(&mut self, hash: PageHash) -> Msg {
        self.event(&have(hash), event::CONTENT_REQUEST).await
    }

    /// Host side: answers with content (a good answer gets no reply).
    pub async fn answer(&mut self, hash: PageHash, content: &str) {
        let payload = serde_json::to_value(Content { content: content.into(), hash: Some(hash.to_string()) });
        self.push(&have(hash), event::CONTENT, payload.unwrap()).await;
    }

    /// Returns once the server has handled everything sent before: frames
    /// on one socket are handled in order, and a heartbeat is answered.
    pub async fn barrier(&mut self) {
        assert_eq!(self.heartbeat().await.status(), Some("ok"));
    }

    /// Visitor side: waits for the page's content.
    pub async fn content(&mut self, hash: PageHash) -> String {
        let msg = self.event(&want(hash), event::CONTENT).await;
        msg.payload["content"].as_str().unwrap().to_string()
    }
}

/// Polls `done` every 10 ms until it holds; fails the test after PATIENCE.
pub async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A new visitor asks for the page; returns the text it was sent.
pub async fn fetch(server: &TestServer, hash: PageHash) -> String {
    let mut visitor = Client::connect(server, Vsn::V2).await;
    visitor.join_ok(&want(hash)).await;
    visitor.request(hash).await;
    visitor.content(hash).await
}

/// A host that answers every request for its page until dropped.
pub struct Host {
    task: tokio::task::JoinHandle<u64>,
}

impl Host {
    /// A new V2 client joins `have:H` for `content` and serves it.
    pub async fn spawn(server: &TestServer, content: &str) -> Self {
        let mut client = Client::connect(server, Vsn::V2).await;
        client.join_ok(&have(PageHash::of(content))).await;
        Self::serve(client, content)
    }

    /// Serves `content` from a client that has joined its `have:H`. The
    /// answer is encoded once: a load test's host spends nothing per request.
    pub fn serve(mut client: Client, content: &str) -> Self {
        let hash = PageHash::of(content);
        let topic = have(hash);
        let join_ref = client.join_ref(&topic);
        let answer = Content { content: content.into(), hash: Some(hash.to_string()) };
        let frame = phoenix::encode(Vsn::V2, join_ref.as_ref(), None, &topic, event::CONTENT, &answer);
        let task = tokio::spawn(async move {
            let mut answered = 0;
            while let Some(msg) = client.next_within(Duration::from_secs(3600)).await {
                if msg.event == event::CONTENT_REQUEST && client.try_send(frame.clone()).await.is_ok() {
                    answered += 1;
                }
            }
            answered
        });
        Self { task }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Runs core's visitor state machine — the one the browser and the mirror
/// run — over `client`'s open socket until the page's verified text
/// arrives, the socket closes, or `limit` passes. Returns the time from the
/// machine's first frame (its join) to the verified text.
pub async fn visit(mut client: Client, hash: PageHash, seed: u64, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let deadline = started + limit;
    let (mut machine, first) = Visitor::new(hash, None, seed);
    let mut commands: VecDeque<Command> = first.into();
    let mut timers: HashMap<Timer, Instant> = HashMap::new();
    loop {
        while let Some(command) = commands.pop_front() {
            match command {
                // The socket is already open.
                Command::Connect => commands.extend(machine.step(Event::Opened)),
                Command::Disconnect => return None,
                Command::Send(text) => client.try_send(text).await.ok()?,
                Command::Schedule(timer, after) => {
                    timers.insert(timer, Instant::now() + after);
                }
                Command::Cancel(timer) => {
                    timers.remove(&timer);
                }
                // Files are off for this visitor: a file page is its manifest.
                Command::SendBinary(_)
                | Command::OpenFiles
                | Command::StoreChunk(..)
                | Command::ReadChunk(_)
                | Command::Direct(_) => {}
            }
        }
        let (timer, at) = timers.iter().min_by_key(|(_, at)| **at).map(|(t, at)| (*t, *at))?;
        let event = tokio::select! {
            _ = tokio::time::sleep_until(deadline) => return None,
            _ = tokio::time::sleep_until(at) => {
                timers.remove(&timer);
                Event::Timer(timer)
            }
            message = client.ws.next() => match message {
                Some(Ok(Message::Text(text))) => Event::Frame(text.to_string()),
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return None,
                Some(Ok(_)) => continue,
            },
        };
        commands.extend(machine.step(event));
        // Verified: the visit is over (a browser would now start hosting).
        if machine.content().is_some() {
            return Some(started.elapsed());
        }
    }
}

/// A plain HTTP response: status, headers, body.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl HttpResponse {
    /// A header's value, if present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }
}

/// `GET url`, whole.
pub async fn http_get(url: &str) -> HttpResponse {
    http_get_with(url, &[]).await
}

/// `method url` from the `source` address (one of 127.0.0.0/8, or the
/// default), whole.
pub async fn http_from(method: reqwest::Method, url: &str, source: Option<IpAddr>) -> HttpResponse {
    read_response(http_client(source).request(method, url), url).await
}

/// `GET url` with extra request headers, whole.
pub async fn http_get_with(url: &str, headers: &[(&str, &str)]) -> HttpResponse {
    let request = headers.iter().fold(http_client(None).get(url), |r, (name, value)| r.header(*name, *value));
    read_response(request, url).await
}

/// The longest a test waits for a whole HTTP answer: a response that
/// never ends fails its test instead of hanging the suite.
pub const HTTP_PATIENCE: Duration = Duration::from_secs(30);

/// A client from `source` (or the default address) that waits at most
/// [`HTTP_PATIENCE`] for an answer.
fn http_client(source: Option<IpAddr>) -> reqwest::Client {
    reqwest::Client::builder().local_address(source).timeout(HTTP_PATIENCE).build().expect("an HTTP client")
}

/// Sends `request` and reads its whole answer; any failure is the test's.
async fn read_response(request: reqwest::RequestBuilder, url: &str) -> HttpResponse {
    let response = request.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_else(|e| panic!("{url}: {e}"));
    HttpResponse { status, headers, body }
}

/// `len` bytes of a file for the tests (xorshift from `seed`): no two
/// chunks alike, so no two chunks share a proof.
pub fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}
