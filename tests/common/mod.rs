//! Shared by the integration tests: the real server on 127.0.0.1:0 and a
//! small Phoenix Channels client over tokio-tungstenite.
#![allow(dead_code)]

use ephemeral_p2p::config::Config;
use ephemeral_p2p::protocol::{self, Frame, PageHash, Ref, Vsn};
use ephemeral_p2p::relay::Relay;
use futures_util::{SinkExt, StreamExt};
use leptos::prelude::LeptosOptions;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for something that should happen.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// The real server (router, relay, graceful shutdown) on a loopback port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub relay: Relay,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Serves on a free port.
    pub async fn start(config: Config) -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), config).await
    }

    /// Serves on `addr` (a restarted relay comes back on the same port).
    pub async fn start_on(addr: SocketAddr, config: Config) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let options = LeptosOptions::builder().output_name("ephemeral_p2p").site_addr(addr).build();
        let (app, relay) = ephemeral_p2p::server::router(&config, options);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = relay.clone();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            ephemeral_p2p::server::serve_app(listener, app, serving, shutdown).await.unwrap();
        });
        Self { addr, relay, stop: Some(stop), task }
    }

    pub async fn default() -> Self {
        Self::start(Config::default()).await
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

    /// Reads one metric's value from `/metrics`.
    pub async fn metric(&self, name: &str) -> u64 {
        let text = self.relay.render_metrics();
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no metric {name} in\n{text}"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A config with the given tweaks applied.
pub fn config(tweak: impl FnOnce(&mut Config)) -> Config {
    let mut config = Config::default();
    tweak(&mut config);
    config
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
}

impl Msg {
    pub fn status(&self) -> Option<&str> {
        self.payload.get("status")?.as_str()
    }

    pub fn reason(&self) -> Option<&str> {
        self.payload.get("response")?.get("reason")?.as_str()
    }
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A Phoenix Channels client that behaves like the JS one: string refs from
/// a counter, join_ref = the join's ref, join_ref stamped on channel pushes.
pub struct Client {
    ws: Ws,
    pub vsn: Vsn,
    next_ref: u64,
    /// join_ref per joined topic.
    joins: HashMap<String, Ref>,
    /// Frames read while waiting for something else.
    pending: VecDeque<Msg>,
    /// How the server closed the socket, once it has.
    pub closed: Option<Option<CloseFrame>>,
}

pub fn want(hash: PageHash) -> String {
    format!("want:{hash}")
}

pub fn have(hash: PageHash) -> String {
    format!("have:{hash}")
}

impl Client {
    pub async fn connect(server: &TestServer, vsn: Vsn) -> Self {
        Self::connect_query(server, Some(vsn.query())).await.unwrap()
    }

    /// Connects with a raw query string (`None`: no query at all).
    pub async fn connect_query(
        server: &TestServer,
        query: Option<&str>,
    ) -> Result<Self, tokio_tungstenite::tungstenite::Error> {
        let url = match query {
            Some(q) => format!("ws://{}/ws/websocket?{q}", server.addr),
            None => format!("ws://{}/ws/websocket", server.addr),
        };
        let (ws, _) = tokio_tungstenite::connect_async(url).await?;
        let vsn = if query.is_some_and(|q| q.contains("vsn=2.")) { Vsn::V2 } else { Vsn::V1 };
        Ok(Self { ws, vsn, next_ref: 0, joins: HashMap::new(), pending: VecDeque::new(), closed: None })
    }

    pub fn make_ref(&mut self) -> Ref {
        self.next_ref += 1;
        Ref::from(self.next_ref)
    }

    pub async fn send_text(&mut self, text: String) {
        self.ws.send(Message::Text(text.into())).await.unwrap();
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
        let text = match self.vsn {
            Vsn::V2 => protocol::encode(Vsn::V2, join_ref, msg_ref, topic, event, &payload.to_string()),
            Vsn::V1 => {
                let mut object =
                    json!({ "topic": topic, "event": event, "payload": payload, "ref": msg_ref });
                if let Some(j) = join_ref {
                    object["join_ref"] = json!(j);
                }
                object.to_string()
            }
        };
        self.send_text(text).await;
    }

    /// Pushes an event on a topic (stamped with its join_ref) and returns its ref.
    pub async fn push(&mut self, topic: &str, event: &str, payload: Value) -> Ref {
        let msg_ref = self.make_ref();
        let join_ref = self.joins.get(topic).cloned();
        self.send_frame(join_ref.as_ref(), Some(&msg_ref), topic, event, &payload).await;
        msg_ref
    }

    /// Pushes and waits for the reply to that push.
    pub async fn call(&mut self, topic: &str, event: &str, payload: Value) -> Msg {
        let msg_ref = self.push(topic, event, payload).await;
        self.reply_to(&msg_ref).await
    }

    /// Joins a topic and waits for the reply.
    pub async fn join(&mut self, topic: &str) -> Msg {
        let join_ref = self.make_ref();
        self.send_frame(Some(&join_ref), Some(&join_ref), topic, protocol::event::JOIN, &json!({})).await;
        let reply = self.reply_to(&join_ref).await;
        if reply.status() == Some("ok") {
            self.joins.insert(topic.to_string(), join_ref);
        }
        reply
    }

    /// Joins and asserts the join succeeded.
    pub async fn join_ok(&mut self, topic: &str) {
        let reply = self.join(topic).await;
        assert_eq!(reply.status(), Some("ok"), "join {topic}: {}", reply.raw);
    }

    pub async fn leave(&mut self, topic: &str) -> Msg {
        let reply = self.call(topic, protocol::event::LEAVE, json!({})).await;
        self.joins.remove(topic);
        reply
    }

    pub async fn heartbeat(&mut self) -> Msg {
        let msg_ref = self.make_ref();
        self.send_frame(None, Some(&msg_ref), "phoenix", "heartbeat", &json!({})).await;
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
        let deadline = tokio::time::Instant::now() + wait;
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

    /// Waits for the first frame matching `pred`, keeping the others for later.
    pub async fn wait_for(&mut self, what: &str, pred: impl Fn(&Msg) -> bool) -> Msg {
        if let Some(i) = self.pending.iter().position(&pred) {
            return self.pending.remove(i).unwrap();
        }
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read_within(left).await {
                Some(msg) if pred(&msg) => return msg,
                Some(msg) => self.pending.push_back(msg),
                None => panic!(
                    "no {what} arrived (closed: {:?}); got instead: {:?}",
                    self.closed,
                    self.pending.iter().map(|m| &m.raw).collect::<Vec<_>>()
                ),
            }
        }
    }

    pub async fn reply_to(&mut self, msg_ref: &Ref) -> Msg {
        let wanted = Some(msg_ref.clone());
        self.wait_for("reply", |m| m.event == "phx_reply" && m.msg_ref == wanted).await
    }

    pub async fn event(&mut self, topic: &str, event: &str) -> Msg {
        self.wait_for(&format!("{event} on {topic}"), |m| m.topic == topic && m.event == event).await
    }

    /// Every frame that arrives within `wait`, with those kept from before.
    pub async fn drain(&mut self, wait: Duration) -> Vec<Msg> {
        let mut all: Vec<Msg> = self.pending.drain(..).collect();
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read_within(left).await {
                Some(msg) => all.push(msg),
                None => return all,
            }
        }
    }

    /// Waits for the server to close the socket and returns the close frame.
    pub async fn closed_with(&mut self) -> Option<CloseFrame> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while self.closed.is_none() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                panic!("the socket was not closed");
            }
            if let Some(msg) = self.read_within(left).await {
                self.pending.push_back(msg);
            }
        }
        self.closed.clone().flatten()
    }

    pub fn join_ref(&self, topic: &str) -> Option<Ref> {
        self.joins.get(topic).cloned()
    }

    /// Visitor side: asks for the page (served requests get no reply).
    pub async fn request(&mut self, hash: PageHash) {
        self.push(&want(hash), "content_request", json!({ "hash": hash.to_string() })).await;
    }

    /// Host side: waits for content_request on have:H.
    pub async fn asked(&mut self, hash: PageHash) -> Msg {
        self.event(&have(hash), "content_request").await
    }

    /// Host side: answers with content (a good answer gets no reply).
    pub async fn answer(&mut self, hash: PageHash, content: &str) {
        self.push(&have(hash), "content", json!({ "content": content, "hash": hash.to_string() })).await;
    }

    /// Returns once the server has handled everything sent before: frames
    /// on one socket are handled in order, and a heartbeat is answered.
    pub async fn barrier(&mut self) {
        assert_eq!(self.heartbeat().await.status(), Some("ok"));
    }

    /// Visitor side: waits for the page's content.
    pub async fn content(&mut self, hash: PageHash) -> String {
        let msg = self.event(&want(hash), "content").await;
        msg.payload["content"].as_str().unwrap().to_string()
    }
}

