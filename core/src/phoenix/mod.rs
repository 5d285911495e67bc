//! Phoenix Channels' wire format, as any Phoenix client or server speaks
//! it, knowing nothing of this app: refs, the serializer a socket
//! negotiates (V1 objects, V2 arrays), frames read and written, replies and
//! the reserved control events, as `docs/protocol.md` describes them.
//! Every frame is read and written through serde: nothing here splices
//! JSON text by hand. V2's binary frames are in [`binary`].

pub mod binary;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;

/// The topic of socket-level frames (heartbeats).
pub const PHOENIX_TOPIC: &str = "phoenix";

/// The WebSocket transport's path under a socket's mount (Phoenix's).
pub const TRANSPORT: &str = "/websocket";

/// Phoenix's reserved event names.
pub mod event {
    pub const JOIN: &str = "phx_join";
    pub const LEAVE: &str = "phx_leave";
    pub const REPLY: &str = "phx_reply";
    pub const CLOSE: &str = "phx_close";
    pub const ERROR: &str = "phx_error";
    pub const HEARTBEAT: &str = "heartbeat";
}

/// Why a frame was refused. The `Display` text is what a client reads in
/// an error reply's `reason` or a close frame's reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// A frame over the size allowed for its event.
    #[error("frame too big")]
    TooBig,
    #[error("unsupported serializer version")]
    UnsupportedVsn,
}

/// A client-chosen reference (`ref` or `join_ref`), echoed back verbatim with
/// its JSON type kept: the JS client compares refs with `===`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Ref {
    Text(String),
    Number(serde_json::Number),
}

/// Read straight from the token (serde's `untagged` would first buffer the
/// whole value, whatever its size, to try each variant).
impl<'de> Deserialize<'de> for Ref {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct RefVisitor;

        impl serde::de::Visitor<'_> for RefVisitor {
            type Value = Ref;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a number")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Ref, E> {
                Ok(Ref::Text(text.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Ref, E> {
                Ok(Ref::Text(text))
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Ref, E> {
                Ok(Ref::Number(n.into()))
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Ref, E> {
                Ok(Ref::Number(n.into()))
            }

            fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Ref, E> {
                serde_json::Number::from_f64(n)
                    .map(Ref::Number)
                    .ok_or_else(|| E::custom("not a finite number"))
            }
        }

        d.deserialize_any(RefVisitor)
    }
}

impl From<&str> for Ref {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<u64> for Ref {
    /// Refs our own clients make: strings of an increasing counter, as the
    /// JS client does.
    fn from(counter: u64) -> Self {
        Self::Text(counter.to_string())
    }
}

/// The refs one client hands out: "1", "2", "3"… (the JS client's counter).
#[derive(Debug, Default)]
pub struct Refs(u64);

impl Refs {
    /// The next unused ref.
    pub fn make_ref(&mut self) -> Ref {
        self.0 += 1;
        Ref::from(self.0)
    }
}

/// The serializer a socket negotiated with the `vsn` query parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vsn {
    /// `{"topic","event","payload","ref"}` objects (no `vsn`, or `1.0.x`).
    V1,
    /// `[join_ref, ref, topic, event, payload]` arrays (`2.0.x`).
    V2,
}

impl Vsn {
    /// Phoenix's negotiation: absent or `1.0.x` → V1, `2.0.x` → V2, anything
    /// else is refused before the upgrade.
    pub fn negotiate(vsn: Option<&str>) -> Result<Self, FrameError> {
        let Some(vsn) = vsn else { return Ok(Self::V1) };
        let mut parts = vsn.split('.');
        let (major, minor, patch) = (parts.next(), parts.next(), parts.next());
        let is_number =
            |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if parts.next().is_some() || !is_number(patch) {
            return Err(FrameError::UnsupportedVsn);
        }
        match (major, minor) {
            (Some("1"), Some("0")) => Ok(Self::V1),
            (Some("2"), Some("0")) => Ok(Self::V2),
            _ => Err(FrameError::UnsupportedVsn),
        }
    }

    /// The query parameter a client sends to select this serializer.
    pub fn query(self) -> &'static str {
        match self {
            Self::V1 => "vsn=1.0.0",
            Self::V2 => "vsn=2.0.0",
        }
    }

    /// The path and query a client opens to speak this serializer to a
    /// socket mounted at `mount`: `/ws/websocket?vsn=2.0.0` under `/ws`.
    pub fn socket_path_under(self, mount: &str) -> String {
        format!("{}{TRANSPORT}?{}", mount.trim_end_matches('/'), self.query())
    }
}

/// One decoded text frame. The payload stays raw JSON until the event that
/// owns it is known, so page text is unescaped once, by whoever needs it.
#[derive(Debug)]
pub struct Frame<'a> {
    pub join_ref: Option<Ref>,
    pub msg_ref: Option<Ref>,
    /// Borrowed from the frame unless it holds escapes.
    pub topic: Cow<'a, str>,
    pub event: Cow<'a, str>,
    pub payload: &'a RawValue,
}

