//! Frames that go to many sockets — a page's content to its waiting
//! visitors, its host count to everyone on it — built once, encoded at most
//! once per serializer, and shared by every recipient. Phoenix sends such
//! broadcasts with `join_ref` and `ref` both null.

use ep2p_core::protocol::{self, event, PageHash, Relayed, Topic, VisitorsCount, Vsn};
use serde_json::value::RawValue;
use std::sync::{Arc, OnceLock};
use tungstenite::Utf8Bytes;

/// What a shared frame carries.
#[derive(Debug)]
enum Payload {
    /// `content` to visitors: the page's text as the JSON string literal
    /// its host sent, already checked, forwarded verbatim.
    Content(Box<RawValue>),
    /// `visitors_count`: the page's hosts.
    Count(usize),
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

    pub fn topic(&self) -> Topic {
        self.topic
    }

    /// The page's text as the JSON string literal it travels in, for a
    /// `content` frame.
    pub fn content_literal(&self) -> Option<&RawValue> {
        match &self.payload {
            Payload::Content(literal) => Some(literal),
            Payload::Count(_) => None,
        }
    }

    /// Bytes of page text (as JSON) this frame carries; 0 for counts.
    pub fn content_len(&self) -> usize {
        match &self.payload {
            Payload::Content(literal) => literal.get().len(),
            Payload::Count(_) => 0,
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
                    protocol::encode(vsn, None, None, &topic, event::CONTENT, &Relayed { content: literal })
                }
                Payload::Count(count) => protocol::encode(
                    vsn,
                    None,
                    None,
                    &topic,
                    event::VISITORS_COUNT,
                    &VisitorsCount { count: *count },
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
                _ => false,
            }
    }
}

impl Eq for SharedFrame {}

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