/// Polls `done` every 10 ms until it holds; fails the test after PATIENCE.
pub async fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !done() {
        assert!(tokio::time::Instant::now() < deadline, "never happened: {what}");
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
    task: tokio::task::JoinHandle<()>,
}

impl Host {
    pub async fn spawn(server: &TestServer, content: &str) -> Self {
        let mut client = Client::connect(server, Vsn::V2).await;
        let hash = PageHash::of(content);
        client.join_ok(&have(hash)).await;
        let content = content.to_string();
        let task = tokio::spawn(async move {
            loop {
                let Some(msg) = client.next_within(Duration::from_secs(3600)).await else {
                    return;
                };
                if msg.event == "content_request" {
                    let msg_ref = client.make_ref();
                    let join_ref = client.join_ref(&have(hash));
                    let payload = json!({ "content": content, "hash": hash.to_string() });
                    client
                        .send_frame(join_ref.as_ref(), Some(&msg_ref), &have(hash), "content", &payload)
                        .await;
                }
            }
        });
        Self { task }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A plain HTTP/1.1 GET; returns the whole response, head and body (the
/// tests read headers and text, nothing more).
pub async fn http_get(url: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(authority).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut body = Vec::new();
    stream.read_to_end(&mut body).await.unwrap();
    String::from_utf8_lossy(&body).into_owned()
}

/// The value of a response header (case-insensitive name), if present.
pub fn header<'a>(response: &'a str, name: &str) -> Option<&'a str> {
    let head = response.split("\r\n\r\n").next()?;
    head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}
