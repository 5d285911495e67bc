//! Everything the relay and the browser read from a frame, in one call, for
//! the fuzzers: the cargo-fuzz target `fuzz/fuzz_targets/frame.rs` and the
//! bounded, in-suite test below. Built for tests and the `fuzzing` feature
//! only; it sits above every module it reads.

use crate::chat;
use crate::chunk::{ChunkPayload, Holding};
use crate::manifest::Manifest;
use crate::phoenix::binary::{self, ClientPush};
use crate::phoenix::{encode, Frame, Vsn};
use crate::protocol::{event, ContentRequest, PageHash, RawContent, Relayed, Topic, VisitorsCount};
use crate::sealed_files::SealedManifest;
use crate::signal::SignalFrame;

/// Decodes `text` in both serializers and reads everything the relay and
/// the browser would read from it; panics only if what the relay would
/// forward is not valid JSON. The unit test below feeds it mutated frames,
/// the cargo-fuzz target `fuzz/fuzz_targets/frame.rs` coverage-guided ones.
pub fn read_everything(text: &str) {
    for vsn in [Vsn::V1, Vsn::V2] {
        let Ok(frame) = Frame::decode(vsn, text) else { continue };
        let _ = Topic::parse(&frame.topic);
        let _ = frame.reply();
        let _ = frame.payload_as::<ContentRequest>().map(|request| request.names(PageHash::of("")));
        let _ = frame.payload_as::<VisitorsCount>();
        if let Ok(signal) = SignalFrame::parse(frame.payload.get()) {
            // What the relay forwards reads back as the same signal.
            let forwarded = signal.clone().for_peer(1);
            assert_eq!(SignalFrame::parse(&forwarded.to_json()), Ok(forwarded));
        }
        if let Ok(message) = chat::read_message(frame.payload.get()) {
            let _ = message.check_date(0);
        }
        if let Ok(chat::RawHistory { messages: Some(messages) }) = frame.payload_as() {
            let _ = chat::check_history(messages, u64::MAX);
        }
        if let Ok(raw) = frame.payload_as::<RawContent>() {
            if let Ok(text) = raw.text() {
                let _ = PageHash::of(&text);
                if let Ok(manifest) = Manifest::parse(&text, u64::MAX) {
                    assert_eq!(manifest.wire(), text, "one manifest, one text");
                    for file in 0..manifest.files().len() {
                        let _ = manifest.verify_chunk(file, 0, text.as_bytes(), &[]);
                    }
                }
                if let Ok(sealed) = SealedManifest::parse(&text, u64::MAX) {
                    assert_eq!(sealed.wire(), text, "one manifest, one text");
                    let _ = sealed.open_inner(&text);
                    let _ = sealed.index().chunks(0);
                }
                if let Some(payload) = text.as_bytes().get(..64).and_then(|b| ChunkPayload::parse(b).ok()) {
                    let _ = payload.proof();
                }
                let _ = Holding::parse(&text);
            }
            let forwarded =
                encode(Vsn::V2, None, None, "want:x", event::CONTENT, &Relayed { content: raw.content });
            assert!(serde_json::from_str::<serde_json::Value>(&forwarded).is_ok(), "{forwarded}");
        }
    }
}

