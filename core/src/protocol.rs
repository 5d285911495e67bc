//! This app's protocol over Phoenix Channels' framing
//! ([`phoenix`](crate::phoenix)): page hashes, the topics a socket joins,
//! this app's events and their payloads, and where the relay's socket is
//! mounted. No I/O and no cfg gates; payloads are read and written through
//! serde.

use crate::phoenix::{FrameError, Ref, TypedFrame, Vsn, PHOENIX_TOPIC};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Where the relay's socket is mounted: the JS client is created as
/// `new Socket("/ws")` and appends [`TRANSPORT`](crate::phoenix::TRANSPORT) itself.
pub const SOCKET_MOUNT: &str = "/ws";

/// The relay's WebSocket endpoint: [`SOCKET_MOUNT`] + [`TRANSPORT`](crate::phoenix::TRANSPORT).
pub const SOCKET_PATH: &str = "/ws/websocket";

/// The path and query a client opens to speak `vsn` to the relay:
/// `/ws/websocket?vsn=2.0.0`.
pub fn socket_path(vsn: Vsn) -> String {
    vsn.socket_path_under(SOCKET_MOUNT)
}

/// The events this app's channels carry: Phoenix's reserved ones (one
/// namespace to match a frame's event against) and this app's own.
pub mod event {
    pub use crate::phoenix::event::*;
    /// Visitor → relay on `want:H`; relay → one host on `have:H`.
    pub const CONTENT_REQUEST: &str = "content_request";
    /// Host → relay on `have:H`; relay → visitors on `want:H`.
    pub const CONTENT: &str = "content";
    /// Relay → everyone on `have:H`, `want:H` and `watch:H`: the number of hosts.
    pub const VISITORS_COUNT: &str = "visitors_count";
    /// Host → relay → every other host of the page, on `have:H`: one chat message.
    pub const CHAT: &str = "chat";
    /// On `have:H`: a new host asks for the chat's history (`{}`), the relay
    /// asks one host (`{}`), the host answers (`{"messages": […]}`) and the
    /// relay passes the answer to whoever asked.
    pub const CHAT_HISTORY: &str = "chat_history";
    /// Visitor → relay on `want:H` (`{"file", "index"}`); relay → one host
    /// holding that chunk on `have:H`: a file page's chunk is wanted.
    pub const CHUNK_REQUEST: &str = "chunk_request";
    /// Host → relay on `have:H`; relay → the visitors that asked, on
    /// `want:H`: one chunk, as a V2 binary frame (`chunk::encode`).
    pub const CHUNK: &str = "chunk";
    /// Relay → visitors on `want:H` (`{"file", "index"}`): no host could
    /// send that chunk (nobody holds it, or every holder failed).
    pub const CHUNK_UNAVAILABLE: &str = "chunk_unavailable";
    /// Host → relay on `have:H`: the chunks it holds (`chunk::Holding`).
    pub const HAVE_CHUNKS: &str = "have_chunks";
    /// Visitor ↔ relay ↔ the one host paired with it, on `want:H` and
    /// `have:H`: setting up a direct connection (`signal::SignalFrame`).
    pub const SIGNAL: &str = "signal";
    /// Relay → a host on `have:H` (`{}`): the page it sent has ended (SPEC
    /// §15); the relay passes it on to nobody, and closes the channel.
    pub const PAGE_ENDED: &str = "page_ended";
    /// Relay → the author on a one-time page's `have:H` (`{}`): the page
    /// went to one reader; nobody else will get it (SPEC §15).
    pub const PAGE_DELIVERED: &str = "page_delivered";
    /// Visitor → relay on `want:H`: how a direct connection it was paired
    /// for ended up (`signal::Report`), for the relay's counters.
    pub const DIRECT_REPORT: &str = "direct_report";

    /// Events whose frames may be larger than the control frame limit: a
    /// page, and a chat's history.
    pub fn may_be_large(event: &str) -> bool {
        event == CONTENT || event == CHAT_HISTORY
    }
}

/// Why this app's protocol refused a frame that Phoenix's framing accepted.
/// The `Display` text is what a client reads in an error reply's `reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("unmatched topic")]
    UnmatchedTopic,
    #[error("invalid hash: expected 64 lowercase hex digits")]
    InvalidHash,
}

/// A page's address: the SHA-256 of its text's UTF-8 bytes. Written as 64
/// lowercase hex digits in topics, URLs and payloads.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PageHash([u8; 32]);

