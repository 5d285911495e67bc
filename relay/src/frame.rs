//! Frames that go to many sockets — a page's content to its waiting
//! visitors, its host count to everyone on it — built once, encoded at most
//! once per serializer, and shared by every recipient. Phoenix sends such
//! broadcasts with `join_ref` and `ref` both null.

use ep2p_core::chunk::ChunkId;
use ep2p_core::phoenix::binary::{self, ServerFrame};
use ep2p_core::phoenix::{self, Vsn};
use ep2p_core::protocol::{event, PageHash, Relayed, Topic, VisitorsCount};
use serde_json::value::RawValue;
use std::sync::{Arc, OnceLock};
use tungstenite::{Bytes, Utf8Bytes};

/// What a shared frame carries.
#[derive(Debug)]
enum Payload {
    /// `content` to visitors: the page's text as the JSON string literal
    /// its host sent, already checked, forwarded verbatim.
    Content(Box<RawValue>),
    /// `visitors_count`: the page's hosts.
    Count(usize),
    /// `chat` to hosts: one message's JSON object as its sender wrote it, checked.
    Chat(Box<RawValue>),
    /// `chat_history` to the hosts that asked: the messages' JSON array, checked.
    History(Box<RawValue>),
}

/// `chat_history`'s answer as the relay writes it.
#[derive(serde::Serialize)]
struct RelayedHistory<'a> {
    messages: &'a RawValue,
}

/// One frame for many sockets.
#[derive(Debug)]
pub struct SharedFrame {
    topic: Topic,
    payload: Payload,
    /// The frame in each serializer, encoded by the first socket that needs it.
    v1: OnceLock<Utf8Bytes>,
    v2: OnceLock<Utf8Bytes>,
}

impl SharedFrame {
    fn new(topic: Topic, payload: Payload) -> Arc<Self> {
        Arc::new(Self { topic, payload, v1: OnceLock::new(), v2: OnceLock::new() })
    }

    /// `content` on `want:H`, from the host's verified string literal.
    pub fn content(hash: PageHash, literal: &RawValue) -> Arc<Self> {
        Self::new(Topic::Want(hash), Payload::Content(literal.to_owned()))
    }

    /// `visitors_count` on `topic`.
    pub fn count(topic: Topic, count: usize) -> Arc<Self> {
        Self::new(topic, Payload::Count(count))
    }

    /// `chat` on `have:H`: a checked message, forwarded verbatim.
    pub fn chat(hash: PageHash, message: &RawValue) -> Arc<Self> {
        Self::new(Topic::Have(hash), Payload::Chat(message.to_owned()))
    }

    /// `chat_history` on `have:H` with a host's checked messages.
    pub fn history(hash: PageHash, messages: &RawValue) -> Arc<Self> {
        Self::new(Topic::Have(hash), Payload::History(messages.to_owned()))
    }

    /// `chat_history` with no messages: nobody else had any.
    pub fn empty_history(hash: PageHash) -> Arc<Self> {
        let empty: &RawValue = serde_json::from_str("[]").expect("an empty array is JSON");
        Self::history(hash, empty)
    }

    pub fn topic(&self) -> Topic {
        self.topic
    }

    /// The page's text as the JSON string literal it travels in, for a
    /// `content` frame.
    pub fn content_literal(&self) -> Option<&RawValue> {
        match &self.payload {
            Payload::Content(literal) => Some(literal),
            _ => None,
        }
    }

    /// A `chat` frame's message, as JSON.
    pub fn chat_literal(&self) -> Option<&RawValue> {
        match &self.payload {
            Payload::Chat(json) => Some(json),
            _ => None,
        }
    }

    /// A `chat_history` frame's messages, as JSON.
    pub fn history_literal(&self) -> Option<&RawValue> {
        match &self.payload {
            Payload::History(json) => Some(json),
            _ => None,
        }
    }

    /// Bytes of page text (as JSON) this frame carries; 0 for anything else.
    pub fn content_len(&self) -> usize {
        match &self.payload {
            Payload::Content(literal) => literal.get().len(),
            _ => 0,
        }
    }

    /// The frame in `vsn`'s encoding.
    pub fn bytes(&self, vsn: Vsn) -> Utf8Bytes {
        let cell = match vsn {
            Vsn::V1 => &self.v1,
            Vsn::V2 => &self.v2,
        };
        cell.get_or_init(|| {
            let topic = self.topic.to_string();
            let text = match &self.payload {
                Payload::Content(literal) => {
                    phoenix::encode(vsn, None, None, &topic, event::CONTENT, &Relayed { content: literal })
                }
                Payload::Count(count) => phoenix::encode(
                    vsn,
                    None,
                    None,
                    &topic,
                    event::VISITORS_COUNT,
                    &VisitorsCount { count: *count },
                ),
                Payload::Chat(message) => phoenix::encode(vsn, None, None, &topic, event::CHAT, message),
                Payload::History(messages) => phoenix::encode(
                    vsn,
                    None,
                    None,
                    &topic,
                    event::CHAT_HISTORY,
                    &RelayedHistory { messages },
                ),
            };
            text.into()
        })
        .clone()
    }
}