/// The V1 object as clients send it: every key but `join_ref` is required.
#[derive(Deserialize)]
struct V1Frame<'a> {
    #[serde(borrow)]
    topic: Cow<'a, str>,
    #[serde(borrow)]
    event: Cow<'a, str>,
    #[serde(borrow)]
    payload: &'a RawValue,
    #[serde(rename = "ref", deserialize_with = "required_nullable")]
    msg_ref: Option<Ref>,
    #[serde(default)]
    join_ref: Option<Ref>,
}

/// A JSON string, borrowed from the frame when it has no escapes (serde's
/// own `Cow<str>` always copies).
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// A key that must be present but may be `null` (serde treats a missing
/// `Option` as `None` otherwise; `deserialize_with` makes it required).
fn required_nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Ref>, D::Error> {
    Option::<Ref>::deserialize(d)
}

impl<'a> Frame<'a> {
    /// Decodes a text frame in the socket's serializer. Payloads must be
    /// JSON objects; V2 items after the fifth are ignored, as Phoenix does
    /// (skipped, never kept).
    pub fn decode(vsn: Vsn, text: &'a str) -> Result<Self, FrameError> {
        Self::decode_within(vsn, text, usize::MAX, |_| true)
    }

    /// [`Frame::decode`] for a frame that may be larger than `limit` bytes
    /// only if `may_be_large` admits its event (an app's page, say). A V2
    /// frame over it is refused as soon as its event is read, before its
    /// payload is looked at; a V1 object (whose keys come in any order)
    /// once it is read.
    pub fn decode_within(
        vsn: Vsn,
        text: &'a str,
        limit: usize,
        may_be_large: impl Fn(&str) -> bool,
    ) -> Result<Self, FrameError> {
        let large = text.len() > limit;
        let admit = |event: &str| !large || may_be_large(event);
        let frame = match vsn {
            Vsn::V2 => {
                let (join_ref, msg_ref, topic, event, payload) =
                    read_v2(text, admit, Extras::Skip)?.ok_or(FrameError::TooBig)?;
                Frame { join_ref, msg_ref, topic, event, payload }
            }
            Vsn::V1 => {
                let malformed = |e: serde_json::Error| FrameError::Malformed(e.to_string());
                let v1: V1Frame<'a> = serde_json::from_str(text).map_err(malformed)?;
                if !admit(&v1.event) {
                    return Err(FrameError::TooBig);
                }
                Frame {
                    join_ref: v1.join_ref,
                    msg_ref: v1.msg_ref,
                    topic: v1.topic,
                    event: v1.event,
                    payload: v1.payload,
                }
            }
        };
        if !frame.payload.get().starts_with('{') {
            return Err(FrameError::Malformed("payload must be a JSON object".into()));
        }
        Ok(frame)
    }

    /// The payload as an event's typed shape.
    pub fn payload_as<T: Deserialize<'a>>(&self) -> Result<T, FrameError> {
        serde_json::from_str(self.payload.get())
            .map_err(|e| FrameError::Malformed(format!("{} payload: {e}", self.event)))
    }

    /// The payload of a `phx_reply`, or `None` for any other frame.
    pub fn reply(&self) -> Option<Reply<&'a RawValue>> {
        (self.event == event::REPLY).then(|| serde_json::from_str(self.payload.get()).ok()).flatten()
    }
}

