//! `have:H`: a host of page H. It is asked for the page (`content_request`)
//! and answers with `content`, checked against H before anyone sees it; it
//! chats with the page's other hosts (`chat`), and asks for or answers the
//! chat's history (`chat_history`). On a file page it says which chunks it
//! holds (`have_chunks`), is asked for one (`chunk_request`) and answers
//! with a binary `chunk`, checked against the manifest before anyone sees it.
//! It answers visitors' offers of direct connections (`signal`, in `direct`).

use super::{close_code, Close, Session, MOST_OWED_CHUNKS};
use crate::frame::{ChunkFrame, SharedFrame};
use crate::metrics::Reject;
use crate::relay::{now, wall_ms, ChunkAsk};
use crate::routing::{Answer, ChunkAnswer, Input, Peer, Side, SocketId};
use ep2p_core::chat::{self, ChatError, RawHistory};
use ep2p_core::chunk::{ChunkPayload, Holding};
use ep2p_core::phoenix::binary::ClientPush;
use ep2p_core::phoenix::{Empty, Frame, Ref, Status, Vsn};
use ep2p_core::protocol::{event, ContentFrame, PageHash, RawContent, Topic};

/// What the relay asked a host of `have:H` for: an answer the host owes
/// (see `Session::owes_an_answer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Ask {
    /// `content_request`: the page.
    Page(PageHash),
    /// `chat_history` (`{}`): the page's chat.
    History(PageHash),
}

impl Ask {
    pub(crate) fn page(self) -> PageHash {
        match self {
            Ask::Page(hash) | Ask::History(hash) => hash,
        }
    }

    /// The event that asks it.
    pub(crate) fn event(self) -> &'static str {
        match self {
            Ask::Page(_) => event::CONTENT_REQUEST,
            Ask::History(_) => event::CHAT_HISTORY,
        }
    }
}

/// What the routing hears when a socket joins `have:H`.
pub fn joined(conn: SocketId, hash: PageHash) -> Input {
    Input::JoinHost { host: conn, hash }
}

/// What the routing hears when a socket leaves `have:H` (or closes).
pub fn left(conn: SocketId, hash: PageHash) -> Input {
    Input::LeaveHost { host: conn, hash }
}

/// An event on a joined `have:H`.
pub fn event(
    session: &mut Session,
    hash: PageHash,
    join_ref: Option<&Ref>,
    frame: &Frame<'_>,
) -> Result<(), Close> {
    match frame.event.as_ref() {
        event::CHAT => chat_message(session, hash, join_ref, frame),
        event::CHAT_HISTORY => chat_history(session, hash, join_ref, frame),
        event::HAVE_CHUNKS => have_chunks(session, hash, join_ref, frame),
        event::SIGNAL => super::direct::signal(session, hash, Side::Host, join_ref, frame),
        event::CONTENT => match frame.payload_as::<RawContent>() {
            Ok(content) => {
                return content_answer(
                    session,
                    hash,
                    join_ref.cloned(),
                    frame.msg_ref.as_ref(),
                    &frame.topic,
                    content,
                )
            }
            Err(error) => {
                // An answer all the same: the one allowed in its place.
                session.answered(Ask::Page(hash));
                session.refuse(Reject::Malformed, join_ref, frame, &error.to_string())
            }
        },
        _ => session.refuse(Reject::UnknownEvent, join_ref, frame, "unknown event"),
    }
    Ok(())
}

/// A host's answer on a channel in good standing, read in one pass.
/// Anything unusual (another event, a topic not joined, a stale
/// join_ref, a long ref, V1) returns `None` and takes the general path,
/// which decides what to reply.
pub(super) fn content_in_one_pass(session: &mut Session, text: &str) -> Option<Result<(), Close>> {
    if session.vsn != Vsn::V2 || text.len() < 1024 {
        return None;
    }
    let frame = ContentFrame::decode_v2(text)?;
    let Ok(topic @ Topic::Have(hash)) = Topic::parse(&frame.topic) else { return None };
    let join_ref = session.channels.get(&topic)?.clone();
    if frame.join_ref.is_some() && frame.join_ref != join_ref {
        return None;
    }
    if !super::ref_within(frame.msg_ref.as_ref(), session.relay.limits().max_ref_bytes) {
        return None;
    }
    Some(content_answer(session, hash, join_ref, frame.msg_ref.as_ref(), &frame.topic, frame.content))
}