impl PageHash {
    /// The hash of a page's text.
    pub fn of(content: &str) -> Self {
        Self(Sha256::digest(content.as_bytes()).into())
    }

    /// Parses exactly 64 lowercase hex digits (uppercase is refused: one page,
    /// one address).
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(ProtocolError::InvalidHash);
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            *slot = (hex_digit(pair[0])? << 4) | hex_digit(pair[1])?;
        }
        Ok(Self(out))
    }

    /// True when `content` hashes to this address.
    pub fn matches(&self, content: &str) -> bool {
        Self::of(content) == *self
    }

    /// The address of these 32 bytes (a file's root, written the same way).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

fn hex_digit(byte: u8) -> Result<u8, ProtocolError> {
    match byte {
        b'0'..=b'9' => Ok(byte - b'0'),
        b'a'..=b'f' => Ok(byte - b'a' + 10),
        _ => Err(ProtocolError::InvalidHash),
    }
}

impl fmt::Display for PageHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One write of 64 digits: this runs for every frame that names a page.
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0u8; 64];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(byte >> 4)];
            pair[1] = DIGITS[usize::from(byte & 0xf)];
        }
        f.write_str(std::str::from_utf8(&hex).expect("hex digits are ASCII"))
    }
}

impl fmt::Debug for PageHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PageHash({self})")
    }
}

impl FromStr for PageHash {
    type Err = ProtocolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for PageHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PageHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// The topics a socket may join (ordered so a client's joins go out in a
/// stable order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Socket-level frames (heartbeats); never joined.
    Phoenix,
    /// Hosts of a page: they receive `content_request` and answer `content`.
    Have(PageHash),
    /// Visitors waiting for a page: they send `content_request` and receive `content`.
    Want(PageHash),
    /// Someone following a page's host count ("Your pages"): they receive
    /// `visitors_count` and nothing else, and are neither host nor visitor.
    Watch(PageHash),
}

impl Topic {
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        if text == PHOENIX_TOPIC {
            return Ok(Self::Phoenix);
        }
        match text.split_once(':') {
            Some(("have", hash)) => Ok(Self::Have(PageHash::parse(hash)?)),
            Some(("want", hash)) => Ok(Self::Want(PageHash::parse(hash)?)),
            Some(("watch", hash)) => Ok(Self::Watch(PageHash::parse(hash)?)),
            _ => Err(ProtocolError::UnmatchedTopic),
        }
    }

    /// The page this topic belongs to, if any.
    pub fn page(&self) -> Option<PageHash> {
        match self {
            Self::Phoenix => None,
            Self::Have(hash) | Self::Want(hash) | Self::Watch(hash) => Some(*hash),
        }
    }
}

impl Serialize for Topic {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Phoenix => f.write_str(PHOENIX_TOPIC),
            Self::Have(hash) => write!(f, "have:{hash}"),
            Self::Want(hash) => write!(f, "want:{hash}"),
            Self::Watch(hash) => write!(f, "watch:{hash}"),
        }
    }
}

/// `content_request` from a visitor. `hash`, if given, must be the topic's.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ContentRequest<'a> {
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub hash: Option<Cow<'a, str>>,
}

impl ContentRequest<'_> {
    /// False when the request names a page other than `hash` (or no valid one).
    pub fn names(&self, hash: PageHash) -> bool {
        self.hash.as_deref().is_none_or(|named| PageHash::parse(named) == Ok(hash))
    }
}

/// `content` from a host (with `hash`) or to visitors (without).
#[derive(Debug, Serialize, Deserialize)]
pub struct Content<'a> {
    #[serde(borrow)]
    pub content: std::borrow::Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// `content` from a host, read without copying the page: the text's JSON
/// string literal stays raw, so the relay can hash it and forward it to
/// visitors without unescaping and escaping it again.
#[derive(Debug, Deserialize)]
pub struct RawContent<'a> {
    #[serde(borrow)]
    pub content: &'a RawValue,
    #[serde(default, borrow)]
    pub hash: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> RawContent<'a> {
    /// The page's text; borrowed from the frame when the literal has no escapes.
    pub fn text(&self) -> Result<std::borrow::Cow<'a, str>, FrameError> {
        let literal: &'a str = self.content.get();
        if !literal.starts_with('"') {
            return Err(FrameError::Malformed("content must be a string".into()));
        }
        if !literal.contains('\\') {
            // Without escapes a JSON string literal is its text, quoted.
            return Ok(std::borrow::Cow::Borrowed(&literal[1..literal.len() - 1]));
        }
        serde_json::from_str::<String>(literal)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| FrameError::Malformed(format!("content: {e}")))
    }
}