/// Whether a `phx_reply` says yes or no.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Error,
}

/// The payload of a `phx_reply`: `{"status": …, "response": {…}}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reply<R> {
    pub status: Status,
    pub response: R,
}

/// An empty payload or response: `{}`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct Empty {}

/// The response of an error reply: `{"reason": …}`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reason<'a> {
    #[serde(borrow)]
    pub reason: Cow<'a, str>,
}

/// The V1 object as servers send it (never with a `join_ref`, as Phoenix).
#[derive(Serialize)]
struct V1Out<'a, P: ?Sized> {
    topic: &'a str,
    event: &'a str,
    payload: &'a P,
    #[serde(rename = "ref")]
    msg_ref: Option<&'a Ref>,
}

/// Encodes one text frame in the given serializer; `payload` is any value
/// that serializes to a JSON object. V1 output never carries `join_ref`.
pub fn encode<P: Serialize + ?Sized>(
    vsn: Vsn,
    join_ref: Option<&Ref>,
    msg_ref: Option<&Ref>,
    topic: &str,
    event: &str,
    payload: &P,
) -> String {
    let text = match vsn {
        Vsn::V2 => serde_json::to_string(&(join_ref, msg_ref, topic, event, payload)),
        Vsn::V1 => serde_json::to_string(&V1Out { topic, event, payload, msg_ref }),
    };
    // Refs, strings and payload structs (no maps with non-string keys) cannot fail to serialize.
    text.expect("frames always serialize")
}

/// A V2 frame of one expected event read in one pass, its payload typed:
/// for the frames a server reads most, which [`Frame::decode`] followed by
/// [`Frame::payload_as`] would scan twice.
pub struct TypedFrame<'a, P> {
    pub join_ref: Option<Ref>,
    pub msg_ref: Option<Ref>,
    pub topic: Cow<'a, str>,
    pub payload: P,
}

impl<'a, P: Deserialize<'a>> TypedFrame<'a, P> {
    /// `None` for any event but `event` (declined before the payload is
    /// read), any other payload shape, or V2 items beyond the fifth: read
    /// those with [`Frame::decode`].
    pub fn decode_v2(text: &'a str, event: &str) -> Option<Self> {
        let (join_ref, msg_ref, topic, _, payload) = read_v2(text, |e| e == event, Extras::Refuse).ok()??;
        Some(Self { join_ref, msg_ref, topic, payload })
    }
}

/// What a V2 reader does with items after the fifth.
#[derive(Clone, Copy)]
enum Extras {
    /// Skip them without keeping anything (Phoenix ignores them).
    Skip,
    /// Refuse the frame.
    Refuse,
}

/// Reads a V2 array item by item: no item is kept that is not needed, and a
/// frame whose event is not admitted is declined before its payload is
/// read. `P` is how the payload is read; `F` admits events.
struct V2Visitor<'c, P, F> {
    admit: F,
    extras: Extras,
    /// Set when the frame's event is declined (serde errors carry no type).
    declined: &'c Cell<bool>,
    payload: PhantomData<P>,
}

/// What [`V2Visitor`] reads: join_ref, ref, topic, event, payload.
type V2Items<'a, P> = (Option<Ref>, Option<Ref>, Cow<'a, str>, Cow<'a, str>, P);

/// Reads one V2 frame; `None` when `admit` declines its event.
fn read_v2<'a, P: Deserialize<'a>>(
    text: &'a str,
    admit: impl Fn(&str) -> bool,
    extras: Extras,
) -> Result<Option<V2Items<'a, P>>, FrameError> {
    let declined = Cell::new(false);
    let visitor = V2Visitor { admit, extras, declined: &declined, payload: PhantomData };
    let mut de = serde_json::Deserializer::from_str(text);
    let items =
        serde::Deserializer::deserialize_seq(&mut de, visitor).and_then(|items| de.end().map(|()| items));
    match items {
        Ok(items) => Ok(Some(items)),
        Err(_) if declined.get() => Ok(None),
        Err(e) => Err(FrameError::Malformed(e.to_string())),
    }
}