/// A host says something: checked, within the socket's chat rate and its
/// address's and page's budgets, then passed to every other host of the
/// page (on every node). The relay keeps nothing; the sender gets an ok
/// reply.
fn chat_message(session: &mut Session, hash: PageHash, join_ref: Option<&Ref>, frame: &Frame<'_>) {
    if !session.chats.take(now()) {
        session.refuse(Reject::RateLimited, join_ref, frame, "rate_limited");
        return;
    }
    let checked = chat::read_message(frame.payload.get()).and_then(|m| m.check_date(wall_ms()));
    if let Err(error) = checked {
        session.refuse(chat_reject(&error), join_ref, frame, &error.to_string());
        return;
    }
    // Many sockets from one address, or many on one page, are held to
    // budgets of their own; the sender hears what it would for its own rate.
    if session.relay.take_chat(session.address, hash).is_err() {
        session.refuse(Reject::ChatBudget, join_ref, frame, "rate_limited");
        return;
    }
    session.relay.chat(Peer::Socket(session.conn), hash, SharedFrame::chat(hash, frame.payload));
    session.reply(join_ref, frame.msg_ref.as_ref(), &frame.topic, Status::Ok, &Empty {});
}

/// `chat_history` from a host: without messages, it asks for the
/// history (routed to one other host); with them, it answers an ask
/// (checked, then passed to whoever asked; refused, the next host is asked).
fn chat_history(session: &mut Session, hash: PageHash, join_ref: Option<&Ref>, frame: &Frame<'_>) {
    let history: RawHistory = match frame.payload_as() {
        Ok(history) => history,
        Err(error) => {
            session.answered(Ask::History(hash));
            session.refuse(Reject::Malformed, join_ref, frame, &error.to_string());
            return;
        }
    };
    let me = Peer::Socket(session.conn);
    let Some(messages) = history.messages else {
        if !session.requests.take(now()) {
            session.refuse(Reject::RateLimited, join_ref, frame, "rate_limited");
            return;
        }
        session.relay.handle(Input::HistoryRequest { asker: me, hash });
        return;
    };
    session.answered(Ask::History(hash));
    if !session.relay.hub().history_asked_of(me, hash) {
        // Nobody asked this host: dropped unread (as Phoenix drops a
        // frame for a stale join), so it costs no checking.
        return;
    }
    let checked = if messages.get().len() > chat::HISTORY_BYTES {
        Err(ChatError::Malformed("history over 1 MiB".into()))
    } else {
        chat::check_history(messages, wall_ms())
    };
    let answer = match checked {
        Ok(_) => Some(SharedFrame::history(hash, messages)),
        Err(error) => {
            session.refuse(chat_reject(&error), join_ref, frame, &error.to_string());
            None
        }
    };
    session.relay.handle(Input::HistoryAnswer { host: me, hash, answer });
}

/// A host's answer: checked against its hash before anyone sees it.
fn content_answer(
    session: &mut Session,
    hash: PageHash,
    join_ref: Option<Ref>,
    msg_ref: Option<&Ref>,
    topic: &str,
    content: RawContent<'_>,
) -> Result<(), Close> {
    session.answered(Ask::Page(hash));
    let text = match content.text() {
        Ok(text) => text,
        Err(error) => {
            session.relay.metrics().reject(Reject::Malformed);
            session.error_to(join_ref.as_ref(), msg_ref, topic, &error.to_string());
            return Ok(());
        }
    };
    if text.len() > session.relay.limits().content_limit {
        session.relay.metrics().reject(Reject::TooBig);
        return Err(Close::new(close_code::SIZE, "page over the content limit"));
    }
    let claimed = content.hash.as_deref().map(PageHash::parse);
    let verified = hash.matches(&text) && claimed.is_none_or(|claimed| claimed == Ok(hash));
    let host = Peer::Socket(session.conn);
    if verified && ep2p_core::lifetime::has_ended(&text, wall_ms()) {
        // A true page whose end has come: the host is told and hosts it no more.
        session.push(join_ref.as_ref(), None, topic, event::PAGE_ENDED, &Empty {});
        session.forget_channel(Topic::Have(hash));
        session.push(join_ref.as_ref(), join_ref.as_ref(), topic, event::CLOSE, &Empty {});
        session.relay.handle(Input::Content { host, hash, answer: Answer::Ended });
    } else if verified {
        session.relay.learn_files(hash, &text);
        // No reply to a good answer: the next request is the next thing it
        // hears. Visitors get the host's own string literal, not a re-encoding.
        let frame = SharedFrame::content(hash, content.content);
        let answer =
            if ep2p_core::lifetime::is_once(&text) { Answer::Once(frame) } else { Answer::Verified(frame) };
        session.relay.handle(Input::Content { host, hash, answer });
    } else {
        // The liar's channel is closed; the hub asks another host.
        // Within the socket's interval and its address's budget (else counted
        // as unlogged, for the socket's next line).
        let logged = session.may_log().filter(|unlogged| {
            let allowed = session.relay.may_log_about(session.address);
            if !allowed {
                session.unlogged += unlogged + 1;
            }
            allowed
        });
        if let Some(unlogged) = logged {
            // Logged under the socket's target, where operators filter the socket's lines.
            tracing::info!(target: "ep2p_relay::socket", conn = session.conn.0, address = %session.address, page = %hash, unlogged, "closing a host that sent content with the wrong hash");
        }
        session.error_to(join_ref.as_ref(), msg_ref, topic, "hash mismatch");
        session.forget_channel(Topic::Have(hash));
        session.push(join_ref.as_ref(), join_ref.as_ref(), topic, event::CLOSE, &Empty {});
        session.relay.handle(Input::Content { host, hash, answer: Answer::Forged });
    }
    Ok(())
}