/// `content` as the relay sends it to visitors: the host's JSON string
/// literal, written out verbatim (it was checked when it was read).
#[derive(Debug, Serialize)]
pub struct Relayed<'a> {
    pub content: &'a RawValue,
}

/// A V2 `content` frame read in one pass: most of the bytes a relay reads
/// are hosts' answers, and [`Frame::decode`](crate::phoenix::Frame::decode)
/// followed by a payload parse would scan each page twice. `None` for
/// anything else (other events, other shapes, V2 items beyond the fifth):
/// read those with `Frame::decode`.
pub struct ContentFrame<'a> {
    pub join_ref: Option<Ref>,
    pub msg_ref: Option<Ref>,
    pub topic: Cow<'a, str>,
    pub content: RawContent<'a>,
}

impl<'a> ContentFrame<'a> {
    /// Declines (before reading the payload) anything whose event is not `content`.
    pub fn decode_v2(text: &'a str) -> Option<Self> {
        let TypedFrame { join_ref, msg_ref, topic, payload } = TypedFrame::decode_v2(text, event::CONTENT)?;
        Some(Self { join_ref, msg_ref, topic, content: payload })
    }
}

/// `visitors_count`: how many hosts a page has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorsCount {
    pub count: usize,
}

/// How a page is doing, as anyone may see it: how many hosts it has (not
/// counting hosts known to be silent). The SSR shell of `/<hash>` shows it
/// before the browser connects. Who is waiting for a page is nobody's business.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub hosts: usize,
    /// A one-time page (SPEC §15): its reader is asked first, so a link
    /// preview fetches nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub one_time: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phoenix::{encode, Frame, Status, TRANSPORT};

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn hash_is_sha256_of_utf8_in_lowercase_hex() {
        assert_eq!(PageHash::of("abc").to_string(), ABC);
        assert_eq!(
            PageHash::of("").to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // Emoji (the original broke on them) hash their UTF-8 bytes.
        assert_eq!(
            PageHash::of("😀").to_string(),
            "f0443a342c5ef54783a111b51ba56c938e474c32324d90c3a60c9c8e3a37e2d9"
        );
    }

    #[test]
    fn hash_parse_round_trips_and_refuses_anything_else() {
        assert_eq!(PageHash::parse(ABC).unwrap().to_string(), ABC);
        assert!(PageHash::parse(&ABC.to_uppercase()).is_err());
        assert!(PageHash::parse(&ABC[1..]).is_err());
        assert!(PageHash::parse(&format!("{ABC}0")).is_err());
        assert!(PageHash::parse(&ABC.replace('a', "g")).is_err());
        assert!(PageHash::parse("").is_err());
        // 64 bytes but not 64 ASCII digits.
        assert!(PageHash::parse(&"é".repeat(32)).is_err());
        assert!(PageHash::parse(ABC).unwrap().matches("abc"));
        assert!(!PageHash::parse(ABC).unwrap().matches("abd"));
    }

    #[test]
    fn topics_parse_and_print() {
        let hash = PageHash::parse(ABC).unwrap();
        assert_eq!(Topic::parse("phoenix"), Ok(Topic::Phoenix));
        assert_eq!(Topic::parse(&format!("have:{ABC}")), Ok(Topic::Have(hash)));
        assert_eq!(Topic::parse(&format!("want:{ABC}")), Ok(Topic::Want(hash)));
        assert_eq!(Topic::Want(hash).to_string(), format!("want:{ABC}"));
        assert_eq!(Topic::parse(&format!("watch:{ABC}")), Ok(Topic::Watch(hash)));
        assert_eq!(Topic::Watch(hash).to_string(), format!("watch:{ABC}"));
        assert_eq!(Topic::parse("watch:nope"), Err(ProtocolError::InvalidHash));
        assert_eq!(Topic::parse("room:lobby"), Err(ProtocolError::UnmatchedTopic));
        assert_eq!(Topic::parse("have"), Err(ProtocolError::UnmatchedTopic));
        assert_eq!(Topic::parse("have:abc"), Err(ProtocolError::InvalidHash));
        assert_eq!(Topic::Have(hash).page(), Some(hash));
        assert_eq!(Topic::Phoenix.page(), None);
    }

    #[test]
    fn clients_open_the_path_the_relay_serves() {
        assert_eq!(format!("{SOCKET_MOUNT}{TRANSPORT}"), SOCKET_PATH);
        assert_eq!(socket_path(Vsn::V2), "/ws/websocket?vsn=2.0.0");
        assert_eq!(Vsn::V1.socket_path_under("/relay/"), "/relay/websocket?vsn=1.0.0");
    }

    #[test]
    fn encoded_frames_decode_to_the_same_fields() {
        let text = "line one\r\nüñí€😀 \"quoted\" </script>";
        let body = Content { content: text.into(), hash: None };
        for vsn in [Vsn::V1, Vsn::V2] {
            let wire = encode(vsn, None, None, &format!("want:{ABC}"), event::CONTENT, &body);
            let frame = Frame::decode(vsn, &wire).unwrap();
            assert_eq!(frame.event, event::CONTENT);
            let content: Content = frame.payload_as().unwrap();
            assert_eq!(content.content, text);
        }
    }

    #[test]
    fn raw_content_gives_the_text_and_forwards_the_literal_unchanged() {
        for text in
            ["plain text", "quote \" backslash \\ newline \n tab \t", "😀 漢字 e\u{301}", "", "</script>"]
        {
            let host = serde_json::to_string(&Content { content: text.into(), hash: None }).unwrap();
            let raw: RawContent = serde_json::from_str(&host).unwrap();
            assert_eq!(raw.text().unwrap(), text);
            // Visitors get exactly what serializing the text would give.
            assert_eq!(serde_json::to_string(&Relayed { content: raw.content }).unwrap(), host);
        }
        // Escapes a client may choose, such as \u escapes, are decoded.
        let raw: RawContent = serde_json::from_str(r#"{"content":"caf\u00e9"}"#).unwrap();
        assert_eq!(raw.text().unwrap(), "café");
        for bad in [r#"{"content":5}"#, r#"{"content":null}"#, r#"{"content":["x"]}"#] {
            let raw: RawContent = serde_json::from_str(bad).unwrap();
            assert!(raw.text().is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<RawContent>(r#"{"hash":"x"}"#).is_err());
    }

    #[test]
    fn content_frames_read_in_one_pass_match_the_general_decoder() {
        let body = Content { content: "é \"q\" 😀".into(), hash: Some(ABC.into()) };
        let wire = encode(
            Vsn::V2,
            Some(&Ref::from("3")),
            Some(&Ref::from("9")),
            &format!("have:{ABC}"),
            event::CONTENT,
            &body,
        );
        let fast = ContentFrame::decode_v2(&wire).unwrap();
        let frame = Frame::decode(Vsn::V2, &wire).unwrap();
        let slow: RawContent = frame.payload_as().unwrap();
        assert_eq!((fast.join_ref, fast.msg_ref), (frame.join_ref, frame.msg_ref));
        assert_eq!(fast.topic, frame.topic);
        assert_eq!(fast.content.text().unwrap(), slow.text().unwrap());
        assert_eq!(fast.content.content.get(), slow.content.get());
        // Anything else is left to Frame::decode.
        for other in [
            r#"["1","2","have:x","content_request",{"content":"a"}]"#.to_string(),
            r#"["1","2","have:x","content",{"content":"a"},"extra"]"#.to_string(),
            r#"["1","2","have:x","content",{"hash":"a"}]"#.to_string(),
            r#"{"topic":"have:x","event":"content","payload":{"content":"a"},"ref":null}"#.to_string(),
        ] {
            assert!(ContentFrame::decode_v2(&other).is_none(), "{other}");
        }
    }

    #[test]
    fn reads_replies_and_event_payloads() {
        let f = Frame::decode(
            Vsn::V2,
            r#"[null,"6","room:nope","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]"#,
        )
        .unwrap();
        let reply = f.reply().unwrap();
        assert_eq!(reply.status, Status::Error);
        assert_eq!(reply.response.get(), r#"{"reason":"unmatched topic"}"#);

        let req = Frame::decode(Vsn::V2, r#"["1","2","t","content_request",{}]"#).unwrap();
        assert_eq!(req.payload_as::<ContentRequest>().unwrap().hash, None);
        let bad = Frame::decode(Vsn::V2, r#"["1","2","t","content",{"content":5}]"#).unwrap();
        assert!(bad.payload_as::<Content>().is_err());
        assert!(bad.reply().is_none());
    }
}
