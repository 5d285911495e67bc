//! Any binary frame a client or the server can send: decoding it never
//! panics, and every frame read is written back byte for byte.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    ep2p_core::fuzzing::read_binary(data);
});