/// `have_chunks`: what this host holds, for the hub to ask it.
fn have_chunks(session: &mut Session, hash: PageHash, join_ref: Option<&Ref>, frame: &Frame<'_>) {
    let holding = match Holding::parse(frame.payload.get()) {
        Ok(holding) => holding,
        Err(error) => {
            session.refuse(Reject::Malformed, join_ref, frame, &error.to_string());
            return;
        }
    };
    match session.relay.hub().announce(session.conn, hash, &holding) {
        Ok(()) => {
            if session.relay.hub().files(hash).is_none() {
                session.relay.learn_manifest(hash, session.address);
            }
            session.reply(join_ref, frame.msg_ref.as_ref(), &frame.topic, Status::Ok, &Empty {})
        }
        Err(error) => session.refuse(Reject::TooBig, join_ref, frame, &error.to_string()),
    }
}

/// Asks this host for a chunk (`chunk_request` on its `have:H`): from now
/// until it sends it, it may send a binary message that large.
pub(super) fn ask_chunk(session: &mut Session, ask: ChunkAsk) {
    let topic = Topic::Have(ask.hash);
    // The host may have left since the ask was queued.
    let Some(join_ref) = session.channels.get(&topic).cloned() else { return };
    let key = (ask.hash, ask.chunk);
    if !session.owed_chunks.contains_key(&key) && session.owed_chunks.len() >= MOST_OWED_CHUNKS {
        // Not passed on: the hub's deadline moves it to another holder.
        return;
    }
    *session.owed_chunks.entry(key).or_default() += 1;
    session.owed_chunk_limit = session.owed_chunk_limit.max(ask.limit);
    let topic = topic.to_string();
    session.push(join_ref.as_ref(), None, &topic, event::CHUNK_REQUEST, &ask.chunk);
}

/// A host's chunk (a binary push): read only if it was asked for, checked
/// against the page's manifest, then handed to the hub for whoever waits.
/// A chunk that fails its check closes the host's channel, as a forged
/// page does, and the hub asks another holder.
pub(super) fn chunk(
    session: &mut Session,
    hash: PageHash,
    join_ref: Option<&Ref>,
    msg_ref: Option<&Ref>,
    push: &ClientPush<'_>,
) {
    let payload = match ChunkPayload::parse(push.payload) {
        Ok(payload) => payload,
        Err(error) => {
            session.relay.metrics().reject(Reject::Malformed);
            session.error_to(join_ref, msg_ref, push.topic, &error.to_string());
            return;
        }
    };
    if !session.chunk_answered(hash, payload.id) {
        // Nobody asked this host for it: dropped unread, as a late or
        // unasked page is, so it costs no hashing.
        session.relay.metrics().unsolicited.inc();
        return;
    }
    let host = session.conn;
    let index = session.relay.hub().files(hash);
    if index.as_ref().is_some_and(|index| index.verify(&payload)) {
        let frame = ChunkFrame::new(hash, payload.id, push.payload, payload.data.len());
        session.relay.handle(Input::Chunk {
            host: Peer::Socket(host),
            hash,
            answer: ChunkAnswer::Verified(frame),
        });
        return;
    }
    if index.is_none() {
        // The page's manifest is gone with everyone who was on it: nobody waits.
        return;
    }
    if let Some(unlogged) = session.may_log() {
        tracing::info!(target: "ep2p_relay::socket", conn = host.0, address = %session.address, page = %hash, unlogged, "closing a host that sent a chunk that fails its proof");
    }
    let topic = push.topic;
    session.error_to(join_ref, msg_ref, topic, "chunk hash mismatch");
    session.forget_channel(Topic::Have(hash));
    session.push(join_ref, join_ref, topic, event::CLOSE, &Empty {});
    session.relay.handle(Input::Chunk {
        host: Peer::Socket(host),
        hash,
        answer: ChunkAnswer::Forged(payload.id),
    });
}

/// How a refused chat message is counted.
fn chat_reject(error: &ChatError) -> Reject {
    match error {
        ChatError::Future => Reject::FutureDated,
        ChatError::TooLong | ChatError::TooMany => Reject::TooBig,
        _ => Reject::Malformed,
    }
}