impl<'de, P: Deserialize<'de>, F: Fn(&str) -> bool> serde::de::Visitor<'de> for V2Visitor<'_, P, F> {
    type Value = V2Items<'de, P>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array [join_ref, ref, topic, event, payload]")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let missing = |n| A::Error::invalid_length(n, &"[join_ref, ref, topic, event, payload]");
        let join_ref = seq.next_element::<Option<Ref>>()?.ok_or_else(|| missing(0))?;
        let msg_ref = seq.next_element::<Option<Ref>>()?.ok_or_else(|| missing(1))?;
        let Text(topic) = seq.next_element()?.ok_or_else(|| missing(2))?;
        let Text(event) = seq.next_element()?.ok_or_else(|| missing(3))?;
        if !(self.admit)(&event) {
            self.declined.set(true);
            return Err(A::Error::custom("event declined"));
        }
        let payload = seq.next_element::<P>()?.ok_or_else(|| missing(4))?;
        match self.extras {
            Extras::Skip => while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {},
            Extras::Refuse if seq.next_element::<serde::de::IgnoredAny>()?.is_some() => {
                return Err(A::Error::invalid_length(6, &"exactly five items"))
            }
            Extras::Refuse => {}
        }
        Ok((join_ref, msg_ref, topic, event, payload))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vsn_negotiation_follows_phoenix() {
        assert_eq!(Vsn::negotiate(None), Ok(Vsn::V1));
        assert_eq!(Vsn::negotiate(Some("1.0.0")), Ok(Vsn::V1));
        assert_eq!(Vsn::negotiate(Some("2.0.0")), Ok(Vsn::V2));
        assert_eq!(Vsn::negotiate(Some("2.0.7")), Ok(Vsn::V2));
        for bad in ["123.1.1", "2.1.0", "2", "2.0", "x", "", "2.0.0.0", "2.0.a"] {
            assert_eq!(Vsn::negotiate(Some(bad)), Err(FrameError::UnsupportedVsn), "{bad}");
        }
    }

