//! What every Ephemeral P2P program shares: the wire protocol, the
//! visitor's state machine and the encrypted pages' format. No I/O, no
//! web-sys: the server, the browser (WASM) and the native tools (mirror,
//! load generator) all build it, and its tests run natively. One feature:
//! `aes` adds native AES-GCM for the tools (the browser has Web Crypto).
//!
//! * [`phoenix`] — Phoenix Channels' framing, knowing nothing of this app:
//!   refs, serializers (V1 objects, V2 arrays), frames, replies.
//! * [`protocol`] — this app's protocol over it: page hashes, topics,
//!   events and their payloads, the relay's socket path.
//! * [`machine`] — a visitor on one page: `step(event) -> commands`.
//! * [`sealed`] — encrypted pages: the `ep2p1:` wire text and link keys.
//! * [`chat`] — a page's chat: messages, their ids and limits, the merged set.
//! * [`keeper`] — one socket for "Your pages": watches their counts, hosts
//!   the kept ones.
//! * [`fragment`] — what a link carries after `#`: the key and the view.

pub mod chat;
pub mod client;
pub mod fragment;
pub mod keeper;
pub mod machine;
pub mod phoenix;
pub mod protocol;
pub mod sealed;
