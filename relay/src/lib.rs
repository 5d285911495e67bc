//! `ep2p-relay`: the relay of Ephemeral P2P. It speaks the Phoenix Channels
//! wire protocol over WebSockets (axum and tokio, no Leptos): visitors ask
//! for a page on `want:<hash>`, the relay asks one of the page's hosts on
//! `have:<hash>`, checks the answer's hash and forwards it, and tells
//! everyone on a page how many hosts it has. It never keeps a page.
//!
//! A site mounts [`Relay::router`] next to its own routes, asks
//! [`Relay::health`] for a page's host count, and runs both with [`serve`].
//!
//! # Layout
//!
//! * [`cluster`] — several relay nodes as one site, over Redis: counts,
//!   asks and pages between nodes, node liveness, outages (`--redis`).
//! * [`config`] — what the relay needs to know: routing, per-socket limits,
//!   allowed origins; the defaults.
//! * [`routing`] — every page's hosts (by trust tier), waiting visitors,
//!   request in flight, counts and chat history, the policies and the
//!   other nodes as hosts. Pure, with one entry: [`routing::Hub::handle`]
//!   takes an [`routing::Input`] and the time and returns
//!   [`routing::Effect`]s that carry their data.
//! * [`frame`] — frames for many sockets, encoded once per serializer.
//! * [`relay`] — the shared handle: the routing, the open sockets, metrics,
//!   shutdown; [`Relay::handle`] runs the routing and carries out its effects.
//! * [`channels`] — one socket's Phoenix channels without the socket:
//!   frames in, replies out, inputs for the routing; each topic's events in
//!   its own module (`want`, `have`, `watch`).
//! * [`socket`] — one task per WebSocket: one `select!` loop over frames
//!   in, queued frames out, the idle deadline and shutdown.
//! * [`limits`] — the token bucket behind the rate limits.
//! * [`meter`] — reads frame headers as bytes arrive: per-socket message
//!   size limits and the time a message has been in progress.
//! * [`metrics`] — every counter and gauge, declared once.
//! * [`raw`] — a page over plain HTTP (`/<hash>/raw`): fetched as a
//!   visitor would, verified, answered, forgotten.
//! * [`http`] — the routes, the upgrade (serializer, origin, connection
//!   caps), [`serve`] (header read timeout, client addresses, graceful
//!   shutdown), the log filter.
//!
//! The wire protocol itself is `ep2p_core::protocol`; `docs/protocol.md`
//! describes it in prose.

pub mod channels;
pub mod cluster;
pub mod config;
pub mod frame;
pub mod http;
pub mod limits;
pub mod meter;
pub mod metrics;
pub mod raw;
pub mod relay;
pub mod routing;
pub mod socket;

pub use config::{Limits, RelayConfig};
pub use http::{log_filter, log_subscriber, serve, LogFormat, SHUTDOWN_GRACE};
pub use metrics::Reject;
pub use relay::{wall_ms, Relay, StartError};
pub use routing::{HubConfig, Policy};