    #[test]
    fn decodes_v2_arrays() {
        let f = Frame::decode(Vsn::V2, r#"["3","4","room:lobby","new_msg",{"body":"hi"}]"#).unwrap();
        assert_eq!(f.join_ref, Some(Ref::from("3")));
        assert_eq!(f.msg_ref, Some(Ref::from("4")));
        assert_eq!(f.topic, "room:lobby");
        assert_eq!(f.event, "new_msg");
        assert_eq!(f.payload.get(), r#"{"body":"hi"}"#);

        let hb = Frame::decode(Vsn::V2, r#"[null,"5","phoenix","heartbeat",{}]"#).unwrap();
        assert_eq!(hb.join_ref, None);
        assert_eq!(hb.msg_ref, Some(Ref::from("5")));

        // Extra items are ignored, as Phoenix does; numeric refs are kept as numbers.
        let extra = Frame::decode(Vsn::V2, r#"[1,2,"t","e",{},"extra"]"#).unwrap();
        assert_eq!(extra.msg_ref, Some(Ref::Number(2.into())));
        let numbers = Frame::decode(Vsn::V2, r#"[-3,2.5,"t","e",{}]"#).unwrap();
        assert_eq!(numbers.join_ref, Some(Ref::Number((-3).into())));
        assert_eq!(serde_json::to_string(&numbers.msg_ref).unwrap(), "2.5", "echoed as it came");
        let escaped = Frame::decode(Vsn::V2, r#"["a\"b",null,"t","e",{}]"#).unwrap();
        assert_eq!(escaped.join_ref, Some(Ref::from("a\"b")));
    }

    #[test]
    fn decodes_v1_objects_with_required_keys() {
        let f = Frame::decode(Vsn::V1, r#"{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"5"}"#)
            .unwrap();
        assert_eq!((f.topic.as_ref(), f.event.as_ref()), ("phoenix", "heartbeat"));
        assert_eq!(f.msg_ref, Some(Ref::from("5")));
        assert_eq!(f.join_ref, None);

        let with_join =
            Frame::decode(Vsn::V1, r#"{"topic":"t","event":"e","payload":{},"ref":null,"join_ref":"1"}"#)
                .unwrap();
        assert_eq!(with_join.msg_ref, None);
        assert_eq!(with_join.join_ref, Some(Ref::from("1")));

        // `ref` is required even though it may be null.
        assert!(Frame::decode(Vsn::V1, r#"{"topic":"t","event":"e","payload":{}}"#).is_err());
        assert!(Frame::decode(Vsn::V1, r#"{"topic":"t","payload":{},"ref":null}"#).is_err());
    }

    #[test]
    fn refuses_malformed_frames() {
        for (vsn, text) in [
            (Vsn::V2, ""),
            (Vsn::V2, "not json"),
            (Vsn::V2, r#"["1","1","t","e""#),
            (Vsn::V2, r#"["1","1","t","e"]"#),
            (Vsn::V2, r#"{"topic":"t","event":"e","payload":{},"ref":null}"#),
            (Vsn::V2, r#"["1","1","t","e",[]]"#),
            (Vsn::V2, r#"["1","1","t","e","payload"]"#),
            (Vsn::V2, r#"["1","1",7,"e",{}]"#),
            (Vsn::V2, r#"["1",{"x":1},"t","e",{}]"#),
            (Vsn::V2, r#"["1","1","t",null,{}]"#),
            (Vsn::V1, r#"["1","1","t","e",{}]"#),
            (Vsn::V1, r#"{"topic":"t","event":"e","payload":null,"ref":null}"#),
        ] {
            assert!(matches!(Frame::decode(vsn, text), Err(FrameError::Malformed(_))), "{vsn:?} {text}");
        }
    }

    #[test]
    fn frames_over_the_limit_are_refused_unless_their_event_may_be_large() {
        let big = "x".repeat(100);
        let may_be_large = |event: &str| event == "page";
        for vsn in [Vsn::V1, Vsn::V2] {
            let control = encode(vsn, None, None, "t", "heartbeat", &serde_json::json!({ "pad": big }));
            let page = encode(vsn, None, None, "t", "page", &serde_json::json!({ "text": big }));
            assert_eq!(
                Frame::decode_within(vsn, &control, 64, may_be_large).unwrap_err(),
                FrameError::TooBig
            );
            assert_eq!(Frame::decode_within(vsn, &page, 64, may_be_large).unwrap().event, "page");
            assert!(Frame::decode_within(vsn, &control, 1024, may_be_large).is_ok(), "under the limit");
        }
        // Too big is only about size: a malformed frame says so.
        let broken = format!(r#"["1","1","t","heartbeat",{{"pad":"{big}"}}"#);
        assert!(matches!(
            Frame::decode_within(Vsn::V2, &broken, 1024, may_be_large),
            Err(FrameError::Malformed(_))
        ));
    }

    #[derive(Serialize)]
    struct Count {
        count: usize,
    }

    #[test]
    fn encodes_both_serializers_like_phoenix() {
        let j = Ref::from("3");
        let r = Ref::from("4");
        let ok = Reply { status: Status::Ok, response: Empty {} };
        assert_eq!(
            encode(Vsn::V2, Some(&j), Some(&r), "room:lobby", "phx_reply", &ok),
            r#"["3","4","room:lobby","phx_reply",{"status":"ok","response":{}}]"#
        );
        assert_eq!(
            encode(Vsn::V1, Some(&j), Some(&r), "room:lobby", "phx_reply", &ok),
            r#"{"topic":"room:lobby","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"4"}"#
        );
        assert_eq!(
            encode(Vsn::V2, None, None, "t", "visitors_count", &Count { count: 3 }),
            r#"[null,null,"t","visitors_count",{"count":3}]"#
        );
        // A topic echoed from a client is escaped, never spliced in raw.
        assert_eq!(
            encode(Vsn::V2, None, Some(&Ref::Number(7.into())), "a\"b", "phx_reply", &Empty {}),
            r#"[null,7,"a\"b","phx_reply",{}]"#
        );
        let error = Reply { status: Status::Error, response: Reason { reason: "unmatched topic".into() } };
        assert_eq!(
            encode(Vsn::V2, None, None, "t", "phx_reply", &error),
            r#"[null,null,"t","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]"#
        );
    }
}