/// Reads `bytes` as a binary frame from a client and from the server;
/// panics if a frame read back is not written the same (the format has
/// one way to write each frame).
pub fn read_binary(bytes: &[u8]) {
    if let Ok(push) = binary::decode_client_push(bytes) {
        assert_eq!(binary::encode_client_push(&push).as_deref(), Ok(bytes));
        let _ = Topic::parse(push.topic);
    }
    if let Ok(frame) = binary::decode_server(bytes) {
        assert_eq!(binary::encode_server(&frame).as_deref(), Ok(bytes));
    }
    let push = ClientPush { join_ref: None, reference: Some("1"), topic: "t", event: "e", payload: bytes };
    let written = binary::encode_client_push(&push).expect("short strings");
    assert_eq!(binary::decode_client_push(&written), Ok(push));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mutated and random frames never panic the decoder or anything that
    /// reads a decoded frame (the bounded, in-suite form of
    /// `fuzz/fuzz_targets/frame.rs`).
    #[test]
    fn arbitrary_input_never_panics_the_decoder() {
        use rand::rngs::SmallRng;
        use rand::{Rng, SeedableRng};
        let seeds = [
            r#"["3","4","have:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","content",{"content":"a\u00e9\n😀","hash":"x"}]"#,
            r#"{"topic":"want:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","event":"content_request","payload":{"hash":"h"},"ref":"1","join_ref":null}"#,
            r#"[null,"5","phoenix","phx_reply",{"status":"ok","response":{"count":3}}]"#,
            r#"["3","8","have:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","content",{"content":"ep2p-files1:{\"chunk\":16384,\"files\":[{\"name\":\"a\",\"type\":\"text/plain\",\"size\":3,\"root\":\"0707070707070707070707070707070707070707070707070707070707070707\"}]}"}]"#,
            r#"["1","7","have:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","chat_history",{"messages":[{"id":"3b9ee4b0a1b0c6d8a0e1e0b4c55a8cf5f2b8b9d1e6c1a0f7d3e2b1c0a9f8e7d6","at":17,"nick":"n","text":"t\u00e9"},{"id":"00","at":1,"sealed":"ep2p1:AAAA"}]}]"#,
        ];
        let alphabet: &[u8] = b"[]{}\",:0123456789abcdefnulltrue\\u\n \xff\xc3";
        let mut rng = SmallRng::seed_from_u64(7);
        for round in 0..60_000 {
            let mut bytes = seeds[round % seeds.len()].as_bytes().to_vec();
            for _ in 0..rng.gen_range(1..6) {
                let at = rng.gen_range(0..=bytes.len());
                match rng.gen_range(0..4) {
                    0 if at < bytes.len() => bytes[at] = alphabet[rng.gen_range(0..alphabet.len())],
                    1 => bytes.insert(at, alphabet[rng.gen_range(0..alphabet.len())]),
                    2 => bytes.truncate(at),
                    _ if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => {}
                }
            }
            // The socket only hands over valid UTF-8 text frames.
            if let Ok(text) = std::str::from_utf8(&bytes) {
                read_everything(text);
            }
        }
    }

    /// Mutated binary frames never panic the binary decoders, and every
    /// frame they accept is written back byte for byte.
    #[test]
    fn arbitrary_bytes_never_panic_the_binary_decoders() {
        use rand::rngs::SmallRng;
        use rand::{Rng, SeedableRng};
        let seeds: [&[u8]; 4] = [
            b"\x00\x02\x03\x05\x0512123topicevent\x65\x66\x67",
            b"\x00\x02\x05\x0512topicevent\x00\xff",
            b"\x01\x02\x03\x05\x0212123topicok",
            b"\x02\x05\x05topicevent\xc3",
        ];
        let mut rng = SmallRng::seed_from_u64(11);
        let (mut accepted, rounds) = (0, 60_000);
        for round in 0..rounds {
            let mut bytes = seeds[round % seeds.len()].to_vec();
            for _ in 0..rng.gen_range(1..4) {
                let at = rng.gen_range(0..=bytes.len());
                match rng.gen_range(0..3) {
                    0 if at < bytes.len() => bytes[at] = rng.gen(),
                    1 => bytes.insert(at, rng.gen()),
                    _ => bytes.truncate(at),
                }
            }
            read_binary(&bytes);
            accepted += usize::from(binary::decode_server(&bytes).is_ok());
        }
        // The mutations reach both sides of the decoder, not only its refusals.
        assert!(accepted > rounds / 20 && accepted < rounds, "{accepted} of {rounds} accepted");
    }
}
