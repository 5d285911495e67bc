//! Everything the relay and the browser read from a frame, in one call, for
//! the fuzzers: the cargo-fuzz target `fuzz/fuzz_targets/frame.rs` and the
//! bounded, in-suite test below. Built for tests and the `fuzzing` feature
//! only; it sits above every module it reads.

use crate::chat;
use crate::phoenix::{encode, Frame, Vsn};
use crate::protocol::{event, ContentRequest, PageHash, RawContent, Relayed, Topic, VisitorsCount};

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
        if let Ok(message) = chat::read_message(frame.payload.get()) {
            let _ = message.check_date(0);
        }
        if let Ok(chat::RawHistory { messages: Some(messages) }) = frame.payload_as() {
            let _ = chat::check_history(messages, u64::MAX);
        }
        if let Ok(raw) = frame.payload_as::<RawContent>() {
            if let Ok(text) = raw.text() {
                let _ = PageHash::of(&text);
            }
            let forwarded =
                encode(Vsn::V2, None, None, "want:x", event::CONTENT, &Relayed { content: raw.content });
            assert!(serde_json::from_str::<serde_json::Value>(&forwarded).is_ok(), "{forwarded}");
        }
    }
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
}