/// Two frames are the same when they would put the same bytes on the wire.
impl PartialEq for SharedFrame {
    fn eq(&self, other: &Self) -> bool {
        self.topic == other.topic
            && match (&self.payload, &other.payload) {
                (Payload::Content(a), Payload::Content(b)) => a.get() == b.get(),
                (Payload::Count(a), Payload::Count(b)) => a == b,
                (Payload::Chat(a), Payload::Chat(b)) | (Payload::History(a), Payload::History(b)) => {
                    a.get() == b.get()
                }
                _ => false,
            }
    }
}

impl Eq for SharedFrame {}

/// One verified chunk for every visitor waiting for it: a V2 binary
/// broadcast (`chunk` on `want:H`) carrying the host's payload as it came
/// (chunk id, proof, bytes), built once and shared.
#[derive(Debug, PartialEq, Eq)]
pub struct ChunkFrame {
    hash: PageHash,
    chunk: ChunkId,
    /// Where the payload starts in `bytes` (after the broadcast's header).
    payload_at: usize,
    /// The chunk's own bytes (what is counted as relayed).
    data_len: usize,
    bytes: Bytes,
}

impl ChunkFrame {
    /// The frame for chunk `chunk` of page `hash`, from a host's checked
    /// `payload` (of which `data_len` bytes are the chunk's own).
    pub fn new(hash: PageHash, chunk: ChunkId, payload: &[u8], data_len: usize) -> Arc<Self> {
        let topic = Topic::Want(hash).to_string();
        let frame = ServerFrame::Broadcast { topic: &topic, event: event::CHUNK, payload };
        let bytes = binary::encode_server(&frame).expect("a topic and an event are short strings");
        let payload_at = bytes.len() - payload.len();
        Arc::new(Self { hash, chunk, payload_at, data_len, bytes: bytes.into() })
    }

    pub fn hash(&self) -> PageHash {
        self.hash
    }

    pub fn chunk(&self) -> ChunkId {
        self.chunk
    }

    /// The chunk's own bytes.
    pub fn data_len(&self) -> usize {
        self.data_len
    }

    /// The payload as the host sent it (id, proof, bytes), shared: what
    /// crosses to another node.
    pub fn payload(&self) -> Bytes {
        self.bytes.slice(self.payload_at..)
    }

    /// The frame, shared (cloning it copies nothing).
    pub fn bytes(&self) -> Bytes {
        self.bytes.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_forwarded_verbatim_in_both_serializers() {
        let hash = PageHash::of("x");
        let literal: Box<RawValue> = serde_json::from_str(r#""caf\u00e9 \"q\"""#).unwrap();
        let frame = SharedFrame::content(hash, &literal);
        assert_eq!(
            frame.bytes(Vsn::V2).as_str(),
            format!(r#"[null,null,"want:{hash}","content",{{"content":"caf\u00e9 \"q\""}}]"#)
        );
        assert_eq!(
            frame.bytes(Vsn::V1).as_str(),
            format!(
                r#"{{"topic":"want:{hash}","event":"content","payload":{{"content":"caf\u00e9 \"q\""}},"ref":null}}"#
            )
        );
        assert_eq!(frame.content_len(), literal.get().len());
    }

    #[test]
    fn chat_and_history_go_to_hosts_verbatim() {
        let hash = PageHash::of("x");
        let message: Box<RawValue> =
            serde_json::from_str(r#"{"id":"i","at":1,"nick":"n","text":"<b>"}"#).unwrap();
        let frame = SharedFrame::chat(hash, &message);
        assert_eq!(
            frame.bytes(Vsn::V2).as_str(),
            format!(r#"[null,null,"have:{hash}","chat",{{"id":"i","at":1,"nick":"n","text":"<b>"}}]"#)
        );
        assert_eq!(
            SharedFrame::empty_history(hash).bytes(Vsn::V1).as_str(),
            format!(
                r#"{{"topic":"have:{hash}","event":"chat_history","payload":{{"messages":[]}},"ref":null}}"#
            )
        );
        assert_eq!(frame.chat_literal().unwrap().get(), message.get());
        assert_eq!(frame.content_len(), 0);
    }

    #[test]
    fn a_chunk_is_a_binary_broadcast_of_the_hosts_payload() {
        let hash = PageHash::of("x");
        let payload = ep2p_core::chunk::encode(ChunkId::new(1, 2), &[[9; 32]], b"bytes");
        let frame = ChunkFrame::new(hash, ChunkId::new(1, 2), &payload, 5);
        let topic = format!("want:{hash}");
        let mut expected = vec![2, topic.len() as u8, 5];
        expected.extend_from_slice(topic.as_bytes());
        expected.extend_from_slice(b"chunk");
        expected.extend_from_slice(&payload);
        assert_eq!(&frame.bytes()[..], &expected[..]);
        assert_eq!((frame.chunk(), frame.data_len()), (ChunkId::new(1, 2), 5));
        assert_eq!(&frame.payload()[..], &payload[..]);
    }

    #[test]
    fn counts_are_broadcasts_with_null_refs() {
        let hash = PageHash::of("x");
        let frame = SharedFrame::count(Topic::Have(hash), 3);
        assert_eq!(
            frame.bytes(Vsn::V2).as_str(),
            format!(r#"[null,null,"have:{hash}","visitors_count",{{"count":3}}]"#)
        );
        assert_eq!(frame.content_len(), 0);
        assert_eq!(*frame, *SharedFrame::count(Topic::Have(hash), 3));
        assert_ne!(*frame, *SharedFrame::count(Topic::Want(hash), 3));
    }
}
