//! What every Ephemeral P2P program shares: the wire protocol and the
//! visitor's state machine. No I/O, no cfg gates, no web-sys: the server,
//! the browser (WASM) and the native tools (mirror, load generator) all
//! build it, and its tests run natively.
//!
//! * [`protocol`] — page hashes, topics, Phoenix Channels frames (V1 objects
//!   and V2 arrays) and this app's events.
//! * [`machine`] — a visitor on one page: `step(event) -> commands`.

pub mod machine;
pub mod protocol;
