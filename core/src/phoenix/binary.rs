//! Phoenix V2's binary frames (PHOENIX.md §8), which carry raw bytes where
//! a text frame would need JSON (a file's chunks, docs/product.md §13).
//!
//! A frame is a kind byte, one length byte for each of its strings, the
//! strings (UTF-8, at most 255 bytes each, nothing between them), then
//! the payload:
//!
//! | kind | sent by | strings |
//! |---|---|---|
//! | 0 push | a client | join_ref, ref, topic, event |
//! | 0 push | the server | join_ref, topic, event (no ref) |
//! | 1 reply | the server | join_ref, ref, topic, status |
//! | 2 broadcast | the server | topic, event |
//!
//! An empty join_ref or ref means none, as the official client reads it.

/// The longest string a binary frame can carry (its length is one byte).
pub const MAX_STRING: usize = 255;

/// Why bytes are not a binary frame, or a frame cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinaryError {
    #[error("an empty binary frame")]
    Empty,
    #[error("unknown binary frame kind {0}")]
    Kind(u8),
    #[error("a binary frame shorter than its header says")]
    Truncated,
    #[error("a binary frame's {0} is not UTF-8")]
    NotUtf8(&'static str),
    #[error("a binary frame's {0} is longer than {MAX_STRING} bytes")]
    TooLong(&'static str),
}

/// What a client pushes (kind 0): an event on a topic with raw bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientPush<'a> {
    pub join_ref: Option<&'a str>,
    pub reference: Option<&'a str>,
    pub topic: &'a str,
    pub event: &'a str,
    pub payload: &'a [u8],
}

/// What the server sends (kinds 0, 1 and 2), as a client reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerFrame<'a> {
    /// An event for one socket's channel.
    Push { join_ref: Option<&'a str>, topic: &'a str, event: &'a str, payload: &'a [u8] },
    /// The answer to a client's push.
    Reply {
        join_ref: Option<&'a str>,
        reference: Option<&'a str>,
        topic: &'a str,
        status: &'a str,
        response: &'a [u8],
    },
    /// An event for everyone on a topic.
    Broadcast { topic: &'a str, event: &'a str, payload: &'a [u8] },
}

/// Reads a client's push; Phoenix takes no other kind from a client.
pub fn decode_client_push(bytes: &[u8]) -> Result<ClientPush<'_>, BinaryError> {
    match bytes.first() {
        None => Err(BinaryError::Empty),
        Some(0) => {
            let (strings, payload) = strings(&bytes[1..], &["join_ref", "ref", "topic", "event"])?;
            Ok(ClientPush {
                join_ref: none_if_empty(strings[0]),
                reference: none_if_empty(strings[1]),
                topic: strings[2],
                event: strings[3],
                payload,
            })
        }
        Some(&kind) => Err(BinaryError::Kind(kind)),
    }
}

/// Reads a frame from the server.
pub fn decode_server(bytes: &[u8]) -> Result<ServerFrame<'_>, BinaryError> {
    let (&kind, rest) = bytes.split_first().ok_or(BinaryError::Empty)?;
    Ok(match kind {
        0 => {
            let (s, payload) = strings(rest, &["join_ref", "topic", "event"])?;
            ServerFrame::Push { join_ref: none_if_empty(s[0]), topic: s[1], event: s[2], payload }
        }
        1 => {
            let (s, response) = strings(rest, &["join_ref", "ref", "topic", "status"])?;
            ServerFrame::Reply {
                join_ref: none_if_empty(s[0]),
                reference: none_if_empty(s[1]),
                topic: s[2],
                status: s[3],
                response,
            }
        }
        2 => {
            let (s, payload) = strings(rest, &["topic", "event"])?;
            ServerFrame::Broadcast { topic: s[0], event: s[1], payload }
        }
        kind => return Err(BinaryError::Kind(kind)),
    })
}

/// Writes a client's push.
pub fn encode_client_push(push: &ClientPush<'_>) -> Result<Vec<u8>, BinaryError> {
    let strings = [
        ("join_ref", push.join_ref.unwrap_or("")),
        ("ref", push.reference.unwrap_or("")),
        ("topic", push.topic),
        ("event", push.event),
    ];
    frame(0, &strings, push.payload)
}

/// Writes a frame from the server.
pub fn encode_server(frame_out: &ServerFrame<'_>) -> Result<Vec<u8>, BinaryError> {
    match *frame_out {
        ServerFrame::Push { join_ref, topic, event, payload } => {
            frame(0, &[("join_ref", join_ref.unwrap_or("")), ("topic", topic), ("event", event)], payload)
        }
        ServerFrame::Reply { join_ref, reference, topic, status, response } => frame(
            1,
            &[
                ("join_ref", join_ref.unwrap_or("")),
                ("ref", reference.unwrap_or("")),
                ("topic", topic),
                ("status", status),
            ],
            response,
        ),
        ServerFrame::Broadcast { topic, event, payload } => {
            frame(2, &[("topic", topic), ("event", event)], payload)
        }
    }
}

