//! Load-generating clients: WebSockets bound to chosen 127.x source
//! addresses (ephemeral ports run out per source address), speaking the
//! relay's protocol through `ep2p_core::protocol`.

use ep2p_core::protocol::{self, event, Frame, PageHash, Ref, Topic, Vsn};
use futures_util::{SinkExt, StreamExt};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

pub type Ws = WebSocketStream<TcpStream>;

/// Source addresses for client sockets: 127.0.0.2, 127.0.0.3, …
pub fn source_ip(index: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (index % 200) as u8))
}

/// Opens a WebSocket to `addr` + `path` from `source`, with small buffers
/// so that thousands of idle clients stay cheap.
pub async fn connect(addr: SocketAddr, source: IpAddr, path: &str) -> std::io::Result<Ws> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(source, 0))?;
    let stream = socket.connect(addr).await?;
    stream.set_nodelay(true)?;
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let url = format!("ws://{addr}{path}");
    let (ws, _) = tokio_tungstenite::client_async_with_config(url, stream, Some(config))
        .await
        .map_err(std::io::Error::other)?;
    Ok(ws)
}

/// The relay's endpoint with the V2 serializer.
pub const RELAY_PATH: &str = "/ws/websocket?vsn=2.0.0";

/// A frame from the relay: its event, ref and raw payload.
pub struct Incoming {
    pub event: String,
    pub payload: String,
    pub msg_ref: Option<Ref>,
}

pub fn decode(text: &str) -> Option<Incoming> {
    let frame = Frame::decode(Vsn::V2, text).ok()?;
    Some(Incoming {
        event: frame.event.into_owned(),
        payload: frame.payload.get().to_string(),
        msg_ref: frame.msg_ref,
    })
}

/// What a read gave.
pub enum Next {
    Frame(Incoming),
    Timeout,
    Closed,
}

/// A client on the relay with its own ref counter.
pub struct Peer {
    pub ws: Ws,
    next_ref: u64,
}

impl Peer {
    pub async fn connect(addr: SocketAddr, source: IpAddr) -> std::io::Result<Self> {
        Ok(Self { ws: connect(addr, source, RELAY_PATH).await?, next_ref: 0 })
    }

    fn make_ref(&mut self) -> Ref {
        self.next_ref += 1;
        Ref::from(self.next_ref)
    }

    pub async fn send(&mut self, text: String) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        self.ws.send(Message::Text(text.into())).await
    }

    /// Sends a join (J = R = "1" for the first join) without waiting.
    pub async fn send_join(&mut self, topic: Topic) -> Result<Ref, tokio_tungstenite::tungstenite::Error> {
        let r = self.make_ref();
        let text = protocol::encode(Vsn::V2, Some(&r), Some(&r), &topic.to_string(), event::JOIN, "{}");
        self.send(text).await?;
        Ok(r)
    }

    /// Joins and waits for the reply; returns the host count it carries.
    pub async fn join(&mut self, topic: Topic) -> Result<Ref, String> {
        let r = self.send_join(topic).await.map_err(|e| e.to_string())?;
        loop {
            let msg = self.next(Duration::from_secs(30)).await.ok_or("no join reply")?;
            if msg.event == event::REPLY && msg.msg_ref.as_ref() == Some(&r) {
                return if msg.payload.contains("\"ok\"") { Ok(r) } else { Err(msg.payload) };
            }
        }
    }

    pub async fn request(
        &mut self,
        hash: PageHash,
        join_ref: &Ref,
    ) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        let r = self.make_ref();
        let payload = format!(r#"{{"hash":"{hash}"}}"#);
        let text = protocol::encode(
            Vsn::V2,
            Some(join_ref),
            Some(&r),
            &Topic::Want(hash).to_string(),
            event::CONTENT_REQUEST,
            &payload,
        );
        self.send(text).await
    }

    /// The next text frame, a timeout after `wait`, or the socket's end.
    pub async fn recv(&mut self, wait: Duration) -> Next {
        loop {
            match tokio::time::timeout(wait, self.ws.next()).await {
                Err(_) => return Next::Timeout,
                Ok(Some(Ok(Message::Text(text)))) => match decode(&text) {
                    Some(frame) => return Next::Frame(frame),
                    None => continue,
                },
                Ok(Some(Ok(Message::Close(_)))) | Ok(None) | Ok(Some(Err(_))) => return Next::Closed,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// The next text frame, or `None` on close or after `wait`.
    pub async fn next(&mut self, wait: Duration) -> Option<Incoming> {
        match self.recv(wait).await {
            Next::Frame(frame) => Some(frame),
            Next::Timeout | Next::Closed => None,
        }
    }
}

/// The `content` frame a host sends for `text` on `have:H`, encoded once.
pub fn content_frame(text: &str, join_ref: &Ref) -> String {
    let hash = PageHash::of(text);
    let payload =
        protocol::payload(&protocol::Content { content: text.into(), hash: Some(hash.to_string()) });
    protocol::encode(Vsn::V2, Some(join_ref), None, &Topic::Have(hash).to_string(), event::CONTENT, &payload)
}

/// A page text of about `size` bytes, distinct per `tag`.
pub fn page_text(tag: usize, size: usize) -> String {
    let mut text = format!("page {tag}: ");
    let filler = "Ephemeral pages live in their visitors' browsers. ";
    while text.len() + filler.len() <= size {
        text.push_str(filler);
    }
    while text.len() < size {
        text.push('.');
    }
    text
}

/// Runs a host until its socket closes: answers every `content_request`
/// with the page. Returns the number of answers.
pub async fn host_loop(mut peer: Peer, text: &str, join_ref: Ref) -> u64 {
    let frame = content_frame(text, &join_ref);
    let mut answered = 0;
    while let Some(msg) = peer.next(Duration::from_secs(3600)).await {
        if msg.event == event::CONTENT_REQUEST && peer.send(frame.clone()).await.is_ok() {
            answered += 1;
        }
    }
    answered
}
