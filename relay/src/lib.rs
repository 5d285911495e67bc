//! `ep2p-relay`: the relay of Ephemeral P2P. It speaks the Phoenix Channels
//! wire protocol over WebSockets (axum and tokio, no Leptos): visitors ask
//! for a page on `want:<hash>`, the relay asks one of the page's hosts on
//! `have:<hash>`, checks the answer's hash and forwards it, and tells
//! everyone on a page how many hosts it has. It never keeps a page.
//!
//! A site mounts [`Relay::router_with`] next to its own routes (with the
//! same [`RawGateway`] its first responses use, so both share one budget), asks
//! [`Relay::health`] for a page's host count, and runs both with [`serve`].
//!
//! # Layout
//!
//! * [`backplane`] — how the nodes of one site reach each other: the
//!   [`backplane::Backplane`] trait the relay talks to and the one
//!   [`backplane::Handler`] it hears through; [`backplane::redis`] between
//!   processes (`--redis`: counts, asks and pages between nodes, node
//!   liveness, outages), [`backplane::memory`] between relays in one
//!   process.
//! * [`config`] — what the relay needs to know: routing, per-socket limits,
//!   allowed origins; the defaults.
//! * [`routing`] — every page's hosts (by trust tier), waiting visitors,
//!   request in flight, counts and chat history, the policies and the
//!   other nodes as hosts. Pure, with one entry: [`routing::Hub::handle`]
//!   takes an [`routing::Input`] and the time and returns
//!   [`routing::Effect`]s that carry their data.
//! * [`frame`] — frames for many sockets, encoded once per serializer.
//! * [`relay`] — the shared handle: the routing, the open sockets, metrics,
//!   the backplane, shutdown; [`Relay::handle`] runs the routing and carries
//!   out its effects, [`Relay::on_backplane`] what other nodes say.
//! * [`channels`] — one socket's Phoenix channels without the socket:
//!   frames in, replies out, inputs for the routing; each topic's events in
//!   its own module (`want`, `have`, `watch`).
//! * [`socket`] — one task per WebSocket: one `select!` loop over frames
//!   in, queued frames out, the idle deadline and shutdown.
//! * [`bucket`] — the token bucket behind the rate limits, and a table of
//!   them per client address.
//! * [`chat_budget`] — chat's budgets per client address and per page,
//!   beyond each socket's.
//! * [`meter`] — reads frame headers as bytes arrive: per-socket message
//!   size limits and the time a message has been in progress.
//! * [`metrics`] — every counter and gauge, declared once.
//! * [`raw`] — the raw gateway, a small service beside the relay with
//!   limits of its own: a page over plain HTTP (`/<hash>/raw`) and a
//!   site's first responses, fetched as a visitor would, verified,
//!   answered, forgotten.
//! * [`ice`] — `GET /ice`: the STUN and TURN servers for direct
//!   connections, with time-limited TURN credentials (coturn's REST scheme).
//! * [`http`] — the routes, the upgrade (serializer, origin, connection
//!   caps), [`serve`] (header read timeout, connections per address, host
//!   names answered, client addresses, graceful shutdown), the log filter.
//!
//! The wire protocol itself is `ep2p_core::phoenix` (the framing) and
//! `ep2p_core::protocol` (this app's topics and events); `docs/protocol.md`
//! describes it in prose.

pub mod backplane;
pub mod bucket;
pub mod channels;
pub mod chat_budget;
pub mod config;
pub mod frame;
pub mod http;
pub mod ice;
pub mod meter;
pub mod metrics;
pub mod once;
pub mod raw;
pub mod relay;
pub mod routing;
pub mod socket;

pub use config::{Limits, RelayConfig};
pub use http::{log_filter, log_subscriber, serve, LogFormat, SHUTDOWN_GRACE};
pub use ice::{IceError, IceServers};
pub use metrics::Reject;
pub use raw::Gateway as RawGateway;
pub use relay::{wall_ms, Relay, StartError};
pub use routing::{HubConfig, Policy};