fn frame(kind: u8, strings: &[(&'static str, &str)], payload: &[u8]) -> Result<Vec<u8>, BinaryError> {
    let text: usize = strings.iter().map(|(_, s)| s.len()).sum();
    let mut out = Vec::with_capacity(1 + strings.len() + text + payload.len());
    out.push(kind);
    for (what, s) in strings {
        out.push(u8::try_from(s.len()).map_err(|_| BinaryError::TooLong(what))?);
    }
    for (_, s) in strings {
        out.extend_from_slice(s.as_bytes());
    }
    out.extend_from_slice(payload);
    Ok(out)
}

/// The strings named `names` after the kind byte, and the payload after them.
fn strings<'a, const N: usize>(
    bytes: &'a [u8],
    names: &[&'static str; N],
) -> Result<([&'a str; N], &'a [u8]), BinaryError> {
    let lengths = bytes.get(..N).ok_or(BinaryError::Truncated)?;
    let mut at = N;
    let mut out = [""; N];
    for ((slot, &length), name) in out.iter_mut().zip(lengths).zip(names) {
        let raw = bytes.get(at..at + usize::from(length)).ok_or(BinaryError::Truncated)?;
        *slot = std::str::from_utf8(raw).map_err(|_| BinaryError::NotUtf8(name))?;
        at += usize::from(length);
    }
    Ok((out, &bytes[at..]))
}

fn none_if_empty(s: &str) -> Option<&str> {
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    // PHOENIX.md §8's examples, from Phoenix's own serializer tests.
    const CLIENT_PUSH: &[u8] = b"\x00\x02\x03\x05\x0512123topicevent\x65\x66\x67";
    const SERVER_PUSH: &[u8] = b"\x00\x02\x05\x0512topicevent\x65\x66\x67";
    const REPLY: &[u8] = b"\x01\x02\x03\x05\x0212123topicok\x65\x66\x67";
    const BROADCAST: &[u8] = b"\x02\x05\x05topicevent\x65\x66\x67";

    #[test]
    fn phoenixs_own_examples_read_and_write_byte_for_byte() {
        let push = ClientPush {
            join_ref: Some("12"),
            reference: Some("123"),
            topic: "topic",
            event: "event",
            payload: b"efg",
        };
        assert_eq!(decode_client_push(CLIENT_PUSH), Ok(push));
        assert_eq!(encode_client_push(&push).unwrap(), CLIENT_PUSH);
        let frames = [
            (
                SERVER_PUSH,
                ServerFrame::Push { join_ref: Some("12"), topic: "topic", event: "event", payload: b"efg" },
            ),
            (
                REPLY,
                ServerFrame::Reply {
                    join_ref: Some("12"),
                    reference: Some("123"),
                    topic: "topic",
                    status: "ok",
                    response: b"efg",
                },
            ),
            (BROADCAST, ServerFrame::Broadcast { topic: "topic", event: "event", payload: b"efg" }),
        ];
        for (bytes, frame) in frames {
            assert_eq!(decode_server(bytes), Ok(frame));
            assert_eq!(encode_server(&frame).unwrap(), bytes);
        }
    }

    #[test]
    fn empty_refs_are_none_and_payloads_may_be_empty_or_binary() {
        let push = ClientPush {
            join_ref: None,
            reference: None,
            topic: "have:x",
            event: "chunk",
            payload: &[0, 255, 10],
        };
        let bytes = encode_client_push(&push).unwrap();
        assert_eq!(&bytes[..5], &[0, 0, 0, 6, 5]);
        assert_eq!(decode_client_push(&bytes), Ok(push));
        let bare = ServerFrame::Broadcast { topic: "t", event: "e", payload: &[] };
        assert_eq!(decode_server(&encode_server(&bare).unwrap()), Ok(bare));
    }

    #[test]
    fn what_is_not_a_frame_is_refused_with_its_reason() {
        assert_eq!(decode_client_push(&[]), Err(BinaryError::Empty));
        assert_eq!(decode_server(&[]), Err(BinaryError::Empty));
        // Only pushes come from clients; kind 3 comes from nobody.
        assert_eq!(decode_client_push(REPLY), Err(BinaryError::Kind(1)));
        assert_eq!(decode_server(b"\x03\x00\x00"), Err(BinaryError::Kind(3)));
        for cut in 1..CLIENT_PUSH.len() - 3 {
            assert_eq!(decode_client_push(&CLIENT_PUSH[..cut]), Err(BinaryError::Truncated), "{cut} bytes");
        }
        assert_eq!(decode_client_push(b"\x00\x00\x00\x01\x01\xffe"), Err(BinaryError::NotUtf8("topic")));
        let long = "t".repeat(MAX_STRING + 1);
        let push = ClientPush { join_ref: None, reference: None, topic: &long, event: "e", payload: &[] };
        assert_eq!(encode_client_push(&push), Err(BinaryError::TooLong("topic")));
        let longest = "t".repeat(MAX_STRING);
        let push = ClientPush { topic: &longest, ..push };
        assert_eq!(decode_client_push(&encode_client_push(&push).unwrap()), Ok(push));
    }
}
