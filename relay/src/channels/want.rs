//! `want:H`: a visitor asks for page H with `content_request` and is sent
//! the verified page when a host answers. It neither chats nor answers.

use super::{Close, Session};
use crate::metrics::Reject;
use crate::relay::now;
use crate::routing::{Input, Peer, SocketId};
use ep2p_core::phoenix::{Frame, Ref};
use ep2p_core::protocol::{event, ContentRequest, PageHash};

/// What the routing hears when a socket joins `want:H`.
pub fn joined(conn: SocketId, hash: PageHash) -> Input {
    Input::JoinVisitor { visitor: Peer::Socket(conn), hash }
}

/// What the routing hears when a socket leaves `want:H` (or closes).
pub fn left(conn: SocketId, hash: PageHash) -> Input {
    Input::LeaveVisitor { visitor: Peer::Socket(conn), hash }
}

/// An event on a joined `want:H`.
pub fn event(
    session: &mut Session,
    hash: PageHash,
    join_ref: Option<&Ref>,
    frame: &Frame<'_>,
) -> Result<(), Close> {
    match frame.event.as_ref() {
        event::CONTENT_REQUEST => {
            request(session, hash, join_ref, frame);
        }
        event::CHAT | event::CHAT_HISTORY => {
            let reason = format!("only hosts chat: join have:{hash} once you have the page");
            session.refuse(Reject::UnknownEvent, join_ref, frame, &reason);
        }
        _ => session.refuse(Reject::UnknownEvent, join_ref, frame, "unknown event"),
    }
    Ok(())
}

/// `content_request`: checked (it names this page), within the socket's
/// request rate, then routed. Served requests get no reply (Phoenix's
/// `:noreply`, as in the original app): the content is the answer.
fn request(session: &mut Session, hash: PageHash, join_ref: Option<&Ref>, frame: &Frame<'_>) {
    let request: ContentRequest = match frame.payload_as() {
        Ok(request) => request,
        Err(error) => {
            session.refuse(Reject::Malformed, join_ref, frame, &error.to_string());
            return;
        }
    };
    if !request.names(hash) {
        session.refuse(Reject::InvalidHash, join_ref, frame, "hash does not match the topic");
        return;
    }
    if !session.requests.take(now()) {
        session.refuse(Reject::RateLimited, join_ref, frame, "rate limited");
        return;
    }
    session.relay.handle(Input::Request { visitor: Peer::Socket(session.conn), hash });
}
