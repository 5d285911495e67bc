//! Any text frame a client can send: decoding and reading it never panics,
//! and what the relay would forward is valid JSON.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The WebSocket layer only hands over UTF-8 text.
    if let Ok(text) = std::str::from_utf8(data) {
        ep2p_core::fuzzing::read_everything(text);
    }
});
