//! A Phoenix Channels V2 connection as a file page needs it: joins, text
//! pushes, binary pushes (chunks), heartbeats, and frames read back as
//! text events or binary broadcasts. Text pages go through the state
//! machine instead (`peer.rs`); a file page's traffic is chunks, which
//! `ep2p_core::download` plans and this carries.

use ep2p_core::phoenix::binary::{self, ClientPush, ServerFrame};
use ep2p_core::phoenix::{self, Frame, Ref, Vsn};
use ep2p_core::protocol::event;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A connection attempt that takes longer has failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the relay sent.
#[derive(Debug)]
pub enum Incoming {
    /// A text frame: its topic, event, refs and JSON payload.
    Text { topic: String, event: String, msg_ref: Option<String>, payload: serde_json::Value },
    /// A binary broadcast (a chunk): its topic, event and bytes.
    Binary { topic: String, event: String, payload: Vec<u8> },
}

impl Incoming {
    /// An error reply's reason, if this is one.
    pub fn error_reason(&self) -> Option<&str> {
        match self {
            Incoming::Text { event: e, payload, .. } if e == event::REPLY && payload["status"] == "error" => {
                payload["response"]["reason"].as_str()
            }
            _ => None,
        }
    }
}

/// One V2 socket.
pub struct Conn {
    ws: Socket,
    next_ref: u64,
    joins: HashMap<String, String>,
}

impl Conn {
    /// Connects to the relay's V2 socket URL.
    pub async fn open(relay: &str) -> Option<Self> {
        let (ws, _) = tokio::time::timeout(CONNECT_TIMEOUT, tokio_tungstenite::connect_async(relay))
            .await
            .ok()?
            .ok()?;
        Some(Self { ws, next_ref: 0, joins: HashMap::new() })
    }

    fn make_ref(&mut self) -> String {
        self.next_ref += 1;
        self.next_ref.to_string()
    }

    async fn send_text<P: Serialize + ?Sized>(
        &mut self,
        join_ref: Option<String>,
        topic: &str,
        event: &str,
        payload: &P,
    ) -> Option<String> {
        let msg_ref = self.make_ref();
        let text = phoenix::encode(
            Vsn::V2,
            join_ref.map(Ref::Text).as_ref(),
            Some(&Ref::Text(msg_ref.clone())),
            topic,
            event,
            payload,
        );
        self.ws.send(Message::Text(text.into())).await.ok()?;
        Some(msg_ref)
    }

    /// Joins `topic` (the reply comes as a frame like any other).
    pub async fn join(&mut self, topic: &str) -> Option<()> {
        let join_ref = self.make_ref();
        self.joins.insert(topic.to_string(), join_ref.clone());
        let text = phoenix::encode(
            Vsn::V2,
            Some(&Ref::Text(join_ref.clone())),
            Some(&Ref::Text(join_ref)),
            topic,
            event::JOIN,
            &serde_json::json!({}),
        );
        self.ws.send(Message::Text(text.into())).await.ok()
    }

    /// Pushes a JSON event on a joined topic; its ref.
    pub async fn push<P: Serialize + ?Sized>(
        &mut self,
        topic: &str,
        event: &str,
        payload: &P,
    ) -> Option<String> {
        let join_ref = self.joins.get(topic).cloned();
        self.send_text(join_ref, topic, event, payload).await
    }

    /// Pushes bytes on a joined topic as a binary frame.
    pub async fn push_binary(&mut self, topic: &str, event: &str, payload: &[u8]) -> Option<()> {
        let msg_ref = self.make_ref();
        let join_ref = self.joins.get(topic).cloned();
        let push =
            ClientPush { join_ref: join_ref.as_deref(), reference: Some(&msg_ref), topic, event, payload };
        let bytes = binary::encode_client_push(&push).ok()?;
        self.ws.send(Message::Binary(bytes.into())).await.ok()
    }

    pub async fn heartbeat(&mut self) -> Option<()> {
        self.send_text(None, "phoenix", event::HEARTBEAT, &serde_json::json!({})).await.map(|_| ())
    }

    /// The next frame; `None` once the socket is gone.
    pub async fn next(&mut self) -> Option<Incoming> {
        loop {
            match self.ws.next().await? {
                Ok(Message::Text(text)) => {
                    let Ok(frame) = Frame::decode(Vsn::V2, &text) else { continue };
                    let msg_ref = frame.msg_ref.as_ref().map(|r| match r {
                        Ref::Text(text) => text.clone(),
                        Ref::Number(n) => n.to_string(),
                    });
                    return Some(Incoming::Text {
                        topic: frame.topic.into_owned(),
                        event: frame.event.into_owned(),
                        msg_ref,
                        payload: serde_json::from_str(frame.payload.get()).unwrap_or_default(),
                    });
                }
                Ok(Message::Binary(bytes)) => {
                    if let Ok(ServerFrame::Broadcast { topic, event, payload }) =
                        binary::decode_server(&bytes)
                    {
                        return Some(Incoming::Binary {
                            topic: topic.into(),
                            event: event.into(),
                            payload: payload.to_vec(),
                        });
                    }
                }
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
    }

    /// Leaves normally (1000): the relay drops the socket at once.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}
