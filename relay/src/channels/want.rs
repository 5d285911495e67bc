//! `want:H`: a visitor asks for page H with `content_request` and is sent
//! the verified page when a host answers; on a file page, it asks for
//! chunks (`chunk_request`) and is sent each, verified, as a binary frame.
//! It may offer a host a direct connection (`signal`, in `direct`).
//! It neither chats nor answers.

use super::{Close, Session};
use crate::metrics::Reject;
use crate::relay::now;
use crate::routing::{Input, Peer, Side, SocketId};
use ep2p_core::chunk::ChunkId;
use ep2p_core::phoenix::{Frame, Ref, Vsn};
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
        event::CHUNK_REQUEST => chunk_request(session, hash, join_ref, frame),
        event::SIGNAL => super::direct::signal(session, hash, Side::Visitor, join_ref, frame),
        event::DIRECT_REPORT => super::direct::report(session, join_ref, frame),
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

/// `chunk_request`: a chunk of this file page, within the socket's chunks
/// in flight and its bytes per second, then routed to one holder. Refused
/// with a reason a client can act on: V1 (chunks are binary frames), no
/// manifest known here yet (ask for the page first), no such chunk, too
/// many in flight, or past the rate (`rate_limited`: ask again later).
fn chunk_request(session: &mut Session, hash: PageHash, join_ref: Option<&Ref>, frame: &Frame<'_>) {
    let chunk: ChunkId = match frame.payload_as() {
        Ok(chunk) => chunk,
        Err(error) => {
            session.refuse(Reject::Malformed, join_ref, frame, &error.to_string());
            return;
        }
    };
    if session.vsn != Vsn::V2 {
        let reason = "chunks travel in binary frames: connect with vsn=2.0.0";
        session.refuse(Reject::Binary, join_ref, frame, reason);
        return;
    }
    let Some(index) = session.relay.hub().files(hash) else {
        let reason = "no file manifest known for this page here: send content_request first";
        session.refuse(Reject::UnknownEvent, join_ref, frame, reason);
        return;
    };
    let Some(length) = index.chunk_len(chunk) else {
        session.refuse(Reject::Malformed, join_ref, frame, "no such chunk in this page's files");
        return;
    };
    let key = (hash, chunk);
    if session.wanted.contains(&key) {
        // Already asked for and not yet sent: it comes once.
        return;
    }
    if session.wanted.len() >= session.relay.limits().max_chunks_in_flight {
        session.refuse(Reject::RateLimited, join_ref, frame, "too many chunks in flight");
        return;
    }
    if !session.chunk_bytes.spend(f64::from(length), now()) {
        session.refuse(Reject::RateLimited, join_ref, frame, "rate_limited");
        return;
    }
    session.wanted.insert(key);
    session.relay.handle(Input::ChunkRequest { visitor: Peer::Socket(session.conn), hash, chunk });
}
