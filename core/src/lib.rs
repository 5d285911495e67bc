//! What every Ephemeral P2P program shares: the wire protocol, the
//! client's state machines (visitor and keeper) and the encrypted pages'
//! format. No I/O, no web-sys: the server, the browser (WASM) and the
//! native tools (mirror, load generator) all build it, and its tests run
//! natively. One feature: `aes` adds native AES-GCM for the tools (the
//! browser has Web Crypto).
//!
//! From the bottom up (nothing points back up):
//!
//! * [`phoenix`] — Phoenix Channels' framing, knowing nothing of this app:
//!   refs, serializers (V1 objects, V2 arrays, V2 binary frames), frames, replies.
//! * [`protocol`] — this app's protocol over it: page hashes, topics,
//!   events and their payloads, the relay's socket path.
//! * [`sealed`] — encrypted pages: the `ep2p1:` wire text and link keys.
//! * [`fragment`] — what a link carries after `#`: the key and the view.
//! * [`lifetime`] — a page's end, inside the page: `ep2p-exp1:`.
//! * [`chat`] — a page's chat: messages, their ids and limits, the merged set.
//! * [`manifest`] — file pages: the `ep2p-files1:` manifest, chunks and
//!   the Merkle proofs that check each chunk alone.
//! * [`chunk`] — a file page's chunks on the wire: requests, the binary
//!   payload with its proof, what hosts hold, the index that checks them.
//! * [`sealed_files`] — encrypted file pages: the `ep2p-sfiles1:` outer
//!   manifest the relay checks ciphertext by, the sealed names, chunk nonces.
//! * [`signal`] — direct connections: the `signal` payload, and the
//!   visitor's and the host's machines that set one up or fall back.
//! * [`channel`] — what travels over an open direct connection: asks for
//!   the page or a chunk, and the answers' framing.
//! * [`transfer`] — a file page's chunks inside the visitor's machine:
//!   storage opened, chunks asked for, checked, stored, announced and served.
//! * [`download`] — downloading a file page: which chunks to ask for,
//!   what a received one is worth, what to announce, the progress.
//! * [`client`] — what both client roles share: `step(event) -> commands`,
//!   the socket's life, its channels, hosting a page.
//! * [`machine`] — a visitor on one page: wants the page, checks it, hosts it.
//! * [`keeper`] — one socket for "Your pages": watches their counts, hosts
//!   the kept ones.
//! * `fuzzing` (tests, feature `fuzzing`) — everything read from a frame,
//!   in one call, for the fuzzers.

pub mod channel;
pub mod chat;
pub mod chunk;
pub mod client;
pub mod download;
pub mod fragment;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod keeper;
pub mod lifetime;
pub mod machine;
pub mod manifest;
pub mod phoenix;
pub mod protocol;
pub mod sealed;
pub mod sealed_files;
pub mod signal;
pub mod transfer;
