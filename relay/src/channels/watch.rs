//! `watch:H` ("Your pages"): a socket hears page H's host count, in its
//! join reply and then in `visitors_count`, and is neither host nor
//! visitor. It sends nothing but its join and leave.

use super::{Close, Session};
use crate::metrics::Reject;
use crate::routing::{Input, SocketId};
use ep2p_core::phoenix::{Frame, Ref};
use ep2p_core::protocol::PageHash;

/// What the routing hears when a socket joins `watch:H`.
pub fn joined(conn: SocketId, hash: PageHash) -> Input {
    Input::JoinWatcher { watcher: conn, hash }
}

/// What the routing hears when a socket leaves `watch:H` (or closes).
pub fn left(conn: SocketId, hash: PageHash) -> Input {
    Input::LeaveWatcher { watcher: conn, hash }
}

/// Any event on a joined `watch:H`: refused, the channel stays.
pub fn event(
    session: &mut Session,
    _hash: PageHash,
    join_ref: Option<&Ref>,
    frame: &Frame<'_>,
) -> Result<(), Close> {
    session.refuse(Reject::UnknownEvent, join_ref, frame, "a watch only receives the host count");
    Ok(())
}
